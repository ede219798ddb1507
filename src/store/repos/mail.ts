/**
 * The citizens' mailbox's persistent side (migration 14_mail): inbound mail (committed before the SMTP
 * 250; Message-ID unique), the work order's mail contact (mail_threads), the mail outbox (queued →
 * sending → sent | failed | expired), bounced addresses and e-mail subscriptions.
 */
import type { Db } from '../db.js';

export type MailDisposition = 'order' | 'reply' | 'bounce' | 'ignored' | 'subscribe';
export type MailOutboxReason = 'auto_reply' | 'answer' | 'notice' | 'push' | 'subscribe';
export type MailOutboxStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'expired';

export interface StoredAttachment { filename: string; contentType: string; size: number; path: string }

export interface NewInboundMail {
  messageId: string; fromAddr: string; returnPath: string | null; remoteIp: string | null; subject: string | null; bodyText: string | null;
  inReplyTo: string | null; refs: string | null; rawPath: string; rawBytes: number; attachments: StoredAttachment[];
  disposition: MailDisposition; reason: string | null; feedbackId: number | null;
}
export interface InboundMailRow extends NewInboundMail { id: number; receivedAt: string }

export interface MailThreadRow { feedbackId: number; address: string; messageId: string; createdAt: string }

export interface NewOutboundMail {
  toAddr: string; subject: string; body: string; messageId: string; inReplyTo: string | null; refs: string | null;
  reason: MailOutboxReason; feedbackId: number | null; dedupeKey: string | null; nextAttemptAt: string; expiresAt: string;
  /** Inserted as failed with this error (a bounced address: every outbound ends sent / failed / expired). */
  failedWith?: string | null;
}
export interface OutboundMailRow extends Omit<NewOutboundMail, 'failedWith'> {
  id: number; status: MailOutboxStatus; attempts: number; lastError: string | null; sentAt: string | null; createdAt: string; updatedAt: string;
}

export function toInbound(r: any): InboundMailRow {
  return {
    id: Number(r.id), messageId: r.message_id, fromAddr: r.from_addr, returnPath: r.return_path ?? null, remoteIp: r.remote_ip ?? null, subject: r.subject ?? null,
    bodyText: r.body_text ?? null, inReplyTo: r.in_reply_to ?? null, refs: r.refs ?? null, rawPath: r.raw_path, rawBytes: Number(r.raw_bytes),
    attachments: JSON.parse(r.attachments ?? '[]') as StoredAttachment[], disposition: r.disposition, reason: r.reason ?? null,
    feedbackId: r.feedback_id === null || r.feedback_id === undefined ? null : Number(r.feedback_id), receivedAt: r.received_at,
  };
}
export function toThread(r: any): MailThreadRow { return { feedbackId: Number(r.feedback_id), address: r.address, messageId: r.message_id, createdAt: r.created_at }; }
export function toOutbound(r: any): OutboundMailRow {
  return {
    id: Number(r.id), toAddr: r.to_addr, subject: r.subject, body: r.body, messageId: r.message_id, inReplyTo: r.in_reply_to ?? null, refs: r.refs ?? null,
    reason: r.reason, feedbackId: r.feedback_id === null || r.feedback_id === undefined ? null : Number(r.feedback_id), dedupeKey: r.dedupe_key ?? null,
    nextAttemptAt: r.next_attempt_at, expiresAt: r.expires_at, status: r.status, attempts: Number(r.attempts), lastError: r.last_error ?? null,
    sentAt: r.sent_at ?? null, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** The Message-IDs of a work order's mail, oldest first (inbound and ours): the References chain. */
export const THREAD_IDS_SQL = `SELECT message_id, at FROM (
  SELECT message_id, received_at AS at, id, 0 AS k FROM mail_inbound WHERE feedback_id = @fid
  UNION ALL SELECT message_id, created_at AS at, id, 1 AS k FROM mail_outbox WHERE feedback_id = @fid AND reason <> 'subscribe'
) t ORDER BY at, k, id`;

export class SqliteMailRepo {
  private s;
  private readonly claimTx: (now: string, limit: number) => OutboundMailRow[];
  constructor(db: Db) {
    this.s = {
      insertInbound: db.prepare(`INSERT INTO mail_inbound (message_id, from_addr, return_path, remote_ip, subject, body_text, in_reply_to, refs, raw_path, raw_bytes, attachments, disposition, reason, feedback_id, received_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO NOTHING RETURNING *`),
      inboundByMessageId: db.prepare('SELECT * FROM mail_inbound WHERE message_id = ?'),
      inboundFor: db.prepare('SELECT * FROM mail_inbound WHERE feedback_id = ? ORDER BY id'),
      thread: db.prepare('SELECT * FROM mail_threads WHERE feedback_id = ?'),
      openThread: db.prepare('INSERT INTO mail_threads (feedback_id, address, message_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(feedback_id) DO NOTHING'),
      inboundFeedback: db.prepare('SELECT feedback_id FROM mail_inbound WHERE message_id = ? AND feedback_id IS NOT NULL').pluck(),
      outboundFeedback: db.prepare('SELECT feedback_id FROM mail_outbox WHERE message_id = ? AND feedback_id IS NOT NULL').pluck(),
      threadIds: db.prepare(THREAD_IDS_SQL),
      queue: db.prepare(`INSERT INTO mail_outbox (to_addr, subject, body, message_id, in_reply_to, refs, reason, feedback_id, dedupe_key, status, next_attempt_at, expires_at, last_error, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`),
      outbound: db.prepare('SELECT * FROM mail_outbox WHERE id = ?'),
      outboundFor: db.prepare('SELECT * FROM mail_outbox WHERE feedback_id = ? ORDER BY id'),
      due: db.prepare(`SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`).pluck(),
      claim: db.prepare(`UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued' RETURNING *`),
      sent: db.prepare(`UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = NULL, updated_at = ? WHERE id = ? AND status = 'sending'`),
      retry: db.prepare(`UPDATE mail_outbox SET status = 'queued', last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status = 'sending'`),
      failed: db.prepare(`UPDATE mail_outbox SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ? AND status IN ('queued', 'sending')`),
      expire: db.prepare(`UPDATE mail_outbox SET status = 'expired', updated_at = ? WHERE status = 'queued' AND expires_at <= ?`),
      requeue: db.prepare(`UPDATE mail_outbox SET status = 'queued', updated_at = ? WHERE status = 'sending' AND updated_at <= ?`),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM mail_outbox GROUP BY status'),
      bounce: db.prepare('INSERT INTO mail_addresses (address, bounced_at, reason) VALUES (?, ?, ?) ON CONFLICT(address) DO UPDATE SET bounced_at = excluded.bounced_at, reason = excluded.reason'),
      bounced: db.prepare('SELECT 1 FROM mail_addresses WHERE address = ?').pluck(),
      subActive: db.prepare('SELECT id FROM mail_subscriptions WHERE address = ? AND declaration_id = ? AND ended_at IS NULL').pluck(),
      subInsert: db.prepare('INSERT INTO mail_subscriptions (address, declaration_id, created_at) VALUES (?, ?, ?)'),
      subEndOne: db.prepare('UPDATE mail_subscriptions SET ended_at = ? WHERE address = ? AND declaration_id = ? AND ended_at IS NULL'),
      subEndAll: db.prepare('UPDATE mail_subscriptions SET ended_at = ? WHERE address = ? AND ended_at IS NULL'),
      subscribers: db.prepare('SELECT address FROM mail_subscriptions WHERE declaration_id = ? AND ended_at IS NULL ORDER BY id').pluck(),
    };
    this.claimTx = db.transaction((now: string, limit: number) => {
      const out: OutboundMailRow[] = [];
      for (const id of this.s.due.all(now, limit) as number[]) { const r = this.s.claim.get(now, id); if (r) out.push(toOutbound(r)); }
      return out;
    });
  }

  /** The mail, or null when a mail with this Message-ID is stored already (a re-delivery). */
  insertInbound(m: NewInboundMail, now: string): InboundMailRow | null {
    const r = this.s.insertInbound.get(m.messageId, m.fromAddr, m.returnPath, m.remoteIp, m.subject, m.bodyText, m.inReplyTo, m.refs, m.rawPath, m.rawBytes,
      JSON.stringify(m.attachments), m.disposition, m.reason, m.feedbackId, now);
    return r ? toInbound(r) : null;
  }
  inboundByMessageId(messageId: string): InboundMailRow | undefined { const r = this.s.inboundByMessageId.get(messageId); return r ? toInbound(r) : undefined; }
  inboundFor(feedbackId: number): InboundMailRow[] { return this.s.inboundFor.all(feedbackId).map(toInbound); }

  thread(feedbackId: number): MailThreadRow | undefined { const r = this.s.thread.get(feedbackId); return r ? toThread(r) : undefined; }
  /** The work order's mail contact (the first one stays). */
  openThread(feedbackId: number, address: string, messageId: string, now: string): void { this.s.openThread.run(feedbackId, address, messageId, now); }
  /** The work order one of these Message-IDs (In-Reply-To, References) belongs to: the latest named first. */
  feedbackForMessageIds(ids: readonly string[]): number | null {
    for (const id of ids) {
      const f = (this.s.outboundFeedback.get(id) ?? this.s.inboundFeedback.get(id)) as number | undefined;
      if (f !== undefined && f !== null) return Number(f);
    }
    return null;
  }
  threadMessageIds(feedbackId: number): string[] { return (this.s.threadIds.all({ fid: feedbackId }) as Array<{ message_id: string }>).map((r) => r.message_id); }

  /** The queued row, or null when its dedupe key (or Message-ID) is taken. */
  queue(m: NewOutboundMail, now: string): OutboundMailRow | null {
    const r = this.s.queue.get(m.toAddr, m.subject, m.body, m.messageId, m.inReplyTo, m.refs, m.reason, m.feedbackId, m.dedupeKey,
      m.failedWith ? 'failed' : 'queued', m.nextAttemptAt, m.expiresAt, m.failedWith ?? null, now, now);
    return r ? toOutbound(r) : null;
  }
  outbound(id: number): OutboundMailRow | undefined { const r = this.s.outbound.get(id); return r ? toOutbound(r) : undefined; }
  outboundFor(feedbackId: number): OutboundMailRow[] { return this.s.outboundFor.all(feedbackId).map(toOutbound); }
  /** Due queued rows → sending (attempts + 1), oldest first. */
  claimDue(now: string, limit: number): OutboundMailRow[] { return this.claimTx(now, limit); }
  markSent(id: number, now: string): boolean { return this.s.sent.run(now, now, id).changes > 0; }
  markRetry(id: number, error: string, nextAttemptAt: string, now: string): boolean { return this.s.retry.run(error, nextAttemptAt, now, id).changes > 0; }
  markFailed(id: number, error: string, now: string): boolean { return this.s.failed.run(error, now, id).changes > 0; }
  expireStale(now: string): number { return this.s.expire.run(now, now).changes; }
  /**
   * Rows left 'sending' by a stop mid-send go back to the queue (same Message-ID): those claimed at or
   * before `claimedBefore` (several instances: long enough ago that no live instance is still sending them).
   */
  requeueInterrupted(now: string, claimedBefore: string = now): number { return this.s.requeue.run(now, claimedBefore).changes; }
  countsByStatus(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.s.counts.all() as Array<{ status: string; n: number }>) out[r.status] = Number(r.n);
    return out;
  }

  markBounced(address: string, reason: string | null, now: string): void { this.s.bounce.run(address, now, reason); }
  isBounced(address: string): boolean { return !!this.s.bounced.get(address); }

  /** true when a new subscription was made (false: it existed). */
  subscribe(address: string, declarationId: number, now: string): boolean {
    if (this.s.subActive.get(address, declarationId)) return false;
    this.s.subInsert.run(address, declarationId, now);
    return true;
  }
  unsubscribe(address: string, declarationId: number | null, now: string): number {
    return (declarationId === null ? this.s.subEndAll.run(now, address) : this.s.subEndOne.run(now, address, declarationId)).changes;
  }
  subscribers(declarationId: number): string[] { return this.s.subscribers.all(declarationId) as string[]; }
}

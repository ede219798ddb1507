import type { AsyncOf } from '../../async.js';
import {
  THREAD_IDS_SQL, toInbound, toOutbound, toThread, type InboundMailRow, type MailThreadRow, type NewInboundMail, type NewOutboundMail, type OutboundMailRow,
  type SqliteMailRepo,
} from '../../repos/mail.js';
import { withTransaction, type Queryable } from '../pool.js';
import { changes, row, rows } from './util.js';

/** The citizens' mailbox on PostgreSQL (see ../../repos/mail.ts); due outbound mail is claimed FOR UPDATE SKIP LOCKED. */
export class PgMailRepo implements AsyncOf<SqliteMailRepo> {
  constructor(private readonly q: Queryable) {}

  async insertInbound(m: NewInboundMail, now: string): Promise<InboundMailRow | null> {
    const r = await row(this.q, `INSERT INTO mail_inbound (message_id, from_addr, return_path, remote_ip, subject, body_text, in_reply_to, refs, raw_path, raw_bytes, attachments, disposition, reason, feedback_id, received_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (message_id) DO NOTHING RETURNING *`,
    [m.messageId, m.fromAddr, m.returnPath, m.remoteIp, m.subject, m.bodyText, m.inReplyTo, m.refs, m.rawPath, m.rawBytes, JSON.stringify(m.attachments), m.disposition, m.reason, m.feedbackId, now]);
    return r ? toInbound(r) : null;
  }
  async inboundByMessageId(messageId: string): Promise<InboundMailRow | undefined> { const r = await row(this.q, 'SELECT * FROM mail_inbound WHERE message_id = $1', [messageId]); return r ? toInbound(r) : undefined; }
  async inboundFor(feedbackId: number): Promise<InboundMailRow[]> { return (await rows(this.q, 'SELECT * FROM mail_inbound WHERE feedback_id = $1 ORDER BY id', [feedbackId])).map(toInbound); }

  async thread(feedbackId: number): Promise<MailThreadRow | undefined> { const r = await row(this.q, 'SELECT * FROM mail_threads WHERE feedback_id = $1', [feedbackId]); return r ? toThread(r) : undefined; }
  async openThread(feedbackId: number, address: string, messageId: string, now: string): Promise<void> {
    await this.q.query('INSERT INTO mail_threads (feedback_id, address, message_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (feedback_id) DO NOTHING', [feedbackId, address, messageId, now]);
  }
  async feedbackForMessageIds(ids: readonly string[]): Promise<number | null> {
    for (const id of ids) {
      const r = await row<{ f: string }>(this.q, `SELECT COALESCE((SELECT feedback_id FROM mail_outbox WHERE message_id = $1 AND feedback_id IS NOT NULL),
        (SELECT feedback_id FROM mail_inbound WHERE message_id = $1 AND feedback_id IS NOT NULL)) AS f`, [id]);
      if (r?.f !== null && r?.f !== undefined) return Number(r.f);
    }
    return null;
  }
  async threadMessageIds(feedbackId: number): Promise<string[]> {
    return (await rows(this.q, THREAD_IDS_SQL.replace(/@fid/g, '$1'), [feedbackId])).map((r) => r.message_id as string);
  }

  async queue(m: NewOutboundMail, now: string): Promise<OutboundMailRow | null> {
    const r = await row(this.q, `INSERT INTO mail_outbox (to_addr, subject, body, message_id, in_reply_to, refs, reason, feedback_id, dedupe_key, status, next_attempt_at, expires_at, last_error, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) ON CONFLICT DO NOTHING RETURNING *`,
    [m.toAddr, m.subject, m.body, m.messageId, m.inReplyTo, m.refs, m.reason, m.feedbackId, m.dedupeKey, m.failedWith ? 'failed' : 'queued', m.nextAttemptAt, m.expiresAt, m.failedWith ?? null, now]);
    return r ? toOutbound(r) : null;
  }
  async outbound(id: number): Promise<OutboundMailRow | undefined> { const r = await row(this.q, 'SELECT * FROM mail_outbox WHERE id = $1', [id]); return r ? toOutbound(r) : undefined; }
  async outboundFor(feedbackId: number): Promise<OutboundMailRow[]> { return (await rows(this.q, 'SELECT * FROM mail_outbox WHERE feedback_id = $1 ORDER BY id', [feedbackId])).map(toOutbound); }
  async claimDue(now: string, limit: number): Promise<OutboundMailRow[]> {
    return withTransaction(this.q, async (c) => {
      const due = (await rows(c, `SELECT id FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`, [now, limit])).map((r) => Number(r.id));
      if (!due.length) return [];
      const claimed = (await rows(c, `UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, updated_at = $1 WHERE id = ANY($2::bigint[]) RETURNING *`, [now, due])).map(toOutbound);
      return claimed.sort((a, b) => due.indexOf(a.id) - due.indexOf(b.id));
    });
  }
  async markSent(id: number, now: string): Promise<boolean> { return (await changes(this.q, `UPDATE mail_outbox SET status = 'sent', sent_at = $1, last_error = NULL, updated_at = $1 WHERE id = $2 AND status = 'sending'`, [now, id])) > 0; }
  async markRetry(id: number, error: string, nextAttemptAt: string, now: string): Promise<boolean> {
    return (await changes(this.q, `UPDATE mail_outbox SET status = 'queued', last_error = $1, next_attempt_at = $2, updated_at = $3 WHERE id = $4 AND status = 'sending'`, [error, nextAttemptAt, now, id])) > 0;
  }
  async markFailed(id: number, error: string, now: string): Promise<boolean> {
    return (await changes(this.q, `UPDATE mail_outbox SET status = 'failed', last_error = $1, updated_at = $2 WHERE id = $3 AND status IN ('queued', 'sending')`, [error, now, id])) > 0;
  }
  async expireStale(now: string): Promise<number> { return changes(this.q, `UPDATE mail_outbox SET status = 'expired', updated_at = $1 WHERE status = 'queued' AND expires_at <= $1`, [now]); }
  async requeueInterrupted(now: string, claimedBefore: string = now): Promise<number> {
    return changes(this.q, `UPDATE mail_outbox SET status = 'queued', updated_at = $1 WHERE status = 'sending' AND updated_at <= $2`, [now, claimedBefore]);
  }
  async countsByStatus(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of await rows(this.q, 'SELECT status, COUNT(*) AS n FROM mail_outbox GROUP BY status')) out[r.status] = Number(r.n);
    return out;
  }

  async markBounced(address: string, reason: string | null, now: string): Promise<void> {
    await this.q.query('INSERT INTO mail_addresses (address, bounced_at, reason) VALUES ($1, $2, $3) ON CONFLICT (address) DO UPDATE SET bounced_at = excluded.bounced_at, reason = excluded.reason', [address, now, reason]);
  }
  async isBounced(address: string): Promise<boolean> { return !!(await row(this.q, 'SELECT 1 AS x FROM mail_addresses WHERE address = $1', [address])); }

  async subscribe(address: string, declarationId: number, now: string): Promise<boolean> {
    const r = await row(this.q, `INSERT INTO mail_subscriptions (address, declaration_id, created_at) VALUES ($1, $2, $3)
      ON CONFLICT (address, declaration_id) WHERE ended_at IS NULL DO NOTHING RETURNING id`, [address, declarationId, now]);
    return !!r;
  }
  async unsubscribe(address: string, declarationId: number | null, now: string): Promise<number> {
    return declarationId === null
      ? changes(this.q, 'UPDATE mail_subscriptions SET ended_at = $1 WHERE address = $2 AND ended_at IS NULL', [now, address])
      : changes(this.q, 'UPDATE mail_subscriptions SET ended_at = $1 WHERE address = $2 AND declaration_id = $3 AND ended_at IS NULL', [now, address, declarationId]);
  }
  async subscribers(declarationId: number): Promise<string[]> {
    return (await rows(this.q, 'SELECT address FROM mail_subscriptions WHERE declaration_id = $1 AND ended_at IS NULL ORDER BY id', [declarationId])).map((r) => r.address as string);
  }
}

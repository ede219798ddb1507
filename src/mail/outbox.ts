/**
 * The mail outbox: every outbound mail is a row first (in the caller's transaction — an auto-reply
 * commits with its work order, an answer mail with the answer), sent by ./dispatcher.ts afterwards.
 * Each row gets its own Message-ID here (the thread's key); a bounced address gets the row as failed
 * ('bounced'), so every outbound ends sent / failed / expired.
 */
import { randomBytes } from 'node:crypto';
import type { MailStore } from '../store/ports.js';
import type { MailOutboxReason, OutboundMailRow } from '../store/repos/mail.js';
import { newMessageId } from './compose.js';

export interface MailRequest {
  to: string; subject: string; text: string; reason: MailOutboxReason; feedbackId: number | null; dedupeKey: string | null;
  inReplyTo?: string | null; references?: readonly string[];
}

export class MailOutbox {
  /** Called after a commit that queued mail (the dispatcher's kick). */
  onQueued: () => void = () => undefined;
  constructor(
    private readonly repo: MailStore,
    private readonly store: { afterCommit(fn: () => void): void },
    private readonly s: { from: string; validityHours: number; now: () => Date },
  ) {}

  /** The queued row; null when the dedupe key was queued before. */
  async queue(r: MailRequest): Promise<OutboundMailRow | null> {
    const now = this.s.now();
    const bounced = await this.repo.isBounced(r.to);
    const row = await this.repo.queue({
      toAddr: r.to, subject: r.subject, body: r.text, messageId: newMessageId(r.reason.replace('_', '-'), randomBytes(12).toString('hex'), this.s.from),
      inReplyTo: r.inReplyTo ?? null, refs: r.references?.length ? r.references.join(' ') : null, reason: r.reason, feedbackId: r.feedbackId,
      dedupeKey: r.dedupeKey, nextAttemptAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.s.validityHours * 3600_000).toISOString(),
      failedWith: bounced ? 'bounced: 该地址曾退信，不再发送' : null,
    }, now.toISOString());
    if (row && !bounced) this.store.afterCommit(() => this.onQueued());
    return row;
  }
}

/**
 * Sends the mail outbox through the relay: due rows are claimed (queued → sending, persisted) before
 * the SMTP conversation and marked sent / retry / failed after it (./retry.ts). A row is never sent
 * again once marked sent; stop() waits for the conversations in progress, so a stop never leaves a
 * sent mail marked 'sending'. A row still 'sending' at start (the process was killed mid-send) goes
 * back to the queue with its Message-ID: the relay may have taken it, and a second copy carries the
 * same Message-ID (mail clients show one). On PostgreSQL with several instances only rows claimed
 * over 10 minutes ago are taken back (an SMTP conversation times out long before), never another live
 * instance's send in progress.
 */
import type { MailStore } from '../store/ports.js';
import type { OutboundMailRow } from '../store/repos/mail.js';
import type { Logger } from '../log.js';
import { composeMessage } from './compose.js';
import { nextStep } from './retry.js';
import type { MailRelay } from './relay.js';

export interface DispatcherSettings {
  from: string; maxAttempts: number; tickMs: number; retryBaseMs?: number; now: () => Date; log: Logger;
  /** Several instances on one database: a 'sending' row is taken back only when claimed this long ago (default 0: one instance). */
  interruptedAfterMs?: number;
}

export class MailDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Called after each row's outcome (tests, metrics). */
  onOutcome: (row: OutboundMailRow, status: 'sent' | 'retry' | 'failed') => void = () => undefined;
  constructor(private readonly repo: MailStore, private readonly relay: MailRelay | null, private readonly s: DispatcherSettings) {}

  async start(): Promise<void> {
    const t = this.s.now();
    const now = t.toISOString();
    const back = await this.repo.requeueInterrupted(now, new Date(t.getTime() - (this.s.interruptedAfterMs ?? 0)).toISOString());
    if (back) this.s.log.warn(`${back} 封邮件在上次停止时正在发送，重新排队（同一 Message-ID）/ mail interrupted mid-send requeued`);
    await this.repo.expireStale(now);
    this.timer = setInterval(() => this.kick(), this.s.tickMs);
    this.timer.unref();
    this.kick();
  }

  /** Send what is due now (one pass at a time; a kick during a pass runs another after it). */
  kick(): void {
    if (this.stopped || !this.relay) return;
    if (this.running) { this.again = true; return; }
    this.running = this.pass().catch((e: unknown) => this.s.log.error('mail dispatch failed', { error: (e as Error).message }))
      .finally(() => { this.running = null; if (this.again && !this.stopped) { this.again = false; this.kick(); } });
  }

  private async pass(): Promise<void> {
    await this.repo.expireStale(this.s.now().toISOString());
    for (;;) {
      if (this.stopped) return;
      const rows = await this.repo.claimDue(this.s.now().toISOString(), 10);
      if (!rows.length) return;
      for (const row of rows) await this.sendOne(row);
    }
  }

  private async sendOne(row: OutboundMailRow): Promise<void> {
    const msg = composeMessage({
      from: this.s.from, to: row.toAddr, subject: row.subject, text: row.body, messageId: row.messageId,
      inReplyTo: row.inReplyTo, references: row.refs, automatic: row.reason !== 'answer',
    });
    const outcome = await this.relay!.send(msg);
    const step = nextStep(outcome, row.attempts, this.s.maxAttempts, this.s.retryBaseMs);
    const now = this.s.now();
    if (step.status === 'sent') await this.repo.markSent(row.id, now.toISOString());
    else if (step.status === 'failed') {
      await this.repo.markFailed(row.id, step.error, now.toISOString());
      this.s.log.warn('mail failed', { id: row.id, to: row.toAddr, error: step.error });
    } else await this.repo.markRetry(row.id, step.error, new Date(now.getTime() + step.delayMs).toISOString(), now.toISOString());
    this.onOutcome(row, step.status);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.relay?.close();
  }
}

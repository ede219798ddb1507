/**
 * Adapter (owns imapflow): the mailbox's IMAP intake — polls a hosted mailbox instead of running our
 * own SMTP server (mail.mode = imap). Nothing lost, nothing twice: each unseen message's full source
 * goes to the same `receive` the SMTP intake uses (it commits the work order and the raw file before
 * it resolves; the Message-ID is unique, so a re-delivery is a duplicate), and only after receive
 * resolved is the message marked \Seen (or moved to the done folder). A failure leaves it unseen for
 * the next poll (logged once per message); after `maxFailures` failures in a row it is flagged and
 * logged as 需人工处理 (needs a person). Messages over the size limit are flagged and skipped by their
 * RFC822.SIZE before downloading. Between polls the connection IDLEs (imapflow does, when the
 * server has it): new mail wakes the loop. A dropped connection is reconnected with back-off.
 */
import { ImapFlow } from 'imapflow';
import type { Logger } from '../log.js';
import { normaliseAddress } from './addresses.js';
import type { RateWindow } from './rate-limit.js';
import type { Envelope } from './intake.js';

export interface ImapIntakeOptions {
  host: string; port: number; tls: boolean; user: string; password: string; mailbox: string;
  pollMs: number; doneMailbox: string; maxBytes: number; perSender: RateWindow; now: () => number;
  /** Stores the mail; resolves once committed. */
  receive(raw: Buffer, env: Envelope): Promise<unknown>;
  log: Logger;
  /** Failures in a row before a message is flagged for a person (default 5). */
  maxFailures?: number;
}

export type ImapState = 'connecting' | 'polling' | 'error' | 'stopped';

/** The envelope sender of a raw message: Return-Path, else From. */
function senderOf(raw: Buffer): string {
  const head = raw.subarray(0, Math.min(raw.length, 65536)).toString('latin1').split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const rp = /^return-path:\s*<?([^>\s]*)>?/im.exec(head)?.[1];
  if (rp !== undefined) return rp;
  const from = /^from:.*?<([^>]+)>/im.exec(head)?.[1] ?? /^from:\s*([^\s,]+@[^\s,]+)/im.exec(head)?.[1];
  return from ?? '';
}

export class ImapIntake {
  state: ImapState = 'connecting';
  lastPoll: string | null = null;
  lastError: string | null = null;
  private client: ImapFlow | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly failures = new Map<number, number>();
  constructor(private readonly o: ImapIntakeOptions) {}

  start(): void { this.loop = this.run(); }

  private async run(): Promise<void> {
    let backoff = 500;
    while (!this.stopping) {
      try {
        this.state = 'connecting';
        const c = new ImapFlow({ host: this.o.host, port: this.o.port, secure: this.o.tls, auth: { user: this.o.user, pass: this.o.password }, logger: false, maxIdleTime: this.o.pollMs });
        this.client = c;
        c.on('error', (e: Error) => { this.lastError = e.message; });
        const closed = new Promise<void>((r) => c.once('close', () => r()));
        await c.connect();
        await c.mailboxOpen(this.o.mailbox);
        c.on('exists', () => this.wake?.());
        backoff = 500;
        this.state = 'polling';
        while (!this.stopping && c.usable) {
          await this.poll(c);
          this.lastPoll = new Date(this.o.now()).toISOString();
          if (this.stopping) break;
          await Promise.race([closed, new Promise<void>((r) => { const t = setTimeout(r, this.o.pollMs); this.wake = () => { clearTimeout(t); r(); }; })]);
          this.wake = null;
        }
        if (!this.stopping) throw new Error('IMAP connection closed');
      } catch (e) {
        if (this.stopping) break;
        this.state = 'error';
        this.lastError = (e as Error).message;
        this.o.log.warn('IMAP 连接中断，稍后重连 / IMAP connection lost, reconnecting', { error: this.lastError, inMs: backoff });
        try { this.client?.close(); } catch {}
        this.client = null;
        await new Promise<void>((r) => { const t = setTimeout(r, backoff); this.wake = () => { clearTimeout(t); r(); }; });
        this.wake = null;
        backoff = Math.min(backoff * 2, 60_000);
      }
    }
  }

  /** One pass over the unseen, unflagged messages. */
  private async poll(c: ImapFlow): Promise<void> {
    const uids = (await c.search({ seen: false, flagged: false }, { uid: true })) || [];
    for (const uid of uids) {
      if (this.stopping) return;
      const meta = await c.fetchOne(String(uid), { size: true }, { uid: true });
      if (!meta) continue;
      if ((meta.size ?? 0) > this.o.maxBytes) {
        await c.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true });
        this.o.log.warn('邮件超过大小上限，未收取，需人工处理 / mail over the size limit skipped, needs a person', { uid, bytes: meta.size });
        continue;
      }
      const full = await c.fetchOne(String(uid), { source: true }, { uid: true });
      if (!full || !full.source) continue;
      const raw = full.source;
      const mailFrom = senderOf(raw);
      const sender = normaliseAddress(mailFrom);
      if (sender && !this.o.perSender.take(`from:${sender}`, this.o.now())) {
        this.o.log.warn('发件人超过频率上限，邮件已标记已读未处理 / sender over the rate limit: marked seen, not taken', { uid, sender });
        await this.done(c, uid);
        continue;
      }
      try {
        await this.o.receive(raw, { mailFrom, remoteIp: null });
      } catch (e) {
        const n = (this.failures.get(uid) ?? 0) + 1;
        this.failures.set(uid, n);
        if (n === 1) this.o.log.error('邮件入库失败，下次轮询重试 / storing the mail failed, retried at the next poll', { uid, error: (e as Error).message });
        if (n >= (this.o.maxFailures ?? 5)) {
          await c.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true });
          this.failures.delete(uid);
          this.o.log.error('邮件多次入库失败，需人工处理 / mail failed repeatedly, needs a person (flagged)', { uid, attempts: n, error: (e as Error).message });
        }
        continue;
      }
      this.failures.delete(uid);
      await this.done(c, uid);
    }
  }

  private async done(c: ImapFlow, uid: number): Promise<void> {
    await c.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    if (this.o.doneMailbox) await c.messageMove(String(uid), this.o.doneMailbox, { uid: true });
  }

  /** Finishes the message being stored, then logs out. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.state = 'stopped';
    const c = this.client;
    this.client = null;
    if (c?.usable) { try { await c.logout(); } catch {} }
  }
}

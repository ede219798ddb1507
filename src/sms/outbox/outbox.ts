/**
 * Queueing MT messages: every outbound SMS becomes a persisted row first (with its segments),
 * then the dispatcher sends it. Pushes carry a validity period and wait out quiet hours.
 */
import type { SqliteSmsRepo } from '../../store/repos/sms.js';
import { measureText } from '../codec/index.js';
import { heldByQuietHours, PRIORITY, type Reason } from './state.js';
import { inDailyWindow, nextLocalTime } from '../../domain/time.js';
import { normalisePhone } from '../../domain/masking.js';

export interface OutboxSettings {
  maxSegments: number;
  quietStart: string;
  quietEnd: string;
  timeZone: string;
  pushValidityHours: number;
  /**
   * Concatenation reference width for long messages: 8 (IEI 00, understood by every SMSC and handset;
   * the default) or 16 (IEI 08, where the SMSC passes it: 256× more references per recipient, one
   * character less per segment). References come from a persisted per-recipient counter.
   */
  concatRefBits?: 8 | 16;
  /** Hours after which a submitted message without its receipts ends 'no_receipt'. Default 72. */
  receiptTimeoutHours?: number;
}

export interface QueueRequest {
  phone: string;
  text: string;
  reason: Reason;
  template?: string | null;
  /** A second request with the same key is ignored (returns the first row's id). */
  dedupeKey?: string | null;
  feedbackId?: number | null;
  inboundId?: number | null;
  createdBy?: string | null;
}

export class Outbox {
  /** Called after a row was queued (the dispatcher kicks). */
  onQueued: (() => void) | null = null;

  /** A fan-out queues the same text thousands of times: measure it once. */
  private lastText: { text: string; m: ReturnType<typeof measureText> } | null = null;
  /** Quiet hours for the current minute (local time zones move in whole minutes: exact within one). */
  private quiet: { minute: number; inQuiet: boolean; releaseAt: string | null } | null = null;

  constructor(private readonly repo: SqliteSmsRepo, private readonly s: OutboxSettings, private readonly now: () => Date = () => new Date()) {}

  private measure(text: string): ReturnType<typeof measureText> {
    if (this.lastText?.text !== text) this.lastText = { text, m: measureText(text, { refBits: this.refBits }) };
    return this.lastText.m;
  }

  private get refBits(): 8 | 16 { return this.s.concatRefBits === 16 ? 16 : 8; }

  /** Whether `now` is in quiet hours and, if so, when they end (Intl time-zone math once a minute, not once a row). */
  private quietAt(now: Date): { inQuiet: boolean; releaseAt: string | null } {
    const minute = Math.floor(now.getTime() / 60_000);
    if (this.quiet?.minute !== minute) {
      const inQuiet = inDailyWindow(now, this.s.quietStart, this.s.quietEnd, this.s.timeZone);
      // Inside the window the local clock never reads quiet_end in this minute, so the next quiet_end
      // instant is the same for every moment of the minute.
      this.quiet = { minute, inQuiet, releaseAt: inQuiet ? nextLocalTime(now, this.s.quietEnd, this.s.timeZone).toISOString() : null };
    }
    return this.quiet;
  }

  queue(r: QueueRequest): { id: number; created: boolean; held: boolean } {
    const now = this.now();
    const nowIso = now.toISOString();
    const m = this.measure(r.text);
    const segments = Math.min(m.segments, this.s.maxSegments);
    const quiet = heldByQuietHours(r.reason) ? this.quietAt(now) : null;
    const held = !!quiet?.inQuiet;
    const nextAttemptAt = held ? quiet!.releaseAt! : nowIso;
    const expiresAt = r.reason === 'push' || r.reason === 'reminder' ? new Date(now.getTime() + this.s.pushValidityHours * 3600_000).toISOString() : null;
    const res = this.repo.enqueue({
      phone: normalisePhone(r.phone), text: r.text, reason: r.reason, priority: PRIORITY[r.reason], status: held ? 'held' : 'queued',
      template: r.template ?? null, dedupeKey: r.dedupeKey ?? null, encoding: m.encoding, dataCoding: m.encoding === 'ucs2' ? 8 : 0,
      refBits: this.refBits, segments, nextAttemptAt, expiresAt, feedbackId: r.feedbackId ?? null, inboundId: r.inboundId ?? null,
      createdBy: r.createdBy ?? null,
    }, nowIso);
    if (res.created && !held) this.onQueued?.();
    return { ...res, held };
  }

  /** Quiet hours are over: held pushes join the queue (the dispatcher spreads them under the TPS limit). */
  releaseHeld(): number {
    const n = this.repo.releaseHeld(this.now().toISOString());
    if (n) this.onQueued?.();
    return n;
  }

  /** Pushes whose validity passed while waiting. */
  expireStale(): number { return this.repo.expireDue(this.now().toISOString()); }

  /** Submitted messages whose receipts did not come within the receipt timeout end 'no_receipt' (all of them, in batches). */
  closeWithoutReceipt(): number[] {
    const now = this.now();
    const before = new Date(now.getTime() - (this.s.receiptTimeoutHours ?? 72) * 3600_000).toISOString();
    const out: number[] = [];
    for (;;) {
      const ids = this.repo.closeWithoutReceipt(before, now.toISOString(), 1000);
      out.push(...ids);
      if (ids.length < 1000) return out;
    }
  }
}

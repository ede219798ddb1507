/**
 * Queueing MT messages: every outbound SMS becomes a persisted row first (with its segments),
 * then the dispatcher sends it. Pushes carry a validity period and wait out quiet hours.
 *
 * Nothing is cut: a text longer than sms.max_segments allows (a long answer, a long manual text) is
 * queued as several rows numbered (1/n) … (n/n) (planMessages), one after the other for the same
 * phone, so the one-message-in-flight-per-recipient rule sends them in order; each row's text is
 * exactly what is sent. Quiet hours are read from the settings when a job runs (releaseHeld), not
 * frozen into the row; a newer held push about the same declaration supersedes the older held ones.
 */
import type { SmsStore } from '../../store/ports.js';
import type { NewOutbox } from '../../store/repos/sms.js';
import { measureText, planMessages, type PlannedMessage } from '../codec/index.js';
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

/** A row to insert, the time it is queued at, and whether quiet hours hold it. */
interface PreparedRow { row: NewOutbox; at: string; held: boolean; supersedes: string | null }

/** Concat reference width the split plans for: 16 fits under either UDH (see planMessages). */
const PLAN_REF_BITS = 16;

/**
 * What the outbox and the dispatcher need of the store: the SMS repository and transactions (a
 * DataStore is one; the unit tests pass the SQLite store).
 */
export interface SmsPersistence {
  readonly sms: SmsStore;
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Run fn once the current transaction committed (at once outside one). */
  afterCommit(fn: () => void): void;
  /** False once the store was closed (shutdown). */
  readonly isOpen: boolean;
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
  /**
   * Dedupe-key prefix of earlier notices this one makes stale (e.g. `push:<declaration id>:`): when
   * this row is held for quiet hours, held rows of the same phone whose key starts with it end
   * 'superseded' — the citizen gets the newest status, not a stale one with it.
   */
  supersedes?: string | null;
}

export interface QueueResult {
  /** The first row (the only one unless the text was split). */
  id: number;
  /** Every row, in sending order. */
  ids: number[];
  created: boolean;
  held: boolean;
  /** Held rows this one superseded. */
  superseded: number;
}

export class Outbox {
  /** Called after a row was queued and committed (the dispatcher kicks). */
  onQueued: (() => void) | null = null;
  private readonly queued = () => this.onQueued?.();

  /** A fan-out queues the same text thousands of times: measure it once. */
  private lastText: { text: string; m: ReturnType<typeof measureText> } | null = null;
  private lastPlan: { text: string; parts: PlannedMessage[] } | null = null;
  /** Quiet hours for the current minute (local time zones move in whole minutes: exact within one). */
  private quiet: { minute: number; inQuiet: boolean; releaseAt: string | null } | null = null;

  private readonly repo: SmsStore;
  constructor(private readonly store: SmsPersistence, private readonly s: OutboxSettings, private readonly now: () => Date = () => new Date()) {
    this.repo = store.sms;
  }

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

  /** The messages a text is sent as (one unless it is longer than max_segments allows): what the panel previews. */
  plan(text: string): PlannedMessage[] {
    if (this.lastPlan?.text !== text) this.lastPlan = { text, parts: planMessages(text, { maxSegments: this.s.maxSegments, refBits: PLAN_REF_BITS }) };
    return this.lastPlan.parts;
  }

  /** Queue one text (inside the caller's transaction when there is one: it commits with the caller's change). */
  queue(r: QueueRequest): Promise<QueueResult> {
    const parts = this.plan(r.text);
    if (parts.length === 1) return this.queueOne(r, parts[0].text);
    // Several numbered messages: all rows or none; part k's dedupe key is derived from the request's.
    return this.store.transaction(async (): Promise<QueueResult> => {
      const results: QueueResult[] = [];
      for (let i = 0; i < parts.length; i++) {
        const key = r.dedupeKey ? (i === 0 ? r.dedupeKey : `${r.dedupeKey}#${i + 1}/${parts.length}`) : null;
        results.push(await this.queueOne({ ...r, dedupeKey: key }, parts[i].text));
      }
      return { ...results[0], ids: results.map((x) => x.id) };
    });
  }

  /**
   * Queue many texts in one transaction (a fan-out, a bulk notice): all rows or none. Runs of one-message
   * requests go to the store together (SmsStore.enqueueMany: multi-row statements on PostgreSQL); a long
   * text is queued on its own, in request order. A superseding push supersedes only when it is held (quiet
   * hours): those few take their own statement after the batch.
   */
  queueAll(rs: Iterable<QueueRequest>): Promise<QueueResult[]> {
    return this.store.transaction(async () => {
      const out: QueueResult[] = [];
      let run: PreparedRow[] = [];
      const flush = async () => {
        if (run.length === 0) return;
        const batch = run;
        run = [];
        const res = await this.repo.enqueueMany(batch.map((b) => b.row), batch[0].at);
        let kick = false;
        for (let i = 0; i < res.length; i++) {
          const x = res[i], b = batch[i];
          if (x.created && !b.held) kick = true;
          const superseded = x.created && b.held && b.supersedes ? await this.repo.supersedeHeld(b.row.phone, b.supersedes, x.id, b.at) : 0;
          out.push({ ...x, ids: [x.id], held: b.held, superseded });
        }
        if (kick) this.store.afterCommit(this.queued);
      };
      const now = this.now();
      for (const r of rs) {
        const parts = this.plan(r.text);
        if (parts.length === 1) { run.push(this.rowOf(r, parts[0].text, now)); continue; }
        await flush();
        out.push(await this.queue(r));
      }
      await flush();
      return out;
    });
  }

  /** The outbox row of one message (text = exactly what is sent). */
  private rowOf(r: QueueRequest, text: string, now: Date): PreparedRow {
    const at = now.toISOString();
    const m = this.measure(text);
    const segments = Math.min(m.segments, this.s.maxSegments);
    const quiet = heldByQuietHours(r.reason) ? this.quietAt(now) : null;
    const held = !!quiet?.inQuiet;
    const nextAttemptAt = held ? quiet!.releaseAt! : at;
    const expiresAt = r.reason === 'push' || r.reason === 'reminder' ? new Date(now.getTime() + this.s.pushValidityHours * 3600_000).toISOString() : null;
    return {
      at, held, supersedes: r.supersedes ?? null,
      row: {
        phone: normalisePhone(r.phone), text, reason: r.reason, priority: PRIORITY[r.reason], status: held ? 'held' : 'queued',
        template: r.template ?? null, dedupeKey: r.dedupeKey ?? null, encoding: m.encoding, dataCoding: m.encoding === 'ucs2' ? 8 : 0,
        refBits: this.refBits, segments, nextAttemptAt, expiresAt, feedbackId: r.feedbackId ?? null, inboundId: r.inboundId ?? null,
        createdBy: r.createdBy ?? null,
      },
    };
  }

  private async queueOne(r: QueueRequest, text: string): Promise<QueueResult> {
    const { row: m, held, at: nowIso } = this.rowOf(r, text, this.now());
    const res = await this.repo.enqueue(m, nowIso);
    const superseded = res.created && held && r.supersedes ? await this.repo.supersedeHeld(m.phone, r.supersedes, res.id, nowIso) : 0;
    // Once committed: a claim before that would not see the row (PostgreSQL; on SQLite it is the same turn).
    if (res.created && !held) this.store.afterCommit(this.queued);
    return { ...res, ids: [res.id], held, superseded };
  }

  /**
   * Held pushes join the queue once quiet hours — as configured NOW — are over (the dispatcher spreads
   * them under the TPS limit). The release time stored at enqueue is only informative: a window changed
   * since (a restart with new sms.quiet_*) is followed, whether it ends earlier or later.
   */
  async releaseHeld(): Promise<number> {
    const now = this.now();
    if (inDailyWindow(now, this.s.quietStart, this.s.quietEnd, this.s.timeZone)) return 0;
    const n = await this.repo.releaseHeld(now.toISOString());
    if (n) this.store.afterCommit(this.queued);
    return n;
  }

  /** Pushes whose validity passed while waiting. */
  expireStale(): Promise<number> { return this.repo.expireDue(this.now().toISOString()); }

  /** Submitted messages whose receipts did not come within the receipt timeout end 'no_receipt' (all of them, in batches). */
  async closeWithoutReceipt(): Promise<number[]> {
    const now = this.now();
    const before = new Date(now.getTime() - (this.s.receiptTimeoutHours ?? 72) * 3600_000).toISOString();
    const out: number[] = [];
    for (;;) {
      const ids = await this.repo.closeWithoutReceipt(before, now.toISOString(), 1000);
      out.push(...ids);
      if (ids.length < 1000) return out;
    }
  }
}

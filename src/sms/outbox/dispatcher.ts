/**
 * The outbox dispatcher: takes due rows from the persisted outbox and submits their segments over the
 * SMPP link, inside a submit window (max segments in flight) and a token bucket (TPS) that halves on
 * ESME_RTHROTTLED and recovers gradually. Every outcome is persisted; results are written in small
 * batched transactions so persistence keeps up with the link.
 *
 * Never twice: a segment with a positive submit_sm_resp is never submitted again. A segment whose
 * submit got no answer because its link died (or the process was killed) is resent when the link
 * returns (at-least-once) and counted in `unknown_outcomes`; on a live link a late answer is waited
 * for (the link never settles a submit as a timeout while it lives), so one segment has at most one
 * copy in flight.
 *
 * Crash safety of the answers: the batch of writes is committed in the same event-loop turn as the
 * submit_sm_resp that produced it (after the promise continuations of that socket read), never in a
 * later turn, so a kill -9 finds every answer that was read already on disk. The writes are async
 * store calls committed in one `store.transaction`; on SQLite that transaction completes in the same
 * turn (its calls return settled promises: src/store/sqlite/gate.ts). On PostgreSQL the commit is a
 * round trip; batches are committed one after the other, in order. Right
 * after a bind the window starts at 1 and grows by one per answer committed (slow start), so a session
 * that dies young has few answers it cannot account for.
 */
import type { ClaimedMessage, ClaimedSegment } from '../../store/repos/sms.js';
import type { SmsStore } from '../../store/ports.js';
import type { SmsPersistence } from './outbox.js';
import type { SubmitOutcome, SubmitParams } from '../link/smpp-link.js';
import { planMt, messageIdKeys, canonicalMessageId, type Receipt } from '../codec/index.js';
import { segmentStatusFromReceipt, type MessageStatus } from './state.js';
import { decideOutcome, receiptLookup, receiptResult } from './outcome.js';
import type { Logger } from '../../log.js';
import { backoffMs, isStorageFull, type StorageHealth } from '../../store/health.js';
import { smppDestination, type DestAddrFormat } from '../../domain/phone.js';

/** The part of the SMPP link the dispatcher needs (SmppLink implements it). */
export interface SubmitLink {
  readonly state: string;
  submit(p: SubmitParams): Promise<SubmitOutcome>;
  /** `prev` tells a new bind ('bound' after 'binding') from the end of a throttled spell. */
  on(event: 'state', fn: (s: string, prev?: string) => void): unknown;
  off(event: 'state', fn: (s: string, prev?: string) => void): unknown;
}

export interface DispatcherOptions {
  sourceAddr: string;
  /** How the recipient (canonical 86… in the outbox) is addressed: smpp.dest_addr_format. Default 'international'. */
  destAddrFormat?: DestAddrFormat;
  window: number;
  /** Segments per second; 0 = no limit. */
  tps: number;
  maxSegments: number;
  maxAttempts: number;
  log: Logger;
  now?: () => Date;
  /** Called after message status changes (live panel, metrics). */
  onStatus?: (id: number, status: MessageStatus) => void;
  /** Poll interval for due retries and newly queued rows when idle. */
  pollMs?: number;
  /** Storage health (full disk): told of failed and committed writes; its recovery resumes sending at once. */
  storage?: Pick<StorageHealth, 'failure' | 'success' | 'onChange'>;
  /** After a failed write or pump: retry after base, doubling to max (ms). Defaults 1000 / 30000. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** This instance: recorded on the rows it claims (several instances on one database). */
  owner?: string;
  /** The instances whose claims stand (this one included); default: only `owner`. */
  liveOwners?: () => Promise<string[]>;
  /** Take over the claimed rows of instances that are gone, this often (ms; 0 = only at start: one instance). */
  sweepMs?: number;
}

/** How long a receipt waits for others (or an answer) to share its commit; it is acknowledged after that commit. */
const RECEIPT_BATCH_MS = 5;

/** deliver_sm_resp status for a receipt that could not be stored: temporary, the SMSC delivers it again later. */
const ESME_RX_T_APPN = 0x64;

/** One write of a batch: store calls awaited inside the batch's transaction. */
type Write = () => Promise<unknown>;
/** How far back the sweep re-matches kept receipts (the crossing it mends lasts milliseconds). */
const REMATCH_WINDOW_MS = 10 * 60_000;
type ReceiptResult = 'matched' | 'kept' | 'ignored';

export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private lastCut = 0;
  /** Current allowed rate (adapts to throttling). */
  rate: number;
  constructor(private readonly maxRate: number, private readonly floor = maxRate > 0 ? Math.max(1, maxRate / 20) : 50) {
    this.rate = maxRate > 0 ? maxRate : Infinity;
    this.tokens = Math.min(this.burst(), 1);
  }
  private burst(): number { return Number.isFinite(this.rate) ? Math.max(1, this.rate / 10) : Infinity; }
  private refill(): void {
    const t = performance.now();
    if (Number.isFinite(this.rate)) this.tokens = Math.min(this.burst(), this.tokens + ((t - this.last) / 1000) * this.rate);
    else this.tokens = Infinity;
    this.last = t;
  }
  /** Milliseconds until a token is available (0 = take one now). */
  take(): number {
    this.refill();
    if (this.tokens >= 1) { this.tokens -= 1; return 0; }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }
  /**
   * ESME_RTHROTTLED: halve the rate (from what was actually achieved when unlimited), at most once a
   * second so a burst of 0x58 answers to one window counts once; never below the floor.
   */
  throttled(observedRate: number): void {
    const t = performance.now();
    if (t - this.lastCut < 1000) return;
    this.lastCut = t;
    const base = Number.isFinite(this.rate) ? this.rate : Math.max(this.floor * 2, observedRate);
    this.rate = Math.max(this.floor, base / 2);
    this.tokens = Math.min(this.tokens, 0);
  }
  /** Called every second without throttling: recover 25 % towards the configured rate. */
  recover(): void {
    if (!Number.isFinite(this.rate) || performance.now() - this.lastCut < 1000) return;
    const cap = this.maxRate > 0 ? this.maxRate : Infinity;
    const next = this.rate * 1.25 + 5;
    this.rate = next >= cap || next > 50_000 ? cap : next;
  }
}

/**
 * The recipients in flight, as the claim sees them: it notes when the claim asked about one of them, i.e.
 * passed over a due row because its recipient is busy (that row is claimed once a recipient is free).
 */
class PhonesInFlight extends Set<string> {
  passedOver = false;
  override has(phone: string): boolean {
    const busy = super.has(phone);
    if (busy) this.passedOver = true;
    return busy;
  }
}

export class Dispatcher {
  private readonly now: () => Date;
  private readonly bucket: TokenBucket;
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private pending: Write[] = [];
  /** Receipts waiting for the next batched write; acknowledged after it commits. */
  private receiptQueue: Array<{ r: Receipt; raw: string | null; ack: (status?: number) => void }> = [];
  private flushScheduled = false;
  private receiptTimer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private recoverTimer: NodeJS.Timeout | null = null;
  private active = new Set<Promise<void>>();
  /** Back-off after failed writes (full disk) or a failed pump: no pump and no flush before retryAt. */
  private failedAttempts = 0;
  private retryAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private offStorage: (() => void) | null = null;
  /** Recipients with a message being submitted: their next message waits (per-recipient order). */
  private readonly phonesInFlight = new PhonesInFlight();
  /**
   * Whether a claim may find something: set by kick() (something was queued, the poll, a bind) and by a
   * full claim; cleared by a claim. The pump does not claim again just because it handed out its rows —
   * at one reply per MO that second claim was an empty transaction per message.
   */
  private mayHaveDue = true;
  /** The last claim passed over a due row whose recipient was in flight: claim again when one is free. */
  private claimAfterRelease = false;
  /** Claimed rows ('submitting' in the store) not yet handed to sendMessage; at most one claim batch. */
  private ready: Array<{ msg: ClaimedMessage; segments: ClaimedSegment[] }> = [];
  private sentThisSecond = 0;
  /**
   * Submits per 100 ms slot over the last second (a ring of 10). It replaces a list of timestamps that
   * was only trimmed on ESME_RTHROTTLED and stopped recording at 100,000 entries, so after 100k
   * submits without throttling the achieved rate read as ~0 and the first 0x58 cut the rate to the floor.
   */
  private submitSlots = new Array<number>(10).fill(0);
  private submitSlot = 0;
  private rateWindow: number[] = [];
  /** The batch being committed (batches commit one after the other, in order). */
  private committing: Promise<unknown> = Promise.resolve();
  private readonly repo: SmsStore;
  /**
   * Slow start: the window in use (≤ o.window). 1 after each new bind; +1 per positive answer committed.
   */
  private window = 1;
  /** Positive answers written to the batch but not yet committed (they open the window once committed). */
  private okUncommitted = 0;
  private readonly onLinkState = (s: string, prev?: string) => {
    if (s !== 'bound') return;
    if (prev !== 'throttled') this.window = 1; // a new session: nothing of it is on disk yet
    this.kick();
  };
  readonly counters = { segmentsOk: 0, segmentsError: 0, segmentsUnknown: 0, throttled: 0, receipts: 0, receiptsUnmatched: 0 };
  /** The window in use now (slow start after a bind). */
  get currentWindow(): number { return Math.min(this.window, Math.max(1, this.o.window)); }

  constructor(private readonly store: SmsPersistence, private readonly link: SubmitLink, private readonly o: DispatcherOptions) {
    this.now = o.now ?? (() => new Date());
    this.bucket = new TokenBucket(o.tps);
    this.repo = store.sms;
  }

  /** Recover the outbox (rows a previous process left claimed) and start sending when the link is bound. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    try {
      await this.recoverAfterRestart();
      await this.rematchKeptReceipts();
    } catch (e) {
      // Started on a full disk: nothing is claimed until the recovery is written (the pump retries it first).
      if (!this.o.storage?.failure(e, 'sms dispatcher start')) throw e;
    }
    this.link.on('state', this.onLinkState);
    // Space is back (a write elsewhere or the storage probe saw it): resume now, not at the end of the back-off.
    this.offStorage = this.o.storage?.onChange((st) => { if (st !== 'full' && this.retryAt) this.resume(); }) ?? null;
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 250);
    if (this.o.sweepMs) {
      this.sweepTimer = setInterval(() => {
        if (this.stopped || (this.retryAt && Date.now() < this.retryAt)) return;
        this.recoverAfterRestart(true).then(() => this.rematchKeptReceipts()).catch((e) => { if (!this.o.storage?.failure(e, 'sms outbox sweep')) this.o.log.warn('outbox sweep failed', { error: (e as Error).message }); });
      }, this.o.sweepMs);
      this.sweepTimer.unref();
    }
    this.recoverTimer = setInterval(() => {
      this.bucket.recover();
      this.rateWindow.push(this.sentThisSecond);
      if (this.rateWindow.length > 5) this.rateWindow.shift();
      this.sentThisSecond = 0;
    }, 1000);
    this.kick();
  }

  /**
   * Stop claiming and sending. Waits up to `graceMs` for submits in flight to be answered (a slow SMSC's
   * late answers are still taken); whatever is still open settles when the link stops (link-lost →
   * resent after the restart, counted) — call flush() after stopping the link.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.link.off('state', this.onLinkState);
    if (this.timer) clearInterval(this.timer);
    if (this.recoverTimer) clearInterval(this.recoverTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.offStorage?.();
    let t: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.active]), new Promise<void>((r) => { t = setTimeout(r, graceMs); })]);
    clearTimeout(t);
    try {
      await this.unclaimReady();
      await this.flush();
    } catch (e) {
      // Full disk at shutdown: what is not stored is resent after the restart (counted as unknown outcomes).
      if (!this.o.storage?.failure(e, 'sms dispatcher stop')) throw e;
    }
  }

  private recovered = false;
  private async recoverAfterRestart(sweep = false): Promise<void> {
    const live = this.o.liveOwners ? await this.o.liveOwners() : [];
    if (this.o.owner && !live.includes(this.o.owner)) live.push(this.o.owner);
    const r = await this.repo.recoverAfterRestart(this.now().toISOString(), live);
    this.recovered = true;
    if (r.messages || r.unknownSegments) {
      this.o.log.warn(sweep
        ? 'outbox: messages claimed by an instance that is gone are back in the queue; their segments without a stored response will be resent (possible duplicates)'
        : 'outbox recovered after restart: messages back in the queue; segments without a stored response will be resent (possible duplicates)', r);
      this.kick();
    }
  }
  private sweepTimer: NodeJS.Timeout | null = null;

  /**
   * Receipts kept for an unknown message id that now name a segment are applied to it (one transaction).
   * With several instances on one database the SMSC may deliver a receipt to an instance whose bind did
   * not send the message, while the sending instance is committing its submit_sm_resp: each transaction
   * misses the other's row, so the receipt stays kept and the message 'submitted'. The sweep closes that
   * gap (receipts of the last `REMATCH_WINDOW_MS`; older ones are left for the purge).
   */
  async rematchKeptReceipts(): Promise<number> {
    const now = this.now();
    const since = new Date(now.getTime() - REMATCH_WINDOW_MS).toISOString();
    const settled: Array<{ id: number; status: MessageStatus }> = [];
    const matched = await this.store.transaction(async () => {
      let n = 0;
      for (const k of await this.repo.recentUnmatchedReceipts(since, 1000)) {
        const status = segmentStatusFromReceipt(k.state as never);
        const hit = status ? await this.repo.receiptForKeys(messageIdKeys(k.messageId), status, k.errorCode, now.toISOString()) : undefined;
        if (!hit) continue;
        await this.repo.dropUnmatchedReceipt(k.id);
        if (hit.status) settled.push({ id: hit.outboxId, status: hit.status });
        n++;
      }
      return n;
    });
    for (const s of settled) this.o.onStatus?.(s.id, s.status);
    if (matched) this.o.log.debug('kept receipts matched to their segments on the sweep', { matched });
    return matched;
  }

  /** Segments per second over the last few seconds. */
  rate(): number { return this.rateWindow.length ? this.rateWindow.reduce((a, b) => a + b, 0) / this.rateWindow.length : 0; }
  currentRateLimit(): number { return this.bucket.rate; }
  get segmentsInFlight(): number { return this.inFlight; }

  /** Something may be due: run the pump unless it is already running. */
  kick(): void {
    this.mayHaveDue = true;
    if (this.running || this.stopped) return;
    if (this.link.state !== 'bound' && this.link.state !== 'throttled') return;
    if (this.retryAt && Date.now() < this.retryAt) return; // backing off after a failure
    this.running = true;
    this.pump().then(() => { this.failedAttempts = 0; this.retryAt = 0; }, (e) => this.failed(e, 'sms dispatcher pump')).finally(() => { this.running = false; });
  }

  /**
   * A pump or a batched write failed (a full disk: SQLITE_FULL). Nothing is dropped: unwritten results
   * stay queued in memory, claimed rows stay claimed. Retry after 1 s, 2 s, 4 s … 30 s; storage errors
   * are logged by the storage health (rate-limited), anything else here — at most once per back-off.
   */
  private failed(e: unknown, where: string): void {
    const delay = backoffMs(this.failedAttempts++, this.o.retryBaseMs ?? 1000, this.o.retryMaxMs ?? 30_000);
    this.retryAt = Date.now() + delay;
    if (!this.o.storage?.failure(e, where)) this.o.log.error(`${where} failed; retrying in ${delay} ms`, { error: (e as Error)?.message ?? String(e) });
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => { this.retryTimer = null; this.retry(); }, delay);
    this.retryTimer.unref();
  }

  private resume(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = 0;
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    this.retryAt = 0;
    void this.tryFlush().then((ok) => { if (ok) this.kick(); });
  }

  /** flush() for timers and setImmediate: failures go to the back-off, never to the event loop. */
  private async tryFlush(): Promise<boolean> {
    if (this.retryAt && Date.now() < this.retryAt) {
      // Backing off: do not hit the full disk again; receipts are answered "try later" instead of waiting.
      this.flushScheduled = false;
      this.refuseReceipts();
      return false;
    }
    try { await this.flush(); return true; } catch (e) { this.failed(e, 'sms dispatcher write'); return false; }
  }

  private refuseReceipts(): void {
    const receipts = this.receiptQueue;
    this.receiptQueue = [];
    for (const q of receipts) q.ack(ESME_RX_T_APPN);
  }

  private async pump(): Promise<void> {
    if (!this.recovered) await this.recoverAfterRestart();
    try {
      while (!this.stopped && (this.link.state === 'bound' || this.link.state === 'throttled')) {
        if (this.inFlight >= this.currentWindow) { await this.waitForSlot(); continue; }
        if (this.ready.length === 0) {
          if (!this.mayHaveDue) return;
          this.mayHaveDue = false;
          await this.flush();
          // Claim up to a window's worth in one transaction (not one claim per freed slot). Claimed rows
          // are 'submitting' before any byte is sent; at most a window of them waits here, so a reply
          // queued meanwhile waits behind at most one window.
          const limit = Math.min(Math.max(this.o.window, 1), 200);
          this.phonesInFlight.passedOver = false;
          this.ready = await this.repo.claimDue(this.now().toISOString(), limit, this.phonesInFlight, this.o.owner ?? null);
          if (this.ready.length >= limit) this.mayHaveDue = true;
          if (this.phonesInFlight.passedOver) this.claimAfterRelease = true;
          if (this.ready.length === 0) return;
          // Stopped or unbound while the claim ran (PostgreSQL): the finally below gives the rows back.
          continue;
        }
        const { msg, segments } = this.ready.shift()!;
        // sendMessage takes its window slot synchronously (acquire), so the check above sees it.
        this.phonesInFlight.add(msg.phone);
        const p = this.sendMessage(msg, segments).catch((e) => this.o.log.error('send failed', { id: msg.id, error: (e as Error).message }));
        this.active.add(p);
        void p.finally(() => {
          this.active.delete(p);
          this.phonesInFlight.delete(msg.phone);
          if (this.claimAfterRelease) { this.claimAfterRelease = false; this.kick(); }
        });
      }
    } finally {
      await this.unclaimReady();
    }
  }

  /** Claimed rows never handed to sendMessage (link lost, stopped): back to the queue exactly as they were. */
  private async unclaimReady(): Promise<void> {
    if (this.ready.length === 0) return;
    const left = this.ready;
    this.ready = [];
    this.mayHaveDue = true; // queued again: the next pump claims them
    const at = this.now().toISOString();
    try {
      await this.store.transaction(async () => { for (const r of left) await this.repo.unclaim(r.msg.id, at); });
    } catch (e) {
      this.ready = left.concat(this.ready); // still claimed in the store: the next pump sends them
      throw e;
    }
  }

  private waitForSlot(): Promise<void> { return new Promise((r) => this.waiters.push(r)); }
  private release(): void {
    this.inFlight--;
    this.wake();
  }
  private wake(): void {
    const w = this.waiters.shift();
    if (w) w();
  }

  /** Wait for a token and a window slot; false when the dispatcher stopped meanwhile. */
  private async acquire(): Promise<boolean> {
    // The slot is taken before waiting for a token (synchronously, before the first await): a segment
    // waiting for the token bucket counts against the window, so under a TPS cap the pump does not
    // claim the whole queue into memory while every claimed row waits for its token.
    this.inFlight++;
    for (;;) {
      if (this.stopped) { this.release(); return false; }
      const wait = this.bucket.take();
      if (wait === 0) break;
      await new Promise((r) => setTimeout(r, Math.min(wait, 200)));
    }
    return true;
  }

  /** Submits in the last second (the rate actually achieved, for the throttle cut). */
  private observedRate(): number {
    this.advanceSlots();
    return this.submitSlots.reduce((a, b) => a + b, 0);
  }

  private advanceSlots(): number {
    const slot = Math.floor(performance.now() / 100);
    if (slot - this.submitSlot >= 10) this.submitSlots.fill(0);
    else for (let s = this.submitSlot + 1; s <= slot; s++) this.submitSlots[s % 10] = 0;
    this.submitSlot = slot;
    return slot;
  }

  /** Queue a write for the next batched transaction. */
  private write(op: Write): void {
    this.pending.push(op);
    this.scheduleFlush();
  }

  /**
   * Commit at the end of this turn, before the event loop moves on: no answer waits for a later turn (a
   * kill -9 in between would make its segment a duplicate). The hop microtask → nextTick lands after
   * every promise continuation of the current socket read (Node runs queued ticks before microtasks, so
   * a plain nextTick from a receipt would commit it ahead of the submit_sm_resp read just before it):
   * the answers of one read and their receipts share one commit, receipts after the answers.
   */
  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => process.nextTick(() => { void this.tryFlush(); }));
    }
  }

  /**
   * Receipts alone wait up to RECEIPT_BATCH_MS for company: they are acknowledged only after their commit
   * (so nothing is lost by waiting), and at one reply per MO each receipt was otherwise a commit of its
   * own. Any write queued meanwhile (an answer, which commits in its turn) takes them along.
   */
  private scheduleReceiptFlush(): void {
    if (this.flushScheduled || this.receiptTimer) return;
    this.receiptTimer = setTimeout(() => { this.receiptTimer = null; if (!this.flushScheduled) void this.tryFlush(); }, RECEIPT_BATCH_MS);
    this.receiptTimer.unref();
  }

  /**
   * Apply queued writes and queued receipts in one transaction, then acknowledge those receipts.
   * Called before any read that must see the writes.
   */
  async flush(): Promise<void> {
    await this.commit(null);
  }

  /**
   * One transaction: the queued writes, the queued receipts and `now` (a receipt to persist before the
   * caller acknowledges it). Afterwards the queued receipts are acknowledged. Returns `now`'s result.
   * Batches commit one after the other: one asked for while another commits takes what is queued when
   * that one is done (on SQLite still within the same turn).
   */
  private commit(now: { r: Receipt; raw: string | null } | null): Promise<ReceiptResult | null> {
    this.flushScheduled = false;
    if (this.receiptTimer) { clearTimeout(this.receiptTimer); this.receiptTimer = null; }
    const run = this.committing.then(() => this.commitNow(now));
    this.committing = run.catch(() => undefined);
    return run;
  }

  private async commitNow(now: { r: Receipt; raw: string | null } | null): Promise<ReceiptResult | null> {
    if (this.pending.length === 0 && this.receiptQueue.length === 0 && !now) return null;
    if (!this.store.isOpen) {
      // Store closed under us (shutdown): nothing can be persisted, so nothing is acknowledged either.
      this.o.log.warn('store closed: outbox writes dropped, receipts left unacknowledged', { writes: this.pending.length, receipts: this.receiptQueue.length });
      this.pending = [];
      this.receiptQueue = [];
      if (now) throw new Error('store closed');
      return null;
    }
    const ops = this.pending;
    this.pending = [];
    const receipts = this.receiptQueue;
    this.receiptQueue = [];
    const okCommitted = this.okUncommitted;
    this.okUncommitted = 0;
    let result: ReceiptResult | null;
    try {
      result = await this.store.transaction(async () => {
        for (const op of ops) await op();
        // Receipts last: a submit_sm_resp read in the same chunk as its receipt is stored first, so the
        // receipt matches directly instead of going through sms_receipts_unmatched.
        for (const q of receipts) await this.applyReceipt(q.r, q.raw);
        return now ? this.applyReceipt(now.r, now.raw) : null;
      });
    } catch (e) {
      // Rolled back (a full disk): the writes wait for the next attempt, in order; the receipts are
      // refused with a temporary error so the SMSC delivers them again (persisted before acknowledged).
      if (isStorageFull(e)) { this.pending = ops.concat(this.pending); this.okUncommitted += okCommitted; }
      for (const q of receipts) q.ack(ESME_RX_T_APPN);
      throw e;
    }
    for (const q of receipts) q.ack(); // committed: now the SMSC may forget them
    this.o.storage?.success();
    if (okCommitted && this.window < this.o.window) {
      // Slow start: every answer now on disk lets one more segment into flight.
      this.window = Math.min(this.o.window, this.window + okCommitted);
      this.wake();
    }
    return result;
  }

  private async sendMessage(msg: ClaimedMessage, segments: ClaimedSegment[]): Promise<void> {
    const nowIso = this.now().toISOString();
    if (msg.expiresAt && msg.expiresAt < nowIso) {
      this.write(async () => { await this.repo.requeue(msg.id, nowIso, nowIso, 'expired'); await this.repo.setStatus(msg.id, 'expired', nowIso, { error: 'validity period passed before sending' }); });
      this.o.onStatus?.(msg.id, 'expired');
      return;
    }
    const dest = smppDestination(msg.phone, this.o.destAddrFormat ?? 'international');
    const plan = planMt(msg.text, { maxSegments: Math.max(this.o.maxSegments, msg.segments), ref: msg.refNum, refBits: msg.refBits, forceUcs2: msg.encoding === 'ucs2', overflow: 'truncate' });
    for (const seg of segments) {
      const part = plan.segments[seg.seq - 1];
      if (!part) {
        this.write(async () => { await this.repo.segmentFailed(seg.id, null, nowIso); await this.repo.setStatus(msg.id, 'failed', nowIso, { error: `segment ${seg.seq} missing from plan` }); });
        return;
      }
      if (!(await this.acquire())) {
        this.write(() => this.repo.requeue(msg.id, nowIso, nowIso, 'dispatcher stopped'));
        return;
      }
      this.submitSlots[this.advanceSlots() % 10]++;
      let outcome: SubmitOutcome;
      try {
        outcome = this.link.state === 'bound' || this.link.state === 'throttled'
          ? await this.link.submit({
            destination: dest.addr, destTon: dest.ton, destNpi: dest.npi, source: this.o.sourceAddr, dataCoding: plan.dataCoding, udh: part.udh ?? undefined, payload: part.payload,
            registeredDelivery: 1, validityPeriod: msg.expiresAt ? new Date(msg.expiresAt) : undefined,
          })
          : { kind: 'unknown', reason: 'link-lost', written: false };
      } catch (e) {
        outcome = { kind: 'error', status: -1, statusName: (e as Error).message, permanent: true, local: true };
      } finally {
        this.release();
      }
      this.sentThisSecond++;
      const at = this.now().toISOString();
      const d = decideOutcome(outcome, { attempts: msg.attempts, seq: seg.seq }, this.o);
      if (d.kind === 'answered') {
        this.counters.segmentsOk++;
        this.okUncommitted++;
        const id = d.messageId;
        // With any receipt that arrived before this response was stored (one cheap check when none did).
        this.write(() => this.repo.segmentAnswered(seg.id, canonicalMessageId(id), id, messageIdKeys(id), at));
        continue;
      }
      if (d.kind === 'failed' || d.kind === 'retry') {
        this.counters.segmentsError++;
        if (d.throttled) { this.counters.throttled++; this.bucket.throttled(this.observedRate()); }
        if (d.kind === 'failed') {
          this.write(async () => {
            await this.repo.segmentFailed(seg.id, d.status, at);
            await this.repo.requeue(msg.id, at, at, d.reason);
            await this.repo.setStatus(msg.id, 'failed', at, { error: d.error });
          });
          this.o.log.warn('sms failed', { id: msg.id, phone: msg.phone, error: d.reason });
          this.o.onStatus?.(msg.id, 'failed');
        } else {
          const next = new Date(Date.now() + d.delayMs).toISOString();
          this.write(() => this.repo.requeue(msg.id, at, next, d.reason));
        }
        return;
      }
      // unknown outcome
      this.counters.segmentsUnknown++;
      if (d.counted) this.o.log.warn('submit without response; will resend when the link is back (possible duplicate)', { id: msg.id, seq: seg.seq, reason: d.cause });
      this.write(async () => {
        await this.repo.requeue(msg.id, at, new Date(Date.now() + d.delayMs).toISOString(), d.reason, d.counted ? 1 : 0);
        if (d.giveUp) await this.repo.setStatus(msg.id, 'failed', at, { error: d.giveUp });
      });
      return;
    }
    // Every segment has a message id now.
    this.write(async () => {
      const st = await this.repo.settleFromSegments(msg.id, this.now().toISOString());
      this.o.onStatus?.(msg.id, st);
    });
  }

  /**
   * A delivery receipt: match it to its segment (by any form of the id) and settle the message.
   *  - Without `ack`: persisted (with the writes still waiting for the batch) when the returned promise
   *    settles; the caller acks afterwards.
   *  - With `ack`: persisted in the next batched write, together with everything else that arrived in
   *    this event-loop turn, and `ack()` is called only after that transaction committed (still
   *    "persisted before ack", but one commit for a whole read of receipts instead of one each). If the
   *    write fails, `ack` is never called and the SMSC re-delivers the receipt.
   * The result says what was done ('queued' when it waits for the batch).
   */
  onReceipt(r: Receipt, raw: string | null, ack: (status?: number) => void): 'queued';
  onReceipt(r: Receipt, raw: string | null): Promise<ReceiptResult>;
  onReceipt(r: Receipt, raw: string | null, ack?: (status?: number) => void): 'queued' | Promise<ReceiptResult> {
    if (ack) {
      this.receiptQueue.push({ r, raw, ack });
      this.scheduleReceiptFlush();
      return 'queued';
    }
    // Persisted in one commit with any writes still waiting for the batch (not two).
    return this.commit({ r, raw }) as Promise<ReceiptResult>;
  }

  /** Match and record one receipt (inside the caller's transaction). */
  private async applyReceipt(r: Receipt, raw: string | null): Promise<ReceiptResult> {
    this.counters.receipts++;
    const nowIso = this.now().toISOString();
    const l = receiptLookup(r);
    // One store call: the first key that names a segment is the one.
    const hit = l ? await this.repo.receiptForKeys(l.keys, l.status, l.errCode, nowIso) : null;
    const result = receiptResult(l, !!hit);
    // An intermediate receipt (ENROUTE/ACCEPTED) matches but records nothing.
    if (hit?.status) this.o.onStatus?.(hit.outboxId, hit.status);
    if (result !== 'kept') return result;
    this.counters.receiptsUnmatched++;
    await this.repo.keepUnmatchedReceipt(l!.keepAs, r.outcome, l!.errCode, raw, nowIso);
    this.o.log.info('receipt for an unknown message id kept for matching', { messageId: r.id || r.altId, state: r.state });
    return 'kept';
  }
}

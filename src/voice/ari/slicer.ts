/**
 * Event slicing: the ARI events of one WebSocket read (a TCP chunk may carry hundreds of frames at
 * 400 calls) are handled in slices, yielding to the event loop between slices, so one burst does not
 * hold the loop for 100+ ms while HTTP answers, media requests and timers wait.
 *
 * One FIFO for all events: the order of events is the order they arrived in, so the events of one
 * channel are never reordered (nor are those of a channel and its playbacks, which carry no channel
 * id). An event arriving while earlier ones wait joins the end of the queue; it never overtakes them.
 * The first events of an idle queue run at once (same tick as the socket read: no added latency).
 */

export interface SlicerOptions<T> {
  handle(item: T): void;
  /** Events per slice at most (default 2000: the time budget is what bounds a slice; a count cap alone would cap throughput). */
  maxPerSlice?: number;
  /** Time per slice at most in ms (default 5). */
  budgetMs?: number;
  /**
   * A later slice may run longer when its oldest event has waited: half that wait, up to this (ms,
   * default 25). Without it, events arriving meanwhile only queue and get a fixed few ms per loop
   * turn while other I/O takes the rest: under load the backlog (and every event's latency) grows.
   */
  maxBudgetMs?: number;
  /** Run the next slice later (default setImmediate: after I/O callbacks). */
  schedule?(fn: () => void): void;
  now?(): number;
  /** A handler threw: the rest goes on. */
  onError?(err: unknown, item: T): void;
}

export class EventSlicer<T> {
  private readonly q: T[] = [];
  private head = 0;
  private scheduled = false;
  private running = false;
  /** Events handled in the current turn, and when it began. */
  private turnCount = 0;
  private turnStart = 0;
  private readonly max: number;
  private readonly budget: number;
  private readonly maxBudget: number;
  /** This slice's budget (grows with the backlog's age, up to maxBudget). */
  private sliceBudget = 0;
  /** Arrival time of each queued event (parallel to q). */
  private readonly at: number[] = [];
  private readonly schedule: (fn: () => void) => void;
  private readonly now: () => number;
  /** Slices that ended with events left over (handed to a later turn). */
  yields = 0;
  /** Longest wait of an event in the queue, and longest slice (ms). */
  maxWaitMs = 0;
  maxSliceMs = 0;

  constructor(private readonly o: SlicerOptions<T>) {
    this.max = Math.max(1, o.maxPerSlice ?? 2000);
    this.budget = o.budgetMs ?? 5;
    this.maxBudget = Math.max(this.budget, o.maxBudgetMs ?? 25);
    this.schedule = o.schedule ?? ((fn) => setImmediate(fn));
    this.now = o.now ?? (() => performance.now());
  }

  get pending(): number { return this.q.length - this.head; }

  push(item: T): void {
    this.q.push(item);
    this.at.push(this.now());
    if (this.scheduled || this.running) return; // earlier events are waiting: keep the order
    // Handled at once while this turn's slice lasts (a socket read emits its frames in one loop;
    // the turn ends at the first microtask checkpoint after it).
    if (this.turnCount === 0) {
      this.turnStart = this.now();
      this.sliceBudget = this.budget;
      queueMicrotask(() => { this.turnCount = 0; });
    }
    this.drain();
  }

  private drain(fresh = false): void {
    this.scheduled = false;
    this.running = true;
    if (fresh) {
      this.turnCount = 0;
      this.turnStart = this.now();
      this.sliceBudget = Math.min(this.maxBudget, Math.max(this.budget, (this.turnStart - this.at[this.head]) / 2));
      queueMicrotask(() => { this.turnCount = 0; });
    }
    try {
      while (this.head < this.q.length && this.turnCount < this.max && this.now() - this.turnStart < this.sliceBudget) {
        const item = this.q[this.head];
        this.q[this.head++] = undefined as T; // let it be collected
        this.turnCount++;
        const waited = this.now() - this.at[this.head - 1];
        if (waited > this.maxWaitMs) this.maxWaitMs = waited;
        try { this.o.handle(item); } catch (e) { this.o.onError?.(e, item); }
      }
    } finally {
      this.running = false;
      const took = this.now() - this.turnStart;
      if (took > this.maxSliceMs) this.maxSliceMs = took;
    }
    if (this.head >= this.q.length) {
      this.q.length = 0;
      this.at.length = 0;
      this.head = 0;
      return;
    }
    if (this.head > 1024) { this.q.splice(0, this.head); this.at.splice(0, this.head); this.head = 0; }
    this.yields++;
    this.scheduled = true;
    this.schedule(() => this.drain(true));
  }
}

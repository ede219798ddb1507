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
  /** Events per slice at most (default 64). */
  maxPerSlice?: number;
  /** Time per slice at most in ms (default 4). */
  budgetMs?: number;
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
  private readonly schedule: (fn: () => void) => void;
  private readonly now: () => number;
  /** Slices that ended with events left over (handed to a later turn). */
  yields = 0;

  constructor(private readonly o: SlicerOptions<T>) {
    this.max = Math.max(1, o.maxPerSlice ?? 64);
    this.budget = o.budgetMs ?? 4;
    this.schedule = o.schedule ?? ((fn) => setImmediate(fn));
    this.now = o.now ?? (() => performance.now());
  }

  get pending(): number { return this.q.length - this.head; }

  push(item: T): void {
    this.q.push(item);
    if (this.scheduled || this.running) return; // earlier events are waiting: keep the order
    // Handled at once while this turn's slice lasts (a socket read emits its frames in one loop;
    // the turn ends at the first microtask checkpoint after it).
    if (this.turnCount === 0) {
      this.turnStart = this.now();
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
      queueMicrotask(() => { this.turnCount = 0; });
    }
    try {
      while (this.head < this.q.length && this.turnCount < this.max && this.now() - this.turnStart < this.budget) {
        const item = this.q[this.head];
        this.q[this.head++] = undefined as T; // let it be collected
        this.turnCount++;
        try { this.o.handle(item); } catch (e) { this.o.onError?.(e, item); }
      }
    } finally {
      this.running = false;
    }
    if (this.head >= this.q.length) {
      this.q.length = 0;
      this.head = 0;
      return;
    }
    if (this.head > 1024) { this.q.splice(0, this.head); this.head = 0; }
    this.yields++;
    this.scheduled = true;
    this.schedule(() => this.drain(true));
  }
}

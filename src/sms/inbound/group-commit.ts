/**
 * Group commit: calls made while a batch is being written wait and go together into the next one,
 * in the order they were made. One transaction (one WAL flush on PostgreSQL) for every call in a
 * batch instead of one each: under load the batch grows by itself, a single call waits for nothing.
 *
 * When a batch of several fails, each of its calls is tried alone (so one bad item fails only its
 * own caller); a batch of one fails its caller.
 */
interface Waiting<A, R> { arg: A; resolve: (r: R) => void; reject: (e: unknown) => void }

export class GroupCommit<A, R> {
  private queue: Array<Waiting<A, R>> = [];
  private running: Promise<void> | null = null;

  constructor(
    /** Write a batch in one transaction; one result per argument, in order. */
    private readonly batch: (args: A[]) => Promise<R[]>,
    /** Write one alone (after its batch failed). */
    private readonly alone: (arg: A) => Promise<R>,
    private readonly maxBatch = 200,
  ) {}

  submit(arg: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ arg, resolve, reject });
      // Started on a microtask: every call made in this turn so far (one socket read's PDUs) joins.
      if (!this.running) this.running = Promise.resolve().then(() => this.loop()).finally(() => { this.running = null; });
    });
  }

  /** Resolves when nothing waits or is being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.queue.length) {
      const group = this.queue.splice(0, this.maxBatch);
      let results: R[];
      try {
        results = await this.batch(group.map((w) => w.arg));
      } catch (e) {
        if (group.length === 1) { group[0].reject(e); continue; }
        for (const w of group) {
          try { w.resolve(await this.alone(w.arg)); } catch (e2) { w.reject(e2); }
        }
        continue;
      }
      group.forEach((w, i) => w.resolve(results[i]));
    }
  }
}

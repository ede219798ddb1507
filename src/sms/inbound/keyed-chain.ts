/**
 * Work in order per key, keys side by side: tasks with the same key run one after the other in the
 * order they were added; tasks with different keys run concurrently, at most `limit` at once. A task
 * starts as soon as a slot is free and no earlier task of its key is running or waiting; among those,
 * the one added first. With limit 1 it is exactly one promise chain (arrival order over all keys).
 *
 * The inbound pipeline runs its commands on it keyed by the citizen's phone: one citizen's texts are
 * handled in the order they were stored (a survey answer after the answer it rates), while on
 * PostgreSQL — where a command is a dozen round trips — different citizens do not wait for each other.
 */
interface Task { key: string; start: () => Promise<void> }

export class KeyedChain {
  private running = 0;
  /** Not yet started, in arrival order. */
  private pending: Task[] = [];
  /** Keys with a task running. */
  private readonly busy = new Set<string>();
  private idleWaiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error('KeyedChain limit must be at least 1');
  }

  /** Add a task; the promise settles as fn's does. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ key, start: () => Promise.resolve().then(fn).then(resolve, reject) });
      this.pump();
    });
  }

  /** Tasks running or waiting. */
  get size(): number { return this.pending.length + this.running; }

  /** Resolves when nothing runs or waits (at once when already so). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    if (this.running >= this.limit) return;
    // A key waiting earlier blocks its own later tasks: the scan sees each key's first task first.
    const seen = new Set<string>();
    for (let i = 0; i < this.pending.length && this.running < this.limit;) {
      const t = this.pending[i];
      if (this.busy.has(t.key) || seen.has(t.key)) { seen.add(t.key); i++; continue; }
      this.pending.splice(i, 1);
      this.running++;
      this.busy.add(t.key);
      void t.start().finally(() => {
        this.running--;
        this.busy.delete(t.key);
        this.pump();
        if (this.size === 0) { const w = this.idleWaiters; this.idleWaiters = []; w.forEach((f) => f()); }
      });
    }
  }
}

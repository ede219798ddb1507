/**
 * Group commit for the department API's status events. Requests that arrive in the same event-loop turn
 * are applied together in ONE transaction (each in its own savepoint, so one bad event fails alone),
 * and every request is answered only after that transaction committed: still "persisted before
 * acknowledged", with one commit shared by many events instead of one each.
 *
 * The whole batch runs synchronously inside one flush, so no other writer (SMS dispatcher, voice) can
 * interleave with an open, uncommitted group.
 */
import type { TransactionRunner } from '../../domain/ports.js';
import { isStorageFull } from '../../store/health.js';

interface Pending<T> { run: () => T; resolve: (v: T) => void; reject: (e: unknown) => void }

export class GroupCommit {
  private queue: Array<Pending<unknown>> = [];
  private scheduled = false;
  constructor(private readonly tx: TransactionRunner, private readonly maxBatch = 256) {}

  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Pending<unknown>);
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) { this.scheduled = true; setImmediate(() => this.flush()); }
    });
  }

  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.tx.transaction(() => {
        for (const p of batch) {
          // Each run() opens its own (nested → savepoint) transaction in the domain service: a failing
          // event rolls back alone and is answered with its error.
          try { outcomes.push({ ok: true, value: p.run() }); } catch (error) {
            // A full disk rolls back SQLite's whole transaction, not just the savepoint: carrying on would
            // run the rest of the batch outside any transaction. The whole batch fails (503, retried).
            if (isStorageFull(error)) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const p of batch) p.reject(error); // the commit itself failed: nothing of the batch was kept
      return;
    }
    batch.forEach((p, i) => { const o = outcomes[i]; if (o.ok) p.resolve(o.value); else p.reject(o.error); });
  }
}

/**
 * Group commit for the department API's status events. Requests that arrive in the same event-loop turn
 * are applied together in ONE transaction (each in its own savepoint, so one bad event fails alone),
 * and every request is answered only after that transaction committed: still "persisted before
 * acknowledged", with one commit shared by many events instead of one each.
 *
 * The batch's body awaits only store calls. On SQLite these settle at once, so the whole batch —
 * BEGIN, every event, COMMIT — runs in the flush's own turn (microtasks), and other writers (SMS
 * dispatcher, voice) wait at the store's gate until it committed: none can interleave with an open,
 * uncommitted group. On PostgreSQL the batch is one transaction on one connection.
 */
import type { TransactionRunner } from '../../domain/ports.js';
import { isStorageFull } from '../../store/health.js';

interface Pending<T> { run: () => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void }

export class GroupCommit {
  private queue: Array<Pending<unknown>> = [];
  private scheduled = false;
  constructor(private readonly tx: TransactionRunner, private readonly maxBatch = 256) {}

  /** Queue `run` (it must await only store calls) for the next batch; settles after that batch's commit. */
  submit<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Pending<unknown>);
      if (this.queue.length >= this.maxBatch) void this.flush();
      else if (!this.scheduled) { this.scheduled = true; setImmediate(() => { void this.flush(); }); }
    });
  }

  /** Apply the queued events in one transaction and answer them; never rejects (each request gets its outcome). */
  async flush(): Promise<void> {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.tx.transaction(async () => {
        for (const p of batch) {
          // Each run() opens its own (nested → savepoint) transaction in the domain service: a failing
          // event rolls back alone and is answered with its error.
          try { outcomes.push({ ok: true, value: await p.run() }); } catch (error) {
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

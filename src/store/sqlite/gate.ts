/**
 * The async face of the SQLite store. better-sqlite3 is synchronous and has one connection; the
 * repository ports are async (so PostgreSQL can implement them too). The gate turns one into the other:
 *
 *  - A repository call runs at once, synchronously, and returns a settled promise — unless an async
 *    transaction is open and the call does not belong to it. Then it waits until that transaction ends
 *    (on one connection every statement would otherwise join the open transaction, and be rolled back
 *    with it).
 *  - `transaction(fn)` opens BEGIN IMMEDIATE, runs fn with the transaction in its async context
 *    (AsyncLocalStorage), and COMMITs, or ROLLBACKs when fn throws. Nested calls become savepoints.
 *    Other transactions wait their turn (one writer, as SQLite has anyway).
 *  - `afterCommit(fn)` runs fn once the current transaction committed (at once outside a transaction):
 *    notifications for the live panel and other instances never tell of a change that was rolled back.
 *
 * A transaction whose body awaits only store calls finishes in the same event-loop turn (settled
 * promises continue as microtasks): SQLite keeps its speed. A body must not await network I/O.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../db.js';

interface TxFrame { hooks: Array<() => void>; depth: number }

export class SqliteGate {
  private readonly als = new AsyncLocalStorage<TxFrame>();
  /** The open async transaction, if any. */
  private open: TxFrame | null = null;
  private waiting: Array<() => void> = [];

  /** Prepared once: exec() would compile BEGIN/COMMIT on every transaction. */
  private readonly begin;
  private readonly commit;
  constructor(private readonly db: Db) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
  }

  /** True when the caller may use the connection now (no transaction open, or the caller is inside it). */
  private mine(): boolean { return this.open === null || this.als.getStore() === this.open; }

  private wait(): Promise<void> { return new Promise((r) => this.waiting.push(r)); }

  private wakeAll(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }

  /** Run a synchronous store operation as an async call (see the file comment). */
  run<T>(fn: () => T): Promise<T> {
    if (this.mine()) {
      try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); }
    }
    return this.wait().then(() => this.run(fn));
  }

  /** Run a synchronous operation now when the connection is free; undefined when a transaction holds it. */
  tryNow<T>(fn: () => T): { value: T } | undefined {
    return this.mine() ? { value: fn() } : undefined;
  }

  get inTransaction(): boolean { return this.als.getStore() !== undefined && this.als.getStore() === this.open; }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const frame = this.als.getStore();
    if (frame && frame === this.open) {
      const sp = `gate_sp_${++frame.depth}`;
      this.db.exec(`SAVEPOINT ${sp}`);
      try {
        const r = await fn();
        this.db.exec(`RELEASE ${sp}`);
        return r;
      } catch (e) {
        if (this.db.inTransaction) { this.db.exec(`ROLLBACK TO ${sp}`); this.db.exec(`RELEASE ${sp}`); }
        throw e;
      } finally { frame.depth--; }
    }
    while (this.open) await this.wait();
    const mine: TxFrame = { hooks: [], depth: 0 };
    this.open = mine;
    let committed = false;
    try {
      this.begin.run();
      const r = await this.als.run(mine, fn);
      this.commit.run();
      committed = true;
      return r;
    } catch (e) {
      if (this.db.open && this.db.inTransaction) {
        try { this.db.exec('ROLLBACK'); } catch { /* rolled back already (SQLITE_FULL may end it) */ }
      }
      throw e;
    } finally {
      this.open = null;
      this.wakeAll();
      if (committed) for (const h of mine.hooks) h();
    }
  }

  afterCommit(fn: () => void): void {
    const frame = this.als.getStore();
    if (frame && frame === this.open) frame.hooks.push(fn);
    else fn();
  }
}

/** Every method of a synchronous repository, as async calls through the gate (built once, no Proxy per call). */
export function gated<T extends object>(repo: T, gate: SqliteGate): import('../async.js').AsyncOf<T> {
  const out: Record<string, unknown> = {};
  let proto: object | null = Object.getPrototypeOf(repo);
  const names = new Set<string>();
  while (proto && proto !== Object.prototype) {
    for (const n of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, n);
      if (n !== 'constructor' && d && typeof d.value === 'function') names.add(n);
    }
    proto = Object.getPrototypeOf(proto);
  }
  for (const n of names) {
    const f = (repo as Record<string, unknown>)[n];
    if (typeof f !== 'function') continue;
    out[n] = (...args: unknown[]) => gate.run(() => (f as (...a: unknown[]) => unknown).apply(repo, args));
  }
  return out as import('../async.js').AsyncOf<T>;
}

/**
 * PostgreSQL connection pool (npm `pg`) and transactions. int8 (ids, COUNT(*)) is read as a JS number,
 * as better-sqlite3 does: ids stay far below 2^53.
 */
import pg from 'pg';
import { AsyncLocalStorage } from 'node:async_hooks';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

interface TxFrame { client: pg.PoolClient; hooks: Array<() => void> }

/**
 * The store's connection as its repositories see it: a query goes to the client of the transaction the
 * caller is in (its async context, AsyncLocalStorage), else to the pool. So `store.transaction(fn)`
 * needs no repositories bound to a client: whatever fn calls joins the transaction.
 */
export class AmbientDb {
  private readonly als = new AsyncLocalStorage<TxFrame>();
  constructor(readonly pool: pg.Pool) {}
  query(text: string, params?: unknown[]): Promise<pg.QueryResult<any>> {
    const f = this.als.getStore();
    return (f ? f.client : this.pool).query(text, params as any[]);
  }
  get inTransaction(): boolean { return this.als.getStore() !== undefined; }
  /** A transaction of its own (BEGIN … COMMIT on one client), or a savepoint inside the caller's. */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const f = this.als.getStore();
    if (f) return withTransaction(f.client, fn);
    const client = await this.pool.connect();
    const frame: TxFrame = { client, hooks: [] };
    let committed = false;
    try {
      const r = await this.als.run(frame, () => withTransaction(client, fn));
      committed = true;
      return r;
    } finally {
      client.release();
      if (committed) for (const h of frame.hooks) h();
    }
  }
  afterCommit(fn: () => void): void {
    const f = this.als.getStore();
    if (f) f.hooks.push(fn); else fn();
  }
}

/** Where a repository sends its SQL: the ambient connection, the pool (autocommit), or a client inside a transaction. */
export interface Queryable { query(text: string, params?: any[]): Promise<pg.QueryResult<any>> }

const INT8 = 20;
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8 && format !== 'binary') return (v: string) => Number(v);
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  },
};

export function isPostgresUrl(url: string): boolean { return /^postgres(ql)?:\/\//i.test(url); }

/**
 * A pool. An idle client whose connection the server ends (a PostgreSQL restart, `pg_terminate_backend`,
 * a dropped database) is reported as an 'error' event on the pool, which crashes the process when nobody
 * listens (node-postgres README): it goes to `onError`, the pool drops that client, and the next query
 * gets a fresh connection (or a clear error).
 */
export function createPool(url: string, opts: { max?: number; applicationName?: string; onError?: (e: Error) => void; synchronousCommit?: 'on' | 'off' } = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName ?? 'hotline96365', types: types as never,
    ...(opts.synchronousCommit ? { options: `-c synchronous_commit=${opts.synchronousCommit}` } : {}),
  });
  pool.on('error', (e) => { opts.onError?.(e); });
  return pool;
}

const depth = new WeakMap<object, number>();

/**
 * Run fn in one transaction. On the pool: a client of its own, BEGIN … COMMIT (ROLLBACK on throw).
 * On a client already in a transaction: a savepoint, like better-sqlite3's nested transaction().
 */
export async function withTransaction<T>(q: Queryable, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  if (q instanceof AmbientDb) return q.transaction(fn);
  if (q instanceof pg.Pool) {
    const client = await q.connect();
    try {
      await client.query('BEGIN');
      depth.set(client, 1);
      try {
        const r = await fn(client);
        await client.query('COMMIT');
        return r;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } finally {
      depth.delete(client);
      client.release();
    }
  }
  const d = depth.get(q) ?? 0;
  if (d === 0) {
    // A client the caller checked out but did not start a transaction on.
    await q.query('BEGIN');
    depth.set(q, 1);
    try {
      const r = await fn(q as PoolClient);
      await q.query('COMMIT');
      return r;
    } catch (e) {
      await q.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally { depth.delete(q); }
  }
  const sp = `sp_${d}`;
  await q.query(`SAVEPOINT ${sp}`);
  depth.set(q, d + 1);
  try {
    const r = await fn(q as PoolClient);
    await q.query(`RELEASE SAVEPOINT ${sp}`);
    return r;
  } catch (e) {
    await q.query(`ROLLBACK TO SAVEPOINT ${sp}`).catch(() => undefined);
    throw e;
  } finally { depth.set(q, d); }
}

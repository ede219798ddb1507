/**
 * PostgreSQL connection pool (npm `pg`) and transactions. int8 (ids, COUNT(*)) is read as a JS number,
 * as better-sqlite3 does: ids stay far below 2^53.
 */
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Where a repository sends its SQL: the pool (autocommit, or a transaction of its own) or a client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

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
export function createPool(url: string, opts: { max?: number; applicationName?: string; onError?: (e: Error) => void } = {}): Pool {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, application_name: opts.applicationName ?? 'hotline96365', types: types as never });
  pool.on('error', (e) => { opts.onError?.(e); });
  return pool;
}

const depth = new WeakMap<object, number>();

/**
 * Run fn in one transaction. On the pool: a client of its own, BEGIN … COMMIT (ROLLBACK on throw).
 * On a client already in a transaction: a savepoint, like better-sqlite3's nested transaction().
 */
export async function withTransaction<T>(q: Queryable, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
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
      const r = await fn(q);
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
    const r = await fn(q);
    await q.query(`RELEASE SAVEPOINT ${sp}`);
    return r;
  } catch (e) {
    await q.query(`ROLLBACK TO SAVEPOINT ${sp}`).catch(() => undefined);
    throw e;
  } finally { depth.set(q, d); }
}

/**
 * Applying the PostgreSQL migrations: schema_version holds one row per applied migration (the
 * schema's version is the highest). Each migration runs in its own transaction; a session advisory
 * lock makes instances that start at once migrate one after the other (the second finds nothing to do).
 * A database newer than this code is refused with the same error as SQLite (SchemaTooNewError).
 */
import { SchemaTooNewError } from '../db.js';
import { PG_MIGRATIONS } from './migrations.js';
import type { Pool } from './pool.js';

export const PG_LATEST_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1].version;

/** Advisory lock keys (pg_advisory_lock(int, int)): namespace 96365 + purpose. */
export const LOCK_NAMESPACE = 96365;
export const LOCK_MIGRATE = 1;

const ENSURE = `CREATE TABLE IF NOT EXISTS schema_version (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at text NOT NULL
)`;

export async function pgSchemaVersion(pool: Pool): Promise<number> {
  const has = await pool.query(`SELECT to_regclass('schema_version') IS NOT NULL AS has`);
  if (!has.rows[0].has) return 0;
  const r = await pool.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version');
  return Number(r.rows[0].v);
}

export function tooNew(from: number, latest: number): SchemaTooNewError {
  return new SchemaTooNewError(
    `database schema version ${from} is newer than this code understands (${latest}); upgrade the server or restore a matching backup`,
  );
}

/** `to`: stop after that version (tests of a data migration). */
export async function migratePg(pool: Pool, opts: { now?: () => string; to?: number } = {}): Promise<{ from: number; to: number; applied: string[] }> {
  const now = opts.now ?? (() => new Date().toISOString());
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, LOCK_MIGRATE]);
    try {
      await client.query(ENSURE);
      const from = Number((await client.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version')).rows[0].v);
      if (from > PG_LATEST_VERSION) throw tooNew(from, PG_LATEST_VERSION);
      const applied: string[] = [];
      for (const m of PG_MIGRATIONS) {
        if (m.version <= from || (opts.to !== undefined && m.version > opts.to)) continue;
        await client.query('BEGIN');
        try {
          if (m.sql) await client.query(m.sql);
          if (m.run) await m.run(client);
          await client.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now()]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
        applied.push(`${m.version}_${m.name}`);
      }
      const to = Number((await client.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version')).rows[0].v);
      return { from, to, applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, LOCK_MIGRATE]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

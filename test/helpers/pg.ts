/** PostgreSQL for tests: the throwaway cluster of test/setup/pg-cluster.ts, one fresh database per suite. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The cluster's URL, or null when PostgreSQL tests are skipped (the reason is in pgSkipReason). */
export const pgTestUrl: string | null = process.env.HOTLINE_TEST_PG_URL || null;
export const pgSkipReason: string = process.env.HOTLINE_TEST_PG_SKIP ?? 'HOTLINE_TEST_PG_URL not set';

function withDatabase(url: string, db: string): string {
  // postgresql://user@/dbname?host=/socket/dir — no host part, so not a WHATWG URL.
  return url.replace(/^(postgres(?:ql)?:\/\/[^/]*)\/[^?]*/, `$1/${db}`);
}

/** A new empty database t_<random> on the test cluster; drop() removes it (and ends its connections). */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  if (!pgTestUrl) throw new Error(`no PostgreSQL for tests: ${pgSkipReason}`);
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgTestUrl });
  await admin.connect();
  try { await admin.query(`CREATE DATABASE ${name}`); } finally { await admin.end(); }
  return {
    url: withDatabase(pgTestUrl, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: pgTestUrl! });
      await c.connect();
      try { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await c.end(); }
    },
  };
}

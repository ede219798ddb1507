/**
 * Bench-only preload (`node --import tsx --import ./bench/sql-count.ts …`): counts the SQL statements
 * the process runs (SQLite statements; PostgreSQL queries, each a round trip), by SQL text, so a benchmark can print statements and commits per message — a figure
 * that does not move with the load on the machine, unlike CPU time. Nothing in `src/` knows about it.
 *
 * Set BENCH_SQL_COUNT=1 for a benchmark: `startServerProcess` (bench/lib.ts) preloads this into the
 * server with BENCH_SQL_COUNT_OUT=<file>. SIGUSR2 toggles: the first one starts counting (from zero),
 * the next writes the counts as JSON to that file and starts again from zero.
 */
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';

const out = process.env.BENCH_SQL_COUNT_OUT;
let counts = new Map<string, number>();
/** Transactions by their statements (first words of each, in order): which step commits how often. */
let shapes = new Map<string, number>();
/** The open transaction's statements, per connection (one SQLite handle; each PostgreSQL client). */
const txs = new WeakMap<object, string[]>();
let counting = false;

function seen(conn: object, sql: string): void {
  if (!counting) return;
  counts.set(sql, (counts.get(sql) ?? 0) + 1);
  const head = sql.replace(/\s+/g, ' ').trim();
  if (/^BEGIN/i.test(head)) { txs.set(conn, []); return; }
  const tx = txs.get(conn);
  if (/^(COMMIT|ROLLBACK)/i.test(head)) {
    if (tx) { const k = tx.join(' | '); shapes.set(k, (shapes.get(k) ?? 0) + 1); }
    txs.delete(conn);
    return;
  }
  if (tx && tx.length < 40 && !/^(SAVEPOINT|RELEASE)/i.test(head)) tx.push(head.slice(0, 48));
}

if (out) {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  for (const m of ['run', 'get', 'all', 'iterate'] as const) {
    const orig = proto[m];
    proto[m] = function (this: { source: string; database: object }, ...a: unknown[]) {
      seen(this.database, this.source);
      return orig.apply(this, a);
    };
  }
  const exec = Database.prototype.exec;
  Database.prototype.exec = function (this: Database.Database, sql: string) {
    seen(this, sql);
    return exec.call(this, sql);
  } as typeof exec;
  probe.close();
  // PostgreSQL: every query a client sends (one round trip each), by text.
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: object, ...a: unknown[]) {
    const q = a[0];
    const text = typeof q === 'string' ? q : (q as { text?: string } | null)?.text;
    if (text) seen(this, text);
    return query.apply(this, a);
  } as typeof pg.Client.prototype.query;
  process.on('SIGUSR2', () => {
    if (counting) writeFileSync(out, JSON.stringify({ statements: Object.fromEntries(counts), transactions: Object.fromEntries(shapes) }));
    counts = new Map();
    shapes = new Map();
    counting = true;
  });
}

export interface SqlDump { statements: Record<string, number>; transactions: Record<string, number> }

/** For the bench: a statement summary of a dump, per `n` messages. */
export function sqlPerMessage(dump: SqlDump, n: number, top = 25): string {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const entries = Object.entries(dump.statements).map(([sql, c]) => [norm(sql), c] as const).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((a, [, c]) => a + c, 0);
  const commits = entries.filter(([s]) => /^COMMIT\b/i.test(s)).reduce((a, [, c]) => a + c, 0);
  const lines = entries.slice(0, top).map(([s, c]) => `  ${(c / n).toFixed(2).padStart(6)}  ${s.slice(0, 110)}`);
  const txs = Object.entries(dump.transactions).sort((a, b) => b[1] - a[1]).slice(0, 12)
    .map(([k, c]) => `  ${(c / n).toFixed(2).padStart(6)}  ${k.slice(0, 400)}`);
  return `SQL statements per message: ${(total / n).toFixed(1)} (commits ${(commits / n).toFixed(2)}), top:\n${lines.join('\n')}\n`
    + `transactions per message, by their statements:\n${txs.join('\n')}`;
}

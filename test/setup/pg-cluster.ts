/**
 * vitest globalSetup: a throwaway PostgreSQL cluster for the store tests that run on PostgreSQL.
 *
 * When the server binaries are found (PATH initdb/pg_ctl, or Debian's /usr/lib/postgresql/<v>/bin),
 * initdb + pg_ctl start a cluster in a temp dir that listens only on a Unix socket in that dir
 * (listen_addresses='', fsync off), as the `postgres` user when running as root. Tests read the URL of
 * its `hotline_test` database from HOTLINE_TEST_PG_URL (test/helpers/pg.ts gives each suite its own
 * database). Stopped and removed at teardown. Without binaries the PostgreSQL tests skip with one
 * message, except under CI=true, where that is an error. HOTLINE_TEST_PG_URL set beforehand: used as is.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function findBin(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  }
  return null;
}

/** Whether this run includes any test that uses PostgreSQL (file filters on the command line). */
function runNeedsPg(): boolean {
  const i = process.argv.findIndex((a) => a === 'run' || a === 'watch' || a.endsWith('vitest') || a.endsWith('vitest.mjs'));
  const filters = process.argv.slice(i + 1).filter((a) => !a.startsWith('-') && a !== 'run' && a !== 'watch');
  return filters.length === 0 || filters.some((f) => /store|pg/i.test(f));
}

let stop: (() => void) | null = null;

export async function setup(): Promise<void> {
  if (process.env.HOTLINE_TEST_PG_URL) return;
  if (!runNeedsPg()) { process.env.HOTLINE_TEST_PG_SKIP = 'no PostgreSQL test selected'; return; }
  const bin = findBin();
  if (!bin) {
    const msg = 'PostgreSQL server binaries (initdb, pg_ctl) not found: the PostgreSQL store tests are skipped (Debian: apt-get install postgresql)';
    if (process.env.CI === 'true') throw new Error(`${msg} — CI=true requires them`);
    process.stderr.write(`pg-cluster: ${msg}\n`);
    process.env.HOTLINE_TEST_PG_SKIP = msg;
    return;
  }
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hotline-pg-'));
  const asRoot = process.getuid?.() === 0;
  let run = (cmd: string, args: string[]) => execFileSync(join(bin, cmd), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o755); // the socket lives here: reachable by the tests
    run = (cmd, args) => execFileSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const data = join(dir, 'data');
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o',
      `-c listen_addresses='' -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`, 'start']);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pg-cluster: could not start PostgreSQL: ${err.stderr?.toString() || err.message}`);
  }
  stop = () => {
    try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  const client = new pg.Client({ host: dir, user: 'postgres', database: 'postgres' });
  await client.connect();
  try { await client.query('CREATE DATABASE hotline_test'); } finally { await client.end(); }
  process.env.HOTLINE_TEST_PG_URL = `postgresql://postgres@/hotline_test?host=${dir}`;
  process.stderr.write(`pg-cluster: PostgreSQL (${bin}) on ${dir} in ${Date.now() - started} ms\n`);
}

export function teardown(): void {
  if (stop) { stop(); stop = null; }
}

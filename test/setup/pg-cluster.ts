/**
 * vitest globalSetup: a throwaway PostgreSQL cluster for the store tests that run on PostgreSQL.
 *
 * When the server binaries are found (PATH initdb/pg_ctl, or Debian's /usr/lib/postgresql/<v>/bin),
 * initdb + pg_ctl start a cluster in a temp dir that listens only on a Unix socket in that dir
 * (listen_addresses='', fsync off), as the `postgres` user when running as root. Tests read the URL of
 * its `hotline_test` database from HOTLINE_TEST_PG_URL (test/helpers/pg.ts gives each suite its own
 * database). Stopped and removed at teardown. Without binaries the PostgreSQL tests skip with one
 * message, except under CI=true, where that is an error. HOTLINE_TEST_PG_URL set beforehand: used as is;
 * HOTLINE_TEST_PG=off: behave as if PostgreSQL were not installed.
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

/** Options of `vitest` that take a value (so that value is not mistaken for a file filter). */
const VALUE_OPTIONS = new Set(['-t', '--testNamePattern', '-c', '--config', '--project', '--reporter', '--pool', '--shard', '-r', '--root', '--dir',
  '--environment', '--maxWorkers', '--minWorkers', '--exclude', '--outputFile', '--mode', '--testTimeout', '--hookTimeout', '--retry']);

/** Whether this run includes any test that uses PostgreSQL: no file filter, or one naming store/pg tests. */
function runNeedsPg(): boolean {
  const argv = process.argv.slice(2);
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUE_OPTIONS.has(a)) { i++; continue; }
    if (a.startsWith('-') || a === 'run' || a === 'watch' || a === 'related' || /vitest(\.mjs)?$/.test(a)) continue;
    filters.push(a);
  }
  return filters.length === 0 || filters.some((f) => /store|pg/i.test(f));
}

let stop: (() => void) | null = null;

export async function setup(): Promise<void> {
  if (process.env.HOTLINE_TEST_PG_URL) return;
  if (!runNeedsPg()) { process.env.HOTLINE_TEST_PG_SKIP = 'no PostgreSQL test selected'; return; }
  const bin = process.env.HOTLINE_TEST_PG === 'off' ? null : findBin(); // off: as if not installed
  if (!bin) {
    if (process.env.CI === 'true') throw new Error('pg-cluster: PostgreSQL server binaries (initdb, pg_ctl) not found, and CI=true requires the store suite on PostgreSQL (Debian: apt-get install postgresql)');
    const msg = 'PostgreSQL server binaries (initdb, pg_ctl) not found: the PostgreSQL store tests are skipped (Debian: apt-get install postgresql)';
    process.stderr.write(`pg-cluster: ${msg}\n`);
    process.env.HOTLINE_TEST_PG_SKIP = msg;
    return;
  }
  const c = await startPgCluster(bin);
  stop = c.stop;
  process.env.HOTLINE_TEST_PG_URL = c.url;
}

/**
 * A throwaway cluster in a temp dir, on a Unix socket only, with a `hotline_test` database. For tests
 * fsync and synchronous commit are off; `durable` keeps PostgreSQL's defaults (benchmarks: what a
 * deployment runs). Stopped and removed by stop(), and when this process exits.
 */
export async function startPgCluster(bin: string | null = findBin(), opts: { durable?: boolean; quiet?: boolean } = {}): Promise<{ url: string; dir: string; stop(): void }> {
  if (!bin) throw new Error('pg-cluster: PostgreSQL server binaries (initdb, pg_ctl) not found (Debian: apt-get install postgresql)');
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
  const speed = opts.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o',
      `-c listen_addresses='' -k ${dir}${speed} -c max_connections=200`, 'start']);
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pg-cluster: could not start PostgreSQL: ${err.stderr?.toString() || err.message}`);
  }
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopNow);
    try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  // Interrupted runs (Ctrl-C) leave no server behind either.
  process.on('exit', stopNow);
  const client = new pg.Client({ host: dir, user: 'postgres', database: 'postgres' });
  await client.connect();
  try { await client.query('CREATE DATABASE hotline_test'); } finally { await client.end(); }
  if (!opts.quiet) process.stderr.write(`pg-cluster: PostgreSQL (${bin}) on ${dir} in ${Date.now() - started} ms${opts.durable ? ' (durable: fsync and synchronous commit on)' : ''}\n`);
  return { url: `postgresql://postgres@/hotline_test?host=${dir}`, dir, stop: stopNow };
}

export function teardown(): void {
  if (stop) { stop(); stop = null; }
}

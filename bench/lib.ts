/** Shared helpers for benchmarks: percentiles, RSS, a server in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { SqlDump } from './sql-count.js';
import { join } from 'node:path';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(label: string, samples: number[], unit = 'ms'): string {
  if (!samples.length) return `${label}: n=0`;
  const s = [...samples].sort((a, b) => a - b);
  const f = (n: number) => (n < 1 ? n.toFixed(4) : n.toFixed(2));
  return `${label}: n=${s.length} p50=${f(percentile(s, 50))}${unit} p90=${f(percentile(s, 90))}${unit} p99=${f(percentile(s, 99))}${unit} max=${f(s[s.length - 1])}${unit}`;
}

export function rssMb(pid?: number): number {
  if (pid === undefined) return process.memoryUsage().rss / 1048576;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch { return NaN; }
}

export function tempDataDir(): string { return mkdtempSync(join(tmpdir(), 'hotline-bench-')); }

/** Start `hotline start` in a child process on a free port; resolves with its URL once it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop(): Promise<void>; sqlCount: SqlCount }> {
  // The compiled server (npm run bench builds it first) is what production runs; fall back to tsx.
  const built = join(import.meta.dirname, '..', 'dist', 'cli.js');
  const args = existsSync(built) ? [built, 'start'] : ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts'), 'start'];
  // BENCH_SERVER_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it exits (node --cpu-prof).
  if (process.env.BENCH_SERVER_CPU_PROF) args.unshift('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_CPU_PROF}`);
  // BENCH_SQL_COUNT=1: the server counts its SQLite statements (bench/sql-count.ts), read with sqlCount.
  const sqlOut = process.env.BENCH_SQL_COUNT ? join(tempDataDir(), 'sql-count.json') : '';
  if (sqlOut) args.unshift('--import', 'tsx', '--import', join(import.meta.dirname, 'sql-count.ts'));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, HOTLINE_LOG_LEVEL: 'info', ...env, ...(sqlOut ? { BENCH_SQL_COUNT_OUT: sqlOut } : {}) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${buf.slice(-2000)}`)));
    setTimeout(() => reject(new Error('server did not start in 60 s: ' + buf.slice(-2000))), 60_000).unref();
  });
  const sqlCount: SqlCount = {
    enabled: !!sqlOut,
    start: () => { if (sqlOut) child.kill('SIGUSR2'); },
    async take() {
      if (!sqlOut) return null;
      rmSync(sqlOut, { force: true });
      child.kill('SIGUSR2');
      for (let i = 0; i < 100 && !existsSync(sqlOut); i++) await new Promise((r) => setTimeout(r, 20));
      return existsSync(sqlOut) ? JSON.parse(readFileSync(sqlOut, 'utf8')) as SqlDump : null;
    },
  };
  return {
    url, child, sqlCount,
    stop: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); setTimeout(() => child.kill('SIGKILL'), 5000).unref(); }),
  };
}

/** The server's SQLite statement counts (BENCH_SQL_COUNT=1): start() from zero, take() the counts since. */
export interface SqlCount { enabled: boolean; start(): void; take(): Promise<SqlDump | null> }

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
  } catch { return NaN; }
}

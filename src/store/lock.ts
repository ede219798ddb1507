/**
 * One data directory → one running server.
 *
 * `hotline start` takes an exclusive lock before anything opens the database or connects to a peer
 * (ARI, SMPP): an SQLite file `server.lock` in the data directory held in an open EXCLUSIVE
 * transaction — an OS file lock, released by the kernel when the process ends in any way (kill -9
 * included), so a stale lock cannot exist. Beside it, `server.pid` names the holder (pid, host, http
 * port, start time, instance id) for the refusal message; it is informative only.
 *
 * The same process cannot take the lock twice either (SQLite tracks its locks per inode within a
 * process), which tests use.
 */
import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  /** HTTP port once bound (null while starting). */
  port: number | null;
  httpHost?: string;
  startedAt: string;
  instance: string;
  dataDir: string;
}

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly holder: LockHolder | null) {
    const other = holder && holder.host && holder.host !== hostname() ? holder.host : '';
    const who = holder
      ? `pid ${holder.pid}${other ? ` on ${other}` : ''}, ${holder.port ? `http port ${holder.port}` : 'still starting'}, started ${holder.startedAt}`
      : 'holder unknown';
    const zh = holder
      ? `${other ? `主机 ${other}，` : ''}进程 ${holder.pid}，${holder.port ? `端口 ${holder.port}` : '正在启动'}，启动于 ${holder.startedAt}`
      : '占用者未知';
    super(`另一个 hotline 服务正在使用数据目录 ${dataDir}（${zh}），请先停止它，或为本服务另设 HOTLINE_DATA_DIR / another hotline server is running on data directory ${dataDir} (${who}): stop it first, or give this one its own HOTLINE_DATA_DIR (and, against the same Asterisk, its own HOTLINE_ARI_APP)`);
    this.name = 'DataDirLockedError';
  }
}

/** An id for this server process, recorded on the calls it handles: `<host>/<pid>/<random>`. */
export function newInstanceId(): string {
  return `${hostname()}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
}

/** Whether the process named in an instance id may still be running (same host: its pid is alive). */
export function instanceMayBeAlive(instance: string, self: string): boolean {
  if (instance === self) return true;
  const [host, pidText] = instance.split('/');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false; // another host: the data-dir lock is the guard
  if (pid === process.pid) return false; // an earlier server in this process (restarted in-process)
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export class InstanceLock {
  private constructor(private db: Database.Database | null, readonly dataDir: string, private holder: LockHolder) {}

  get info(): LockHolder { return { ...this.holder }; }

  /** Take the data directory's lock, or throw DataDirLockedError naming the running server. */
  static acquire(dataDir: string, instance: string): InstanceLock {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'server.lock');
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { timeout: 0 });
      db.pragma('journal_mode = DELETE');
      db.exec('CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY)');
      db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      try { db?.close(); } catch { /* not open */ }
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw new DataDirLockedError(dir, readHolder(dir));
      throw e;
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), port: null, startedAt: new Date().toISOString(), instance, dataDir: dir };
    const lock = new InstanceLock(db, dir, holder);
    lock.write();
    return lock;
  }

  /** Record the bound HTTP address (for the next one that is refused). */
  bound(port: number, httpHost?: string): void {
    this.holder = { ...this.holder, port, ...(httpHost ? { httpHost } : {}) };
    this.write();
  }

  get held(): boolean { return this.db !== null; }

  release(): void {
    if (!this.db) return;
    try { rmSync(join(this.dataDir, 'server.pid'), { force: true }); } catch { /* gone */ }
    try { this.db.exec('ROLLBACK'); } catch { /* no transaction */ }
    try { this.db.close(); } catch { /* closed */ }
    this.db = null;
  }

  private write(): void {
    const path = join(this.dataDir, 'server.pid');
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(this.holder) + '\n');
      renameSync(tmp, path);
    } catch { /* informative only */ }
  }
}

function readHolder(dir: string): LockHolder | null {
  try {
    const j = JSON.parse(readFileSync(join(dir, 'server.pid'), 'utf8')) as LockHolder;
    return typeof j.pid === 'number' ? j : null;
  } catch {
    return null;
  }
}

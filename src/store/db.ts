/** Opening the SQLite store: pragmas and migrations. The only module that imports better-sqlite3 directly. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** 'NORMAL' (default) keeps every committed transaction across a process crash (kill -9) in WAL mode; 'FULL' also across power loss. */
  synchronous?: 'NORMAL' | 'FULL';
  migrate?: boolean;
  /** 'background' (the server): WAL checkpoints in a worker thread, off the event loop; 'inline' (default): SQLite's auto-checkpoint. */
  checkpoint?: 'background' | 'inline';
}

export class SchemaTooNewError extends Error {}

export function openDb(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -16000');
  db.pragma('temp_store = MEMORY');
  if (opts.migrate !== false) migrate(db);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Apply pending migrations, each in its own transaction. Re-running is a no-op. */
export function migrate(db: Db): { from: number; to: number; applied: string[] } {
  const from = schemaVersion(db);
  if (from > LATEST_VERSION) {
    throw new SchemaTooNewError(
      `database schema version ${from} is newer than this code understands (${LATEST_VERSION}); upgrade the server or restore a matching backup`,
    );
  }
  const applied: string[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      if (m.sql) db.exec(m.sql);
      m.run?.(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(`${m.version}_${m.name}`);
  }
  return { from, to: schemaVersion(db), applied };
}

/**
 * WAL checkpoints in a worker thread: the main connection never checkpoints (no fsync on the event
 * loop), the worker keeps the WAL from growing, and when the worker is gone SQLite's own
 * auto-checkpoint comes back.
 */
import { statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.js';
import { BackgroundCheckpointer } from '../../src/store/checkpointer.js';
import { tempDir } from '../helpers/context.js';
import { until } from '../helpers/wait.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function open(checkpoint: 'background' | 'inline') {
  const dir = tempDir('hotline-ckpt-');
  dirs.push(dir);
  const file = join(dir, 'hotline.db');
  const store = Store.open(file, { checkpoint });
  store.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  return { store, file };
}

const writeMany = (store: Store, n: number) => { const ins = store.db.prepare('INSERT INTO t (v) VALUES (?)'); for (let i = 0; i < n; i++) ins.run('x'.repeat(2000)); };

describe('background WAL checkpoints', () => {
  it('the main connection has auto-checkpoint off; the worker checkpoints and the WAL restarts small', async () => {
    const { store, file } = open('background');
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    writeMany(store, 3000); // ~1,500 pages: inline, SQLite would have checkpointed in one of these commits
    const grown = statSync(`${file}-wal`).size;
    expect(grown).toBeGreaterThan(4_000_000);
    const runs = store.checkpointer!.stats.runs;
    await until(() => store.checkpointer!.stats.runs > runs + 1, 10_000);
    // The first commit after a complete checkpoint rewinds the WAL: 1,000 more rows reuse its start
    // instead of growing it (without checkpoints it would grow by ~2 MB).
    await until(() => store.checkpointer!.stats.caughtUp, 10_000);
    writeMany(store, 1000);
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(grown);
    expect(store.db.prepare('SELECT count(*) FROM t').pluck().get()).toBeGreaterThanOrEqual(4000);
    expect(store.checkpointer!.stats.failures).toBe(0);
    store.close();
    const again = Store.open(file);
    expect(again.db.prepare('SELECT count(*) FROM t').pluck().get()).toBeGreaterThanOrEqual(4000);
    again.close();
  });

  it('inline (tools, tests): SQLite checkpoints as usual', () => {
    const { store } = open('inline');
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(store.checkpointer).toBeNull();
    store.close();
  });

  it('a worker that dies gives the main connection its auto-checkpoint back', async () => {
    const { store, file } = open('inline');
    const c = new BackgroundCheckpointer(store.db, file, 50);
    c.start();
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await (c as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await until(() => !c.running, 5000);
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    store.close();
  });
});

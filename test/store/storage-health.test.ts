/** The storage-health module: error classification, back-off, state, rate-limited logging, probe; real SQLITE_FULL. */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, isStorageFull, StorageHealth } from '../../src/store/health.js';
import { Store } from '../../src/store/index.js';
import { memoryLogger } from '../../src/log.js';
import { EventBus } from '../../src/domain/events.js';
import { GroupCommit } from '../../src/http/api/group-commit.js';
import { tempDir, testConfig } from '../helpers/context.js';
import { createContext } from '../../src/services.js';

const coded = (code: string) => Object.assign(new Error(`error ${code}`), { code });

describe('isStorageFull', () => {
  it.each([
    ['SQLITE_FULL', coded('SQLITE_FULL'), true],
    ['SQLITE_IOERR', coded('SQLITE_IOERR'), true],
    ['SQLITE_IOERR_WRITE', coded('SQLITE_IOERR_WRITE'), true],
    ['SQLITE_IOERR_FSYNC', coded('SQLITE_IOERR_FSYNC'), true],
    ['ENOSPC (recording file)', coded('ENOSPC'), true],
    ['EDQUOT', coded('EDQUOT'), true],
    ['behind a cause', new Error('wrapped', { cause: coded('ENOSPC') }), true],
    ['SQLITE_CONSTRAINT_UNIQUE', coded('SQLITE_CONSTRAINT_UNIQUE'), false],
    ['SQLITE_BUSY', coded('SQLITE_BUSY'), false],
    ['SQLITE_ERROR (cannot commit)', coded('SQLITE_ERROR'), false],
    ['ENOENT', coded('ENOENT'), false],
    ['plain error', new Error('x'), false],
    ['null', null, false],
    ['a string', 'SQLITE_FULL', false],
  ])('%s → %s', (_l, err, want) => { expect(isStorageFull(err)).toBe(want); });
});

describe('backoffMs', () => {
  it.each([[0, 1000], [1, 2000], [2, 4000], [4, 16_000], [5, 30_000], [50, 30_000]])('attempt %i → %i ms', (n, ms) => {
    expect(backoffMs(n)).toBe(ms);
  });
});

function health(o: { free?: number | null; headroom?: number | null; minFreeMb?: number } = {}) {
  let t = 1_000_000;
  const log = memoryLogger();
  const state = { free: o.free === undefined ? 10 * 1048576 * 1024 : o.free, headroom: o.headroom === undefined ? null : o.headroom };
  const h = new StorageHealth({
    log, dir: '/data', minFreeMb: o.minFreeMb ?? 200, now: () => t, probeMs: 3_600_000,
    freeBytes: () => state.free, headroom: () => state.headroom,
  });
  return { h, log, state, advance: (ms: number) => { t += ms; } };
}

describe('StorageHealth', () => {
  it('other errors are not its business; a storage error enters "full" with one line, then at most a summary a minute, one line on recovery', () => {
    const { h, log, advance } = health();
    const changes: string[] = [];
    h.onChange((s) => changes.push(s));
    expect(h.failure(new Error('bug'), 'x')).toBe(false);
    expect(h.state).toBe('ok');
    expect(log.lines).toHaveLength(0);
    expect(h.failure(coded('SQLITE_FULL'), 'sms dispatcher write')).toBe(true);
    expect(h.state).toBe('full');
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/ERROR.*storage full/);
    // four failures a second for ten minutes (what the dispatcher's pump did before): ten summaries at most
    for (let i = 0; i < 2400; i++) { advance(250); h.failure(coded('SQLITE_FULL'), i % 2 ? 'sms dispatcher pump' : 'http PUT /api/v1/declarations/:code'); }
    expect(log.lines.length).toBeLessThanOrEqual(11);
    expect(log.lines.length).toBeGreaterThanOrEqual(9);
    expect(log.lines[1]).toMatch(/WARN.*storage still full/);
    expect(h.snapshot()).toMatchObject({ ok: false, state: 'full', detail: { failures: 2401, where: expect.any(String), lastError: expect.stringMatching(/SQLITE_FULL/) } });
    const before = log.lines.length;
    h.success();
    expect(h.state).toBe('ok');
    expect(log.lines).toHaveLength(before + 1);
    expect(log.lines.at(-1)).toMatch(/INFO.*storage writable again.*2401 write/);
    expect(changes).toEqual(['full', 'ok']);
    h.success();
    expect(log.lines).toHaveLength(before + 1);
  });

  it('a relapse right after recovering is not a new incident line (no flapping log)', () => {
    const { h, log, advance } = health();
    h.failure(coded('SQLITE_FULL'), 'a');
    h.success();
    expect(log.lines).toHaveLength(2);
    for (let i = 0; i < 20; i++) { advance(1000); h.failure(coded('SQLITE_FULL'), 'a'); advance(1000); h.success(); }
    expect(log.lines).toHaveLength(2);
    advance(61_000);
    h.failure(coded('ENOSPC'), 'voice recording');
    expect(log.lines).toHaveLength(3);
  });

  it('low free space: state low (a warning, /health still ok), warned once, cleared once', () => {
    const { h, log, state } = health({ free: 100 * 1048576 });
    expect(h.checkFree()).toBe('low');
    h.checkFree(); h.snapshot();
    expect(h.snapshot()).toMatchObject({ ok: true, state: 'low', detail: { freeMb: 100, minFreeMb: 200 } });
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/WARN.*low disk space.*100 MiB free.*data.min_free_mb = 200/);
    state.free = 500 * 1048576;
    expect(h.checkFree()).toBe('ok');
    expect(log.lines).toHaveLength(2);
  });

  it('a small write that still fitted does not end a lack of space; one with room again does', () => {
    const { h, log, state } = health({ headroom: 0 });
    h.failure(coded('SQLITE_FULL'), 'a');
    h.success();
    expect(h.state).toBe('full');
    state.headroom = 8 * 1048576;
    h.success();
    expect(h.state).toBe('ok');
    expect(log.lines).toHaveLength(2);
  });

  it('while full, the probe ends the incident when the store and the disk have room again; an I/O error waits for a real write', () => {
    const { h, state } = health({ headroom: 0 });
    h.failure(coded('SQLITE_FULL'), 'a');
    expect(h.probe()).toBe(false);
    state.headroom = 8 * 1048576;
    expect(h.probe()).toBe(true);
    expect(h.state).toBe('ok');
    h.failure(coded('SQLITE_IOERR_WRITE'), 'a');
    expect(h.probe()).toBe(false);
    expect(h.state).toBe('full');
    h.success();
    expect(h.state).toBe('ok');
    h.stop();
  });
});

describe('low free space at start', () => {
  it('data.min_free_mb above the free space: a warning at start, /health shows storage "low" and stays 200-ok', () => {
    const log = memoryLogger();
    const ctx = createContext(testConfig({ HOTLINE_DATA_MIN_FREE_MB: String(1024 * 1024 * 1024) }), { log });
    try {
      expect(log.lines.filter((l) => /WARN.*low disk space/.test(l))).toHaveLength(1);
      const h = ctx.health.snapshot();
      expect(h.ok).toBe(true);
      expect(h.components.storage).toMatchObject({ ok: true, state: 'low', detail: { minFreeMb: 1024 * 1024 * 1024, freeMb: expect.any(Number) } });
    } finally { ctx.store.close(); rmSync(ctx.config.data.dir, { recursive: true, force: true }); }
  });
});

describe('real SQLITE_FULL (PRAGMA max_page_count)', () => {
  let dir = '';
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); dir = ''; });

  it('is classified, shows as no headroom, and rolls back the whole transaction — so the group commit fails the whole batch', async () => {
    dir = tempDir();
    const store = Store.open(join(dir, 'hotline.db'));
    try {
      store.db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)');
      const ins = store.db.prepare('INSERT INTO filler (v) VALUES (?)');
      expect(store.headroomBytes()).toBeGreaterThan(1e9);
      store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true }) as number}`);
      expect(store.headroomBytes()).toBeLessThan(64 * 1024);
      let err: unknown = null;
      try { await store.transaction(async () => { for (let i = 0; i < 500; i++) ins.run('x'.repeat(200)); }); } catch (e) { err = e; }
      expect(isStorageFull(err)).toBe(true);
      expect(store.db.inTransaction).toBe(false);
      // Group commit: event 2 hits the full disk; SQLite rolled back event 1 too, and event 3 must not run outside a transaction.
      const gc = new GroupCommit(store);
      const before = store.db.prepare('SELECT COUNT(*) FROM filler').pluck().get() as number;
      const results = await Promise.allSettled([
        gc.submit(async () => ins.run('one')),
        gc.submit(() => store.transaction(async () => { for (let i = 0; i < 500; i++) ins.run('y'.repeat(200)); })),
        gc.submit(async () => ins.run('three')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(results.every((r) => r.status === 'rejected' && isStorageFull(r.reason))).toBe(true);
      expect(store.db.prepare('SELECT COUNT(*) FROM filler').pluck().get()).toBe(before);
      store.db.pragma('max_page_count = 1073741823');
      expect(store.headroomBytes()).toBeGreaterThan(1e9);
      ins.run('after');
    } finally { store.closeSync(); }
  });

  it('the event bus throws a storage error back at the emitter (its transaction fails) and reports others', () => {
    const bus = new EventBus();
    bus.rethrowIf(isStorageFull);
    const reported: unknown[] = [];
    bus.onListenerError(({ err }) => reported.push(err));
    const off1 = bus.on('sms.outbox', () => { throw new Error('bug'); });
    expect(() => bus.emit('sms.outbox', {})).not.toThrow();
    expect(reported).toHaveLength(1);
    off1();
    bus.on('sms.outbox', () => { throw coded('SQLITE_FULL'); });
    expect(() => bus.emit('sms.outbox', {})).toThrow(/SQLITE_FULL/);
    expect(reported).toHaveLength(1);
  });
});

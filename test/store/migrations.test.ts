import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb, migrate, schemaVersion, LATEST_VERSION, SchemaTooNewError } from '../../src/store/index.js';
import { Store } from '../../src/store/index.js';
import { tempDir } from '../helpers/context.js';

describe('migrations', () => {
  it('from empty, re-run is a no-op, WAL and foreign keys on', () => {
    const dir = tempDir();
    const db = openDb(join(dir, 'a.db'), { migrate: false });
    expect(schemaVersion(db)).toBe(0);
    const r = migrate(db);
    expect(r.from).toBe(0);
    expect(r.to).toBe(LATEST_VERSION);
    expect(migrate(db).applied).toEqual([]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a newer database refuses to start with a clear message', () => {
    const dir = tempDir();
    const db = openDb(join(dir, 'b.db'));
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openDb(join(dir, 'b.db'))).toThrow(SchemaTooNewError);
    expect(() => openDb(join(dir, 'b.db'))).toThrow(/newer than this code/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('audit chain detects a changed or deleted entry', () => {
    const dir = tempDir();
    const store = Store.open(join(dir, 'c.db'));
    for (let i = 0; i < 5; i++) store.audit.append('admin', 'user.add', `u${i}`, { i });
    expect(store.audit.verify()).toEqual({ ok: true, entries: 5 });
    store.db.prepare("UPDATE audit_log SET detail = '{\"i\":9}' WHERE id = 3").run();
    expect(store.audit.verify()).toMatchObject({ ok: false, badId: 3, reason: 'entry content changed' });
    store.close();
    const store2 = Store.open(join(dir, 'd.db'));
    for (let i = 0; i < 4; i++) store2.audit.append('admin', 'x', null, null);
    store2.db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(store2.audit.verify()).toMatchObject({ ok: false, badId: 3 });
    store2.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

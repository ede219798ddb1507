import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb, migrate, schemaVersion, LATEST_VERSION, SchemaTooNewError } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
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

  it('audit chain detects a changed or deleted entry', async () => {
    const dir = tempDir();
    const store = Store.open(join(dir, 'c.db'));
    for (let i = 0; i < 5; i++) await store.audit.append('admin', 'user.add', `u${i}`, { i });
    expect(await store.audit.verify()).toEqual({ ok: true, entries: 5 });
    store.db.prepare("UPDATE audit_log SET detail = '{\"i\":9}' WHERE id = 3").run();
    expect(await store.audit.verify()).toMatchObject({ ok: false, badId: 3, reason: 'entry content changed' });
    store.close();
    const store2 = Store.open(join(dir, 'd.db'));
    for (let i = 0; i < 4; i++) await store2.audit.append('admin', 'x', null, null);
    store2.db.prepare('DELETE FROM audit_log WHERE id = 2').run();
    expect(await store2.audit.verify()).toMatchObject({ ok: false, badId: 3 });
    store2.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('canonical_phones: every stored number to the canonical form, duplicates merged', () => {
    const dir = tempDir();
    const db = openDb(join(dir, 'p.db'), { migrate: false });
    const v = MIGRATIONS.find((m) => m.name === 'canonical_phones')!.version;
    for (const m of MIGRATIONS.filter((x) => x.version < v)) { db.exec(m.sql); m.run?.(db); }
    db.pragma(`user_version = ${v - 1}`);
    const t = '2026-01-01T00:00:00.000Z';
    db.prepare(`INSERT INTO departments (id, code, name, contact_phone, created_at) VALUES (1, 'A', 'a', '0579-82345678', ?)`).run(t);
    db.prepare(`INSERT INTO declarations (id, query_code, department_id, item_name, applicant_phone, status, status_at, accepted_at, created_at, updated_at)
      VALUES (1, '111111111111', 1, 'x', '+86 139 0000 0001', 'accepted', ?, ?, ?, ?)`).run(t, t, t, t);
    for (const [i, phone] of ['13900000001', '8613900000001', '96365', null].entries()) {
      db.prepare(`INSERT INTO feedback (ref, kind, channel, phone, text, status, created_at, updated_at) VALUES (?, 'complaint', 'sms', ?, 'x', 'new', ?, ?)`).run(`R${i}`, phone, t, t);
    }
    db.prepare(`INSERT INTO subscriptions (phone, declaration_id, channel, created_at) VALUES ('13900000001', 1, 'sms', ?), ('8613900000001', 1, 'sms', ?), ('13900000002', 1, 'sms', ?)`).run(t, t, t);
    db.prepare(`INSERT INTO opt_outs (phone, opted_out_at) VALUES ('13900000003', '2026-02-01'), ('8613900000003', '2026-01-15'), ('13900000004', ?)`).run(t);
    db.prepare(`INSERT INTO sms_inbound (phone, dest, text, parts, complete, status, received_at) VALUES ('8613900000001', '96365', 'x', 1, 1, 'processed', ?), ('CMCC', '96365', 'y', 1, 1, 'ignored', ?)`).run(t, t);
    db.prepare(`INSERT INTO sms_outbox (phone, text, reason, priority, status, encoding, data_coding, ref_num, segments, next_attempt_at, created_at, updated_at)
      VALUES ('13900000001', 'x', 'reply', 1, 'delivered', 'ucs2', 8, 1, 1, ?, ?, ?)`).run(t, t, t);
    db.prepare(`INSERT INTO calls (call_id, direction, flow_id, caller, called, started_at) VALUES ('c1', 'inbound', 'main', '057982345678', '96365', ?), ('c2', 'inbound', 'main', 'anonymous', '96365', ?)`).run(t, t);
    expect(migrate(db).applied[0]).toBe(`${v}_canonical_phones`); // later migrations follow it
    const col = (sql: string) => db.prepare(sql).pluck().all();
    expect(col('SELECT contact_phone FROM departments')).toEqual(['8657982345678']);
    expect(col('SELECT applicant_phone FROM declarations')).toEqual(['8613900000001']);
    expect(col('SELECT phone FROM feedback ORDER BY id')).toEqual(['8613900000001', '8613900000001', '96365', null]);
    expect(db.prepare('SELECT phone, ended_at IS NULL AS active FROM subscriptions ORDER BY id').all()).toEqual([
      { phone: '8613900000001', active: 0 }, { phone: '8613900000001', active: 1 }, { phone: '8613900000002', active: 1 },
    ]);
    expect(db.prepare('SELECT phone, opted_out_at AS at FROM opt_outs ORDER BY phone').all()).toEqual([
      { phone: '8613900000003', at: '2026-01-15' }, { phone: '8613900000004', at: t },
    ]);
    expect(col('SELECT phone FROM sms_inbound ORDER BY id')).toEqual(['8613900000001', 'CMCC']);
    expect(col('SELECT phone FROM sms_outbox')).toEqual(['8613900000001']);
    expect(col('SELECT caller FROM calls ORDER BY call_id')).toEqual(['8657982345678', 'anonymous']);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

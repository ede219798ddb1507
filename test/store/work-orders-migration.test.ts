/** Migration 011 (work orders) on existing data, both engines: feedback rows become work orders with sensible defaults. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { openDb, migrate } from '../../src/store/index.js';
import { MIGRATIONS as MIGRATIONS_FOR_TEST } from '../../src/store/migrations/index.js';
import { createPool, migratePg } from '../../src/store/pg/index.js';
import { PG_MIGRATIONS } from '../../src/store/pg/migrations.js';
import { tempDir } from '../helpers/context.js';
import { createTestDatabase, pgSkipReason, pgTestUrl } from '../helpers/pg.js';

const T = '2026-01-01T00:00:00.000Z';
const U = '2026-01-05T00:00:00.000Z';

describe('migration 011 work_orders', () => {
  it('SQLite: existing feedback keeps everything, gains defaults; closed items get closed_at; old timeline rows read on', () => {
    const dir = tempDir();
    const db = openDb(join(dir, 'w.db'), { migrate: false });
    for (const m of MIGRATIONS_FOR_TEST.filter((x) => x.version < 11)) { db.exec(m.sql); m.run?.(db); }
    db.pragma('user_version = 10');
    db.prepare(`INSERT INTO feedback (id, ref, kind, channel, phone, text, status, reopen_count, created_at, updated_at) VALUES (1, 'R1', 'complaint', 'sms', '8613900000001', 'x', 'closed', 1, ?, ?), (2, 'R2', 'consultation', 'voice', null, null, 'new', 0, ?, ?)`).run(T, U, T, T);
    db.prepare(`INSERT INTO feedback_events (feedback_id, action, actor, detail, at) VALUES (1, 'answered', 'staff:wang', '已处理', ?)`).run(U);
    expect(migrate(db).applied).toEqual(MIGRATIONS_FOR_TEST.filter((m) => m.version >= 11).map((m) => `${m.version}_${m.name}`));
    expect(db.prepare('SELECT ref, status, urgency, closed_at, due_at, return_count, dispute_level, reopen_count FROM feedback ORDER BY id').all()).toEqual([
      { ref: 'R1', status: 'closed', urgency: 'normal', closed_at: U, due_at: null, return_count: 0, dispute_level: 0, reopen_count: 1 },
      { ref: 'R2', status: 'new', urgency: 'normal', closed_at: null, due_at: null, return_count: 0, dispute_level: 0, reopen_count: 0 },
    ]);
    expect(db.prepare('SELECT action, actor_name, opinion FROM feedback_events').all()).toEqual([{ action: 'answered', actor_name: null, opinion: null }]);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!pgTestUrl)(`PostgreSQL: the same${pgTestUrl ? '' : ` (skipped: ${pgSkipReason})`}`, async () => {
    const tdb = await createTestDatabase();
    const pool = createPool(tdb.url);
    try {
      await migratePg(pool, { to: 10 });
      await pool.query(`INSERT INTO feedback (ref, kind, channel, phone, text, status, reopen_count, created_at, updated_at) VALUES ('R1', 'complaint', 'sms', '8613900000001', 'x', 'closed', 1, $1, $2), ('R2', 'consultation', 'voice', null, null, 'new', 0, $1, $1)`, [T, U]);
      expect((await migratePg(pool)).applied).toEqual(PG_MIGRATIONS.filter((m) => m.version >= 11).map((m) => `${m.version}_${m.name}`));
      expect((await pool.query('SELECT ref, status, urgency, closed_at, due_at, return_count, dispute_level, reopen_count FROM feedback ORDER BY id')).rows).toEqual([
        { ref: 'R1', status: 'closed', urgency: 'normal', closed_at: U, due_at: null, return_count: 0, dispute_level: 0, reopen_count: 1 },
        { ref: 'R2', status: 'new', urgency: 'normal', closed_at: null, due_at: null, return_count: 0, dispute_level: 0, reopen_count: 0 },
      ]);
    } finally { await pool.end(); await tdb.drop(); }
  });
});

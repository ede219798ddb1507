/** Migration 5 (sms-inbound-dedupe) on a database written by earlier versions: repeated parts left open are closed. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb, migrate } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { SqliteSmsRepo } from '../../src/store/repos/sms.js';
import { tempDir } from '../helpers/context.js';

describe('migration sms-inbound-dedupe', () => {
  it('marks parts open / consumed, closes open repeats of a slot (the phantom source), keeps a different message under a reused reference', () => {
    const dir = tempDir();
    const db = openDb(join(dir, 'old.db'), { migrate: false });
    const v4 = MIGRATIONS.findIndex((m) => m.name === 'sms-inbound-dedupe');
    for (const m of MIGRATIONS.slice(0, v4)) db.exec(m.sql);
    db.pragma(`user_version = ${MIGRATIONS[v4 - 1].version}`);
    const at = '2026-12-01T08:00:00.000Z';
    const inbound = Number(db.prepare(`INSERT INTO sms_inbound (phone, dest, text, parts, complete, status, received_at) VALUES ('8613800000001', '96365', 'x', 2, 1, 'processed', ?)`).run(at).lastInsertRowid);
    const part = db.prepare(`INSERT INTO sms_mo_parts (source, dest, data_coding, esm_class, body, concat_ref, concat_total, concat_seq, ref_bits, fingerprint, link_session, inbound_id, received_at)
      VALUES (?, '96365', 8, 64, ?, ?, ?, ?, 8, 'old', 1, ?, ?)`);
    const A = Buffer.from('4f60', 'hex'), B = Buffer.from('597d', 'hex');
    const ids = [
      part.run('8613800000001', A, 5, 2, 1, inbound, at), // 1: consumed part 1
      part.run('8613800000001', B, 5, 2, 2, inbound, at), // 2: consumed part 2
      part.run('8613800000001', B, 5, 2, 2, null, at), // 3: a repeat of part 2 left open by the old code
      part.run('8613800000002', A, 9, 3, 1, null, at), // 4: an open set still waiting for its parts
      part.run('8613800000002', A, 9, 3, 1, null, at), // 5: … and a repeat of its part 1
      part.run('8613800000001', Buffer.from('0041', 'hex'), 5, 2, 1, null, at), // 6: a new message reusing ref 5, other octets
    ].map((r) => Number(r.lastInsertRowid));
    db.prepare(`INSERT INTO sms_mo_parts (source, dest, data_coding, esm_class, body, fingerprint, link_session, inbound_id, received_at) VALUES ('8613800000003', '96365', 8, 0, ?, 'old', 1, ?, ?)`).run(A, inbound, at);
    migrate(db);
    const states = db.prepare('SELECT id, state, dup_of AS dupOf FROM sms_mo_parts ORDER BY id').all();
    expect(states).toEqual([
      { id: ids[0], state: 'consumed', dupOf: null },
      { id: ids[1], state: 'consumed', dupOf: null },
      { id: ids[2], state: 'duplicate', dupOf: ids[1] },
      { id: ids[3], state: 'open', dupOf: null },
      { id: ids[4], state: 'duplicate', dupOf: ids[3] },
      { id: ids[5], state: 'open', dupOf: null },
      { id: ids[5] + 1, state: 'consumed', dupOf: null },
    ]);
    expect(new SqliteSmsRepo(db).openParts().map((p) => p.id)).toEqual([ids[3], ids[5]]);
    expect(new SqliteSmsRepo(db).inbound(inbound)).toMatchObject({ parts: 2, partsExpected: 2 });
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

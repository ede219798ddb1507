/**
 * Every stored phone number to its canonical form (src/domain/phone.ts): 13900000001 and
 * +8613900000001 become 8613900000001, 0579-82345678 becomes 8657982345678, other numbers stay as
 * they were. Before this, inbound rows kept the SMSC's 86… and the other tables the national 13….
 * Rows that become duplicates are merged: an active subscription that already exists under the
 * canonical number is ended, opt-outs keep the earliest date. Raw MO parts (sms_mo_parts.source) are
 * the wire record and stay as received.
 */
import type { Db } from '../db.js';
import { canonicalPhone } from '../../domain/phone.js';

const COLUMNS: Array<[table: string, column: string]> = [
  ['departments', 'contact_phone'],
  ['declarations', 'applicant_phone'],
  ['feedback', 'phone'],
  ['sms_outbox', 'phone'],
  ['sms_inbound', 'phone'],
  ['calls', 'caller'],
];

export function canonicalPhones(db: Db, now = new Date().toISOString()): { changed: number } {
  const exists = (t: string) => !!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t);
  const remap = (table: string, column: string): Array<[string, string]> => {
    if (!exists(table)) return [];
    const out: Array<[string, string]> = [];
    for (const v of db.prepare(`SELECT DISTINCT ${column} FROM ${table} WHERE ${column} IS NOT NULL`).pluck().all() as string[]) {
      const c = canonicalPhone(v);
      if (c !== v) out.push([v, c]);
    }
    return out;
  };
  let changed = 0;
  for (const [table, column] of COLUMNS) {
    const upd = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${column} = ?`);
    for (const [from, to] of remap(table, column)) changed += upd.run(to, from).changes;
  }
  if (exists('subscriptions')) {
    const endDup = db.prepare(`UPDATE subscriptions SET ended_at = ? WHERE phone = ? AND ended_at IS NULL
      AND declaration_id IN (SELECT declaration_id FROM subscriptions WHERE phone = ? AND ended_at IS NULL)`);
    const upd = db.prepare('UPDATE subscriptions SET phone = ? WHERE phone = ?');
    for (const [from, to] of remap('subscriptions', 'phone')) {
      endDup.run(now, from, to);
      changed += upd.run(to, from).changes;
    }
  }
  if (exists('opt_outs')) {
    const merge = db.prepare(`INSERT INTO opt_outs (phone, opted_out_at) SELECT ?, opted_out_at FROM opt_outs WHERE phone = ?
      ON CONFLICT(phone) DO UPDATE SET opted_out_at = MIN(opted_out_at, excluded.opted_out_at)`);
    const del = db.prepare('DELETE FROM opt_outs WHERE phone = ?');
    for (const [from, to] of remap('opt_outs', 'phone')) {
      merge.run(to, from);
      changed += del.run(from).changes;
    }
  }
  return { changed };
}

/** Append-only audit log with a hash chain: each entry carries the hash of the previous one. */
import { createHash } from 'node:crypto';
import type { Db } from '../db.js';

export interface AuditEntry { id: number; at: string; actor: string; action: string; target: string | null; detail: string | null; prevHash: string; hash: string }

export const GENESIS_HASH = '0'.repeat(64);

export function auditHash(prevHash: string, e: { at: string; actor: string; action: string; target: string | null; detail: string | null }): string {
  return createHash('sha256').update(JSON.stringify([prevHash, e.at, e.actor, e.action, e.target, e.detail])).digest('hex');
}

export class SqliteAuditRepo {
  private s;
  constructor(private db: Db) {
    this.s = {
      last: db.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1').pluck(),
      insert: db.prepare('INSERT INTO audit_log (at, actor, action, target, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      list: db.prepare('SELECT id, at, actor, action, target, detail, prev_hash AS prevHash, hash FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?'),
      all: db.prepare('SELECT id, at, actor, action, target, detail, prev_hash AS prevHash, hash FROM audit_log ORDER BY id'),
    };
  }
  append(actor: string, action: string, target: string | null, detail: unknown, at = new Date().toISOString()): void {
    const d = detail === undefined || detail === null ? null : typeof detail === 'string' ? detail : JSON.stringify(detail);
    this.db.transaction(() => {
      const prev = (this.s.last.get() as string | undefined) ?? GENESIS_HASH;
      const hash = auditHash(prev, { at, actor, action, target, detail: d });
      this.s.insert.run(at, actor, action, target, d, prev, hash);
    })();
  }
  list(limit = 100, offset = 0): AuditEntry[] { return this.s.list.all(limit, offset) as AuditEntry[]; }
  /** Walk the chain; report the first entry whose link or content does not match. */
  verify(): { ok: true; entries: number } | { ok: false; entries: number; badId: number; reason: string } {
    let prev = GENESIS_HASH;
    let n = 0;
    let lastId = 0;
    for (const e of this.s.all.iterate() as IterableIterator<AuditEntry>) {
      n++;
      if (e.id !== lastId + 1 && lastId !== 0) return { ok: false, entries: n, badId: e.id, reason: `entry ${lastId + 1} is missing (deleted?)` };
      if (e.prevHash !== prev) return { ok: false, entries: n, badId: e.id, reason: 'link to previous entry broken' };
      if (auditHash(prev, e) !== e.hash) return { ok: false, entries: n, badId: e.id, reason: 'entry content changed' };
      prev = e.hash; lastId = e.id;
    }
    return { ok: true, entries: n };
  }
}

/** The audit log's hash chain on PostgreSQL: appends from every instance are serialised by a transaction-level advisory lock. */
import type { AsyncOf } from '../../async.js';
import { auditHash, GENESIS_HASH, type AuditEntry, type SqliteAuditRepo } from '../../repos/audit.js';
import { LOCK_NAMESPACE } from '../migrate.js';
import { withTransaction, type Queryable } from '../pool.js';
import { row, rows } from './util.js';

export const LOCK_AUDIT = 2;
const COLS = `id, at, actor, action, target, detail, prev_hash AS "prevHash", hash`;

export class PgAuditRepo implements AsyncOf<SqliteAuditRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgAuditRepo { return new PgAuditRepo(q); }
  async append(actor: string, action: string, target: string | null, detail: unknown, at = new Date().toISOString()): Promise<void> {
    const d = detail === undefined || detail === null ? null : typeof detail === 'string' ? detail : JSON.stringify(detail);
    await withTransaction(this.q, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, LOCK_AUDIT]);
      const prev = (await row<{ hash: string }>(c, 'SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1'))?.hash ?? GENESIS_HASH;
      const hash = auditHash(prev, { at, actor, action, target, detail: d });
      await c.query('INSERT INTO audit_log (at, actor, action, target, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [at, actor, action, target, d, prev, hash]);
    });
  }
  async list(limit = 100, offset = 0): Promise<AuditEntry[]> { return rows(this.q, `SELECT ${COLS} FROM audit_log ORDER BY id DESC LIMIT $1 OFFSET $2`, [limit, offset]); }
  /**
   * Walk the chain; report the first entry whose link or content does not match. Identity values are
   * not gap-free on PostgreSQL (a rolled-back append uses one up), so a gap alone is not reported as a
   * deletion here: the hash link catches a deleted entry.
   */
  async verify(): Promise<{ ok: true; entries: number } | { ok: false; entries: number; badId: number; reason: string }> {
    let prev = GENESIS_HASH;
    let n = 0;
    for (const e of await rows<AuditEntry>(this.q, `SELECT ${COLS} FROM audit_log ORDER BY id`)) {
      n++;
      if (e.prevHash !== prev) return { ok: false, entries: n, badId: e.id, reason: 'link to previous entry broken' };
      if (auditHash(prev, e) !== e.hash) return { ok: false, entries: n, badId: e.id, reason: 'entry content changed' };
      prev = e.hash;
    }
    return { ok: true, entries: n };
  }
}

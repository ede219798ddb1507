import type { AsyncOf } from '../../async.js';
import type { SqliteDeclarationRepo } from '../../repos/declarations.js';
import type { DeclarationRepo, NewDeclaration, NewDeclarationEvent } from '../../../domain/ports.js';
import type { Declaration, DeclarationEvent } from '../../../domain/types.js';
import { toDeclaration, toDeclarationEvent } from '../../rows.js';
import type { Queryable } from '../pool.js';
import { changes, partialUpdate, row, rows, UniqueViolationError } from './util.js';

const SELECT = `SELECT d.*, p.code AS dept_code, p.name AS dept_name FROM declarations d JOIN departments p ON p.id = d.department_id`;

const UPDATABLE: Record<string, string> = {
  itemName: 'item_name', applicantName: 'applicant_name', applicantPhone: 'applicant_phone', dueAt: 'due_at',
  status: 'status', statusAt: 'status_at', closedAt: 'closed_at', deptRef: 'dept_ref',
};

export class PgDeclarationRepo implements AsyncOf<SqliteDeclarationRepo> {
  constructor(private readonly q: Queryable) {}
  withClient(q: Queryable): PgDeclarationRepo { return new PgDeclarationRepo(q); }
  async byId(id: number): Promise<Declaration | undefined> { const r = await row(this.q, `${SELECT} WHERE d.id = $1`, [id]); return r ? toDeclaration(r) : undefined; }
  async byQueryCode(code: string): Promise<Declaration | undefined> { const r = await row(this.q, `${SELECT} WHERE d.query_code = $1`, [code]); return r ? toDeclaration(r) : undefined; }
  async byDeptRef(ref: string, departmentId?: number): Promise<Declaration[]> {
    const rs = departmentId === undefined
      ? await rows(this.q, `${SELECT} WHERE d.dept_ref = $1 ORDER BY d.id LIMIT 5`, [ref])
      : await rows(this.q, `${SELECT} WHERE d.dept_ref = $1 AND d.department_id = $2`, [ref, departmentId]);
    return rs.map(toDeclaration);
  }
  async queryCodeExists(code: string): Promise<boolean> { return !!(await row(this.q, 'SELECT 1 FROM declarations WHERE query_code = $1', [code])); }
  async insert(d: NewDeclaration): Promise<Declaration> {
    const r = await row<{ id: number }>(this.q, `INSERT INTO declarations (query_code, department_id, dept_ref, item_name, applicant_name, applicant_phone, status, status_at, accepted_at, due_at, closed_at, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
    [d.queryCode, d.departmentId, d.deptRef, d.itemName, d.applicantName, d.applicantPhone, d.status, d.statusAt, d.acceptedAt, d.dueAt, d.closedAt, d.now]);
    return (await this.byId(r!.id))!;
  }
  async update(id: number, fields: Parameters<DeclarationRepo['update']>[1], now: string, current?: Declaration): Promise<Declaration> {
    await partialUpdate(this.q, 'declarations', UPDATABLE, id, fields, now);
    if (current && current.id === id) return { ...current, ...fields, updatedAt: now } as Declaration;
    return (await this.byId(id))!;
  }
  async events(declarationId: number): Promise<DeclarationEvent[]> {
    return (await rows(this.q, 'SELECT * FROM declaration_events WHERE declaration_id = $1 ORDER BY occurred_at, id', [declarationId])).map(toDeclarationEvent);
  }
  async eventByEventId(departmentId: number, eventId: string): Promise<DeclarationEvent | undefined> {
    const r = await row(this.q, 'SELECT * FROM declaration_events WHERE department_id = $1 AND event_id = $2', [departmentId, eventId]);
    return r ? toDeclarationEvent(r) : undefined;
  }
  /**
   * Idempotency by the unique (department_id, event_id): a second insert of the same event (another
   * instance got it too) inserts nothing and raises UniqueViolationError — as SQLite raises on the
   * constraint — without aborting the caller's transaction, which can read the stored event instead.
   */
  async insertEvent(e: NewDeclarationEvent): Promise<DeclarationEvent> {
    const r = await row<{ id: number }>(this.q, `INSERT INTO declaration_events (declaration_id, department_id, event_id, step_name, status, handler_name, handler_title, opinion, details, occurred_at, received_at, applied)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (department_id, event_id) DO NOTHING RETURNING id`,
    [e.declarationId, e.departmentId, e.eventId, e.stepName, e.status, e.handlerName, e.handlerTitle, e.opinion, e.details ? JSON.stringify(e.details) : null, e.occurredAt, e.receivedAt, e.applied ? 1 : 0]);
    if (!r) throw new UniqueViolationError('declaration_events.department_id, declaration_events.event_id');
    return {
      id: r.id, declarationId: e.declarationId, eventId: e.eventId, stepName: e.stepName, status: e.status,
      handlerName: e.handlerName, handlerTitle: e.handlerTitle, opinion: e.opinion, details: e.details ?? null,
      occurredAt: e.occurredAt, receivedAt: e.receivedAt, applied: e.applied, voidedAt: null, voidReason: null,
    };
  }
  /** Mark a step voided (and not applied); false when it already was. */
  async voidEvent(id: number, at: string, by: string, reason: string): Promise<boolean> {
    return (await changes(this.q, 'UPDATE declaration_events SET voided_at = $1, voided_by = $2, void_reason = $3, applied = 0 WHERE id = $4 AND voided_at IS NULL', [at, by, reason, id])) > 0;
  }
  async setEventApplied(id: number, applied: boolean): Promise<void> { await this.q.query('UPDATE declaration_events SET applied = $1 WHERE id = $2', [applied ? 1 : 0, id]); }
  async lastAppliedEvent(declarationId: number): Promise<DeclarationEvent | undefined> {
    const r = await row(this.q, 'SELECT * FROM declaration_events WHERE declaration_id = $1 AND applied = 1 ORDER BY occurred_at DESC, id DESC LIMIT 1', [declarationId]);
    return r ? toDeclarationEvent(r) : undefined;
  }
  async search(q: string, limit = 50): Promise<Declaration[]> {
    return (await rows(this.q, `${SELECT} WHERE d.query_code = $1 OR d.dept_ref = $1 OR d.applicant_phone = $1 ORDER BY d.id DESC LIMIT $2`, [q, limit])).map(toDeclaration);
  }
  async recent(dept: number | null, limit = 50, offset = 0): Promise<Declaration[]> {
    return (await rows(this.q, `${SELECT} WHERE ($1::bigint IS NULL OR d.department_id = $1) ORDER BY d.id DESC LIMIT $2 OFFSET $3`, [dept, limit, offset])).map(toDeclaration);
  }
  async overdue(now: string, dept: number | null = null, limit = 200): Promise<Declaration[]> {
    return (await rows(this.q, `${SELECT} WHERE d.closed_at IS NULL AND d.due_at IS NOT NULL AND d.due_at < $1 AND ($2::bigint IS NULL OR d.department_id = $2) ORDER BY d.due_at LIMIT $3`,
      [now, dept, limit])).map(toDeclaration);
  }
  async overdueCounts(now: string): Promise<Map<number, number>> {
    const m = new Map<number, number>();
    for (const r of await rows<{ dept: number; n: number }>(this.q, `SELECT department_id AS dept, COUNT(*) AS n FROM declarations WHERE closed_at IS NULL AND due_at IS NOT NULL AND due_at < $1 GROUP BY department_id`, [now])) m.set(r.dept, r.n);
    return m;
  }
  async count(): Promise<number> { return (await row<{ n: number }>(this.q, 'SELECT COUNT(*) AS n FROM declarations'))!.n; }
}

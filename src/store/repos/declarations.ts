import type { Db } from '../db.js';
import type { DeclarationRepo, NewDeclaration, NewDeclarationEvent } from '../../domain/ports.js';
import type { Declaration, DeclarationEvent } from '../../domain/types.js';
import { toDeclaration, toDeclarationEvent } from '../rows.js';
import { PartialUpdate } from '../partial-update.js';

const SELECT = `SELECT d.*, p.code AS dept_code, p.name AS dept_name FROM declarations d JOIN departments p ON p.id = d.department_id`;

const UPDATABLE: Record<string, string> = {
  itemName: 'item_name', applicantName: 'applicant_name', applicantPhone: 'applicant_phone', dueAt: 'due_at',
  status: 'status', statusAt: 'status_at', closedAt: 'closed_at', deptRef: 'dept_ref',
};

export class SqliteDeclarationRepo {
  private s;
  private readonly updates: PartialUpdate;
  constructor(private db: Db) {
    this.updates = new PartialUpdate(db, 'declarations', UPDATABLE);
    this.s = {
      byId: db.prepare(`${SELECT} WHERE d.id = ?`),
      byCode: db.prepare(`${SELECT} WHERE d.query_code = ?`),
      byRef: db.prepare(`${SELECT} WHERE d.dept_ref = ? ORDER BY d.id LIMIT 5`),
      byRefDept: db.prepare(`${SELECT} WHERE d.dept_ref = ? AND d.department_id = ?`),
      exists: db.prepare('SELECT 1 FROM declarations WHERE query_code = ?').pluck(),
      insert: db.prepare(`INSERT INTO declarations (query_code, department_id, dept_ref, item_name, applicant_name, applicant_phone, status, status_at, accepted_at, due_at, closed_at, created_at, updated_at)
        VALUES (@queryCode, @departmentId, @deptRef, @itemName, @applicantName, @applicantPhone, @status, @statusAt, @acceptedAt, @dueAt, @closedAt, @now, @now)`),
      events: db.prepare('SELECT * FROM declaration_events WHERE declaration_id = ? ORDER BY occurred_at, id'),
      eventById: db.prepare('SELECT * FROM declaration_events WHERE id = ?'),
      eventByEventId: db.prepare('SELECT * FROM declaration_events WHERE department_id = ? AND event_id = ?'),
      insertEvent: db.prepare(`INSERT INTO declaration_events (declaration_id, department_id, event_id, step_name, status, handler_name, handler_title, opinion, details, occurred_at, received_at, applied)
        VALUES (@declarationId, @departmentId, @eventId, @stepName, @status, @handlerName, @handlerTitle, @opinion, @details, @occurredAt, @receivedAt, @applied)`),
      voidEvent: db.prepare('UPDATE declaration_events SET voided_at = ?, voided_by = ?, void_reason = ?, applied = 0 WHERE id = ? AND voided_at IS NULL'),
      setApplied: db.prepare('UPDATE declaration_events SET applied = ? WHERE id = ?'),
      lastApplied: db.prepare('SELECT * FROM declaration_events WHERE declaration_id = ? AND applied = 1 ORDER BY occurred_at DESC, id DESC LIMIT 1'),
      search: db.prepare(`${SELECT} WHERE d.query_code = @q OR d.dept_ref = @q OR d.applicant_phone = @q ORDER BY d.id DESC LIMIT @limit`),
      recent: db.prepare(`${SELECT} WHERE (@dept IS NULL OR d.department_id = @dept) ORDER BY d.id DESC LIMIT @limit OFFSET @offset`),
      overdue: db.prepare(`${SELECT} WHERE d.closed_at IS NULL AND d.due_at IS NOT NULL AND d.due_at < @now AND (@dept IS NULL OR d.department_id = @dept) ORDER BY d.due_at LIMIT @limit`),
      overdueCount: db.prepare(`SELECT department_id AS dept, COUNT(*) AS n FROM declarations WHERE closed_at IS NULL AND due_at IS NOT NULL AND due_at < ? GROUP BY department_id`),
      count: db.prepare('SELECT COUNT(*) FROM declarations').pluck(),
    };
  }
  byId(id: number): Declaration | undefined { const r = this.s.byId.get(id); return r ? toDeclaration(r) : undefined; }
  byQueryCode(code: string): Declaration | undefined { const r = this.s.byCode.get(code); return r ? toDeclaration(r) : undefined; }
  byDeptRef(ref: string, departmentId?: number): Declaration[] {
    const rows = departmentId === undefined ? this.s.byRef.all(ref) : this.s.byRefDept.all(ref, departmentId);
    return rows.map(toDeclaration);
  }
  queryCodeExists(code: string): boolean { return !!this.s.exists.get(code); }
  insert(d: NewDeclaration): Declaration {
    const info = this.s.insert.run(d);
    return this.byId(Number(info.lastInsertRowid))!;
  }
  update(id: number, fields: Parameters<DeclarationRepo['update']>[1], now: string, current?: Declaration): Declaration {
    this.updates.run(id, fields, now);
    if (current && current.id === id) return { ...current, ...fields, updatedAt: now } as Declaration;
    return this.byId(id)!;
  }
  events(declarationId: number): DeclarationEvent[] { return this.s.events.all(declarationId).map(toDeclarationEvent); }
  eventByEventId(departmentId: number, eventId: string): DeclarationEvent | undefined {
    const r = this.s.eventByEventId.get(departmentId, eventId); return r ? toDeclarationEvent(r) : undefined;
  }
  insertEvent(e: NewDeclarationEvent): DeclarationEvent {
    const info = this.s.insertEvent.run({ ...e, details: e.details ? JSON.stringify(e.details) : null, applied: e.applied ? 1 : 0 });
    // Built from the input rather than read back: the row holds exactly these values.
    return {
      id: Number(info.lastInsertRowid), declarationId: e.declarationId, eventId: e.eventId, stepName: e.stepName, status: e.status,
      handlerName: e.handlerName, handlerTitle: e.handlerTitle, opinion: e.opinion, details: e.details ?? null,
      occurredAt: e.occurredAt, receivedAt: e.receivedAt, applied: e.applied, voidedAt: null, voidReason: null,
    };
  }
  voidEvent(id: number, at: string, by: string, reason: string): boolean { return this.s.voidEvent.run(at, by, reason, id).changes > 0; }
  setEventApplied(id: number, applied: boolean): void { this.s.setApplied.run(applied ? 1 : 0, id); }
  lastAppliedEvent(declarationId: number): DeclarationEvent | undefined {
    const r = this.s.lastApplied.get(declarationId); return r ? toDeclarationEvent(r) : undefined;
  }
  search(q: string, limit = 50): Declaration[] { return this.s.search.all({ q, limit }).map(toDeclaration); }
  recent(dept: number | null, limit = 50, offset = 0): Declaration[] { return this.s.recent.all({ dept, limit, offset }).map(toDeclaration); }
  overdue(now: string, dept: number | null = null, limit = 200): Declaration[] { return this.s.overdue.all({ now, dept, limit }).map(toDeclaration); }
  overdueCounts(now: string): Map<number, number> {
    const m = new Map<number, number>();
    for (const r of this.s.overdueCount.all(now) as Array<{ dept: number; n: number }>) m.set(r.dept, r.n);
    return m;
  }
  count(): number { return this.s.count.get() as number; }
}

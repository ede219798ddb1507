/** Work orders on SQLite: the feedback row with its cycle columns, assisting parts, extension requests, timeline with actors, idempotency keys. */
import type { Db } from '../db.js';
import type { OrderFact } from '../../workorders/assessment.js';
import type { AssistPart, PendingExtension, TimelineEntry, WorkOrder } from '../../workorders/model.js';
import { PartialUpdate } from '../partial-update.js';
import {
  COUNTED_QUEUES, WO_COLS, assessmentFactsSql, toOrderFact, WO_SELECT, queueCountSql, queuePageSql, sqliteParams, toEntry, toExtension, toPart, toPendingExtension, toWorkOrder, QUEUE_SQL,
  type ExtensionRow, type Queue, type QueueFilter,
} from '../work-order-sql.js';

const indexed = (select: string, index: string | undefined) => (index ? select.replace('FROM feedback f', `FROM feedback f INDEXED BY ${index}`) : select);

export interface StoredRequest { orderId: number; action: string; bodyHash: string; response: string; at: string }

export class SqliteWorkOrderRepo {
  private s;
  private readonly updates: PartialUpdate;
  private readonly queues = new Map<string, ReturnType<Db['prepare']>>();
  constructor(private db: Db) {
    this.updates = new PartialUpdate(db, 'feedback', WO_COLS);
    this.s = {
      byId: db.prepare(`${WO_SELECT} WHERE f.id = ?`),
      byRef: db.prepare(`${WO_SELECT} WHERE f.ref = ?`),
      parts: db.prepare('SELECT * FROM work_order_parts WHERE order_id = ? ORDER BY id'),
      upsertPart: db.prepare(`INSERT INTO work_order_parts (order_id, department_id, role, department_name, instruction, status, answer, answered_by, answered_at, created_at, updated_at)
        VALUES (@orderId, @departmentId, 'assist', @departmentName, @instruction, @status, @answer, @answeredBy, @answeredAt, @now, @now)
        ON CONFLICT (order_id, department_id) DO UPDATE SET department_name = excluded.department_name, instruction = excluded.instruction, status = excluded.status,
          answer = excluded.answer, answered_by = excluded.answered_by, answered_at = excluded.answered_at, updated_at = excluded.updated_at`),
      deleteParts: db.prepare('DELETE FROM work_order_parts WHERE order_id = ?'),
      partsMany: db.prepare('SELECT * FROM work_order_parts WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY id'),
      pendingExtMany: db.prepare(`SELECT * FROM work_order_extensions WHERE order_id IN (SELECT value FROM json_each(?)) AND status = 'pending' ORDER BY id`),
      pendingExt: db.prepare(`SELECT * FROM work_order_extensions WHERE order_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 1`),
      extensions: db.prepare('SELECT * FROM work_order_extensions WHERE order_id = ? ORDER BY id'),
      insertExt: db.prepare(`INSERT INTO work_order_extensions (order_id, department_id, requested_by, requested_by_name, reason, days, requested_at, status)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`),
      decideExt: db.prepare(`UPDATE work_order_extensions SET status = ?, decided_by = ?, decided_by_name = ?, decided_at = ?, opinion = ?, new_due_at = ? WHERE id = ? AND status = 'pending'`),
      addEntry: db.prepare(`INSERT INTO feedback_events (feedback_id, action, actor, detail, at, actor_name, department_id, department_name, opinion, data)
        VALUES (@orderId, @action, @actor, @opinion, @at, @actorName, @departmentId, @departmentName, @opinion, @data)`),
      entries: db.prepare('SELECT * FROM feedback_events WHERE feedback_id = ? ORDER BY id'),
      children: db.prepare(`${WO_SELECT} WHERE f.parent_id = ? ORDER BY f.id`),
      candidates: db.prepare(`${WO_SELECT} WHERE f.id != @id AND f.created_at >= @since AND f.status NOT IN ('closed', 'merged')
        AND (f.phone = @phone OR f.address = @address OR f.category = @category) ORDER BY f.created_at DESC LIMIT @limit`),
      request: db.prepare('SELECT order_id, action, body_hash, response, at FROM work_order_requests WHERE department_id = ? AND idem_key = ?'),
      saveRequest: db.prepare(`INSERT INTO work_order_requests (department_id, idem_key, order_id, action, body_hash, response, at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (department_id, idem_key) DO NOTHING`),
    };
  }

  private load(r: any): WorkOrder {
    const ext = this.s.pendingExt.get(r.id);
    return toWorkOrder(r, this.s.parts.all(r.id).map(toPart), ext ? toPendingExtension(ext) : null);
  }
  /** A list of rows with their parts and pending extensions: two queries for the page, not two per row. */
  private loadMany(rs: any[]): WorkOrder[] {
    if (!rs.length) return [];
    const ids = JSON.stringify(rs.map((r) => r.id));
    const parts = new Map<number, AssistPart[]>();
    for (const p of this.s.partsMany.all(ids) as any[]) { const l = parts.get(Number(p.order_id)) ?? []; l.push(toPart(p)); parts.set(Number(p.order_id), l); }
    const ext = new Map<number, PendingExtension>();
    for (const x of this.s.pendingExtMany.all(ids) as any[]) ext.set(Number(x.order_id), toPendingExtension(x));
    return rs.map((r) => toWorkOrder(r, parts.get(Number(r.id)) ?? [], ext.get(Number(r.id)) ?? null));
  }
  byId(id: number): WorkOrder | undefined { const r = this.s.byId.get(id); return r ? this.load(r) : undefined; }
  byRef(ref: string): WorkOrder | undefined { const r = this.s.byRef.get(ref); return r ? this.load(r) : undefined; }
  /** The order, locked for the rest of the transaction (SQLite: BEGIN IMMEDIATE already holds the write lock). */
  lock(id: number): WorkOrder | undefined { return this.byId(id); }
  /** Changed fields only; the parts and the extension are written by their own methods. */
  save(id: number, fields: Partial<WorkOrder>, now: string): void { this.updates.run(id, fields, now); }
  setParts(orderId: number, parts: AssistPart[], now: string): void {
    this.s.deleteParts.run(orderId);
    for (const p of parts) this.s.upsertPart.run({ orderId, ...p, now });
  }
  insertExtension(orderId: number, e: Omit<PendingExtension, 'id'>): number {
    return Number(this.s.insertExt.run(orderId, e.departmentId, e.requestedBy, e.requestedByName, e.reason, e.days, e.requestedAt).lastInsertRowid);
  }
  decideExtension(id: number, approved: boolean, by: string, byName: string, at: string, opinion: string | null, newDueAt: string | null): boolean {
    return this.s.decideExt.run(approved ? 'approved' : 'refused', by, byName, at, opinion, newDueAt, id).changes === 1;
  }
  extensions(orderId: number): ExtensionRow[] { return this.s.extensions.all(orderId).map(toExtension); }
  addEntry(orderId: number, e: TimelineEntry): void {
    this.s.addEntry.run({ orderId, action: e.action, actor: e.actor, actorName: e.actorName, departmentId: e.departmentId, departmentName: e.departmentName, opinion: e.opinion, at: e.at, data: e.detail ? JSON.stringify(e.detail) : null });
  }
  /** The whole timeline, the entries from before work orders included; labels: the action → Chinese name table. */
  entries(orderId: number, labels: Record<string, string>): TimelineEntry[] { return this.s.entries.all(orderId).map((r) => toEntry(r, labels)); }
  /** The orders merged into this one. */
  children(parentId: number): WorkOrder[] { return this.loadMany(this.s.children.all(parentId)); }
  /** Open orders since `since` sharing the phone, the address or the category with this one (duplicate candidates). */
  duplicateCandidates(id: number, phone: string | null, address: string | null, category: string | null, since: string, limit = 100): WorkOrder[] {
    return this.loadMany(this.s.candidates.all({ id, phone, address, category, since, limit }));
  }
  request(departmentId: number, key: string): StoredRequest | undefined {
    const r = this.s.request.get(departmentId, key) as any;
    return r ? { orderId: Number(r.order_id), action: r.action, bodyHash: r.body_hash, response: r.response, at: r.at } : undefined;
  }
  /** False when the key was already stored (the first answer stands). */
  saveRequest(departmentId: number, key: string, orderId: number, action: string, bodyHash: string, response: string, at: string): boolean {
    return this.s.saveRequest.run(departmentId, key, orderId, action, bodyHash, response, at).changes === 1;
  }
  private queueStmt(q: Queue, count: boolean, scoped: boolean) {
    const k = `${q}:${count}:${scoped}`;
    let st = this.queues.get(k);
    if (!st) {
      st = count
        ? this.db.prepare(sqliteParams(queueCountSql(q, scoped))).pluck()
        : this.db.prepare(sqliteParams(queuePageSql(q, scoped, indexed(WO_SELECT, QUEUE_SQL[q].sqliteIndex))));
      this.queues.set(k, st);
    }
    return st;
  }
  private qp(q: Queue, f: QueueFilter, sql: string) {
    const p: Record<string, unknown> = {};
    if (sql.includes(':now')) p.now = f.now;
    if (sql.includes(':dept')) p.dept = f.departmentId;
    if (sql.includes(':me')) p.me = f.claimedBy ?? null;
    return p;
  }
  /** A page of an inbox queue (parts and pending extensions included). */
  queue(q: Queue, f: QueueFilter): WorkOrder[] {
    const scoped = f.departmentId != null;
    const limit = f.limit ?? 50, offset = f.offset ?? 0;
    return this.loadMany(this.queueStmt(q, false, scoped).all({ ...this.qp(q, f, queuePageSql(q, scoped)), limit, offset, ...(scoped ? { lim: limit + offset } : {}) }));
  }
  /** How many items each work queue holds (the inbox tabs). */
  queueCounts(f: QueueFilter): Record<Exclude<Queue, 'all'>, number> {
    const scoped = f.departmentId != null;
    const out = {} as Record<Exclude<Queue, 'all'>, number>;
    for (const q of COUNTED_QUEUES) out[q as Exclude<Queue, 'all'>] = this.queueStmt(q, true, scoped).get(this.qp(q, f, queueCountSql(q, scoped))) as number;
    return out;
  }
  /** The assessment's facts for orders received in [from, to) (ISO instants), optionally of one department: one indexed range query. */
  assessmentFacts(from: string, to: string, departmentId?: number | null): OrderFact[] {
    const scoped = departmentId != null;
    const k = `facts:${scoped}`;
    let st = this.queues.get(k);
    if (!st) {
      st = this.db.prepare(sqliteParams(indexed(assessmentFactsSql(scoped), scoped ? 'feedback_wo_dept_created' : 'feedback_created'))).raw();
      this.queues.set(k, st);
    }
    const names = new Map((this.db.prepare('SELECT id, name FROM departments').raw().all() as Array<[number, string]>).map(([id, name]) => [Number(id), name] as [number, string]));
    return (st.all(scoped ? { from, to, dept: departmentId } : { from, to }) as any[][]).map((v) => toOrderFact(v, names));
  }
}

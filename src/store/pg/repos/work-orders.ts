import type { AsyncOf } from '../../async.js';
import type { SqliteWorkOrderRepo, StoredRequest } from '../../repos/work-orders.js';
import type { OrderFact } from '../../../workorders/assessment.js';
import type { AssistPart, PendingExtension, TimelineEntry, WorkOrder } from '../../../workorders/model.js';
import type { Queryable } from '../pool.js';
import { changes, partialUpdate, row, rows } from './util.js';
import {
  COUNTED_QUEUES, FACT_COLS, WO_COLS, assessmentFactsSql, toOrderFact, WO_SELECT, pgParams, queueCountSql, queuePageSql, toEntry, toExtension, toPart, toPendingExtension, toWorkOrder,
  type ExtensionRow, type Queue, type QueueFilter,
} from '../../work-order-sql.js';

export class PgWorkOrderRepo implements AsyncOf<SqliteWorkOrderRepo> {
  constructor(private readonly q: Queryable) {}
  private async load(r: any): Promise<WorkOrder> {
    const ext = await row(this.q, `SELECT * FROM work_order_extensions WHERE order_id = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1`, [r.id]);
    const parts = (await rows(this.q, 'SELECT * FROM work_order_parts WHERE order_id = $1 ORDER BY id', [r.id])).map(toPart);
    return toWorkOrder(r, parts, ext ? toPendingExtension(ext) : null);
  }
  /** A list of rows with their parts and pending extensions: two queries for the page, not two per row. */
  private async loadMany(rs: any[]): Promise<WorkOrder[]> {
    if (!rs.length) return [];
    const ids = rs.map((r) => r.id);
    const parts = new Map<number, AssistPart[]>();
    for (const p of await rows(this.q, 'SELECT * FROM work_order_parts WHERE order_id = ANY($1::bigint[]) ORDER BY id', [ids])) { const l = parts.get(Number(p.order_id)) ?? []; l.push(toPart(p)); parts.set(Number(p.order_id), l); }
    const ext = new Map<number, PendingExtension>();
    for (const x of await rows(this.q, `SELECT * FROM work_order_extensions WHERE order_id = ANY($1::bigint[]) AND status = 'pending' ORDER BY id`, [ids])) ext.set(Number(x.order_id), toPendingExtension(x));
    return rs.map((r) => toWorkOrder(r, parts.get(Number(r.id)) ?? [], ext.get(Number(r.id)) ?? null));
  }
  async byId(id: number): Promise<WorkOrder | undefined> { const r = await row(this.q, `${WO_SELECT} WHERE f.id = $1`, [id]); return r ? this.load(r) : undefined; }
  async byRef(ref: string): Promise<WorkOrder | undefined> { const r = await row(this.q, `${WO_SELECT} WHERE f.ref = $1`, [ref]); return r ? this.load(r) : undefined; }
  /** Row lock until the transaction ends: two instances applying actions to one order take turns. */
  async lock(id: number): Promise<WorkOrder | undefined> {
    const r = await row(this.q, `${WO_SELECT} WHERE f.id = $1 FOR UPDATE OF f`, [id]);
    return r ? this.load(r) : undefined;
  }
  async save(id: number, fields: Partial<WorkOrder>, now: string): Promise<void> { await partialUpdate(this.q, 'feedback', WO_COLS, id, fields, now); }
  async setParts(orderId: number, parts: AssistPart[], now: string): Promise<void> {
    await this.q.query('DELETE FROM work_order_parts WHERE order_id = $1', [orderId]);
    for (const p of parts) {
      await this.q.query(`INSERT INTO work_order_parts (order_id, department_id, role, department_name, instruction, status, answer, answered_by, answered_at, created_at, updated_at)
        VALUES ($1, $2, 'assist', $3, $4, $5, $6, $7, $8, $9, $9)`, [orderId, p.departmentId, p.departmentName, p.instruction, p.status, p.answer, p.answeredBy, p.answeredAt, now]);
    }
  }
  async insertExtension(orderId: number, e: Omit<PendingExtension, 'id'>): Promise<number> {
    const r = await row<{ id: number }>(this.q, `INSERT INTO work_order_extensions (order_id, department_id, requested_by, requested_by_name, reason, days, requested_at, status)
      VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING id`, [orderId, e.departmentId, e.requestedBy, e.requestedByName, e.reason, e.days, e.requestedAt]);
    return Number(r!.id);
  }
  async decideExtension(id: number, approved: boolean, by: string, byName: string, at: string, opinion: string | null, newDueAt: string | null): Promise<boolean> {
    return (await changes(this.q, `UPDATE work_order_extensions SET status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, opinion = $5, new_due_at = $6 WHERE id = $7 AND status = 'pending'`,
      [approved ? 'approved' : 'refused', by, byName, at, opinion, newDueAt, id])) === 1;
  }
  async extensions(orderId: number): Promise<ExtensionRow[]> { return (await rows(this.q, 'SELECT * FROM work_order_extensions WHERE order_id = $1 ORDER BY id', [orderId])).map(toExtension); }
  async addEntry(orderId: number, e: TimelineEntry): Promise<void> {
    await this.q.query(`INSERT INTO feedback_events (feedback_id, action, actor, detail, at, actor_name, department_id, department_name, opinion, data)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4, $9)`, [orderId, e.action, e.actor, e.opinion, e.at, e.actorName, e.departmentId, e.departmentName, e.detail ? JSON.stringify(e.detail) : null]);
  }
  async entries(orderId: number, labels: Record<string, string>): Promise<TimelineEntry[]> {
    return (await rows(this.q, 'SELECT * FROM feedback_events WHERE feedback_id = $1 ORDER BY id', [orderId])).map((r) => toEntry(r, labels));
  }
  async children(parentId: number): Promise<WorkOrder[]> {
    return this.loadMany(await rows(this.q, `${WO_SELECT} WHERE f.parent_id = $1 ORDER BY f.id`, [parentId]));
  }
  async duplicateCandidates(id: number, phone: string | null, address: string | null, category: string | null, since: string, limit = 100): Promise<WorkOrder[]> {
    return this.loadMany(await rows(this.q, `${WO_SELECT} WHERE f.id != $1 AND f.created_at >= $5 AND f.status NOT IN ('closed', 'merged')
      AND (f.phone = $2 OR f.address = $3 OR f.category = $4) ORDER BY f.created_at DESC LIMIT $6`, [id, phone, address, category, since, limit]));
  }
  async request(departmentId: number, key: string): Promise<StoredRequest | undefined> {
    const r = await row(this.q, 'SELECT order_id, action, body_hash, response, at FROM work_order_requests WHERE department_id = $1 AND idem_key = $2', [departmentId, key]);
    return r ? { orderId: Number(r.order_id), action: r.action, bodyHash: r.body_hash, response: r.response, at: r.at } : undefined;
  }
  async saveRequest(departmentId: number, key: string, orderId: number, action: string, bodyHash: string, response: string, at: string): Promise<boolean> {
    return (await changes(this.q, `INSERT INTO work_order_requests (department_id, idem_key, order_id, action, body_hash, response, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
      ON CONFLICT (department_id, idem_key) DO NOTHING`, [departmentId, key, orderId, action, bodyHash, response, at])) === 1;
  }
  private qp(f: QueueFilter) { return { now: f.now, dept: f.departmentId ?? null, me: f.claimedBy ?? null }; }
  async queue(q: Queue, f: QueueFilter): Promise<WorkOrder[]> {
    const limit = f.limit ?? 50, offset = f.offset ?? 0;
    const { text, params } = pgParams(queuePageSql(q, f.departmentId != null), { ...this.qp(f), limit, offset, lim: limit + offset });
    return this.loadMany(await rows(this.q, text, params));
  }
  async queueCounts(f: QueueFilter): Promise<Record<Exclude<Queue, 'all'>, number>> {
    const out = {} as Record<Exclude<Queue, 'all'>, number>;
    for (const q of COUNTED_QUEUES) {
      const { text, params } = pgParams(queueCountSql(q, f.departmentId != null, 'COUNT(*)::integer'), this.qp(f));
      out[q as Exclude<Queue, 'all'>] = Number((await row<{ n: number }>(this.q, text, params))!.n);
    }
    return out;
  }
  async assessmentFacts(from: string, to: string, departmentId?: number | null): Promise<OrderFact[]> {
    const { text, params } = pgParams(assessmentFactsSql(departmentId != null), { from, to, dept: departmentId ?? null });
    const [facts, depts] = await Promise.all([rows(this.q, text, params), rows(this.q, 'SELECT id, name FROM departments')]);
    const names = new Map(depts.map((d) => [Number(d.id), d.name as string] as [number, string]));
    return facts.map((r) => toOrderFact(FACT_COLS.map((c) => r[c]), names));
  }
}

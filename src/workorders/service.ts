/**
 * The work-order service: loads the order (locked), applies the pure reducer (./machine.ts), and in
 * the same store transaction writes the changed fields, the assisting parts, the extension request,
 * the timeline entries and the notices. Notices go out through the bus inside the transaction: the
 * final answer by 'feedback.answered' (the channels' existing answer path: SMS answer + survey to a
 * mobile, a voice call-back to a landline), the interim answer, closing notice and department notices by
 * 'workorder.notice' (the SMS channel queues them for mobiles; the voice channel persists a call-back
 * that reads a citizen's notice to a landline) — so a step is never stored without its messages.
 */
import { createHash } from 'node:crypto';
import type { DataStore } from '../store/ports.js';
import type { EventBus } from '../domain/events.js';
import { DomainError, notFound, conflict } from '../domain/errors.js';
import type { Department } from '../domain/types.js';
import { ACTIONS, reduce, STATUS_ZH, type MachineEnv, type WorkOrderAction } from './machine.js';
import type { Actor, Notice, TimelineEntry, WorkOrder } from './model.js';
import { timeLeft, type TimeLeft } from './time-limits.js';
import { suggestDuplicates, type DuplicateSuggestion } from './duplicates.js';
import type { Queue, QueueFilter } from '../store/work-order-sql.js';
import { QueueCountsCache } from './queue-counts-cache.js';

export interface WorkOrderServiceDeps {
  store: Pick<DataStore, 'workOrders' | 'departments' | 'audit' | 'transaction'>;
  bus: EventBus;
  env: MachineEnv;
  now?: () => Date;
  /** How long the inbox tab counts of one scope may be served again (ms; 0 = always counted). */
  countsTtlMs?: number;
}

export interface Applied { order: WorkOrder; entries: TimelineEntry[]; notices: Notice[] }

/** A dispatch as callers give it: a department by id or code, or none = the category's default department. */
export type DispatchInput = Omit<Extract<WorkOrderAction, { type: 'dispatch' }>, 'departmentId' | 'departmentName' | 'assists'> & {
  departmentId?: number | null; departmentCode?: string | null; assists?: Array<{ departmentId?: number; departmentCode?: string; instruction?: string | null }>;
};

export const ACTION_LABELS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(ACTIONS).map(([k, v]) => [k, v.label])),
  mail_supplement: '来信补充', mail_attachments: '邮件附件', mail_no_reply: '未自动回复',
  redispatch: '改派', approve_extension: '同意延期', refuse_extension: '不同意延期', escalate: '转督办', release: '放弃认领', merged_in: '并入', close: '办结',
};

const FIELDS_SKIPPED = new Set(['parts', 'extension', 'departmentName', 'updatedAt', 'id', 'ref', 'createdAt']);

export class WorkOrderService {
  private readonly now: () => Date;
  /** The inbox tab counts, kept briefly per scope and shared by concurrent requests (./queue-counts-cache.ts). */
  private readonly counts: QueueCountsCache<Record<Exclude<Queue, 'all'>, number>>;

  constructor(private readonly d: WorkOrderServiceDeps) {
    this.now = d.now ?? (() => new Date());
    this.counts = new QueueCountsCache(d.countsTtlMs ?? 2000);
    // Any committed change to an order (here or on another instance) is counted at once.
    d.bus.onAny((name) => { if (name.startsWith('feedback.')) this.counts.invalidate(); });
  }

  get env(): MachineEnv { return this.d.env; }

  async get(id: number): Promise<WorkOrder> {
    const o = await this.d.store.workOrders.byId(id);
    if (!o) throw notFound('工单不存在');
    return o;
  }
  async byRef(ref: string): Promise<WorkOrder | undefined> { return this.d.store.workOrders.byRef(ref); }
  timeline(id: number): Promise<TimelineEntry[]> { return this.d.store.workOrders.entries(id, ACTION_LABELS); }
  queue(q: Queue, f: Omit<QueueFilter, 'now'>): Promise<WorkOrder[]> { return this.d.store.workOrders.queue(q, { ...f, now: this.now().toISOString() }); }
  queueCounts(f: Omit<QueueFilter, 'now'>): Promise<Record<Exclude<Queue, 'all'>, number>> {
    const key = `${f.departmentId ?? '-'}|${f.claimedBy ?? '-'}`;
    return this.counts.get(key, async () => this.d.store.workOrders.queueCounts({ ...f, now: this.now().toISOString() }));
  }

  /** Suggested duplicates (合并建议) of an order among the open ones of the last `days` days. */
  async duplicates(o: WorkOrder, days = 7): Promise<DuplicateSuggestion[]> {
    const since = new Date(this.now().getTime() - days * 86400_000).toISOString();
    return suggestDuplicates(o, await this.d.store.workOrders.duplicateCandidates(o.id, o.phone, o.address, o.category, since));
  }

  /** Time left on the clock running now (签收 or 办结); null when none runs. */
  timeLeft(o: Pick<WorkOrder, 'dueAt' | 'warnAt'>, now = this.now()): TimeLeft | null {
    return o.dueAt ? timeLeft(now, o.warnAt ? new Date(o.warnAt) : null, new Date(o.dueAt), this.d.env.clock) : null;
  }

  /** Apply one action in one transaction. `inTx` runs inside it after the change (e.g. storing the API's idempotency key). */
  apply<T = Applied>(id: number, action: WorkOrderAction, actor: Actor, inTx?: (r: Applied) => Promise<T>): Promise<T> {
    return this.d.store.transaction(async () => {
      const r = await this.applyLocked(id, action, actor);
      return inTx ? inTx(r) : (r as unknown as T);
    });
  }

  /**
   * The department API's idempotent form: the same key again (from the same department) answers the
   * stored response without applying anything; the same key with another request is refused (409).
   */
  applyOnce(dept: Department, key: string, body: unknown, id: number, action: WorkOrderAction, actor: Actor, view: (r: Applied) => unknown): Promise<{ replayed: boolean; response: unknown }> {
    const hash = createHash('sha256').update(JSON.stringify([id, action.type, body])).digest('hex');
    return this.d.store.transaction(async () => {
      await this.d.store.workOrders.lock(id); // the key is checked with the order locked: two same-key requests take turns
      const prev = await this.d.store.workOrders.request(dept.id, key);
      if (prev) {
        if (prev.bodyHash !== hash) throw conflict('幂等键已用于另一请求（Idempotency-Key reused with a different request）');
        return { replayed: true, response: JSON.parse(prev.response) as unknown };
      }
      const r = await this.applyLocked(id, action, actor);
      const response = view(r);
      await this.d.store.workOrders.saveRequest(dept.id, key, id, action.type, hash, JSON.stringify(response), this.now().toISOString());
      return { replayed: false, response };
    });
  }

  /** 派单 with the department given by id or code, or the category's default department. */
  async dispatch(id: number, input: DispatchInput, actor: Actor): Promise<Applied> {
    const o = await this.get(id);
    const category = input.category === undefined ? o.category : input.category;
    let dept: Department | undefined;
    if (input.departmentId) dept = await this.d.store.departments.byId(input.departmentId);
    else if (input.departmentCode) dept = await this.d.store.departments.byCode(input.departmentCode);
    else {
      const code = category ? this.d.env.tree.categories.get(category)?.department : null;
      if (!code) throw new DomainError('invalid', '该分类没有默认承办单位，请选择承办单位', 'departmentId');
      dept = await this.d.store.departments.byCode(code);
      if (!dept) throw new DomainError('invalid', `分类的默认承办单位 ${code} 尚未登记，请选择承办单位`, 'departmentId');
    }
    if (!dept) throw new DomainError('invalid', '承办单位不存在', 'departmentId');
    const assists: Array<{ departmentId: number; departmentName: string; instruction?: string | null }> = [];
    for (const a of input.assists ?? []) {
      const ad = a.departmentId ? await this.d.store.departments.byId(a.departmentId) : a.departmentCode ? await this.d.store.departments.byCode(a.departmentCode) : undefined;
      if (!ad) throw new DomainError('invalid', '协办单位不存在', 'assists');
      assists.push({ departmentId: ad.id, departmentName: ad.name, instruction: a.instruction ?? null });
    }
    return this.apply(id, { ...input, type: 'dispatch', departmentId: dept.id, departmentName: dept.name, category, assists }, actor);
  }

  /**
   * The older one-step routes (the panel's 分派/答复/办结 buttons and the department API's answer) go
   * through the cycle, so an item handled the old way has the same timeline, clocks, notices and
   * inbox tabs as one handled step by step.
   *
   * 分派 = 派单. Without a category the order takes the first category whose default department is
   * the one chosen; a department that is no category's default needs the category chosen first.
   */
  async assignToDepartment(id: number, departmentCode: string, actor: Actor): Promise<Applied> {
    const o = await this.get(id);
    let category = o.category;
    if (!category) {
      category = [...this.d.env.tree.categories.values()].find((c) => c.department === departmentCode)?.code ?? null;
      if (!category) throw new DomainError('invalid', '派单前请先在“登记信息”中选择诉求分类（该单位不是任何分类的默认承办单位）', 'category');
    }
    return this.dispatch(id, { type: 'dispatch', departmentCode, category }, actor);
  }

  /**
   * 答复 in one step: a department (or an admin for it) that has not signed yet signs first, then
   * gives the final answer (办结回复), in one transaction; a consultation not yet dispatched is
   * answered at once by the centre (直办).
   */
  answerInOneStep(id: number, answer: string, actor: Actor): Promise<Applied> {
    return this.d.store.transaction(async () => {
      const o = await this.d.store.workOrders.lock(id);
      if (!o) throw notFound('工单不存在');
      if ((o.status === 'new' || o.status === 'transcribed') && actor.role !== 'department') return this.applyLocked(id, { type: 'direct', answer }, actor);
      if (o.status === 'assigned') await this.applyLocked(id, { type: 'sign', opinion: null }, actor);
      return this.applyLocked(id, { type: 'answer', answer }, actor);
    });
  }

  /** The actor of a department API call: the department, with the handler's name when given. */
  static departmentActor(dept: Department, handler?: string | null): Actor {
    const h = handler?.trim();
    return { role: 'department', id: `dept:${dept.code}${h ? `:${h}` : ''}`, name: h || dept.name, departmentId: dept.id, departmentName: dept.name };
  }

  private async applyLocked(id: number, action: WorkOrderAction, actor: Actor): Promise<Applied> {
    const wo = this.d.store.workOrders;
    const before = await wo.lock(id);
    if (!before) throw notFound('工单不存在');
    let act = action;
    let parent: WorkOrder | undefined;
    if (action.type === 'merge') {
      parent = await wo.byId(action.parentId);
      if (!parent) throw notFound('主工单不存在');
      act = { ...action, parentRef: parent.ref, parentStatus: parent.status, parentParentId: parent.parentId };
    }
    const now = this.now();
    const r = reduce(before, act, actor, now, this.d.env);
    if (!r.ok) throw new DomainError(r.error.code, r.error.message);
    const at = now.toISOString();
    const order = r.order;

    const diff: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(order)) {
      if (FIELDS_SKIPPED.has(k)) continue;
      if (JSON.stringify(v) !== JSON.stringify((before as unknown as Record<string, unknown>)[k])) diff[k] = v;
    }
    if (Object.keys(diff).length) await wo.save(id, diff as Partial<WorkOrder>, at);
    if (JSON.stringify(order.parts) !== JSON.stringify(before.parts)) await wo.setParts(id, order.parts, at);
    if (act.type === 'request_extension' && order.extension) {
      const { id: _none, ...ext } = order.extension;
      order.extension = { ...order.extension, id: await wo.insertExtension(id, ext) };
    }
    if (act.type === 'decide_extension' && before.extension?.id) {
      await wo.decideExtension(before.extension.id, act.approve, actor.id, actor.name, at, act.opinion || null, act.approve ? order.finishDueAt : null);
    }
    for (const e of r.entries) await wo.addEntry(id, e);
    if (parent) {
      await wo.addEntry(parent.id, { action: 'merged_in', label: '并入', actor: actor.id, actorName: actor.name, departmentId: actor.departmentId, departmentName: actor.departmentName,
        opinion: null, detail: { childId: before.id, childRef: before.ref, phone: before.phone }, at });
    }

    const stored = (await wo.byId(id))!;
    // 全程留痕: every step also in the audit log, in Chinese, with the same transaction.
    if (r.entries.length) {
      const last = r.entries[r.entries.length - 1];
      await this.d.store.audit.append(actor.id, `workorder.${act.type}`, before.ref,
        `${r.entries.map((e) => e.label).join('、')}${last.opinion ? `：${last.opinion}` : ''}（${STATUS_ZH[before.status]} → ${STATUS_ZH[stored.status]}）${actor.role === 'department' ? `，${actor.departmentName ?? ''}${actor.name !== actor.departmentName ? ` ${actor.name}` : ''}` : ''}`, at);
    }
    for (const n of r.notices) await this.send(stored, n, at);
    await this.d.bus.emitTx('feedback.updated', { feedback: stored, action: act.type, actor: actor.id });
    if (act.type === 'survey' && act.score === 3) await this.d.bus.emitTx('feedback.reopened', { feedback: stored });

    // Every citizen of a merged order gets the answer.
    if ((act.type === 'answer' || act.type === 'direct') && stored.answer) {
      const system: Actor = { role: 'system', id: 'system', name: '系统', departmentId: null, departmentName: null };
      for (const child of await wo.children(id)) {
        if (child.status === 'merged') await this.applyLocked(child.id, { type: 'parent_answered', answer: stored.answer, parentRef: stored.ref }, system);
      }
    }
    return { order: stored, entries: r.entries, notices: r.notices };
  }

  private async send(order: WorkOrder, n: Notice, at: string): Promise<void> {
    if (n.to === 'citizen' && n.kind === 'answer') { await this.d.bus.emitTx('feedback.answered', { feedback: order }); return; }
    let phone: string | null = null;
    if (n.to === 'citizen') phone = order.replyBy === 'none' ? null : order.phone;
    else if (n.to === 'department') phone = (await this.d.store.departments.byId(n.departmentId))?.contactPhone ?? null;
    await this.d.bus.emitTx('workorder.notice', { order, notice: n, phone, at });
  }
}

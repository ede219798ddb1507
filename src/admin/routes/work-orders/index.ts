/**
 * The panel's work-order JSON API (routes in routes-table.ts): queues, an order with its time left and
 * timeline, and every step of the cycle for dispatchers, supervisors and department staff. The route
 * table gates by role; the reducer's table (src/workorders/machine.ts) decides per order and state;
 * department staff see only their department's orders (lead or assisting) — another's is 404. Every
 * step is audited in Chinese (by the service, in the step's transaction).
 */
import type { Static } from '@sinclair/typebox';
import { HttpError } from '../../../http/errors.js';
import { maskPhone, normalisePhone } from '../../../domain/masking.js';
import { FEEDBACK_KINDS } from '../../../domain/types.js';
import type { StaffUser } from '../../../store/repos/staff.js';
import { QUEUES, QUEUE_ZH, type Queue } from '../../../store/work-order-sql.js';
import { ACTIONS, STATUS_ZH, type ActionType, type WorkOrderAction } from '../../../workorders/machine.js';
import type { Actor, WorkOrder } from '../../../workorders/model.js';
import { URGENCY_ZH } from '../../../workorders/categories.js';
import { templatesFor } from '../../../workorders/answer-templates.js';
import type { AdminKit, Handler, Req, RouteGroup } from '../common.js';
import { Answer, Assists, B, OpinionBody, WORK_ORDER_BODIES } from './schemas.js';


/** The panel's endpoint of each step the staff screens offer (edit is the details form, parent_answered is the system's). */
const ACTION_PATH: Partial<Record<ActionType, string>> = {
  dispatch: 'dispatch', direct: 'direct', sign: 'sign', return: 'return', uphold: 'uphold', assist: 'assist', assist_answer: 'assist-answer',
  request_extension: 'extension', decide_extension: 'extension-decision', interim: 'interim', answer: 'answer', survey: 'survey', redo: 'redo', urge: 'urge',
  merge: 'merge', close: 'close', claim: 'claim',
};

/**
 * The steps this user may take on this order now, from the reducer's table (role, starting status,
 * lead/assist scope for department staff) plus the few preconditions the screens need to know
 * (an extension to decide, an open assisting part). The reducer still decides on submit.
 */
export function availableActions(o: WorkOrder, u: Pick<StaffUser, 'role' | 'departmentId'>): Array<{ type: ActionType; label: string; path: string }> {
  const out: Array<{ type: ActionType; label: string; path: string }> = [];
  for (const [type, spec] of Object.entries(ACTIONS) as Array<[ActionType, (typeof ACTIONS)[ActionType]]>) {
    const path = ACTION_PATH[type];
    if (!path || !spec.from.includes(o.status) || !spec.roles.includes(u.role)) continue;
    if (u.role === 'department') {
      const own = spec.scope === 'assist' ? o.parts.some((p) => p.departmentId === u.departmentId && p.status === 'open') : o.departmentId !== null && o.departmentId === u.departmentId;
      if (!own) continue;
    }
    if (type === 'decide_extension' && !o.extension) continue;
    if (type === 'request_extension' && o.extension) continue;
    if (type === 'assist_answer' && !o.parts.some((p) => p.status === 'open')) continue;
    out.push({ type, label: spec.label, path });
  }
  return out;
}

export function staffActor(u: StaffUser): Actor {
  return { role: u.role, id: `staff:${u.username}`, name: u.displayName || u.username, departmentId: u.departmentId, departmentName: u.departmentName };
}

export function workOrderRoutes(kit: AdminKit): RouteGroup {
  const { ctx, audit } = kit;
  const wo = ctx.workOrders;
  const scopeOf = (u: StaffUser) => (u.role === 'department' ? u.departmentId : null);
  const summary = (o: WorkOrder) => ({
    id: o.id, ref: o.ref, kind: o.kind, channel: o.channel, status: o.status, statusZh: STATUS_ZH[o.status],
    category: o.category, categoryName: o.category ? wo.env.tree.categories.get(o.category)?.path ?? o.category : null, urgency: o.urgency, urgencyZh: URGENCY_ZH[o.urgency],
    summary: o.summary ?? (o.text ?? o.transcript ?? '').slice(0, 80), phone: o.phone ? maskPhone(o.phone) : null, address: o.address,
    departmentId: o.departmentId, department: o.departmentName, dueAt: o.dueAt, timeLeft: wo.timeLeft(o), claimedBy: o.claimedBy,
    reopenCount: o.reopenCount, returnCount: o.returnCount, urgeCount: o.urgeCount, parentId: o.parentId, createdAt: o.createdAt, updatedAt: o.updatedAt,
  });
  const visible = async (req: Req): Promise<WorkOrder> => {
    const id = req.params.id;
    if (!id || !/^\d{1,12}$/.test(id)) throw new HttpError(400, 'validation', 'id must be a positive integer');
    const o = await ctx.store.workOrders.byId(Number(id));
    const scope = scopeOf(req.staff!.user);
    if (!o || (scope !== null && o.departmentId !== scope && !o.parts.some((p) => p.departmentId === scope))) throw new HttpError(404, 'not_found', '工单不存在 (work order not found)');
    return o;
  };
  const deptId = async (code: string): Promise<number> => {
    const d = await ctx.store.departments.byCode(code);
    if (!d) throw new HttpError(422, 'unprocessable', `部门 ${code} 不存在 (no such department)`);
    return d.id;
  };
  /** One step: applied through the service, audited with the Chinese action name. */
  const step = (make: (req: Req, o: WorkOrder) => Promise<WorkOrderAction> | WorkOrderAction): Handler => async (req) => {
    const o = await visible(req);
    const action = await make(req, o);
    const r = action.type === 'dispatch'
      ? await wo.dispatch(o.id, { ...action, departmentId: action.departmentId || null }, staffActor(req.staff!.user))
      : await wo.apply(o.id, action, staffActor(req.staff!.user));
    // audited by the service, in the step's transaction
    return { order: summary(r.order), entries: r.entries };
  };
  const assists = async (list: Static<typeof Assists> | undefined) => Promise.all((list ?? []).map(async (a) => ({ departmentId: await deptId(a.department), departmentName: '', instruction: a.instruction ?? null })));

  return { name: 'work-orders', bodies: WORK_ORDER_BODIES, handlers: {
    'GET /api/work-orders': async (req) => {
      const q = req.query;
      const queue = (q.queue ?? 'to_dispatch') as Queue;
      if (!(QUEUES as readonly string[]).includes(queue)) throw new HttpError(400, 'validation', `queue must be one of ${QUEUES.join(', ')}`);
      const limit = Math.min(Math.max(Number(q.limit ?? 50) || 50, 1), 200), offset = Math.min(Math.max(Number(q.offset ?? 0) || 0, 0), 1_000_000);
      const f = { departmentId: scopeOf(req.staff!.user), claimedBy: `staff:${req.staff!.user.username}` };
      const [items, counts] = await Promise.all([wo.queue(queue, { ...f, limit, offset }), wo.queueCounts(f)]);
      return { queue, queueZh: QUEUE_ZH[queue], items: items.map(summary), counts, queues: QUEUES.map((k) => ({ key: k, label: QUEUE_ZH[k], count: k === 'all' ? null : counts[k] })) };
    },
    'GET /api/work-orders/:id': async (req) => {
      const o = await visible(req);
      const actions = availableActions(o, req.staff!.user);
      // 登记信息 (POST …/details): central staff while the order is open
      const canEdit = ACTIONS.edit.from.includes(o.status) && ACTIONS.edit.roles.includes(req.staff!.user.role);
      const [timeline, extensions, children, duplicates, call, mailThread] = await Promise.all([wo.timeline(o.id), ctx.store.workOrders.extensions(o.id), ctx.store.workOrders.children(o.id),
        o.status === 'closed' || o.status === 'merged' ? Promise.resolve([]) : wo.duplicates(o), o.callId ? ctx.store.calls.byId(o.callId) : Promise.resolve(undefined), ctx.store.mail.thread(o.id)]);
      // 市民历史诉求: the same number's other items (department staff: within their department only)
      const history = o.phone ? (await ctx.store.feedback.list({ q: o.phone, departmentId: scopeOf(req.staff!.user) ?? undefined, limit: 20 }))
        .filter((f) => f.id !== o.id && f.phone === o.phone).slice(0, 10)
        .map((f) => ({ id: f.id, ref: f.ref, kind: f.kind, status: f.status, createdAt: f.createdAt, summary: (f.text ?? f.transcript ?? '').slice(0, 60) })) : [];
      // Entries written by the older paths (转写 through the feedback service) carry only the login id:
      // staff see the person's display name, never `staff:wang`.
      const unnamedOf = (t: { actor: string; actorName: string | null }) => (!t.actorName || t.actorName === t.actor) && typeof t.actor === 'string' && t.actor.startsWith('staff:');
      const unnamed = timeline.some(unnamedOf);
      const names = unnamed ? new Map((await ctx.store.staff.all()).map((u) => [`staff:${u.username}`, u.displayName || u.username] as [string, string])) : null;
      const shown = names ? timeline.map((t) => (unnamedOf(t) && names.has(t.actor) ? { ...t, actorName: names.get(t.actor)! } : t)) : timeline;
      return {
        order: { ...summary(o), text: o.text, transcript: o.transcript, instruction: o.instruction, answer: o.answer, answeredAt: o.answeredAt, satisfaction: o.satisfaction,
          signDueAt: o.signDueAt, signedAt: o.signedAt, finishDueAt: o.finishDueAt, closedAt: o.closedAt, closeReason: o.closeReason, extension: o.extension, parts: o.parts,
          extensionCount: o.extensionCount, interimCount: o.interimCount, disputeLevel: o.disputeLevel,
          replyBy: o.replyBy, hasRecording: Boolean(o.recordingPath), recordingDuration: o.recordingDuration ?? null, hasCallRecording: Boolean(call?.operatorRecording),
          // 市民信箱: the citizen's address (answers go back there by mail)
          mailContact: mailThread?.address ?? null },
        timeline: shown, extensions, merged: children.map(summary), duplicates, history, actions,
        // the dispatch form's category choice (派单前须选分类): code, 市场监管/食品安全, default department
        canEdit,
        // 常用语 for the answer forms: the order's top-level category's, then the general ones
        answerTemplates: ctx.answerTemplates ? templatesFor(ctx.answerTemplates, o.category, (code) => wo.env.tree.categories.get(code)?.name ?? code) : [],
        // …and every category's, so the phrases follow a category changed in 登记信息 before it is saved
        answerPhrases: ctx.answerTemplates && canEdit ? {
          general: ctx.answerTemplates.general,
          byCategory: Object.fromEntries([...ctx.answerTemplates.byCategory].map(([code, texts]) => [code, { group: wo.env.tree.categories.get(code)?.name ?? code, texts }])),
        } : null,
        categories: canEdit || actions.some((a) => a.type === 'dispatch') ? [...wo.env.tree.categories.values()].map((c) => ({ code: c.code, path: c.path, department: c.department })) : [],
      };
    },
    /**
     * A new work order from the seat (来电弹屏): channel voice, the caller's phone, the call linked; the
     * operator's notes as its transcript; optional intake fields in the same transaction. Audited.
     */
    'POST /api/work-orders': async (req) => {
      const b = req.body as Static<typeof B.create>;
      const phone = normalisePhone(b.phone);
      if (!phone) throw new HttpError(422, 'unprocessable', '号码无效 (invalid phone)');
      const kind = (b.kind && (FEEDBACK_KINDS as readonly string[]).includes(b.kind) ? b.kind : 'complaint') as WorkOrder['kind'];
      const actor = staffActor(req.staff!.user);
      const order = await ctx.store.transaction(async () => {
        const f = await ctx.feedback.create({ kind, channel: 'voice', phone, text: null, callId: b.callId ?? null }, actor.id);
        if (b.text) await ctx.feedback.transcribe(f.id, b.text, actor.id);
        const edit = { category: b.category || undefined, urgency: b.urgency, address: b.address || undefined, summary: b.summary || undefined };
        if (Object.values(edit).some((v) => v !== undefined)) await wo.apply(f.id, { type: 'edit', ...edit }, actor);
        return (await ctx.store.workOrders.byId(f.id))!;
      });
      await audit(req, 'workorder.create', order.ref, `坐席新建工单（电话来电${b.callId ? `，通话 ${b.callId}` : ''}）`);
      return { order: summary(order) };
    },
    /** Transcript, intake fields (登记信息) and optionally the dispatch, in one save (one transaction). */
    'POST /api/work-orders/:id/details': async (req) => {
      const o = await visible(req);
      const b = req.body as Static<typeof B.details>;
      const actor = staffActor(req.staff!.user);
      const dispatchDept = b.dispatch?.department ? await deptId(b.dispatch.department) : null;
      const assistList = b.dispatch ? await assists(b.dispatch.assists) : [];
      const r = await ctx.store.transaction(async () => {
        if (b.transcript !== undefined && b.transcript !== o.transcript) await ctx.feedback.transcribe(o.id, b.transcript, actor.id);
        const edited = await wo.apply(o.id, { type: 'edit', category: b.category, urgency: b.urgency, address: b.address, summary: b.summary, replyBy: b.replyBy, kind: b.kind as WorkOrder['kind'] | undefined }, actor);
        if (!b.dispatch) return edited;
        const d = await wo.dispatch(o.id, { type: 'dispatch', departmentId: dispatchDept, instruction: b.dispatch.instruction ?? null, assists: assistList }, actor);
        return { ...d, entries: [...edited.entries, ...d.entries] };
      });
      await audit(req, b.dispatch ? 'workorder.details_dispatch' : 'workorder.details', o.ref, r.entries.map((e) => e.label).join('、') || '无变化');
      return { order: summary(r.order), entries: r.entries };
    },
    'POST /api/work-orders/:id/dispatch': step(async (req) => {
      const b = req.body as Static<typeof B.dispatch>;
      return { type: 'dispatch', departmentId: b.department ? await deptId(b.department) : 0, departmentName: '', category: b.category, urgency: b.urgency, instruction: b.instruction ?? null, assists: await assists(b.assists) };
    }),
    'POST /api/work-orders/:id/direct': step((req) => ({ type: 'direct', answer: (req.body as Static<typeof Answer>).answer })),
    'POST /api/work-orders/:id/uphold': step((req) => ({ type: 'uphold', opinion: (req.body as Static<typeof OpinionBody>).opinion })),
    'POST /api/work-orders/:id/assist': step(async (req) => {
      const list = await assists((req.body as Static<typeof B.assist>).assists);
      for (const a of list) a.departmentName = (await ctx.store.departments.byId(a.departmentId))!.name;
      return { type: 'assist', assists: list };
    }),
    'POST /api/work-orders/:id/merge': step(async (req) => {
      const parent = await ctx.store.workOrders.byRef((req.body as Static<typeof B.merge>).parent);
      if (!parent) throw new HttpError(422, 'unprocessable', '主工单不存在 (no such parent)');
      return { type: 'merge', parentId: parent.id, parentRef: parent.ref, parentStatus: parent.status, parentParentId: parent.parentId };
    }),
    'POST /api/work-orders/:id/close': step((req) => ({ type: 'close', reason: (req.body as Static<typeof B.close>).reason ?? null })),
    'POST /api/work-orders/:id/claim': step((req) => ({ type: 'claim', release: (req.body as Static<typeof B.claim>).release ?? false })),
    'POST /api/work-orders/:id/survey': step((req) => { const b = req.body as Static<typeof B.survey>; return { type: 'survey', score: b.score, via: 'staff', opinion: b.opinion ?? null }; }),
    'POST /api/work-orders/:id/extension-decision': step((req) => { const b = req.body as Static<typeof B.decision>; return { type: 'decide_extension', approve: b.approve, opinion: b.opinion ?? '', days: b.days }; }),
    'POST /api/work-orders/:id/redo': step((req) => ({ type: 'redo', opinion: (req.body as Static<typeof OpinionBody>).opinion })),
    'POST /api/work-orders/:id/urge': step((req) => ({ type: 'urge', opinion: (req.body as Static<typeof OpinionBody>).opinion })),
    'POST /api/work-orders/:id/sign': step((req) => ({ type: 'sign', opinion: (req.body as Static<typeof B.sign>).opinion ?? null })),
    'POST /api/work-orders/:id/return': step((req) => { const b = req.body as Static<typeof B.ret>; return { type: 'return', reason: b.reason, opinion: b.opinion }; }),
    'POST /api/work-orders/:id/extension': step((req) => { const b = req.body as Static<typeof B.extension>; return { type: 'request_extension', days: b.days, reason: b.reason }; }),
    'POST /api/work-orders/:id/interim': step((req) => ({ type: 'interim', answer: (req.body as Static<typeof Answer>).answer })),
    'POST /api/work-orders/:id/answer': step((req) => ({ type: 'answer', answer: (req.body as Static<typeof Answer>).answer })),
    'POST /api/work-orders/:id/assist-answer': step(async (req) => {
      const b = req.body as Static<typeof B.assistAnswer>;
      return { type: 'assist_answer', answer: b.answer, ...(b.department ? { departmentId: await deptId(b.department) } : {}) };
    }),
  } };
}

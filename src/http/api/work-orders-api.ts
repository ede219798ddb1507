/**
 * The department API's work-order routes (/api/v1/work-orders): the department's side of the cycle —
 * its queues, an order with its timeline, and 签收, 退单, 申请延期, 阶段性答复, 办结回复, 协办答复.
 * Same Bearer-key scoping as the declarations (another department's order → 404, exactly like an
 * unknown one) and idempotency: an `Idempotency-Key` header or `eventId` in the body — the same key
 * again answers the first response (replayed: true) without applying anything; reused for another
 * request → 409. Registered inside departmentApi (its auth hook applies).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import type { Services } from '../../context.js';
import type { Department } from '../../domain/types.js';
import { maskPhone } from '../../domain/masking.js';
import { HttpError } from '../errors.js';
import { STATUS_ZH, type WorkOrderAction } from '../../workorders/machine.js';
import type { TimelineEntry, WorkOrder } from '../../workorders/model.js';
import { WorkOrderService, type Applied } from '../../workorders/service.js';
import type { Queue } from '../../store/work-order-sql.js';
import {
  ErrorBody, ExtensionBody, RefParams, ReturnBody, SignBody, WorkOrderActionResult, WorkOrderAnswerBody, WorkOrderQueueQuery, WorkOrderView,
} from './schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const security = [{ bearer: [] as string[] }];
const tags = ['work-orders'];

export function workOrderView(ctx: Pick<Services, 'workOrders'>, o: WorkOrder, dept: Department, timeline?: TimelineEntry[]) {
  return {
    ref: o.ref, kind: o.kind, channel: o.channel, status: o.status, statusZh: STATUS_ZH[o.status], role: o.departmentId === dept.id ? 'lead' as const : 'assist' as const,
    category: o.category, categoryName: o.category ? ctx.workOrders.env.tree.categories.get(o.category)?.path ?? null : null, urgency: o.urgency,
    address: o.address, summary: o.summary, text: o.text, transcript: o.transcript, phone: o.phone ? maskPhone(o.phone) : null,
    instruction: o.instruction, department: o.departmentName, dispatchedAt: o.dispatchedAt, signDueAt: o.signDueAt, signedAt: o.signedAt,
    finishDueAt: o.finishDueAt, dueAt: o.dueAt, timeLeft: ctx.workOrders.timeLeft(o),
    answer: o.answer, answeredAt: o.answeredAt, satisfaction: o.satisfaction,
    returnCount: o.returnCount, urgeCount: o.urgeCount, reopenCount: o.reopenCount, extensionCount: o.extensionCount,
    extension: o.extension ? { days: o.extension.days, reason: o.extension.reason, requestedAt: o.extension.requestedAt } : null,
    parts: o.parts.map((p) => ({ department: p.departmentName, instruction: p.instruction, status: p.status, answer: p.answer, answeredAt: p.answeredAt })),
    createdAt: o.createdAt,
    ...(timeline ? { timeline: timeline.map((e) => ({ action: e.action, label: e.label, actorName: e.actorName, department: e.departmentName, opinion: e.opinion, detail: e.detail, at: e.at })) } : {}),
  };
}

const visibleTo = (o: WorkOrder, dept: Department) => o.departmentId === dept.id || o.parts.some((p) => p.departmentId === dept.id);

export async function workOrderRoutes(app: FastifyInstance, ctx: Pick<Services, 'workOrders'>): Promise<void> {
  const own = async (req: FastifyRequest<{ Params: { ref: string } }>): Promise<WorkOrder> => {
    const o = await ctx.workOrders.byRef(req.params.ref);
    if (!o || !visibleTo(o, req.department!)) throw new HttpError(404, 'not_found', '工单不存在');
    return o;
  };

  app.get<{ Querystring: WorkOrderQueueQuery }>('/work-orders', {
    schema: {
      summary: 'This department\'s work orders by queue (as lead or assisting department)', tags, security, querystring: WorkOrderQueueQuery,
      response: { 200: Type.Object({ items: Type.Array(WorkOrderView), counts: Type.Record(Type.String(), Type.Integer()) }), ...errors },
    },
  }, async (req) => {
    const dept = req.department!;
    const items = await ctx.workOrders.queue((req.query.queue ?? 'to_sign') as Queue, { departmentId: dept.id, limit: req.query.limit ?? 100, offset: req.query.offset ?? 0 });
    const { to_dispatch: _d, mine: _m, ...counts } = await ctx.workOrders.queueCounts({ departmentId: dept.id });
    return { items: items.map((o) => workOrderView(ctx, o, dept)), counts };
  });

  app.get<{ Params: { ref: string } }>('/work-orders/:ref', {
    schema: { summary: 'A work order with its whole timeline (who did what, when, with which opinion)', tags, security, params: RefParams, response: { 200: WorkOrderView, ...errors } },
  }, async (req) => {
    const o = await own(req);
    return workOrderView(ctx, o, req.department!, await ctx.workOrders.timeline(o.id));
  });

  type Body = { handlerName?: string; eventId?: string };
  const act = <B extends Body>(path: string, summary: string, description: string, body: TSchema, toAction: (b: B) => WorkOrderAction) => {
    app.post<{ Params: { ref: string }; Body: B }>(`/work-orders/:ref/${path}`, {
      schema: { summary, description, tags, security, params: RefParams, body, response: { 200: WorkOrderActionResult, ...errors } },
    }, async (req) => {
      const dept = req.department!;
      const o = await own(req);
      const b = req.body as B;
      const actor = WorkOrderService.departmentActor(dept, b.handlerName);
      const action = toAction(b);
      const header = req.headers['idempotency-key'];
      const key = (typeof header === 'string' && header.trim()) || b.eventId;
      const view = (r: Applied) => workOrderView(ctx, r.order, dept);
      if (!key) return { replayed: false, order: (await ctx.workOrders.apply(o.id, action, actor, async (r) => view(r))) };
      const { eventId: _e, ...rest } = b;
      const r = await ctx.workOrders.applyOnce(dept, key, { path, ...rest }, o.id, action, actor, view);
      return { replayed: r.replayed, order: r.response as ReturnType<typeof workOrderView> };
    });
  };

  act<SignBody>('sign', '签收 (acknowledge)', 'The department acknowledges the order; its 办结 clock is the one running from now on.', SignBody, (b) => ({ type: 'sign', opinion: b.opinion ?? null }));
  act<ReturnBody>('return', '退单 (return to the dispatcher)', 'With a reason (not_ours 非本单位职责, wrong_category 分类错误, incomplete 信息不全) and an opinion. After the dispatcher upheld a return, a second one is a dispute a supervisor decides; after that decision no more returns (409).', ReturnBody, (b) => ({ type: 'return', reason: b.reason, opinion: b.opinion }));
  act<ExtensionBody>('extension', '申请延期 (ask for more time)', 'A supervisor approves (new 办结 due: that many working days after the current one) or refuses. One pending request at a time (409).', ExtensionBody, (b) => ({ type: 'request_extension', days: b.days, reason: b.reason }));
  act<WorkOrderAnswerBody>('interim', '阶段性答复 (interim answer)', 'Sent to the citizen by their channel; the order stays open.', WorkOrderAnswerBody, (b) => ({ type: 'interim', answer: b.answer }));
  act<WorkOrderAnswerBody>('answer', '办结回复 (final answer)', 'Sent to the citizen by their channel (SMS, or a voice call-back for landlines), then the satisfaction survey. Refused (409) while an assisting department has not answered. Every citizen of an order merged into this one gets the answer.', WorkOrderAnswerBody, (b) => ({ type: 'answer', answer: b.answer }));
  act<WorkOrderAnswerBody>('assist-answer', '协办答复 (assisting department\'s answer to the lead)', 'Only for a department assisting on the order; once.', WorkOrderAnswerBody, (b) => ({ type: 'assist_answer', answer: b.answer }));
}

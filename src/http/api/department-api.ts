/**
 * The department API (/api/v1): approval systems push declarations and every handling step, and
 * fetch/answer the complaints assigned to them. Bearer-key auth; a department sees only its own data.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import type { Declaration, DeclarationEvent, Department, Feedback } from '../../domain/types.js';
import { STATUS_LABEL_ZH } from '../../domain/types.js';
import { isOverdue } from '../../domain/declarations.js';
import { maskPhone } from '../../domain/masking.js';
import { nationalDigits } from '../../domain/phone.js';
import { HttpError } from '../errors.js';
import { hashApiKey } from './api-keys.js';
import { GroupCommit } from './group-commit.js';
import { workOrderRoutes } from './work-orders-api.js';
import { guideRoutes } from './guide-api.js';
import { WorkOrderService } from '../../workorders/service.js';
import {
  AnswerBody, CodeParams, DeclarationBody, DeclarationNoticeBody, DeclarationView, ErrorBody, EventBody, EventParams, EventResult, FeedbackQuery, FeedbackView,
  NoticeBody, NoticeResult, RefParams, VoidBody, VoidResult,
} from './schemas.js';
import { NOTICE_MAX_RECIPIENTS, type NoticePort } from '../../sms/notices.js';

declare module 'fastify' {
  interface FastifyRequest { department?: Department }
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 503: ErrorBody };
const security = [{ bearer: [] as string[] }];

export function eventView(e: DeclarationEvent) {
  return {
    eventId: e.eventId, stepName: e.stepName, status: e.status, handlerName: e.handlerName, handlerTitle: e.handlerTitle,
    opinion: e.opinion, details: e.details, occurredAt: e.occurredAt, receivedAt: e.receivedAt, applied: e.applied,
    voided: e.voidedAt !== null, voidedAt: e.voidedAt, voidReason: e.voidReason,
  };
}

export function declarationView(d: Declaration, now: Date, timeline?: DeclarationEvent[]) {
  return {
    queryCode: d.queryCode, deptRef: d.deptRef, department: d.departmentCode, itemName: d.itemName,
    // applicantPhone is stored canonical (86…); answered in the national form departments send
    applicantName: d.applicantName, applicantPhone: d.applicantPhone ? nationalDigits(d.applicantPhone) : null, status: d.status, statusAt: d.statusAt,
    acceptedAt: d.acceptedAt, dueAt: d.dueAt, closedAt: d.closedAt, overdue: isOverdue(d, now),
    ...(timeline ? { timeline: timeline.map(eventView) } : {}),
  };
}

function feedbackView(f: Feedback) {
  return {
    ref: f.ref, kind: f.kind, channel: f.channel, status: f.status, text: f.text, transcript: f.transcript,
    phone: f.phone ? maskPhone(f.phone) : null, answer: f.answer, answeredAt: f.answeredAt, satisfaction: f.satisfaction, createdAt: f.createdAt,
  };
}

export async function departmentApi(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const requests = ctx.metrics.counter('hotline_api_requests_total', 'Department API requests by route and status');
  const rejectedAuth = ctx.metrics.counter('hotline_api_auth_failures_total', 'Department API requests refused for a missing or wrong key');

  const events = new GroupCommit(ctx.store);

  // Key → department, remembered for a few seconds: saves a hash and a query per request. A key rotated
  // (also from the CLI, in another process) stops working within KEY_CACHE_MS.
  const KEY_CACHE_MS = 5000;
  const keyCache = new Map<string, { dept: Department; until: number }>();
  const cachedKey = (key: string): Department | undefined => {
    const hit = keyCache.get(key);
    return hit && hit.until > Date.now() ? hit.dept : undefined;
  };
  const lookupKey = async (key: string): Promise<Department | undefined> => {
    const t = Date.now();
    const dept = await ctx.store.departments.byApiKeyHash(hashApiKey(key));
    if (dept) {
      if (keyCache.size > 1000) keyCache.clear();
      keyCache.set(key, { dept, until: t + KEY_CACHE_MS });
    } else keyCache.delete(key);
    return dept;
  };

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    if (!m) { rejectedAuth.inc(); throw new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <key>'); }
    const dept = cachedKey(m[1]) ?? await lookupKey(m[1]); // a cache hit costs no promise
    if (!dept) { rejectedAuth.inc(); throw new HttpError(401, 'unauthorized', 'unknown API key'); }
    req.department = dept;
  });
  app.addHook('onResponse', async (req, reply) => {
    requests.inc({ route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
  });

  app.put<{ Params: { code: string }; Body: DeclarationBody }>('/declarations/:code', {
    schema: {
      summary: 'Create or update a declaration', description: '`code` is the department\'s own reference (creates) or the platform query code (updates). A new declaration gets a platform query code (digits, check digit) to give to the applicant.',
      tags: ['declarations'], security, params: CodeParams, body: DeclarationBody,
      response: { 200: DeclarationView, 201: DeclarationView, ...errors },
    },
  }, async (req, reply) => {
    const { declaration, created } = await ctx.declarations.upsert(req.department!, req.params.code, req.body);
    return reply.status(created ? 201 : 200).send(declarationView(declaration, ctx.now()));
  });

  app.post<{ Params: { code: string }; Body: EventBody }>('/declarations/:code/events', {
    schema: {
      summary: 'Append a handling step', description: 'Idempotent on eventId (per department): the same id again answers 200 with the stored event. An event older than the current status is kept in the timeline but does not move the status.',
      tags: ['declarations'], security, params: CodeParams, body: EventBody,
      response: { 200: EventResult, 201: EventResult, ...errors },
    },
  }, async (req, reply) => {
    const dept = req.department!;
    const r = await events.submit(() => ctx.declarations.applyStatusEvent(dept, req.params.code, req.body));
    return reply.status(r.duplicate ? 200 : 201).send({
      duplicate: r.duplicate, applied: r.applied, event: eventView(r.event), declaration: declarationView(r.declaration, ctx.now()),
    });
  });

  app.post<{ Params: { code: string; eventId: string }; Body: VoidBody }>('/declarations/:code/events/:eventId/void', {
    schema: {
      summary: 'Void a wrong step', description: 'The step stays in the timeline marked voided (已撤销) and no longer counts: the status is re-derived from the remaining steps. Idempotent; the acceptance step cannot be voided (409). Audited.',
      tags: ['declarations'], security, params: EventParams, body: VoidBody, response: { 200: VoidResult, ...errors },
    },
  }, async (req) => {
    const dept = req.department!;
    const actor = `dept:${dept.code}${req.body.voidedBy ? `:${req.body.voidedBy}` : ''}`;
    const r = await events.submit(async () => {
      const v = await ctx.declarations.voidEvent(dept, req.params.code, req.params.eventId, req.body.reason, actor);
      if (!v.alreadyVoided) {
        await ctx.store.audit.append(actor, 'declaration.event_void', v.declaration.queryCode,
          `撤销办理环节“${v.event.stepName}”（事件 ${v.event.eventId}），原因：${v.event.voidReason ?? ''}；状态${v.statusChanged ? `改为“${STATUS_LABEL_ZH[v.declaration.status]}”` : '未变'}`, ctx.now().toISOString());
      }
      return v;
    });
    return { alreadyVoided: r.alreadyVoided, statusChanged: r.statusChanged, event: eventView(r.event), declaration: declarationView(r.declaration, ctx.now()) };
  });

  // ---- bulk notices: one request, many recipients, one transaction (src/sms/notices.ts) ----
  const needNotices = (): NoticePort => {
    if (!ctx.notices) throw new HttpError(503, 'not_running', '短信通道未运行 (SMS channel not running)');
    return ctx.notices;
  };
  /** Queue the notice and its audit row together (one transaction, committed before the answer). */
  const sendNotice = (dept: Department, body: { eventId: string; sentBy?: string }, text: string, recipients: readonly string[], target: string | null) => {
    const notices = needNotices();
    const actor = `dept:${dept.code}${body.sentBy ? `:${body.sentBy}` : ''}`;
    return ctx.store.transaction(async () => {
      const r = await notices.send({ key: `dept:${dept.id}:${body.eventId}`, text, recipients, createdBy: actor });
      if (!r.duplicate) {
        await ctx.store.audit.append(actor, 'notice.send', target, {
          eventId: body.eventId, accepted: r.accepted, queued: r.queued, held: r.held, optedOut: r.optedOut.length, invalid: r.invalid.length,
        }, ctx.now().toISOString());
      }
      return r;
    });
  };
  const noticeBodyLimit = Math.max(ctx.config.http.body_limit, 1_048_576);

  app.post<{ Body: NoticeBody }>('/notices', {
    bodyLimit: noticeBodyLimit,
    schema: {
      summary: 'Send a notice to a list of numbers (bulk)',
      description: `One request, up to ${NOTICE_MAX_RECIPIENTS.toLocaleString('en')} recipients, queued in one transaction: a 2xx means every accepted message is persisted in the outbox. `
        + 'Idempotent on eventId (per department): the same id again queues nothing new and answers duplicate: true. Numbers that are not mobile numbers are listed in `invalid` (by position) and skipped; '
        + 'numbers that opted out (TD/退订) are listed in `optedOut` and skipped; during quiet hours (sms.quiet_start–quiet_end) the messages are held and sent when they end. Audited.',
      tags: ['notices'], security, body: NoticeBody, response: { 200: NoticeResult, 201: NoticeResult, ...errors },
    },
  }, async (req, reply) => {
    const dept = req.department!;
    if (req.body.recipients.length > NOTICE_MAX_RECIPIENTS) {
      throw new HttpError(413, 'too_many_recipients', `每次最多 ${NOTICE_MAX_RECIPIENTS} 个号码，请分批提交 (at most ${NOTICE_MAX_RECIPIENTS} recipients per request; got ${req.body.recipients.length})`);
    }
    const r = await sendNotice(dept, req.body, needNotices().text({ dept: dept.name, text: req.body.text }), req.body.recipients, null);
    return reply.status(r.duplicate ? 200 : 201).send(r);
  });

  app.post<{ Params: { code: string }; Body: DeclarationNoticeBody }>('/declarations/:code/notices', {
    schema: {
      summary: 'Notify everyone waiting on a declaration',
      description: 'The applicant (when sms.notify_applicant is on and the declaration has a mobile number) and every active subscriber of the declaration get the notice, in one transaction; '
        + 'same rules as POST /notices (idempotent on eventId, opt-outs skipped, quiet hours held). Another department’s declaration is 404.',
      tags: ['notices'], security, params: CodeParams, body: DeclarationNoticeBody, response: { 200: NoticeResult, 201: NoticeResult, ...errors },
    },
  }, async (req, reply) => {
    const dept = req.department!;
    const d = await ctx.declarations.find(req.params.code, dept.id);
    if (!d || d.departmentId !== dept.id) throw new HttpError(404, 'not_found', '办件不存在 (declaration not found)');
    const subs = (await ctx.store.subscriptions.activeFor(d.id)).map((s) => s.phone);
    const recipients = ctx.config.sms.notify_applicant && d.applicantPhone ? [d.applicantPhone, ...subs] : subs;
    const text = needNotices().text({ dept: dept.name, text: req.body.text, code: d.queryCode, item: d.itemName });
    const r = await sendNotice(dept, req.body, text, recipients, d.queryCode);
    return reply.status(r.duplicate ? 200 : 201).send({ ...r, declaration: d.queryCode });
  });

  app.get<{ Params: { code: string } }>('/declarations/:code', {
    schema: { summary: 'A declaration with its whole timeline', tags: ['declarations'], security, params: CodeParams, response: { 200: DeclarationView, ...errors } },
  }, async (req) => {
    const { declaration, timeline } = await ctx.declarations.getForDepartment(req.department!, req.params.code);
    return declarationView(declaration, ctx.now(), timeline);
  });

  app.get<{ Querystring: FeedbackQuery }>('/feedback', {
    schema: {
      summary: 'Complaints and other feedback assigned to this department', tags: ['feedback'], security, querystring: FeedbackQuery,
      response: { 200: Type.Object({ items: Type.Array(FeedbackView) }), ...errors },
    },
  }, async (req) => {
    const items = await ctx.store.feedback.list({ departmentId: req.department!.id, status: req.query.status, since: req.query.since, limit: req.query.limit ?? 100 });
    return { items: items.map(feedbackView) };
  });

  app.post<{ Params: { ref: string }; Body: AnswerBody }>('/feedback/:ref/answer', {
    schema: {
      summary: 'Answer a complaint (sent to the citizen on the channel it came in by)', tags: ['feedback'], security,
      params: RefParams, body: AnswerBody, response: { 200: FeedbackView, ...errors },
    },
  }, async (req) => {
    const f = await ctx.store.feedback.byRef(req.params.ref);
    if (!f || f.departmentId !== req.department!.id) throw new HttpError(404, 'not_found', 'feedback not found');
    // Through the work-order cycle: 签收 first when not yet signed, then 办结回复 (one transaction).
    const actor = WorkOrderService.departmentActor(req.department!, req.body.answeredBy);
    await ctx.workOrders.answerInOneStep(f.id, req.body.answer, actor);
    await ctx.store.audit.append(actor.id, 'feedback.answer', f.ref, { via: 'api' });
    return feedbackView((await ctx.feedback.byId(f.id))!);
  });

  await workOrderRoutes(app, ctx);
  await guideRoutes(app, ctx);
}

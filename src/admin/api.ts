/**
 * The panel's HTTP side under /admin: the page shell and static files, login/logout, the JSON API
 * of ROUTES (roles enforced in one onRequest hook, CSRF + Origin checked on every POST), and the
 * live feed's upgrade hook. Every staff action is written to the audit log.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { HttpError } from '../http/errors.js';
import { FEEDBACK_CHANNELS, FEEDBACK_KINDS, FEEDBACK_STATUSES, type Declaration, type Feedback } from '../domain/types.js';
import { isOverdue } from '../domain/declarations.js';
import { isMobileNumber, maskPhone, normalisePhone } from '../domain/masking.js';
import { nationalDisplay } from '../domain/phone.js';
import { addDays, localDate, zonedTime } from '../domain/time.js';
import { addDepartment, rotateDepartmentKey } from '../departments.js';
import { redactConfig } from '../config/index.js';
import type { StaffRole, StaffSession, StaffUser } from '../store/repos/staff.js';
import type { AdminQueryStore } from '../store/ports.js';
import { readCookie, sameOrigin, sameToken, sessionCookie, sha256, SESSION_COOKIE, StaffAuth, StaffError } from './auth.js';
import { ROUTES, routeKey, type RouteSpec } from './routes-table.js';
import { declarationSummary, feedbackDetail, feedbackSummary, maskDeep, publicUser, stepView } from './views.js';
import { loadPlayableWav, resolveRecording } from './recordings.js';
import { toCsv } from './csv.js';
import { loadStaticFiles, PANEL_CSP } from './static-files.js';
import type { LiveHub } from './live.js';
import type { SmsAdminPort, TestPhonePort, TestPhoneEvent, VoiceAdminPort } from './sms-port.js';
import { generatePassword } from './passwords.js';
import { GroupCommit } from '../http/api/group-commit.js';
import { NOTICE_MAX_RECIPIENTS } from '../sms/notices.js';
import type { LoginAuditLimiter } from './login-guard.js';
import { WORK_ORDER_BODIES, workOrderHandlers } from './work-orders-api.js';
import { assessmentHandlers } from './assessment-api.js';

declare module 'fastify' {
  interface FastifyRequest { staff?: { user: StaffUser; session: StaffSession; sessionId: string } }
  interface FastifyContextConfig { roles?: readonly StaffRole[] }
}

/** Feedback not answered within this many working days counts as overdue on the supervision page. */
export const FEEDBACK_ANSWER_WORKING_DAYS = 5;

export interface AdminDeps {
  ctx: AppContext;
  auth: StaffAuth;
  hub: LiveHub;
  queries: AdminQueryStore;
  sms?: SmsAdminPort;
  voice?: VoiceAdminPort;
  testPhone?: TestPhonePort;
  demo: boolean;
  /** Test-phone event subscriptions to end on stop. */
  subscriptions: Set<() => void>;
  /** Audit rows of refused logins, rate-limited per client address. */
  loginAudit: LoginAuditLimiter;
}

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined>; Body: any }>;
type Handler = (req: Req, reply: FastifyReply) => Promise<unknown>;

const S = {
  login: Type.Object({ username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 200 }) }),
  transcript: Type.Object({ transcript: Type.String({ maxLength: 20000 }) }, { additionalProperties: false }),
  assign: Type.Object({ department: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
  answer: Type.Object({ answer: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
  answerPreview: Type.Object({ answer: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
  kind: Type.Object({ kind: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
  smsPreview: Type.Object({ text: Type.String({ maxLength: 1000 }) }, { additionalProperties: false }),
  empty: Type.Optional(Type.Object({}, { additionalProperties: true })),
  smsSend: Type.Object({ phone: Type.String({ maxLength: 20 }), text: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
  smsBulk: Type.Object({
    eventId: Type.String({ minLength: 1, maxLength: 128 }), text: Type.String({ minLength: 1, maxLength: 500 }),
    recipients: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1 }),
  }, { additionalProperties: false }),
  userAdd: Type.Object({
    username: Type.String({ maxLength: 32 }), role: Type.String({ maxLength: 20 }), department: Type.Optional(Type.String({ maxLength: 32 })),
    password: Type.Optional(Type.String({ maxLength: 200 })), displayName: Type.Optional(Type.String({ maxLength: 64 })),
  }, { additionalProperties: false }),
  password: Type.Object({ password: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
  myPassword: Type.Object({ current: Type.String({ maxLength: 200 }), password: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
  disabled: Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false }),
  deptAdd: Type.Object({ code: Type.String({ maxLength: 32 }), name: Type.String({ minLength: 1, maxLength: 100 }), contactPhone: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false }),
  call: Type.Object({ from: Type.String({ pattern: '^\\+?[0-9]{3,20}$' }) }, { additionalProperties: false }),
  press: Type.Object({ digits: Type.String({ pattern: '^[0-9*#]{1,32}$' }) }, { additionalProperties: false }),
  record: Type.Object({ seconds: Type.Number({ minimum: 1, maximum: 60 }) }, { additionalProperties: false }),
  testSms: Type.Object({ from: Type.String({ pattern: '^\\+?[0-9]{3,20}$' }), text: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
};
const BODY: Record<string, TSchema> = {
  'POST /api/feedback/:id/transcript': S.transcript, 'POST /api/feedback/:id/assign': S.assign, 'POST /api/feedback/:id/answer': S.answer,
  'POST /api/feedback/:id/answer-preview': S.answerPreview, 'POST /api/feedback/:id/kind': S.kind, 'POST /api/sms/preview': S.smsPreview,
  'POST /api/sms/send': S.smsSend, 'POST /api/sms/bulk': S.smsBulk, 'POST /api/users': S.userAdd, 'POST /api/users/:id/password': S.password, 'POST /api/me/password': S.myPassword,
  'POST /api/users/:id/disabled': S.disabled, 'POST /api/departments': S.deptAdd, 'POST /api/testphone/call': S.call,
  'POST /api/testphone/call/:callId/press': S.press, 'POST /api/testphone/call/:callId/record': S.record, 'POST /api/testphone/sms': S.testSms,
  ...WORK_ORDER_BODIES,
};

const bad = (message: string) => new HttpError(400, 'validation', message);
const notFound = (message = '未找到 (not found)') => new HttpError(404, 'not_found', message);
const notRunning = (what: string) => new HttpError(503, 'not_running', `${what}未运行 (channel not running)`);

function intParam(v: string | undefined, name: string): number {
  if (!v || !/^\d{1,12}$/.test(v)) throw bad(`${name} must be a positive integer`);
  return Number(v);
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (v === undefined || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw bad(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function dateParam(v: string | undefined, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw bad(`${name} must be YYYY-MM-DD`);
  return v;
}

function pageParams(q: Record<string, string | undefined>, max = 200): { limit: number; offset: number } {
  const limit = q.limit ? intParam(q.limit, 'limit') : 50;
  const offset = q.offset ? intParam(q.offset, 'offset') : 0;
  return { limit: Math.min(Math.max(limit, 1), max), offset: Math.min(offset, 1_000_000) };
}

/** A user as the users page shows it: with the lock-out state (locked at some address right now). */
function withLock(u: StaffUser, locks: Map<string, { addresses: number; until: string }>) {
  const l = locks.get(u.username.toLowerCase());
  return { ...publicUser(u), locked: !!l, lockedAddresses: l?.addresses ?? 0, lockedUntil: l?.until ?? null };
}

export function adminPlugin(deps: AdminDeps) {
  const { ctx, auth, hub, queries } = deps;
  const tz = ctx.config.time.zone;
  const files = loadStaticFiles();
  const actorOf = (req: Req) => `staff:${req.staff!.user.username}`;
  const audit = (req: Req, action: string, target: string | null, detail?: unknown) => ctx.store.audit.append(actorOf(req), action, target, detail ?? null, ctx.now().toISOString());
  // A browser fetches a recording in several (range) requests: audit one listen per user and item per minute.
  const lastListen = new Map<string, number>();
  const auditListen = async (req: Req, f: Feedback): Promise<void> => {
    const key = `${req.staff!.user.id}:${f.id}`;
    const now = ctx.now().getTime();
    if ((lastListen.get(key) ?? 0) > now - 60_000) return;
    if (lastListen.size > 10_000) lastListen.clear();
    lastListen.set(key, now);
    await audit(req, 'feedback.listen', f.ref);
  };
  const deptScope = (u: StaffUser): number | null => (u.role === 'department' ? u.departmentId : null);

  /** Feedback by id as this user may see it; another department's item is "not found" (no existence leak). */
  const visibleFeedback = async (req: Req): Promise<Feedback> => {
    const f = await ctx.feedback.byId(intParam(req.params.id, 'id'));
    const scope = deptScope(req.staff!.user);
    if (!f || (scope !== null && f.departmentId !== scope)) throw notFound('反馈不存在 (feedback not found)');
    return f;
  };
  const visibleDeclaration = async (req: Req, code: string): Promise<Declaration> => {
    const scope = deptScope(req.staff!.user);
    const d = await ctx.declarations.find(code, scope ?? undefined);
    if (!d || (scope !== null && d.departmentId !== scope)) throw notFound('申报件不存在 (declaration not found)');
    return d;
  };
  const localDayStart = (date: string) => zonedTime(date, '00:00:00', tz).toISOString();

  /** Created before this instant and still unanswered = overdue (FEEDBACK_ANSWER_WORKING_DAYS working days). */
  const feedbackOverdueBefore = (): string => {
    const today = localDate(ctx.now(), tz);
    let d = addDays(today, -1);
    for (let i = 0; i < 400 && ctx.calendar.addWorkingDays(d, FEEDBACK_ANSWER_WORKING_DAYS) >= today; i++) d = addDays(d, -1);
    return localDayStart(addDays(d, 1));
  };

  const statsRows = async (q: Record<string, string | undefined>) => {
    const since = dateParam(q.since, 'since'), until = dateParam(q.until, 'until');
    const [rows, overdueDecl, depts] = await Promise.all([
      queries.departmentStats({ overdueBefore: feedbackOverdueBefore(), since: since ? localDayStart(since) : null, until: until ? localDayStart(addDays(until, 1)) : null }),
      ctx.store.declarations.overdueCounts(ctx.now().toISOString()),
      ctx.store.departments.all(),
    ]);
    const byId = new Map(rows.map((r) => [r.departmentId, r]));
    const out = depts.map((d) => {
      const r = byId.get(d.id);
      return {
        department: d.code, departmentName: d.name, received: r?.received ?? 0, answered: r?.answered ?? 0, open: r?.open ?? 0, overdue: r?.overdue ?? 0,
        medianAnswerHours: r?.medianAnswerHours ?? null, rated: r?.rated ?? 0, satisfied: r?.satisfied ?? 0, dissatisfied: r?.dissatisfied ?? 0,
        satisfactionRate: r && r.rated ? r.satisfied / r.rated : null, overdueDeclarations: overdueDecl.get(d.id) ?? 0,
      };
    });
    const un = byId.get(null);
    if (un) {
      out.push({
        department: '', departmentName: '未分派', received: un.received, answered: un.answered, open: un.open, overdue: un.overdue,
        medianAnswerHours: un.medianAnswerHours, rated: un.rated, satisfied: un.satisfied, dissatisfied: un.dissatisfied,
        satisfactionRate: un.rated ? un.satisfied / un.rated : null, overdueDeclarations: 0,
      });
    }
    return out;
  };

  const needSms = () => { if (!deps.sms) throw notRunning('短信通道'); return deps.sms; };
  // Manual sends that arrive in the same event-loop turn share one transaction (each in its own
  // savepoint, with its audit row); every request is answered after that commit (src/http/api/group-commit.ts).
  const sends = new GroupCommit(ctx.store);
  const needVoice = () => { if (!deps.voice) throw notRunning('语音通道'); return deps.voice; };
  const needPhone = () => { if (!deps.testPhone) throw notFound('测试电话未启用（仅演示模式）(test phone only in demo mode)'); return deps.testPhone; };
  const safeAudioUrl = (u: unknown): string | null => (typeof u === 'string' && /^\/(?!\/)[\w\-./%?=&]*$/.test(u) ? u : null);
  const phoneEvent = (e: TestPhoneEvent): TestPhoneEvent => (e.type === 'prompt' ? { type: 'prompt', text: String(e.text ?? ''), audioUrl: safeAudioUrl(e.audioUrl) } : e);

  const handlers: Record<string, Handler> = {
    'GET /api/session': async (req) => {
      const { user, session } = req.staff!;
      return {
        user: publicUser(user), csrfToken: session.csrfToken, expiresAt: session.expiresAt, timeZone: tz,
        features: { sms: !!deps.sms, voice: !!deps.voice, testPhone: !!deps.testPhone, demo: deps.demo },
        allowed: ROUTES.filter((r) => r.roles.includes(user.role)).map(routeKey),
      };
    },
    'POST /api/me/password': async (req, reply) => {
      const { current, password } = req.body as Static<typeof S.myPassword>;
      if (!(await auth.checkPassword(req.staff!.user.id, current))) throw new HttpError(422, 'wrong_password', '当前密码不正确 (current password is wrong)');
      try { await auth.setPassword(req.staff!.user.id, password); } catch (e) { if (e instanceof StaffError) throw new HttpError(422, 'unprocessable', e.message); throw e; }
      await audit(req, 'user.password_change', req.staff!.user.username);
      reply.header('set-cookie', sessionCookie('', { secure: ctx.config.http.secure_cookies, maxAgeSec: 0 }));
      return { ok: true, relogin: true };
    },
    'GET /api/badges': async (req) => {
      const scope = deptScope(req.staff!.user);
      const [counts, waiting] = await Promise.all([ctx.store.declarations.overdueCounts(ctx.now().toISOString()), queries.waitingCount(scope)]);
      const overdue = scope === null ? [...counts.values()].reduce((a, b) => a + b, 0) : counts.get(scope) ?? 0;
      return { feedbackWaiting: waiting, overdueDeclarations: overdue };
    },
    'GET /api/health': async () => ctx.health.snapshot(),
    'GET /api/departments': async (req) => {
      const admin = req.staff!.user.role === 'admin';
      return { items: (await ctx.store.departments.all()).map((d) => ({ id: d.id, code: d.code, name: d.name, contactPhone: admin ? (d.contactPhone ? nationalDisplay(d.contactPhone) : d.contactPhone) : maskPhone(d.contactPhone), createdAt: d.createdAt })) };
    },

    // ---- feedback ----
    'GET /api/feedback': async (req) => {
      const q = req.query;
      const scope = deptScope(req.staff!.user);
      let departmentId: number | null = scope;
      if (scope === null && q.department) {
        const d = await ctx.store.departments.byCode(q.department);
        if (!d) throw bad('unknown department');
        departmentId = d.id;
      }
      const since = dateParam(q.since, 'since'), until = dateParam(q.until, 'until');
      let search = (q.q ?? '').trim().slice(0, 100) || undefined;
      if (search && /^[+\d][\d\s-]{6,}$/.test(search)) search = normalisePhone(search);
      const { limit, offset } = pageParams(q);
      const t0 = process.hrtime.bigint();
      // One more than a page tells whether there is a next page, without a COUNT(*) over everything.
      const rows = await ctx.store.feedback.list({
        status: oneOf(q.status, FEEDBACK_STATUSES, 'status'), channel: oneOf(q.channel, FEEDBACK_CHANNELS, 'channel'), kind: oneOf(q.kind, FEEDBACK_KINDS, 'kind'),
        departmentId, since: since ? localDayStart(since) : undefined, until: until ? localDayStart(addDays(until, 1)) : undefined, q: search, limit: limit + 1, offset,
      });
      const tookMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const page = rows.slice(0, limit);
      const parts = await ctx.store.feedback.smsPartsIncomplete(page.filter((f) => f.channel === 'sms').map((f) => f.id));
      const items = page.map((f) => (parts.has(f.id) ? { ...feedbackSummary(f), smsParts: parts.get(f.id) } : feedbackSummary(f)));
      return { items, hasMore: rows.length > limit, limit, offset, tookMs: Math.round(tookMs * 100) / 100 };
    },
    'GET /api/feedback/:id': async (req) => {
      const f = await visibleFeedback(req);
      const [timeline, declaration, parts] = await Promise.all([
        ctx.feedback.timeline(f.id), f.declarationId ? ctx.store.declarations.byId(f.declarationId) : undefined,
        f.channel === 'sms' ? ctx.store.feedback.smsParts(f.id) : null,
      ]);
      return feedbackDetail(f, timeline, declaration, parts);
    },
    'GET /api/feedback/:id/recording': async (req, reply) => {
      const f = await visibleFeedback(req);
      const file = f.recordingPath ? resolveRecording(ctx.config.data.dir, f.recordingPath) : null;
      const wav = file ? await loadPlayableWav(file) : null;
      if (!wav) throw notFound('录音不存在 (no recording)');
      reply.header('content-type', 'audio/wav').header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
      const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
      if (range && (range[1] || range[2])) {
        let start = range[1] ? Number(range[1]) : Math.max(0, wav.length - Number(range[2]));
        let end = range[1] && range[2] ? Math.min(Number(range[2]), wav.length - 1) : wav.length - 1;
        if (start >= wav.length || start > end) return reply.status(416).header('content-range', `bytes */${wav.length}`).send();
        start = Math.max(0, start); end = Math.max(start, end);
        await auditListen(req, f);
        return reply.status(206).header('content-range', `bytes ${start}-${end}/${wav.length}`).send(wav.subarray(start, end + 1));
      }
      await auditListen(req, f);
      return reply.send(wav);
    },
    'POST /api/feedback/:id/transcript': async (req) => {
      const f = await visibleFeedback(req);
      const { transcript } = req.body as Static<typeof S.transcript>;
      const u = await ctx.feedback.transcribe(f.id, transcript, actorOf(req));
      await audit(req, 'feedback.transcribe', f.ref, { chars: Array.from(transcript).length });
      return feedbackSummary(u);
    },
    'POST /api/feedback/:id/assign': async (req) => {
      const f = await visibleFeedback(req);
      const code = (req.body as Static<typeof S.assign>).department;
      const d = await ctx.store.departments.byCode(code);
      if (!d) throw new HttpError(422, 'unprocessable', `部门不存在 (no department ${code})`);
      const u = await ctx.feedback.assign(f.id, d.id, actorOf(req));
      await audit(req, f.departmentId ? 'feedback.reassign' : 'feedback.assign', f.ref, { department: d.code, from: f.departmentId });
      return feedbackSummary(u);
    },
    'POST /api/feedback/:id/answer': async (req) => {
      const f = await visibleFeedback(req);
      const { answer } = req.body as Static<typeof S.answer>;
      const u = await ctx.feedback.answer(f.id, answer, actorOf(req));
      await audit(req, 'feedback.answer', f.ref, { via: 'panel' });
      return feedbackSummary(u);
    },
    'POST /api/feedback/:id/answer-preview': async (req) => {
      const f = await visibleFeedback(req);
      const { answer } = req.body as Static<typeof S.answerPreview>;
      // Landlines get the answer read out in a call-back: nothing to preview as SMS.
      if (!f.phone || !isMobileNumber(f.phone)) return { channel: f.phone ? 'voice' : 'none', messages: [], segments: 0 };
      const port = needSms();
      if (!port.previewAnswer) throw notRunning('短信预览');
      const messages = answer.trim() ? await port.previewAnswer({ ref: f.ref, departmentName: f.departmentName }, answer) : [];
      return { channel: 'sms', messages, segments: messages.reduce((n, m) => n + m.segments, 0), maxSegments: ctx.config.sms.max_segments };
    },
    'POST /api/feedback/:id/kind': async (req) => {
      const f = await visibleFeedback(req);
      const kind = oneOf((req.body as Static<typeof S.kind>).kind, FEEDBACK_KINDS, 'kind')!;
      const u = await ctx.feedback.setKind(f.id, kind, actorOf(req));
      if (u.kind !== f.kind) await audit(req, 'feedback.classify', f.ref, { from: f.kind, to: kind });
      return feedbackSummary(u);
    },
    'POST /api/feedback/:id/close': async (req) => {
      const f = await visibleFeedback(req);
      const u = await ctx.feedback.close(f.id, actorOf(req));
      await audit(req, 'feedback.close', f.ref);
      return feedbackSummary(u);
    },
    'POST /api/feedback/:id/reveal-phone': async (req) => {
      const f = await visibleFeedback(req);
      await audit(req, 'feedback.reveal_phone', f.ref);
      return { phone: f.phone ? nationalDisplay(f.phone) : f.phone };
    },

    // ---- declarations ----
    'GET /api/declarations': async (req) => {
      const scope = deptScope(req.staff!.user);
      const now = ctx.now();
      const q = (req.query.q ?? '').trim().slice(0, 64);
      const { limit, offset } = pageParams(req.query, 100);
      let list: Declaration[];
      if (q) {
        const seen = new Map<number, Declaration>();
        for (const term of new Set([q, normalisePhone(q)])) for (const d of await ctx.store.declarations.search(term, 100)) seen.set(d.id, d);
        const found = await ctx.declarations.find(q, scope ?? undefined);
        if (found) seen.set(found.id, found);
        list = [...seen.values()].sort((a, b) => b.id - a.id);
      } else if (req.query.overdue === '1') {
        list = await ctx.store.declarations.overdue(now.toISOString(), scope, 200);
      } else {
        list = await ctx.store.declarations.recent(scope, limit, offset);
      }
      if (scope !== null) list = list.filter((d) => d.departmentId === scope);
      return { items: list.slice(0, limit).map((d) => declarationSummary(d, isOverdue(d, now))) };
    },
    'GET /api/declarations/:code': async (req) => {
      const d = await visibleDeclaration(req, String(req.params.code).slice(0, 64));
      const [subs, timeline] = await Promise.all([ctx.subscriptions.activeFor(d.id), ctx.declarations.timeline(d.id)]);
      return {
        ...declarationSummary(d, isOverdue(d, ctx.now())),
        timeline: timeline.map(stepView),
        subscribers: subs.map((s) => ({ phone: maskPhone(s.phone), channel: s.channel, since: s.createdAt })),
      };
    },

    // ---- SMS ----
    'GET /api/sms/outbox': async (req) => {
      const items = await needSms().listOutbox({ status: req.query.status || undefined, phone: req.query.phone ? normalisePhone(req.query.phone) : undefined, ...pageParams(req.query) });
      return { items: items.map((m) => ({ ...m, phone: maskPhone(m.phone) })) };
    },
    'GET /api/sms/inbox': async (req) => {
      const items = await needSms().listInbox({ status: req.query.status || undefined, phone: req.query.phone ? normalisePhone(req.query.phone) : undefined, ...pageParams(req.query) });
      return { items: items.map((m) => ({ ...m, phone: maskPhone(m.phone) })) };
    },
    'GET /api/sms/stats': async () => maskDeep(await needSms().stats()),
    'POST /api/sms/:id/retry': async (req) => {
      const id = intParam(req.params.id, 'id');
      try { await needSms().retry(id); } catch (e) { if (e instanceof HttpError) throw e; throw new HttpError(409, 'conflict', (e as Error).message); }
      await audit(req, 'sms.retry', String(id));
      return { ok: true };
    },
    'POST /api/sms/:id/cancel': async (req) => {
      const id = intParam(req.params.id, 'id');
      try { await needSms().cancel(id); } catch (e) { if (e instanceof HttpError) throw e; throw new HttpError(409, 'conflict', (e as Error).message); }
      await audit(req, 'sms.cancel', String(id));
      return { ok: true };
    },
    'POST /api/sms/preview': async (req) => {
      const port = needSms();
      if (!port.previewText) throw notRunning('短信预览');
      const { text } = req.body as Static<typeof S.smsPreview>;
      const messages = text.trim() ? await port.previewText(text) : [];
      return { messages, segments: messages.reduce((n, m) => n + m.segments, 0), maxSegments: ctx.config.sms.max_segments };
    },
    'POST /api/sms/send': async (req) => {
      const sms = needSms();
      const { phone, text } = req.body as Static<typeof S.smsSend>;
      const to = normalisePhone(phone);
      if (!isMobileNumber(to)) throw new HttpError(422, 'unprocessable', '不是手机号码 (not a mobile number)');
      const actor = actorOf(req);
      const id = await sends.submit(() => ctx.store.transaction(async () => {
        const r = await sms.sendManual(to, text, actor);
        const id = typeof r === 'number' ? r : r.id;
        await audit(req, 'sms.send', maskPhone(to), { id, chars: Array.from(text).length });
        return id;
      }));
      return { ok: true, id };
    },
    'POST /api/sms/bulk': async (req) => {
      const notices = ctx.notices;
      if (!notices) throw notRunning('短信通道');
      const { eventId, text, recipients } = req.body as Static<typeof S.smsBulk>;
      if (recipients.length > NOTICE_MAX_RECIPIENTS) {
        throw new HttpError(413, 'too_many_recipients', `每次最多 ${NOTICE_MAX_RECIPIENTS} 个号码，请分批发送 (at most ${NOTICE_MAX_RECIPIENTS} recipients per request)`);
      }
      const actor = actorOf(req);
      return ctx.store.transaction(async () => {
        const r = await notices.send({ key: `staff:${eventId}`, text: notices.text({ dept: '96365热线', text }), recipients, createdBy: actor });
        if (!r.duplicate) await audit(req, 'sms.bulk_send', null, { eventId, accepted: r.accepted, queued: r.queued, held: r.held, optedOut: r.optedOut.length, invalid: r.invalid.length });
        return { ok: true, ...r, optedOut: r.optedOut.map(maskPhone) };
      });
    },
    'GET /api/subscriptions': async (req) => {
      const { limit, offset } = pageParams(req.query);
      return {
        items: (await ctx.store.subscriptions.list(limit, offset)).map((s) => ({ ...s, phone: maskPhone(s.phone) })),
        optOuts: (await ctx.store.subscriptions.optOuts(200)).map((o) => ({ phone: maskPhone(o.phone), at: o.at })),
      };
    },

    // ---- calls ----
    'GET /api/calls': async () => {
      const v = needVoice();
      const [active, recent] = await Promise.all([v.activeCalls(), v.recentCalls(50)]);
      return { active: active.map((c) => maskDeep(c)), recent: recent.map((c) => maskDeep(c)) };
    },

    // ---- supervision, audit ----
    'GET /api/stats': async (req) => {
      const now = ctx.now();
      const [rows, overdue] = await Promise.all([statsRows(req.query), ctx.store.declarations.overdue(now.toISOString(), null, 200)]);
      return {
        generatedAt: now.toISOString(), feedbackAnswerWorkingDays: FEEDBACK_ANSWER_WORKING_DAYS, rows,
        overdueDeclarations: overdue.map((d) => declarationSummary(d, true)),
      };
    },
    'GET /api/stats.csv': async (req, reply) => {
      const rows = await statsRows(req.query);
      const csv = toCsv([
        ['部门代码', '部门', '受理反馈', '已答复', '未办结', '超期未答复', '答复用时中位数(小时)', '评价数', '满意/基本满意', '不满意', '满意率', '超期申报件'],
        ...rows.map((r) => [r.department, r.departmentName, r.received, r.answered, r.open, r.overdue,
          r.medianAnswerHours === null ? '' : Math.round(r.medianAnswerHours * 10) / 10, r.rated, r.satisfied, r.dissatisfied,
          r.satisfactionRate === null ? '' : `${Math.round(r.satisfactionRate * 1000) / 10}%`, r.overdueDeclarations]),
      ]);
      await audit(req, 'stats.export', null, { rows: rows.length });
      return reply.header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="96365-stats-${localDate(ctx.now(), tz)}.csv"`).send(csv);
    },
    'GET /api/audit': async (req) => {
      const { limit, offset } = pageParams(req.query, 500);
      const out: Record<string, unknown> = { items: await ctx.store.audit.list(limit, offset) };
      if (req.query.verify === '1') out.verify = await ctx.store.audit.verify();
      return out;
    },

    // ---- administration ----
    'GET /api/users': async () => {
      const [locks, users] = await Promise.all([auth.lockState(), auth.users.all()]);
      return { items: users.map((u) => withLock(u, locks)) };
    },
    'POST /api/users/:id/unlock': async (req) => {
      const u = await auth.users.byId(intParam(req.params.id, 'id'));
      if (!u) throw notFound();
      const addresses = await auth.unlock(u.username);
      await audit(req, 'user.unlock', u.username, `管理员解除登录锁定（${addresses} 个地址的失败记录已清除）`);
      return { user: withLock(u, await auth.lockState()), cleared: addresses };
    },
    'POST /api/users': async (req) => {
      const b = req.body as Static<typeof S.userAdd>;
      const generated = !b.password;
      const password = b.password || generatePassword();
      let u: StaffUser;
      try { u = await auth.createUser({ username: b.username, role: b.role, departmentCode: b.department || null, password, displayName: b.displayName ?? null }); } catch (e) {
        if (e instanceof StaffError) throw new HttpError(422, 'unprocessable', e.message);
        throw e;
      }
      await audit(req, 'user.add', u.username, { role: u.role, department: u.departmentCode });
      return { user: publicUser(u), ...(generated ? { password } : {}) };
    },
    'POST /api/users/:id/password': async (req) => {
      const u = await auth.users.byId(intParam(req.params.id, 'id'));
      if (!u) throw notFound();
      const b = (req.body ?? {}) as Static<typeof S.password>;
      const password = b.password || generatePassword();
      try { await auth.setPassword(u.id, password); } catch (e) { if (e instanceof StaffError) throw new HttpError(422, 'unprocessable', e.message); throw e; }
      await audit(req, 'user.password_reset', u.username);
      return { ok: true, ...(b.password ? {} : { password }) };
    },
    'POST /api/users/:id/disabled': async (req) => {
      const u = await auth.users.byId(intParam(req.params.id, 'id'));
      if (!u) throw notFound();
      const { disabled } = req.body as Static<typeof S.disabled>;
      if (u.id === req.staff!.user.id && disabled) throw new HttpError(409, 'conflict', '不能停用自己 (cannot disable yourself)');
      await auth.users.setDisabled(u.id, disabled, ctx.now().toISOString());
      await audit(req, disabled ? 'user.disable' : 'user.enable', u.username);
      return { user: publicUser((await auth.users.byId(u.id))!) };
    },
    'POST /api/departments': async (req) => {
      const b = req.body as Static<typeof S.deptAdd>;
      let r;
      try { r = await addDepartment(ctx.store, b.code.trim(), b.name, b.contactPhone ? normalisePhone(b.contactPhone) : null); } catch (e) {
        throw new HttpError(422, 'unprocessable', (e as Error).message);
      }
      await audit(req, 'department.add', r.department.code, { name: r.department.name });
      return { department: r.department, apiKey: r.apiKey };
    },
    'POST /api/departments/:code/rotate-key': async (req) => {
      const code = String(req.params.code);
      if (!(await ctx.store.departments.byCode(code))) throw notFound('部门不存在 (no such department)');
      const apiKey = await rotateDepartmentKey(ctx.store, code);
      await audit(req, 'department.rotate_key', code);
      return { apiKey };
    },
    'GET /api/settings': async () => ({
      config: redactConfig(ctx.config),
      runtime: { demo: deps.demo, sms: !!deps.sms, voice: !!deps.voice, testPhone: !!deps.testPhone, liveClients: hub.clientCount, node: process.version },
    }),

    // ---- test phone ----
    'POST /api/testphone/call': async (req) => {
      const phone = needPhone();
      const { from } = req.body as Static<typeof S.call>;
      const callId = String(await phone.startCall(from));
      const sessionHash = req.staff!.session.idHash;
      hub.watchPhone(sessionHash, normalisePhone(from));
      let off: (() => void) | null = null;
      const end = () => { if (off) { off(); deps.subscriptions.delete(off); off = null; } };
      off = phone.events(callId, (e) => {
        hub.sendToSession(sessionHash, { type: 'testphone', callId, event: phoneEvent(e) });
        if (e.type === 'ended') setImmediate(end);
      });
      deps.subscriptions.add(off);
      await audit(req, 'testphone.call', callId, { from: maskPhone(from) });
      return { callId };
    },
    'POST /api/testphone/call/:callId/press': async (req) => {
      await needPhone().press(String(req.params.callId), (req.body as Static<typeof S.press>).digits);
      return { ok: true };
    },
    'POST /api/testphone/call/:callId/record': async (req) => {
      const p = needPhone();
      if (!p.record) throw notFound('模拟录音不可用 (recording not supported)');
      await p.record(String(req.params.callId), (req.body as Static<typeof S.record>).seconds);
      return { ok: true };
    },
    'POST /api/testphone/call/:callId/hangup': async (req) => {
      await needPhone().hangup(String(req.params.callId));
      return { ok: true };
    },
    'POST /api/testphone/sms': async (req) => {
      const { from, text } = req.body as Static<typeof S.testSms>;
      const p = needPhone();
      hub.watchPhone(req.staff!.session.idHash, normalisePhone(from));
      await p.sendSms(from, text);
      await audit(req, 'testphone.sms', maskPhone(from));
      return { ok: true };
    },
    'GET /api/testphone/sms': async (req) => {
      const phoneNo = String(req.query.phone ?? '');
      if (!/^\+?[0-9]{3,20}$/.test(phoneNo)) throw bad('phone is required');
      const p = needPhone();
      hub.watchPhone(req.staff!.session.idHash, normalisePhone(phoneNo));
      return { items: await p.smsReceived(normalisePhone(phoneNo)) };
    },

    // ---- work orders (src/admin/work-orders-api.ts) ----
    ...workOrderHandlers(ctx, audit),
    // ---- 全程考核 (src/admin/assessment-api.ts) ----
    ...assessmentHandlers(ctx, audit),
  };

  // The table and the handlers must agree (a route without a role list cannot exist).
  for (const r of ROUTES) if (!handlers[routeKey(r)]) throw new Error(`admin route without handler: ${routeKey(r)}`);
  for (const k of Object.keys(handlers)) if (!ROUTES.some((r) => routeKey(r) === k)) throw new Error(`admin handler not in the route table: ${k}`);

  return async function admin(app: FastifyInstance): Promise<void> {
    hub.attach(app.server);
    // Upgraded sockets are not the HTTP server's to close: an open panel would keep the shutdown waiting.
    app.addHook('preClose', async () => { hub.closeClients(1001, '服务正在停止 / server shutting down'); });

    const page = files.get('index.html');
    const sendFile = (name: string, reply: FastifyReply, req: FastifyRequest) => {
      const f = files.get(name);
      if (!f) throw notFound();
      if (req.headers['if-none-match'] === f.etag) return reply.status(304).send();
      return reply.type(f.type).header('etag', f.etag).header('cache-control', 'no-cache').header('content-security-policy', PANEL_CSP)
        .header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer').send(f.body);
    };
    app.get('/', { schema: { hide: true } }, async (req, reply) => {
      if (!page) throw notFound();
      return sendFile('index.html', reply, req);
    });
    app.get('/static/*', { schema: { hide: true } }, async (req, reply) => sendFile(String((req.params as Record<string, string>)['*'] ?? ''), reply, req));

    // Every /admin/api answer is private.
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.url.startsWith('/admin/api/')) reply.header('cache-control', 'no-store');
      return payload;
    });

    app.post('/api/login', { schema: { hide: true, body: S.login } }, async (req, reply) => {
      if (!sameOrigin(req.headers, { https: ctx.config.http.secure_cookies })) throw new HttpError(403, 'bad_origin', '来源不符 (cross-origin request refused)');
      const { username, password } = req.body as Static<typeof S.login>;
      const r = await auth.login(username, password, { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '') });
      const at = ctx.now().toISOString();
      if (!r.ok) {
        await deps.loginAudit.note(req.ip, username, r.reason === 'invalid' ? 'failed' : r.reason === 'locked' ? 'locked' : 'throttled');
        if (r.reason === 'invalid') throw new HttpError(401, 'invalid_login', '用户名或密码错误 (wrong username or password)');
        reply.header('retry-after', String(r.retryAfterSec));
        if (r.reason === 'locked') throw new HttpError(429, 'locked', `登录失败次数过多，账户已临时锁定，请 ${Math.ceil(r.retryAfterSec / 60)} 分钟后再试 (too many failures; locked until ${r.lockedUntil})`);
        if (r.reason === 'throttled') throw new HttpError(429, 'throttled', `该地址登录失败次数过多，请 ${Math.ceil(r.retryAfterSec / 60)} 分钟后再试 (too many failed logins from this address)`);
        throw new HttpError(429, 'busy', '登录请求过多，请稍后再试 (too many logins at once; retry shortly)');
      }
      await ctx.store.audit.append(`staff:${r.user.username}`, 'auth.login', r.user.username, { ip: req.ip }, at);
      reply.header('set-cookie', sessionCookie(r.sessionId, { secure: ctx.config.http.secure_cookies, maxAgeSec: ctx.config.admin.session_hours * 3600 }));
      return { user: publicUser(r.user), csrfToken: r.session.csrfToken, expiresAt: r.session.expiresAt };
    });

    app.post('/api/logout', { schema: { hide: true } }, async (req, reply) => {
      const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
      const a = await auth.resolve(sid);
      const clearCookie = () => reply.header('set-cookie', sessionCookie('', { secure: ctx.config.http.secure_cookies, maxAgeSec: 0 }));
      if (!a || !sid) { clearCookie(); return { ok: true }; }
      const token = req.headers['x-csrf-token'];
      if (!sameOrigin(req.headers, { https: ctx.config.http.secure_cookies }) || typeof token !== 'string' || !sameToken(token, a.session.csrfToken)) throw new HttpError(403, 'csrf', 'CSRF 校验失败 (missing or wrong x-csrf-token)');
      clearCookie();
      await auth.logout(sid);
      hub.endSession(sha256(sid));
      await ctx.store.audit.append(`staff:${a.user.username}`, 'auth.logout', a.user.username, null, ctx.now().toISOString());
      return { ok: true };
    });

    // Authentication, CSRF/Origin and role check for every table route — before the body is even parsed.
    app.addHook('onRequest', async (req) => {
      const roles = req.routeOptions.config?.roles;
      if (!roles) return;
      const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
      const a = await auth.resolve(sid);
      if (!a || !sid) throw new HttpError(401, 'unauthorized', '请先登录 (login required)');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        if (!sameOrigin(req.headers, { https: ctx.config.http.secure_cookies })) throw new HttpError(403, 'bad_origin', '来源不符 (cross-origin request refused)');
        const token = req.headers['x-csrf-token'];
        if (typeof token !== 'string' || !sameToken(token, a.session.csrfToken)) throw new HttpError(403, 'csrf', 'CSRF 校验失败 (missing or wrong x-csrf-token)');
      }
      if (!roles.includes(a.user.role)) throw new HttpError(403, 'forbidden', '无权访问 (your role may not do this)');
      req.staff = { ...a, sessionId: sid };
    });

    for (const r of ROUTES as RouteSpec[]) {
      const key = routeKey(r);
      const body = BODY[key];
      app.route({
        method: r.method, url: r.url, config: { roles: r.roles },
        // a bulk notice carries up to NOTICE_MAX_RECIPIENTS numbers in any written form
        ...(key === 'POST /api/sms/bulk' ? { bodyLimit: Math.max(ctx.config.http.body_limit, 1_048_576) } : {}),
        schema: { hide: true, ...(body ? { body } : {}) },
        handler: handlers[key] as never,
      });
    }
  };
}

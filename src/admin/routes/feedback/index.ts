/** The panel's feedback (反馈): inbox, detail and timeline, recording, transcript, assign, answer (+ SMS preview), classify, close, reveal phone (roles: ../../routes-table.ts). */
import type { FastifyReply } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { HttpError } from '../../../http/errors.js';
import { FEEDBACK_CHANNELS, FEEDBACK_KINDS, FEEDBACK_STATUSES, type Feedback } from '../../../domain/types.js';
import { isMobileNumber, normalisePhone } from '../../../domain/masking.js';
import { nationalDisplay } from '../../../domain/phone.js';
import { addDays } from '../../../domain/time.js';
import { feedbackDetail, feedbackSummary } from '../../views.js';
import { loadPlayableWav, resolveRecording } from '../../recordings.js';
import { bad, dateParam, intParam, localDayStart, needSms, notFound, notRunning, oneOf, pageParams, type AdminKit, type Req, type RouteGroup } from '../common.js';
import { BODIES, S } from './schemas.js';
import { staffActor } from '../work-orders/index.js';

export function feedbackRoutes(kit: AdminKit): RouteGroup {
  const { ctx, tz, audit, actorOf, deptScope } = kit;
  // A browser fetches a recording in several (range) requests: audit one listen per user and item per minute.
  const lastListen = new Map<string, number>();
  const auditListen = async (req: Req, f: Feedback, action = 'feedback.listen'): Promise<void> => {
    const key = `${req.staff!.user.id}:${f.id}:${action}`;
    const now = ctx.now().getTime();
    if ((lastListen.get(key) ?? 0) > now - 60_000) return;
    if (lastListen.size > 10_000) lastListen.clear();
    lastListen.set(key, now);
    await audit(req, action, f.ref, action === 'feedback.listen_call' ? '收听坐席通话录音' : '收听录音');
  };

  /** A stored recording (relative to <data dir>/recordings) as browser-playable WAV, with range requests; `heard` audits. */
  const sendWav = async (req: Req, reply: FastifyReply, recordingPath: string | null, heard: () => Promise<void>) => {
    const file = recordingPath ? resolveRecording(ctx.config.data.dir, recordingPath) : null;
    const wav = file ? await loadPlayableWav(file) : null;
    if (!wav) throw notFound('录音不存在 (no recording)');
    reply.header('content-type', 'audio/wav').header('accept-ranges', 'bytes').header('cache-control', 'private, no-store');
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (range && (range[1] || range[2])) {
      let start = range[1] ? Number(range[1]) : Math.max(0, wav.length - Number(range[2]));
      let end = range[1] && range[2] ? Math.min(Number(range[2]), wav.length - 1) : wav.length - 1;
      if (start >= wav.length || start > end) return reply.status(416).header('content-range', `bytes */${wav.length}`).send();
      start = Math.max(0, start); end = Math.max(start, end);
      await heard();
      return reply.status(206).header('content-range', `bytes ${start}-${end}/${wav.length}`).send(wav.subarray(start, end + 1));
    }
    await heard();
    return reply.send(wav);
  };

  /** Feedback by id as this user may see it; another department's item is "not found" (no existence leak). */
  const visibleFeedback = async (req: Req): Promise<Feedback> => {
    const f = await ctx.feedback.byId(intParam(req.params.id, 'id'));
    const scope = deptScope(req.staff!.user);
    if (!f || (scope !== null && f.departmentId !== scope)) throw notFound('反馈不存在 (feedback not found)');
    return f;
  };
  return {
    name: 'feedback', bodies: BODIES,
    handlers: {
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
          departmentId, since: since ? localDayStart(since, tz) : undefined, until: until ? localDayStart(addDays(until, 1), tz) : undefined, q: search, limit: limit + 1, offset,
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
        return sendWav(req, reply, f.recordingPath, () => auditListen(req, f));
      },
      // The operator call of a queued call (queue.record_calls), linked through the work order's call.
      'GET /api/feedback/:id/call-recording': async (req, reply) => {
        const f = await visibleFeedback(req);
        const call = f.callId ? await ctx.store.calls.byId(f.callId) : undefined;
        return sendWav(req, reply, call?.operatorRecording ?? null, () => auditListen(req, f, 'feedback.listen_call'));
      },
      'POST /api/feedback/:id/transcript': async (req) => {
        const f = await visibleFeedback(req);
        const { transcript } = req.body as Static<typeof S.transcript>;
        const u = await ctx.feedback.transcribe(f.id, transcript, actorOf(req));
        await audit(req, 'feedback.transcribe', f.ref, { chars: Array.from(transcript).length });
        return feedbackSummary(u);
      },
      // The one-step buttons go through the work-order cycle (派单; 签收 + 办结回复 or 直办; 办结), so the
      // timeline, clocks, notices and inbox tabs are the same as for an item handled step by step.
      'POST /api/feedback/:id/assign': async (req) => {
        const f = await visibleFeedback(req);
        const code = (req.body as Static<typeof S.assign>).department;
        const d = await ctx.store.departments.byCode(code);
        if (!d) throw new HttpError(422, 'unprocessable', `部门不存在 (no department ${code})`);
        await ctx.workOrders.assignToDepartment(f.id, d.code, staffActor(req.staff!.user));
        await audit(req, f.departmentId ? 'feedback.reassign' : 'feedback.assign', f.ref, { department: d.code, from: f.departmentId });
        return feedbackSummary((await ctx.feedback.byId(f.id))!);
      },
      'POST /api/feedback/:id/answer': async (req) => {
        const f = await visibleFeedback(req);
        const { answer } = req.body as Static<typeof S.answer>;
        await ctx.workOrders.answerInOneStep(f.id, answer, staffActor(req.staff!.user));
        await audit(req, 'feedback.answer', f.ref, { via: 'panel' });
        return feedbackSummary((await ctx.feedback.byId(f.id))!);
      },
      'POST /api/feedback/:id/answer-preview': async (req) => {
        const f = await visibleFeedback(req);
        const { answer } = req.body as Static<typeof S.answerPreview>;
        // Landlines get the answer read out in a call-back: nothing to preview as SMS.
        if (!f.phone || !isMobileNumber(f.phone)) return { channel: f.phone ? 'voice' : 'none', messages: [], segments: 0 };
        const port = needSms(kit);
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
        // The body is optional (the old button sends none): { reason } closes an item without a sent answer.
        const raw = (req.body as { reason?: unknown } | undefined)?.reason;
        if (raw !== undefined && (typeof raw !== 'string' || raw.length > 500)) throw bad('reason 应为不超过 500 字的文字');
        const reason = typeof raw === 'string' ? raw.trim() || null : null;
        await ctx.workOrders.apply(f.id, { type: 'close', reason }, staffActor(req.staff!.user));
        await audit(req, 'feedback.close', f.ref, reason ? { reason } : undefined);
        return feedbackSummary((await ctx.feedback.byId(f.id))!);
      },
      'POST /api/feedback/:id/reveal-phone': async (req) => {
        const f = await visibleFeedback(req);
        await audit(req, 'feedback.reveal_phone', f.ref);
        return { phone: f.phone ? nationalDisplay(f.phone) : f.phone };
      },
    },
  };
}

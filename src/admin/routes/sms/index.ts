/** The panel's SMS (through the SMS port): outbox, inbox, stats, retry, cancel, manual send and preview, bulk notices; subscriptions and opt-outs (roles: ../../routes-table.ts). */
import type { Static } from '@sinclair/typebox';
import { HttpError } from '../../../http/errors.js';
import { isMobileNumber, maskPhone, normalisePhone } from '../../../domain/masking.js';
import { GroupCommit } from '../../../http/api/group-commit.js';
import { NOTICE_MAX_RECIPIENTS } from '../../../sms/notices.js';
import { maskDeep } from '../../views.js';
import { intParam, needSms, notRunning, pageParams, type AdminKit, type RouteGroup } from '../common.js';
import { BODIES, S } from './schemas.js';

export function smsRoutes(kit: AdminKit): RouteGroup {
  const { ctx, audit, actorOf } = kit;
  // Manual sends that arrive in the same event-loop turn share one transaction (each in its own
  // savepoint, with its audit row); every request is answered after that commit (src/http/api/group-commit.ts).
  const sends = new GroupCommit(ctx.store);
  return {
    name: 'sms', bodies: BODIES,
    // a bulk notice carries up to NOTICE_MAX_RECIPIENTS numbers in any written form
    bodyLimits: { 'POST /api/sms/bulk': Math.max(ctx.config.http.body_limit, 1_048_576) },
    handlers: {
      'GET /api/sms/outbox': async (req) => {
        const items = await needSms(kit).listOutbox({ status: req.query.status || undefined, phone: req.query.phone ? normalisePhone(req.query.phone) : undefined, ...pageParams(req.query) });
        return { items: items.map((m) => ({ ...m, phone: maskPhone(m.phone) })) };
      },
      'GET /api/sms/inbox': async (req) => {
        const items = await needSms(kit).listInbox({ status: req.query.status || undefined, phone: req.query.phone ? normalisePhone(req.query.phone) : undefined, ...pageParams(req.query) });
        return { items: items.map((m) => ({ ...m, phone: maskPhone(m.phone) })) };
      },
      'GET /api/sms/stats': async () => maskDeep(await needSms(kit).stats()),
      'POST /api/sms/:id/retry': async (req) => {
        const id = intParam(req.params.id, 'id');
        try { await needSms(kit).retry(id); } catch (e) { if (e instanceof HttpError) throw e; throw new HttpError(409, 'conflict', (e as Error).message); }
        await audit(req, 'sms.retry', String(id));
        return { ok: true };
      },
      'POST /api/sms/:id/cancel': async (req) => {
        const id = intParam(req.params.id, 'id');
        try { await needSms(kit).cancel(id); } catch (e) { if (e instanceof HttpError) throw e; throw new HttpError(409, 'conflict', (e as Error).message); }
        await audit(req, 'sms.cancel', String(id));
        return { ok: true };
      },
      'POST /api/sms/preview': async (req) => {
        const port = needSms(kit);
        if (!port.previewText) throw notRunning('短信预览');
        const { text } = req.body as Static<typeof S.smsPreview>;
        const messages = text.trim() ? await port.previewText(text) : [];
        return { messages, segments: messages.reduce((n, m) => n + m.segments, 0), maxSegments: ctx.config.sms.max_segments };
      },
      'POST /api/sms/send': async (req) => {
        const sms = needSms(kit);
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
    },
  };
}

/**
 * 办件查询 (GET /web/query, /web/query/result?code=…, POST /web/query/ref): a platform query code is
 * checked (check digit) before any look-up — a mistyped one is told so; a department reference needs
 * the last 4 digits of the applicant's phone. Anything not found — unknown code, unknown reference,
 * wrong digits, a reference several declarations share — answers the same "未找到".
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../html.js';
import { classifyCode } from '../../domain/query-code.js';
import type { Declaration } from '../../domain/types.js';
import { sendHtml, type Fields, type WebKit } from '../kit.js';
import { lastFour, phoneEndsWith } from '../validate.js';
import { NOT_FOUND_TEXT, queryForm, queryResult } from '../pages/query.js';
import { message } from '../pages/layout.js';
import { QueryResultQuery } from './schemas.js';

export function queryRoutes(kit: WebKit) {
  const { ctx, guard, tz } = kit;
  const notFound = () => html`<p class="err" role="alert">${NOT_FOUND_TEXT}</p><p class="hint">请核对后重试；也可拨打 96365 或发送短信查询。</p>`;
  const show = async (d: Declaration) => queryResult(d, await ctx.declarations.timeline(d.id), ctx.now(), tz);

  return async (app: FastifyInstance) => {
    app.get('/query', { schema: { hide: true } }, async (req, reply) => sendHtml(reply, queryForm(guard.csrf(req, reply))));

    app.get<{ Querystring: Fields }>('/query/result', { schema: { hide: true, querystring: QueryResultQuery } }, async (req, reply) => {
      const code = (req.query.code ?? '').replace(/[\s-]/g, '');
      const c = classifyCode(code);
      // The form (with its CSRF token) only when the answer is the form again: the result page has none.
      const form = (s: Parameters<typeof queryForm>[1]) => queryForm(guard.csrf(req, reply), s);
      if (c.kind === 'bad-check-digit' || (c.kind !== 'platform' && /^\d+$/.test(code))) {
        return sendHtml(reply, form({ code, errors: { code: '查询码有误（校验位不符或位数不对），请核对后重新输入' } }), 400);
      }
      if (c.kind !== 'platform') return sendHtml(reply, form({ code, errors: { code: '请输入12位数字查询码；只有部门受理编号时请用下方的“按部门受理编号”查询' } }), 400);
      const g = guard.limit(kit.limits.query, req.ip, req.query);
      if (!g.ok && g.reason === 'challenge') return sendHtml(reply, form({ code, challenge: g.challenge, challengeError: g.message, challengeFor: 'code' }), 429);
      const d = await ctx.store.declarations.byQueryCode(c.code);
      if (!d) return sendHtml(reply, form({ code, notice: notFound() }), 404);
      return sendHtml(reply, await show(d));
    });

    app.post<{ Body: { fields: Fields } }>('/query/ref', { schema: { hide: true } }, async (req, reply) => {
      const f = req.body.fields;
      const g = guard.post(req, f, kit.limits.query);
      const csrf = guard.csrf(req, reply);
      if (!g.ok) {
        if (g.reason === 'challenge') return sendHtml(reply, queryForm(csrf, { ref: f.ref, challenge: g.challenge, challengeError: g.message, challengeFor: 'ref' }), 429);
        return sendHtml(reply, message('无法提交', html`<p class="err">${g.message}</p><p><a href="/web/query">返回办件查询</a></p>`, '/query'), g.status);
      }
      const ref = (f.ref ?? '').trim();
      const four = lastFour(f.phone4);
      const errors: Record<string, string> = {};
      if (!ref || ref.length > 64) errors.ref = '请填写部门受理编号';
      if (!four) errors.phone4 = '请填写4位数字';
      if (Object.keys(errors).length) return sendHtml(reply, queryForm(csrf, { ref, errors }), 400);
      let all = await ctx.store.declarations.byDeptRef(ref);
      if (all.length === 0 && ref.toUpperCase() !== ref) all = await ctx.store.declarations.byDeptRef(ref.toUpperCase());
      const mine = all.filter((d) => phoneEndsWith(d.applicantPhone, four!));
      if (mine.length !== 1) return sendHtml(reply, queryForm(csrf, { ref, notice: notFound() }), 404);
      return sendHtml(reply, await show(mine[0]));
    });
  };
}

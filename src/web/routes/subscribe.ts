/**
 * 订阅 / 退订 (GET/POST /web/subscribe, POST /web/subscribe/confirm): a phone is subscribed to a
 * declaration's pushes (or unsubscribed) only with the one-time code sent to that phone by SMS. The
 * code page is the same whether or not the query code exists (no existence leak): no SMS goes out for
 * an unknown declaration, and its "code" is then simply wrong. Codes per address and per phone are
 * rate limited (the challenge for the address; the phone's limit refuses).
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../html.js';
import { classifyCode } from '../../domain/query-code.js';
import { isMobileNumber, maskPhone } from '../../domain/masking.js';
import { sendHtml, type Fields, type WebKit } from '../kit.js';
import { webPhone } from '../validate.js';
import { codeKey, type CodePurpose } from '../one-time-code.js';
import { codeForm, subscribeForm } from '../pages/subscribe.js';
import { message } from '../pages/layout.js';
import { SubscribeQuery } from './schemas.js';

export function subscribeRoutes(kit: WebKit) {
  const { ctx, guard } = kit;
  const minutes = ctx.config.web.code_minutes;
  const purposeOf = (a: string | undefined): CodePurpose => (a === 'unsubscribe' ? 'unsubscribe' : 'subscribe');

  return async (app: FastifyInstance) => {
    app.get<{ Querystring: Fields }>('/subscribe', { schema: { hide: true, querystring: SubscribeQuery } }, async (req, reply) =>
      sendHtml(reply, subscribeForm(guard.csrf(req, reply), { code: req.query.code })));

    app.post<{ Body: { fields: Fields } }>('/subscribe', { schema: { hide: true } }, async (req, reply) => {
      const f = req.body.fields;
      const csrf = guard.csrf(req, reply);
      const g = guard.post(req, f, kit.limits.code);
      if (!g.ok) {
        if (g.reason === 'challenge') return sendHtml(reply, subscribeForm(csrf, { code: f.code, phone: f.phone, action: f.action, challenge: g.challenge, challengeError: g.message }), 429);
        return sendHtml(reply, message('无法提交', html`<p class="err">${g.message}</p><p><a href="/web/subscribe">返回</a></p>`, '/subscribe'), g.status);
      }
      if (!kit.sms) return sendHtml(reply, message('暂不可用', html`<p>短信服务未启用，暂不能在网上订阅。请发送短信“DY查询码”到 96365 订阅。</p>`, '/subscribe'), 503);
      const code = (f.code ?? '').replace(/[\s-]/g, '');
      const phone = webPhone(f.phone);
      const errors: Record<string, string> = {};
      const c = classifyCode(code);
      if (c.kind !== 'platform') errors.code = c.kind === 'bad-check-digit' || /^\d+$/.test(code) ? '查询码有误（校验位不符或位数不对），请核对' : '请输入12位数字查询码';
      if (!phone || !isMobileNumber(phone)) errors.phone = '请填写能接收短信的手机号';
      if (Object.keys(errors).length) return sendHtml(reply, subscribeForm(csrf, { code, phone: f.phone, action: f.action, errors }), 400);
      const purpose = purposeOf(f.action);
      if (!kit.limits.codePhone.take(phone!)) {
        return sendHtml(reply, subscribeForm(csrf, { code, phone: f.phone, action: purpose, errors: { phone: '该手机号获取验证码过于频繁，请一小时后再试' } }), 429);
      }
      const decl = await ctx.store.declarations.byQueryCode(code);
      if (decl) {
        const otp = await kit.codes.issue(codeKey(purpose, phone!, decl.id));
        await kit.sms.sendCode(phone!, otp, minutes);
      }
      return sendHtml(reply, codeForm(csrf, { code, phone: phone!, maskedPhone: maskPhone(phone!), action: purpose, minutes }));
    });

    app.post<{ Body: { fields: Fields } }>('/subscribe/confirm', { schema: { hide: true } }, async (req, reply) => {
      const f = req.body.fields;
      const csrf = guard.csrf(req, reply);
      const code = (f.code ?? '').replace(/[\s-]/g, '');
      const phone = webPhone(f.phone);
      const purpose = purposeOf(f.action);
      const again = (error: string | null, status: number, extra: { challenge?: ReturnType<typeof guard.newChallenge>; challengeError?: string | null } = {}) =>
        sendHtml(reply, codeForm(csrf, { code, phone: phone ?? '', maskedPhone: maskPhone(phone ?? ''), action: purpose, minutes, error, ...extra }), status);
      const g = guard.post(req, f, kit.limits.query);
      if (!g.ok) {
        if (g.reason === 'challenge') return again(null, 429, { challenge: g.challenge, challengeError: g.message });
        return sendHtml(reply, message('无法提交', html`<p class="err">${g.message}</p><p><a href="/web/subscribe">返回</a></p>`, '/subscribe'), g.status);
      }
      if (!phone || classifyCode(code).kind !== 'platform') return again('验证码不正确', 400);
      const decl = await ctx.store.declarations.byQueryCode(code);
      const check = decl ? await kit.codes.check(codeKey(purpose, phone, decl.id), f.otp ?? '') : 'wrong';
      if (check !== 'ok') {
        const why = check === 'expired' ? '验证码已过期，请重新获取' : check === 'too-many' ? '错误次数过多，验证码已失效，请重新获取' : check === 'missing' ? '验证码已失效，请重新获取' : '验证码不正确';
        return again(why, 400);
      }
      if (purpose === 'subscribe') {
        const r = await ctx.subscriptions.subscribe(phone, decl!, 'web');
        return sendHtml(reply, message(r.already ? '已订阅' : '订阅成功', html`<p class="ok">${maskPhone(phone)} 已订阅办件 ${decl!.queryCode}（${decl!.itemName}）的进度短信。</p><p class="hint">退订：在本页选择“退订”，或回复短信 TD。</p>`, '/subscribe'));
      }
      await ctx.subscriptions.unsubscribe(phone, decl!);
      return sendHtml(reply, message('已退订', html`<p class="ok">${maskPhone(phone)} 不再接收办件 ${decl!.queryCode} 的进度短信。</p>`, '/subscribe'));
    });
  };
}

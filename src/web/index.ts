/**
 * The public web window (网站服务, issue 14): `webComponent(ctx, { sms })` serves server-rendered
 * Simplified-Chinese pages under /web (and / leads there): 办件查询, 我要投诉/咨询/建议 with 进度跟进,
 * 订阅 by SMS code, 办事指南 and 公开栏. No login, no JavaScript needed. Form bodies are parsed here
 * (urlencoded, multipart); the abuse checks are ./guard.ts; each route group is its own plugin (./routes).
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import { parseMultipart, parseUrlEncoded } from './form-body.js';
import { WebGuard } from './guard.js';
import { html } from './html.js';
import { sendHtml, type WebKit, type WebSmsPort } from './kit.js';
import { OneTimeCodes } from './one-time-code.js';
import { RateLimiter } from './rate-limit.js';
import { Signer } from './tokens.js';
import { homePage } from './pages/home.js';
import { message, WEB_BASE } from './pages/layout.js';
import { queryRoutes } from './routes/query.js';
import { feedbackRoutes } from './routes/feedback.js';
import { subscribeRoutes } from './routes/subscribe.js';
import { disclosureRoutes } from './routes/disclosure.js';

export type { WebSmsPort } from './kit.js';
export const WEB_ATTACHMENTS_DIR = 'web-attachments';

export interface WebOptions { sms?: WebSmsPort | null; now?: () => number }

export interface WebComponent extends Component { readonly kit: WebKit }

export function webComponent(ctx: AppContext, opts: WebOptions = {}): WebComponent {
  const cfg = ctx.config.web;
  const now = opts.now ?? Date.now;
  const signer = new Signer(cfg.secret);
  const hour = 3600_000;
  const kit: WebKit = {
    ctx, tz: ctx.config.time.zone,
    guard: new WebGuard(signer, now, ctx.config.http.secure_cookies),
    limits: {
      query: new RateLimiter({ capacity: cfg.query_per_minute, perMs: 60_000, now }),
      form: new RateLimiter({ capacity: cfg.form_per_hour, perMs: hour, now }),
      code: new RateLimiter({ capacity: cfg.code_per_hour, perMs: hour, now }),
      codePhone: new RateLimiter({ capacity: cfg.code_per_hour, perMs: hour, now }),
    },
    codes: new OneTimeCodes(ctx.store.web, signer, { minutes: cfg.code_minutes, attempts: cfg.code_attempts, now: ctx.now }),
    sms: opts.sms ?? null,
    attachmentsDir: join(ctx.config.data.dir, WEB_ATTACHMENTS_DIR),
  };
  let sweep: NodeJS.Timeout | null = null;

  const pages = async (app: FastifyInstance) => {
    // Forms post urlencoded or multipart; parsed only inside this scope (the JSON APIs are not affected).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => { done(null, parseUrlEncoded(body as string)); });
    app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body, done) => {
      try { done(null, parseMultipart(body as Buffer, String(req.headers['content-type']))); } catch { done(Object.assign(new Error('表单格式不正确'), { statusCode: 400 }), undefined); }
    });
    app.addHook('preValidation', async (req) => { if (req.method === 'POST' && (!req.body || typeof req.body !== 'object' || !('fields' in req.body))) req.body = { fields: {}, files: [] }; });
    app.setNotFoundHandler((_req, reply) => sendHtml(reply, message('未找到', html`<p>没有这个页面。</p><p><a href="${WEB_BASE}/">返回首页</a></p>`), 404));
    app.setErrorHandler((e: Error & { statusCode?: number }, _req, reply) => {
      const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
      if (status === 500) ctx.log.warn('web page failed', { error: e.message });
      const text = status === 413 ? '提交的内容或附件太大。' : status < 500 ? '请求不正确，请返回重新填写。' : '系统繁忙，请稍后再试，或拨打 96365。';
      return sendHtml(reply, message('无法完成', html`<p class="err">${text}</p><p><a href="${WEB_BASE}/">返回首页</a></p>`), status);
    });
    app.get('/', { schema: { hide: true } }, async (_req, reply) => sendHtml(reply, homePage()));
    for (const routes of [queryRoutes, feedbackRoutes, subscribeRoutes, disclosureRoutes]) await app.register(routes(kit));
  };

  return {
    name: 'web', kit,
    httpPlugins: cfg.enabled ? [
      { plugin: pages, prefix: WEB_BASE },
      // The bare address leads a citizen to the window.
      { plugin: async (app) => { app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect(`${WEB_BASE}/`, 302)); } },
    ] : [],
    async start() {
      sweep = setInterval(() => {
        for (const l of Object.values(kit.limits)) l.sweep();
        void ctx.store.web.purgeCodes(ctx.now().toISOString()).catch(() => undefined);
      }, 10 * 60_000);
      sweep.unref();
    },
    async stop() { if (sweep) clearInterval(sweep); sweep = null; },
  };
}

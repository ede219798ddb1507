/**
 * The panel's page shell and the session doors (no role table: public or any session): the single-page
 * app and its static files, login (Origin checked, refusals rate-limited into the audit log) and logout (CSRF).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { HttpError } from '../../../http/errors.js';
import { readCookie, sameOrigin, sameToken, sessionCookie, sha256, SESSION_COOKIE } from '../../auth.js';
import { publicUser } from '../../views.js';
import { loadStaticFiles, PANEL_CSP } from '../../static-files.js';
import { notFound, type AdminDeps } from '../common.js';
import { S } from './schemas.js';

export function shellRoutes(deps: AdminDeps): FastifyPluginAsync {
  const { ctx, auth, hub } = deps;
  const files = loadStaticFiles();
  return async (app) => {
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

  };
}

/**
 * The hooks of the /admin scope, installed before any route group is registered so every group inherits
 * them: the live feed's upgrade hook, no-store on every /admin/api answer, and the authentication,
 * CSRF/Origin and role check of every table route (roles from ../routes-table.ts via the route's config),
 * before the body is even parsed.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { readCookie, sameOrigin, sameToken, SESSION_COOKIE } from '../auth.js';
import type { AdminDeps } from './common.js';

export function installGuard(app: FastifyInstance, deps: Pick<AdminDeps, 'ctx' | 'auth' | 'hub'>): void {
  const { ctx, auth, hub } = deps;
  hub.attach(app.server);
  // Upgraded sockets are not the HTTP server's to close: an open panel would keep the shutdown waiting.
  app.addHook('preClose', async () => { hub.closeClients(1001, '服务正在停止 / server shutting down'); });

  // Every /admin/api answer is private.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/admin/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });

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
}

/** The panel's the signed-in user: session and CSRF token, own password, nav badges, health, the department list (roles: ../../routes-table.ts). */
import { HttpError } from '../../../http/errors.js';
import { maskPhone } from '../../../domain/masking.js';
import { nationalDisplay } from '../../../domain/phone.js';
import { sessionCookie, StaffError } from '../../auth.js';
import { ROUTES, routeKey } from '../../routes-table.js';
import { publicUser } from '../../views.js';
import type { Static } from '@sinclair/typebox';
import { type AdminKit, type RouteGroup } from '../common.js';
import { BODIES, S } from './schemas.js';

export function sessionRoutes(kit: AdminKit): RouteGroup {
  const { ctx, auth, queries, tz, audit, deptScope } = kit;
  return {
    name: 'session', bodies: BODIES,
    handlers: {
      'GET /api/session': async (req) => {
        const { user, session } = req.staff!;
        return {
          user: publicUser(user), csrfToken: session.csrfToken, expiresAt: session.expiresAt, timeZone: tz,
          features: { sms: !!kit.sms, voice: !!kit.voice, testPhone: !!kit.testPhone, demo: kit.demo },
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
    },
  };
}

/** The panel's administration: staff users (add, reset password, disable, unlock), departments (add, rotate key), settings (roles: ../../routes-table.ts). */
import type { Static } from '@sinclair/typebox';
import { HttpError } from '../../../http/errors.js';
import { normalisePhone } from '../../../domain/masking.js';
import { addDepartment, rotateDepartmentKey } from '../../../departments.js';
import { redactConfig } from '../../../config/index.js';
import type { StaffUser } from '../../../store/repos/staff.js';
import { StaffError } from '../../auth.js';
import { publicUser } from '../../views.js';
import { generatePassword } from '../../passwords.js';
import { isSeatEndpoint } from '../../seat-endpoint.js';
import { intParam, notFound, type AdminKit, type RouteGroup } from '../common.js';
import { BODIES, S } from './schemas.js';

/** A user as the users page shows it: with the lock-out state (locked at some address right now). */
function withLock(u: StaffUser, locks: Map<string, { addresses: number; until: string }>, endpoints: Map<number, string> = new Map()) {
  const l = locks.get(u.username.toLowerCase());
  return { ...publicUser(u), endpoint: endpoints.get(u.id) ?? null, locked: !!l, lockedAddresses: l?.addresses ?? 0, lockedUntil: l?.until ?? null };
}

export function userRoutes(kit: AdminKit): RouteGroup {
  const { ctx, auth, hub, audit } = kit;
  return {
    name: 'users', bodies: BODIES,
    handlers: {
      'GET /api/users': async () => {
        const [locks, users, seats] = await Promise.all([auth.lockState(), auth.users.all(), ctx.store.callQueue.seats()]);
        const endpoints = new Map(seats.map((s) => [s.userId, s.endpoint] as [number, string]));
        return { items: users.map((u) => withLock(u, locks, endpoints)) };
      },
      /** An operator's seat phone (PJSIP/8001), unique; null clears it. */
      'POST /api/users/:id/endpoint': async (req) => {
        const u = await auth.users.byId(intParam(req.params.id, 'id'));
        if (!u) throw notFound();
        const raw = (req.body as Static<typeof S.endpoint>).endpoint;
        const endpoint = raw === null || raw.trim() === '' ? null : raw.trim();
        if (endpoint !== null) {
          if (u.role !== 'operator') throw new HttpError(422, 'unprocessable', '只有坐席有分机 (only operators have a seat endpoint)');
          if (!isSeatEndpoint(endpoint)) throw new HttpError(422, 'unprocessable', `分机格式无效，例如 PJSIP/8001 (not a SIP endpoint: ${endpoint})`);
          const other = await ctx.store.callQueue.seatByEndpoint(endpoint);
          if (other && other.userId !== u.id) throw new HttpError(409, 'conflict', `分机 ${endpoint} 已被 ${other.username} 使用 (endpoint in use)`);
        }
        const before = (await ctx.store.callQueue.seat(u.id))?.endpoint ?? null;
        try { await ctx.store.callQueue.setEndpoint(u.id, endpoint, ctx.now().toISOString()); } catch (e) {
          if (/unique|duplicate/i.test((e as Error).message)) throw new HttpError(409, 'conflict', `分机 ${endpoint} 已被其他坐席使用 (endpoint in use)`);
          throw e;
        }
        await audit(req, 'user.endpoint', u.username, endpoint ? `设置坐席分机 ${before ?? '无'} → ${endpoint}` : `清除坐席分机（原 ${before ?? '无'}）`);
        return { user: { ...publicUser(u), endpoint } };
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
        runtime: { demo: kit.demo, sms: !!kit.sms, voice: !!kit.voice, testPhone: !!kit.testPhone, liveClients: hub.clientCount, node: process.version },
      }),
    },
  };
}

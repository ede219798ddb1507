/**
 * What every route group of the panel's JSON API shares: the request and handler types, the kit
 * (deps + audit/actor/scope helpers) each group is built from, the parameter checks, and the one
 * registrar that mounts a group's handlers as a fastify plugin with the roles of ROUTES
 * (../routes-table.ts stays the single source of who may call what).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { HttpError } from '../../http/errors.js';
import { zonedTime } from '../../domain/time.js';
import type { StaffRole, StaffSession, StaffUser } from '../../store/repos/staff.js';
import type { AdminQueryStore } from '../../store/ports.js';
import type { StaffAuth } from '../auth.js';
import { ROUTES, routeKey, type RouteSpec } from '../routes-table.js';
import type { LiveHub } from '../live.js';
import type { SmsAdminPort, TestPhonePort, VoiceAdminPort } from '../sms-port.js';
import type { LoginAuditLimiter } from '../login-guard.js';

declare module 'fastify' {
  interface FastifyRequest { staff?: { user: StaffUser; session: StaffSession; sessionId: string } }
  interface FastifyContextConfig { roles?: readonly StaffRole[] }
}

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

export type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | undefined>; Body: any }>;
export type Handler = (req: Req, reply: FastifyReply) => Promise<unknown>;
export type Audit = (req: Req, action: string, target: string | null, detail?: unknown) => Promise<void>;

/** The deps plus the helpers every group uses. */
export interface AdminKit extends AdminDeps {
  tz: string;
  actorOf(req: Req): string;
  /** One audit row with the staff member as actor. */
  audit: Audit;
  /** Department staff: their department id; everyone else: null (all). */
  deptScope(u: StaffUser): number | null;
}

export function adminKit(deps: AdminDeps): AdminKit {
  const { ctx } = deps;
  const actorOf = (req: Req) => `staff:${req.staff!.user.username}`;
  return {
    ...deps,
    tz: ctx.config.time.zone,
    actorOf,
    audit: (req, action, target, detail) => ctx.store.audit.append(actorOf(req), action, target, detail ?? null, ctx.now().toISOString()),
    deptScope: (u) => (u.role === 'department' ? u.departmentId : null),
  };
}

/** A route group: handlers keyed `METHOD url` (as in ROUTES), their body schemas, per-route body limits. */
export interface RouteGroup {
  name: string;
  handlers: Record<string, Handler>;
  bodies?: Record<string, TSchema>;
  bodyLimits?: Record<string, number>;
}

/** The table and the handlers must agree (a route without a role list cannot exist), each route in exactly one group. */
export function checkRouteTable(groups: readonly RouteGroup[]): void {
  const owner = new Map<string, string>();
  for (const g of groups) {
    for (const k of Object.keys(g.handlers)) {
      if (owner.has(k)) throw new Error(`admin route in two groups (${owner.get(k)}, ${g.name}): ${k}`);
      owner.set(k, g.name);
    }
  }
  for (const r of ROUTES) if (!owner.has(routeKey(r))) throw new Error(`admin route without handler: ${routeKey(r)}`);
  for (const k of owner.keys()) if (!ROUTES.some((r) => routeKey(r) === k)) throw new Error(`admin handler not in the route table: ${k}`);
}

/** A group as a fastify plugin: each of its routes with the roles of ROUTES (checked by the guard's onRequest hook). */
export function routeGroupPlugin(group: RouteGroup): FastifyPluginAsync {
  return async (app) => {
    for (const r of ROUTES as RouteSpec[]) {
      const key = routeKey(r);
      const handler = group.handlers[key];
      if (!handler) continue;
      const body = group.bodies?.[key];
      const bodyLimit = group.bodyLimits?.[key];
      app.route({
        method: r.method, url: r.url, config: { roles: r.roles },
        ...(bodyLimit !== undefined ? { bodyLimit } : {}),
        schema: { hide: true, ...(body ? { body } : {}) },
        handler: handler as never,
      });
    }
  };
}

export const bad = (message: string) => new HttpError(400, 'validation', message);
export const notFound = (message = '未找到 (not found)') => new HttpError(404, 'not_found', message);
export const notRunning = (what: string) => new HttpError(503, 'not_running', `${what}未运行 (channel not running)`);

export function intParam(v: string | undefined, name: string): number {
  if (!v || !/^\d{1,12}$/.test(v)) throw bad(`${name} must be a positive integer`);
  return Number(v);
}

export function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (v === undefined || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw bad(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

export function dateParam(v: string | undefined, name: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw bad(`${name} must be YYYY-MM-DD`);
  return v;
}

export function pageParams(q: Record<string, string | undefined>, max = 200): { limit: number; offset: number } {
  const limit = q.limit ? intParam(q.limit, 'limit') : 50;
  const offset = q.offset ? intParam(q.offset, 'offset') : 0;
  return { limit: Math.min(Math.max(limit, 1), max), offset: Math.min(offset, 1_000_000) };
}

/** 00:00 of a local date as an instant. */
export const localDayStart = (date: string, tz: string) => zonedTime(date, '00:00:00', tz).toISOString();

export function needSms(kit: AdminDeps): SmsAdminPort { if (!kit.sms) throw notRunning('短信通道'); return kit.sms; }
export function needVoice(kit: AdminDeps): VoiceAdminPort { if (!kit.voice) throw notRunning('语音通道'); return kit.voice; }
export function needPhone(kit: AdminDeps): TestPhonePort { if (!kit.testPhone) throw notFound('测试电话未启用（仅演示模式）(test phone only in demo mode)'); return kit.testPhone; }

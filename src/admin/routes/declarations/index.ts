/** The panel's declarations (申报件): search, detail with timeline and subscribers (department staff: their own) (roles: ../../routes-table.ts). */
import type { Declaration } from '../../../domain/types.js';
import { isOverdue } from '../../../domain/declarations.js';
import { maskPhone, normalisePhone } from '../../../domain/masking.js';
import { declarationSummary, stepView } from '../../views.js';
import { notFound, pageParams, type AdminKit, type Req, type RouteGroup } from '../common.js';

export function declarationRoutes(kit: AdminKit): RouteGroup {
  const { ctx, deptScope } = kit;
  const visibleDeclaration = async (req: Req, code: string): Promise<Declaration> => {
    const scope = deptScope(req.staff!.user);
    const d = await ctx.declarations.find(code, scope ?? undefined);
    if (!d || (scope !== null && d.departmentId !== scope)) throw notFound('申报件不存在 (declaration not found)');
    return d;
  };
  return {
    name: 'declarations',
    handlers: {
      'GET /api/declarations': async (req) => {
        const scope = deptScope(req.staff!.user);
        const now = ctx.now();
        const q = (req.query.q ?? '').trim().slice(0, 64);
        const { limit, offset } = pageParams(req.query, 100);
        let list: Declaration[];
        if (q) {
          const seen = new Map<number, Declaration>();
          for (const term of new Set([q, normalisePhone(q)])) for (const d of await ctx.store.declarations.search(term, 100)) seen.set(d.id, d);
          const found = await ctx.declarations.find(q, scope ?? undefined);
          if (found) seen.set(found.id, found);
          list = [...seen.values()].sort((a, b) => b.id - a.id);
        } else if (req.query.overdue === '1') {
          list = await ctx.store.declarations.overdue(now.toISOString(), scope, 200);
        } else {
          list = await ctx.store.declarations.recent(scope, limit, offset);
        }
        if (scope !== null) list = list.filter((d) => d.departmentId === scope);
        return { items: list.slice(0, limit).map((d) => declarationSummary(d, isOverdue(d, now))) };
      },
      'GET /api/declarations/:code': async (req) => {
        const d = await visibleDeclaration(req, String(req.params.code).slice(0, 64));
        const [subs, timeline] = await Promise.all([ctx.subscriptions.activeFor(d.id), ctx.declarations.timeline(d.id)]);
        return {
          ...declarationSummary(d, isOverdue(d, ctx.now())),
          timeline: timeline.map(stepView),
          subscribers: subs.map((s) => ({ phone: maskPhone(s.phone), channel: s.channel, since: s.createdAt })),
        };
      },
    },
  };
}

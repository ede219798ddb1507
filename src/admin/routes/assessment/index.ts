/**
 * The panel's 全程考核 JSON API (routes in routes-table.ts): the assessment table per department and per
 * handler for a period, the hot spots (this week vs last), the drill-down from a figure to the orders
 * behind it, and the CSV export (formula-safe, ./csv.ts). Supervisors and admins see every department;
 * department staff only their own (another department → 403). The figures are computed by the pure core
 * (src/workorders/assessment.ts) from one facts query of the store.
 */
import { HttpError } from '../../../http/errors.js';
import { addDays, localDate, zonedTime } from '../../../domain/time.js';
import type { FeedbackStatus } from '../../../domain/types.js';
import { STATUS_ZH } from '../../../workorders/machine.js';
import {
  CSV_HEADER, FIGURES, FIGURE_ZH, SCORE_PARTS, SCORE_PART_ZH, assess, csvRows, drillDown, hotSpots, weekStartOf, type Figure, type OrderFact,
} from '../../../workorders/assessment.js';
import { toCsv } from '../../csv.js';
import type { AdminKit, Req, RouteGroup } from '../common.js';


const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;
const DRILL_LIMIT = 500;

export function assessmentRoutes(kit: AdminKit): RouteGroup {
  const { ctx, audit } = kit;
  const tz = ctx.config.time.zone;
  const env = () => ctx.workOrders.env;
  const bad = (m: string) => new HttpError(400, 'validation', m);

  /** from / to: local dates, both inclusive (default: this month to today); the instants [from 00:00, to+1 00:00). */
  const period = (q: Record<string, string | undefined>) => {
    const today = localDate(ctx.now(), tz);
    const from = q.from ?? `${today.slice(0, 7)}-01`, to = q.to ?? today;
    if (!DATE.test(from) || !DATE.test(to) || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) throw bad('from / to 应为日期 YYYY-MM-DD (local dates)');
    if (from > to) throw bad('开始日期晚于结束日期 (from after to)');
    if (addDays(from, MAX_DAYS) <= to) throw bad(`统计区间最长 ${MAX_DAYS} 天 (period too long)`);
    return { from, to, fromAt: zonedTime(from, '00:00:00', tz).toISOString(), toAt: zonedTime(addDays(to, 1), '00:00:00', tz).toISOString() };
  };
  /** The department in scope: department staff only their own; others any (or all). */
  const scope = async (req: Req): Promise<{ id: number; code: string; name: string } | null> => {
    const u = req.staff!.user;
    const code = req.query.department || null;
    if (u.role === 'department') {
      const own = u.departmentId === null ? undefined : await ctx.store.departments.byId(u.departmentId);
      if (!own) throw new HttpError(403, 'forbidden', '账户未关联部门 (no department)');
      if (code && code !== own.code) throw new HttpError(403, 'forbidden', '只能查看本部门的考核 (own department only)');
      return { id: own.id, code: own.code, name: own.name };
    }
    if (!code) return null;
    const d = await ctx.store.departments.byCode(code);
    if (!d) throw new HttpError(404, 'not_found', `部门 ${code} 不存在 (no such department)`);
    return { id: d.id, code: d.code, name: d.name };
  };
  const handlerNames = async () => new Map((await ctx.store.staff.all()).map((s) => [`staff:${s.username}`, s.displayName || s.username] as [string, string]));
  const categoryName = (code: string) => env().tree.categories.get(code)?.path ?? code;
  const ref = (f: OrderFact) => ({
    id: f.id, ref: f.ref, status: f.status, statusZh: STATUS_ZH[f.status as FeedbackStatus] ?? f.status, department: f.departmentName, handler: f.handler,
    category: f.category, categoryName: f.category ? categoryName(f.category) : null, address: f.address, createdAt: f.createdAt,
    signDueAt: f.signDueAt, signedAt: f.signedAt, finishDueAt: f.finishDueAt, answeredAt: f.answeredAt, satisfaction: f.satisfaction,
  });
  const table = async (req: Req) => {
    const p = period(req.query);
    const d = await scope(req);
    const facts = await ctx.store.workOrders.assessmentFacts(p.fromAt, p.toAt, d?.id ?? null);
    return { p, d, facts, t: assess(facts, { clock: env().clock, config: ctx.assessment, now: ctx.now(), handlerNames: await handlerNames() }) };
  };

  return { name: 'assessment', handlers: {
    'GET /api/assessment': async (req) => {
      const figure = req.query.figure;
      if (figure !== undefined) {
        if (!(FIGURES as readonly string[]).includes(figure)) throw bad(`figure 应为 ${FIGURES.join('、')} 之一`);
        const p = period(req.query);
        const d = await scope(req);
        const facts = await ctx.store.workOrders.assessmentFacts(p.fromAt, p.toAt, d?.id ?? null);
        const items = drillDown(facts, figure as Figure, { departmentId: d?.id ?? null, handler: req.query.handler || null }, env().clock, ctx.now());
        return { from: p.from, to: p.to, department: d?.code ?? null, handler: req.query.handler || null, figure, figureZh: FIGURE_ZH[figure as Figure], total: items.length, items: items.slice(0, DRILL_LIMIT).map(ref) };
      }
      const { p, d, t } = await table(req);
      // hot spots: the current week (local Monday on) vs the week before
      const ws = weekStartOf(ctx.now(), tz);
      const lastWs = new Date(ws.getTime() - 7 * 86_400_000), we = new Date(ws.getTime() + 7 * 86_400_000);
      const hot = hotSpots(await ctx.store.workOrders.assessmentFacts(lastWs.toISOString(), we.toISOString(), d?.id ?? null), ws);
      return {
        from: p.from, to: p.to, department: d ? { code: d.code, name: d.name } : null, generatedAt: ctx.now().toISOString(),
        weights: SCORE_PARTS.map((k) => ({ key: k, label: SCORE_PART_ZH[k], weight: ctx.assessment.weights[k] })), basicSatisfiedCredit: ctx.assessment.basicSatisfiedCredit,
        figures: FIGURES.map((k) => ({ key: k, label: FIGURE_ZH[k] })),
        departments: t.departments, handlers: t.handlers,
        hotSpots: { ...hot, categories: hot.categories.map((h) => ({ ...h, name: categoryName(h.key) })), places: hot.places.map((h) => ({ ...h, name: h.key })) },
      };
    },
    'GET /api/assessment.csv': async (req, reply) => {
      const { p, d, t } = await table(req);
      const by = req.query.by === 'handler' ? 'handler' : 'department';
      const rows = by === 'handler' ? t.handlers : t.departments;
      const csv = toCsv([[`全程考核 ${p.from} 至 ${p.to}${d ? ` ${d.name}` : ''}`], by === 'handler' ? ['部门', ...CSV_HEADER] : CSV_HEADER,
        ...(by === 'handler' ? csvRows(rows).map((r, i) => [t.departments.find((x) => x.departmentId === rows[i].departmentId)?.name ?? '', ...r]) : csvRows(rows))]);
      await audit(req, 'assessment.export', d?.code ?? null, { from: p.from, to: p.to, by, rows: rows.length });
      return reply.header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="96365-assessment-${p.from}-${p.to}${by === 'handler' ? '-handlers' : ''}.csv"`).send(csv);
    },
  } };
}

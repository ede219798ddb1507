/** The panel's supervision (督办): per-department statistics (+ CSV export) and the audit log (roles: ../../routes-table.ts). */
import { addDays, localDate } from '../../../domain/time.js';
import { declarationSummary } from '../../views.js';
import { toCsv } from '../../csv.js';
import { dateParam, localDayStart, pageParams, type AdminKit, type RouteGroup } from '../common.js';

/** Feedback not answered within this many working days counts as overdue on the supervision page. */
export const FEEDBACK_ANSWER_WORKING_DAYS = 5;

export function supervisionRoutes(kit: AdminKit): RouteGroup {
  const { ctx, queries, tz, audit } = kit;

  /** Created before this instant and still unanswered = overdue (FEEDBACK_ANSWER_WORKING_DAYS working days). */
  const feedbackOverdueBefore = (): string => {
    const today = localDate(ctx.now(), tz);
    let d = addDays(today, -1);
    for (let i = 0; i < 400 && ctx.calendar.addWorkingDays(d, FEEDBACK_ANSWER_WORKING_DAYS) >= today; i++) d = addDays(d, -1);
    return localDayStart(addDays(d, 1), tz);
  };


  const statsRows = async (q: Record<string, string | undefined>) => {
    const since = dateParam(q.since, 'since'), until = dateParam(q.until, 'until');
    const [rows, overdueDecl, depts] = await Promise.all([
      queries.departmentStats({ overdueBefore: feedbackOverdueBefore(), since: since ? localDayStart(since, tz) : null, until: until ? localDayStart(addDays(until, 1), tz) : null }),
      ctx.store.declarations.overdueCounts(ctx.now().toISOString()),
      ctx.store.departments.all(),
    ]);
    const byId = new Map(rows.map((r) => [r.departmentId, r]));
    const out = depts.map((d) => {
      const r = byId.get(d.id);
      return {
        department: d.code, departmentName: d.name, received: r?.received ?? 0, answered: r?.answered ?? 0, open: r?.open ?? 0, overdue: r?.overdue ?? 0,
        medianAnswerHours: r?.medianAnswerHours ?? null, rated: r?.rated ?? 0, satisfied: r?.satisfied ?? 0, dissatisfied: r?.dissatisfied ?? 0,
        satisfactionRate: r && r.rated ? r.satisfied / r.rated : null, overdueDeclarations: overdueDecl.get(d.id) ?? 0,
      };
    });
    const un = byId.get(null);
    if (un) {
      out.push({
        department: '', departmentName: '未分派', received: un.received, answered: un.answered, open: un.open, overdue: un.overdue,
        medianAnswerHours: un.medianAnswerHours, rated: un.rated, satisfied: un.satisfied, dissatisfied: un.dissatisfied,
        satisfactionRate: un.rated ? un.satisfied / un.rated : null, overdueDeclarations: 0,
      });
    }
    return out;
  };
  return {
    name: 'supervision',
    handlers: {
      'GET /api/stats': async (req) => {
        const now = ctx.now();
        const [rows, overdue] = await Promise.all([statsRows(req.query), ctx.store.declarations.overdue(now.toISOString(), null, 200)]);
        return {
          generatedAt: now.toISOString(), feedbackAnswerWorkingDays: FEEDBACK_ANSWER_WORKING_DAYS, rows,
          overdueDeclarations: overdue.map((d) => declarationSummary(d, true)),
        };
      },
      'GET /api/stats.csv': async (req, reply) => {
        const rows = await statsRows(req.query);
        const csv = toCsv([
          ['部门代码', '部门', '受理反馈', '已答复', '未办结', '超期未答复', '答复用时中位数(小时)', '评价数', '满意/基本满意', '不满意', '满意率', '超期申报件'],
          ...rows.map((r) => [r.department, r.departmentName, r.received, r.answered, r.open, r.overdue,
            r.medianAnswerHours === null ? '' : Math.round(r.medianAnswerHours * 10) / 10, r.rated, r.satisfied, r.dissatisfied,
            r.satisfactionRate === null ? '' : `${Math.round(r.satisfactionRate * 1000) / 10}%`, r.overdueDeclarations]),
        ]);
        await audit(req, 'stats.export', null, { rows: rows.length });
        return reply.header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="96365-stats-${localDate(ctx.now(), tz)}.csv"`).send(csv);
      },
      'GET /api/audit': async (req) => {
        const { limit, offset } = pageParams(req.query, 500);
        const out: Record<string, unknown> = { items: await ctx.store.audit.list(limit, offset) };
        if (req.query.verify === '1') out.verify = await ctx.store.audit.verify();
        return out;
      },
    },
  };
}

/**
 * 办事指南 (GET /web/guide, /web/guide/:dept) and 公开栏 (GET /web/board): what departments publish
 * before (their items), and after — answers staff marked publishable (masked), the staff with a title
 * (挂牌上岗) and this month's figures of each department from the assessment (src/workorders/assessment.ts).
 */
import type { FastifyInstance } from 'fastify';
import { html } from '../html.js';
import { sendHtml, type WebKit } from '../kit.js';
import { board, guideDepartment, guideIndex } from '../pages/disclosure.js';
import { message } from '../pages/layout.js';
import { assess } from '../../workorders/assessment.js';
import { localDate, zonedTime } from '../../domain/time.js';
import { BoardQuery, GuideParams } from './schemas.js';

const PER_PAGE = 20;
const FIGURES_TTL_MS = 60_000;

export function disclosureRoutes(kit: WebKit) {
  const { ctx, tz } = kit;
  let figures: { at: number; month: string; rows: ReturnType<typeof assess>['departments'] } | null = null;
  /** This month's department figures, computed at most once a minute (a public page must not run the assessment per hit). */
  const monthFigures = async () => {
    if (figures && Date.now() - figures.at < FIGURES_TTL_MS) return figures;
    const today = localDate(ctx.now(), tz);
    const month = today.slice(0, 7);
    const from = zonedTime(`${month}-01`, '00:00:00', tz).toISOString();
    const facts = await ctx.store.workOrders.assessmentFacts(from, ctx.now().toISOString(), null);
    const t = assess(facts, { clock: ctx.workOrders.env.clock, config: ctx.assessment, now: ctx.now() });
    figures = { at: Date.now(), month, rows: t.departments };
    return figures;
  };

  return async (app: FastifyInstance) => {
    app.get('/guide', { schema: { hide: true } }, async (_req, reply) =>
      sendHtml(reply, guideIndex(await ctx.store.departments.all(), await ctx.store.web.guide())));

    app.get<{ Params: { dept: string } }>('/guide/:dept', { schema: { hide: true, params: GuideParams } }, async (req, reply) => {
      const d = await ctx.store.departments.byCode(req.params.dept) ?? await ctx.store.departments.byCode(req.params.dept.toUpperCase());
      if (!d) return sendHtml(reply, message('未找到', html`<p>没有这个部门。</p><p><a href="/web/guide">全部部门</a></p>`, '/guide'), 404);
      return sendHtml(reply, guideDepartment(d, await ctx.store.web.guide(d.id)));
    });

    app.get<{ Querystring: { page?: number } }>('/board', { schema: { hide: true, querystring: BoardQuery } }, async (req, reply) => {
      const total = await ctx.store.web.publishedCount();
      const pages = Math.max(1, Math.ceil(total / PER_PAGE));
      const p = Math.min(req.query.page ?? 1, pages);
      const f = await monthFigures();
      return sendHtml(reply, board({
        answers: await ctx.store.web.published(PER_PAGE, (p - 1) * PER_PAGE), onDuty: await ctx.store.web.onDuty(),
        figures: f.rows, month: `${f.month.slice(0, 4)}年${Number(f.month.slice(5))}月`, tz, page: p, pages,
      }));
    });
  };
}

/**
 * The department API's 办事指南 routes (/api/v1/guide): a department lists, creates or replaces and
 * deletes its own service-guide items (basis, procedure, fees, promised time limit, where to complain),
 * shown on the public web window (src/web/). Registered inside departmentApi (its Bearer-key hook
 * applies); another department's item is never reached (every call is scoped to the key's department).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.js';
import { HttpError } from '../errors.js';
import { checkGuideInput, GUIDE_LIMITS } from '../../web/guide-input.js';
import type { GuideItem } from '../../store/repos/web.js';
import { ErrorBody } from './schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody };
const security = [{ bearer: [] as string[] }];
const tags = ['guide'];
const Str = (n: number) => Type.String({ maxLength: n });

export const GuideBody = Type.Object({
  name: Str(GUIDE_LIMITS.name), basis: Type.Optional(Str(GUIDE_LIMITS.basis)), procedure: Type.Optional(Str(GUIDE_LIMITS.procedure)),
  fees: Type.Optional(Str(GUIDE_LIMITS.fees)), timeLimit: Type.Optional(Str(GUIDE_LIMITS.timeLimit)), complaintChannel: Type.Optional(Str(GUIDE_LIMITS.complaintChannel)),
}, { additionalProperties: false });
const GuideView = Type.Object({
  itemCode: Type.String(), name: Type.String(), basis: Type.String(), procedure: Type.String(), fees: Type.String(), timeLimit: Type.String(),
  complaintChannel: Type.String(), updatedAt: Type.String(),
});
const ItemParams = Type.Object({ itemCode: Type.String({ minLength: 1, maxLength: GUIDE_LIMITS.itemCode }) });

export function guideView(g: GuideItem) {
  return { itemCode: g.itemCode, name: g.name, basis: g.basis, procedure: g.procedure, fees: g.fees, timeLimit: g.timeLimit, complaintChannel: g.complaintChannel, updatedAt: g.updatedAt };
}

export async function guideRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/guide', {
    schema: { summary: 'List the department\'s service-guide items (办事指南)', tags, security, response: { 200: Type.Object({ items: Type.Array(GuideView) }), ...errors } },
  }, async (req) => ({ items: (await ctx.store.web.guide(req.department!.id)).map(guideView) }));

  app.put<{ Params: { itemCode: string }; Body: Record<string, string> }>('/guide/:itemCode', {
    schema: {
      summary: 'Create or replace a service-guide item', description: 'Shown on the public web window (/web/guide). Idempotent: the same body again answers the same item.',
      tags, security, params: ItemParams, body: GuideBody, response: { 200: GuideView, 201: GuideView, ...errors },
    },
  }, async (req, reply) => {
    const dept = req.department!;
    const checked = checkGuideInput({ ...req.body, itemCode: req.params.itemCode });
    if (!checked.ok) throw new HttpError(422, 'unprocessable', checked.message);
    const existed = !!(await ctx.store.web.guideItem(dept.id, checked.value.itemCode));
    const now = ctx.now().toISOString();
    const item = await ctx.store.transaction(async () => {
      const g = await ctx.store.web.upsertGuide(dept.id, checked.value, `dept:${dept.code}`, now);
      await ctx.store.audit.append(`dept:${dept.code}`, 'guide.upsert', `${dept.code}/${g.itemCode}`, `办事指南${existed ? '修改' : '新增'}：${g.name}`, now);
      return g;
    });
    return reply.status(existed ? 200 : 201).send(guideView(item));
  });

  app.delete<{ Params: { itemCode: string } }>('/guide/:itemCode', {
    schema: { summary: 'Delete a service-guide item', tags, security, params: ItemParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const dept = req.department!;
    const now = ctx.now().toISOString();
    const gone = await ctx.store.transaction(async () => {
      const ok = await ctx.store.web.deleteGuide(dept.id, req.params.itemCode);
      if (ok) await ctx.store.audit.append(`dept:${dept.code}`, 'guide.delete', `${dept.code}/${req.params.itemCode}`, '办事指南删除', now);
      return ok;
    });
    if (!gone) throw new HttpError(404, 'not_found', 'guide item not found');
    return reply.status(204).send();
  });
}

/**
 * The panel's side of the public web window (roles: ../../routes-table.ts): the 公开栏 flag of an
 * answered item (supervisor, admin; audited), staff titles for 挂牌上岗 (admin), the 办事指南 items of
 * every department (admin maintains, supervisors read), and the attachments of web complaints — served
 * only to staff who may see the item (department staff: their department's items).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { HttpError } from '../../../http/errors.js';
import { checkGuideInput } from '../../../web/guide-input.js';
import { WEB_ATTACHMENTS_DIR } from '../../../web/index.js';
import { guideView } from '../../../http/api/guide-api.js';
import { bad, intParam, notFound, type AdminKit, type Req, type RouteGroup } from '../common.js';
import type { Static } from '@sinclair/typebox';
import { BODIES, S } from './schemas.js';

export function webRoutes(kit: AdminKit): RouteGroup {
  const { ctx, audit, deptScope } = kit;
  const dept = async (code: unknown) => {
    const d = typeof code === 'string' ? await ctx.store.departments.byCode(code) : undefined;
    if (!d) throw notFound('部门不存在 (no such department)');
    return d;
  };
  const visible = async (req: Req) => {
    const f = await ctx.feedback.byId(intParam(req.params.id, 'id'));
    const scope = deptScope(req.staff!.user);
    if (!f || (scope !== null && f.departmentId !== scope)) throw notFound('反馈不存在 (feedback not found)');
    return f;
  };
  const attachmentRoot = resolve(ctx.config.data.dir, WEB_ATTACHMENTS_DIR);

  return {
    name: 'web', bodies: BODIES,
    handlers: {
      'POST /api/feedback/:id/publish': async (req) => {
        const f = await visible(req);
        const { publishable } = req.body as Static<typeof S.publish>;
        if (publishable && !f.answer) throw new HttpError(409, 'conflict', '尚未答复，不能公开 (not answered yet)');
        await ctx.store.transaction(async () => {
          await ctx.store.web.setPublishable(f.id, publishable, kit.actorOf(req), ctx.now().toISOString());
          await audit(req, publishable ? 'feedback.publish' : 'feedback.unpublish', f.ref, publishable ? '设为公开（公开栏展示答复，已脱敏）' : '取消公开（公开栏不再展示）');
        });
        return { ok: true, ref: f.ref, publishable };
      },
      'POST /api/users/:id/title': async (req) => {
        const u = await ctx.store.staff.byId(intParam(req.params.id, 'id'));
        if (!u) throw notFound('用户不存在 (no such user)');
        const raw = (req.body as Static<typeof S.title>).title;
        const title = raw === null ? null : raw.trim() || null;
        const before = await ctx.store.web.title(u.id);
        await ctx.store.web.setTitle(u.id, title, ctx.now().toISOString());
        await audit(req, 'user.title', u.username, title ? `设置职务（挂牌上岗）${before ?? '无'} → ${title}` : `清除职务（原 ${before ?? '无'}）`);
        return { ok: true, title };
      },
      'GET /api/guide': async (req) => {
        const d = req.query.department ? await dept(req.query.department) : null;
        return { items: (await ctx.store.web.guide(d?.id ?? null)).map((g) => ({ ...guideView(g), department: g.departmentCode, departmentName: g.departmentName, updatedBy: g.updatedBy })) };
      },
      'POST /api/guide': async (req) => {
        const b = req.body as Static<typeof S.guide>;
        const d = await dept(b.department);
        const checked = checkGuideInput(b);
        if (!checked.ok) throw bad(checked.message);
        const now = ctx.now().toISOString();
        const g = await ctx.store.transaction(async () => {
          const item = await ctx.store.web.upsertGuide(d.id, checked.value, kit.actorOf(req), now);
          await audit(req, 'guide.upsert', `${d.code}/${item.itemCode}`, `办事指南保存：${item.name}`);
          return item;
        });
        return guideView(g);
      },
      'POST /api/guide/delete': async (req) => {
        const b = req.body as Static<typeof S.guideDelete>;
        const d = await dept(b.department);
        const code = b.itemCode;
        const ok = await ctx.store.web.deleteGuide(d.id, code);
        if (!ok) throw notFound('事项不存在 (no such item)');
        await audit(req, 'guide.delete', `${d.code}/${code}`, '办事指南删除');
        return { ok: true };
      },
      'GET /api/feedback/:id/attachments': async (req) => {
        const f = await visible(req);
        return { items: (await ctx.store.web.attachments(f.id)).map((a) => ({ id: a.id, fileName: a.fileName, mime: a.mime, size: a.size, createdAt: a.createdAt })) };
      },
      'GET /api/feedback/:id/attachments/:aid': async (req, reply) => {
        const f = await visible(req);
        const a = await ctx.store.web.attachment(intParam(req.params.aid, 'aid'));
        if (!a || a.feedbackId !== f.id) throw notFound('附件不存在 (no such attachment)');
        const file = resolve(join(attachmentRoot, a.path));
        if (!file.startsWith(attachmentRoot + sep)) throw notFound('附件不存在 (no such attachment)');
        const data = await readFile(file).catch(() => null);
        if (!data) throw notFound('附件文件缺失 (file missing)');
        await audit(req, 'feedback.attachment', f.ref, `查看附件 ${a.fileName}`);
        return reply.header('content-type', a.mime).header('cache-control', 'private, no-store')
          .header('content-disposition', `attachment; filename="attachment-${a.id}"; filename*=UTF-8''${encodeURIComponent(a.fileName)}`).send(data);
      },
    },
  };
}

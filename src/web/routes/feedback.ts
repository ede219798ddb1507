/**
 * 我要投诉/咨询/建议 (GET/POST /web/feedback) and 进度跟进 (GET/POST /web/track). A submission becomes a
 * feedback item (work order) of channel 'web' with its category and incident address, the citizen's
 * choice about an answer SMS (notify_phone) and its attachments (type by content, size limited, stored
 * under the data directory, served only to staff through the panel). The follow-up needs the reference
 * and the same phone; anything else answers "未找到".
 */
import type { FastifyInstance } from 'fastify';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomId } from '../tokens.js';
import { html } from '../html.js';
import { sendHtml, type Fields, type WebKit } from '../kit.js';
import type { UploadedFile } from '../form-body.js';
import { ATTACHMENT_TYPES, checkAttachments, checkFeedbackForm, samePhone } from '../validate.js';
import { feedbackDone, feedbackForm, trackForm, trackResult } from '../pages/feedback.js';
import { message } from '../pages/layout.js';
import { NOT_FOUND_TEXT } from '../pages/query.js';

export function feedbackRoutes(kit: WebKit) {
  const { ctx, guard, tz } = kit;
  const cfg = ctx.config.web;
  const tree = () => ctx.workOrders.env.tree;
  const formOpts = { maxFiles: cfg.attachment_max_files, maxKb: cfg.attachment_max_kb };
  const bodyLimit = cfg.attachment_max_files * cfg.attachment_max_kb * 1024 + 64 * 1024;

  return async (app: FastifyInstance) => {
    app.get('/feedback', { schema: { hide: true } }, async (req, reply) => sendHtml(reply, feedbackForm(guard.csrf(req, reply), tree(), formOpts)));

    app.post<{ Body: { fields: Fields; files: UploadedFile[] } }>('/feedback', { schema: { hide: true }, bodyLimit }, async (req, reply) => {
      const { fields, files } = req.body;
      const csrf = guard.csrf(req, reply);
      const g = guard.post(req, fields, kit.limits.form);
      if (!g.ok) {
        if (g.reason === 'challenge') return sendHtml(reply, feedbackForm(csrf, tree(), { ...formOpts, fields, challenge: g.challenge, challengeError: g.message }), 429);
        return sendHtml(reply, message('无法提交', html`<p class="err">${g.message}</p><p><a href="/web/feedback">返回重新填写</a></p>`, '/feedback'), g.status);
      }
      const checked = checkFeedbackForm(fields as Record<string, string>, tree());
      const att = checkAttachments(files, cfg.attachment_max_files, cfg.attachment_max_kb * 1024);
      if (!checked.ok || !att.ok) {
        const errors = { ...(checked.ok ? {} : checked.errors), ...(att.ok ? {} : { files: att.error }) };
        return sendHtml(reply, feedbackForm(csrf, tree(), { ...formOpts, fields, errors }), 400);
      }
      const v = checked.value;
      const now = ctx.now().toISOString();
      // Files first (outside the transaction), rows with the item in one transaction.
      const stored = att.files.map((f) => {
        const day = now.slice(0, 10);
        const dir = join(kit.attachmentsDir, day);
        mkdirSync(dir, { recursive: true });
        const path = join(day, `${randomId(12)}.${ATTACHMENT_TYPES[f.type]}`);
        writeFileSync(join(kit.attachmentsDir, path), f.data, { mode: 0o600 });
        return { fileName: f.fileName.slice(0, 200), mime: f.type, size: f.data.length, path };
      });
      const created = await ctx.store.transaction(async () => {
        const fb = await ctx.feedback.create({ kind: v.kind, channel: 'web', phone: v.phone, text: v.text }, 'citizen:web');
        if (v.category || v.address) await ctx.store.workOrders.save(fb.id, { category: v.category, address: v.address }, now);
        if (!v.notify) await ctx.store.web.setNotifyPhone(fb.id, false);
        for (const s of stored) await ctx.store.web.addAttachment({ feedbackId: fb.id, ...s, createdAt: now });
        return fb;
      });
      return sendHtml(reply, feedbackDone(created), 201);
    });

    app.get('/track', { schema: { hide: true } }, async (req, reply) => sendHtml(reply, trackForm(guard.csrf(req, reply))));

    app.post<{ Body: { fields: Fields } }>('/track', { schema: { hide: true } }, async (req, reply) => {
      const f = req.body.fields;
      const csrf = guard.csrf(req, reply);
      const g = guard.post(req, f, kit.limits.query);
      if (!g.ok) {
        if (g.reason === 'challenge') return sendHtml(reply, trackForm(csrf, { ref: f.ref, challenge: g.challenge, challengeError: g.message }), 429);
        return sendHtml(reply, message('无法提交', html`<p class="err">${g.message}</p><p><a href="/web/track">返回</a></p>`, '/track'), g.status);
      }
      const ref = (f.ref ?? '').trim();
      const notFound = () => sendHtml(reply, trackForm(csrf, { ref, notice: html`<p class="err" role="alert">${NOT_FOUND_TEXT}</p><p class="hint">请核对受理编号和提交时填写的电话。</p>` }), 404);
      if (!/^\d{6,16}$/.test(ref)) return notFound();
      const fb = await ctx.store.feedback.byRef(ref);
      if (!fb || !samePhone(fb.phone, f.phone)) return notFound();
      return sendHtml(reply, trackResult(fb, await ctx.workOrders.timeline(fb.id), tz));
    });
  };
}

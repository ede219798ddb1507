/** Store contract: the public web window's tables (migration 14) — 办事指南, 公开栏, titles, one-time codes, attachments — on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-12-01T02:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();
const item = (code: string, name: string) => ({ itemCode: code, name, basis: '依据', procedure: '程序', fees: '不收费', timeLimit: '5个工作日', complaintChannel: '96365' });

describe.each(ENGINES)('store contract on $name: web window', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let a: number;
    let b: number;
    beforeAll(async () => {
      e = await open();
      a = (await e.departments.insert('SCJG', '市市场监督管理局', null, null, null, T0)).id;
      b = (await e.departments.insert('RSJ', '市人社局', null, null, null, T0)).id;
    });
    afterAll(async () => { await e?.close(); });

    it('service guide: upsert per (department, item code), list, delete', async () => {
      const first = await e.web.upsertGuide(a, item('SP-2', '乙事项'), 'dept:SCJG', at(1));
      expect(first).toMatchObject({ departmentId: a, departmentCode: 'SCJG', departmentName: '市市场监督管理局', itemCode: 'SP-2', name: '乙事项', createdAt: at(1), updatedAt: at(1) });
      await e.web.upsertGuide(a, item('SP-1', '甲事项'), 'dept:SCJG', at(2));
      await e.web.upsertGuide(b, item('SP-1', '社保'), 'staff:admin', at(2));
      const changed = await e.web.upsertGuide(a, { ...item('SP-2', '乙事项（新）'), fees: '10元' }, 'staff:admin', at(3));
      expect(changed).toMatchObject({ id: first.id, name: '乙事项（新）', fees: '10元', updatedBy: 'staff:admin', createdAt: at(1), updatedAt: at(3) });
      expect((await e.web.guide(a)).map((g) => g.itemCode)).toEqual(['SP-1', 'SP-2']);
      expect((await e.web.guide()).map((g) => `${g.departmentCode}/${g.itemCode}`)).toEqual(['RSJ/SP-1', 'SCJG/SP-1', 'SCJG/SP-2']);
      expect(await e.web.guideItem(b, 'SP-2')).toBeUndefined();
      expect(await e.web.deleteGuide(b, 'SP-2')).toBe(false);
      expect(await e.web.deleteGuide(a, 'SP-2')).toBe(true);
      expect((await e.web.guide(a)).map((g) => g.itemCode)).toEqual(['SP-1']);
    });

    it('publishable flag: only answered and flagged items are published, newest first; notify choice on the row', async () => {
      const mk = async (text: string, answer: string | null) => {
        const f = await e.feedback.insert({ kind: 'complaint', channel: 'web', phone: '8613900001111', text, departmentId: a }, `R${text}`, at(0));
        if (answer) await e.feedback.update(f.id, { answer, answeredAt: at(5), status: 'answered' }, at(5));
        return f;
      };
      const x = await mk('1', '答复一'), y = await mk('2', '答复二'), z = await mk('3', null);
      expect(x.publishable).toBe(false);
      expect(x.notifyPhone).toBe(true);
      expect(await e.web.setPublishable(x.id, true, 'staff:sup', at(6))).toBe(true);
      expect(await e.web.setPublishable(y.id, true, 'staff:sup', at(7))).toBe(true);
      expect(await e.web.setPublishable(z.id, true, 'staff:sup', at(7))).toBe(true); // flagged but not answered: not shown
      expect(await e.web.setPublishable(999_999, true, 'staff:sup', at(7))).toBe(false);
      expect(await e.web.publishedCount()).toBe(2);
      expect((await e.web.published(10)).map((p) => [p.ref, p.answer, p.departmentName, p.publishedAt])).toEqual([['R2', '答复二', '市市场监督管理局', at(7)], ['R1', '答复一', '市市场监督管理局', at(6)]]);
      expect((await e.web.published(1, 1)).map((p) => p.ref)).toEqual(['R1']);
      await e.web.setPublishable(y.id, false, 'staff:admin', at(8));
      expect((await e.web.published(10)).map((p) => p.ref)).toEqual(['R1']);
      expect((await e.feedback.byId(x.id))!.publishable).toBe(true);
      await e.web.setNotifyPhone(x.id, false);
      expect((await e.feedback.byId(x.id))!.notifyPhone).toBe(false);
    });

    it('titles and the on-duty list: enabled staff with a title, by unit', async () => {
      const u1 = (await e.staff.insert({ username: 'wang', displayName: '王芳', role: 'department', departmentId: a, passwordHash: 'h' }, T0)).id;
      const u2 = (await e.staff.insert({ username: 'li', displayName: null, role: 'operator', departmentId: null, passwordHash: 'h' }, T0)).id;
      await e.staff.insert({ username: 'zhao', displayName: '赵', role: 'supervisor', departmentId: null, passwordHash: 'h' }, T0);
      expect(await e.web.setTitle(u1, '科长', at(1))).toBe(true);
      expect(await e.web.setTitle(u2, '话务员', at(1))).toBe(true);
      expect(await e.web.setTitle(999_999, 'x', at(1))).toBe(false);
      expect(await e.web.title(u1)).toBe('科长');
      expect((await e.web.onDuty()).map((h) => [h.departmentName, h.title, h.name])).toEqual(expect.arrayContaining([['市市场监督管理局', '科长', '王芳'], [null, '话务员', 'li']]));
      expect(await e.web.onDuty()).toHaveLength(2);
      await e.staff.setDisabled(u2, true, at(2));
      await e.web.setTitle(u1, null, at(2));
      expect(await e.web.onDuty()).toEqual([]);
    });

    it('one-time codes: replace resets attempts, attempts count, purge by expiry', async () => {
      await e.web.putCode('k1', 'h1', at(10), at(0));
      expect(await e.web.countAttempt('k1')).toBe(1);
      expect(await e.web.countAttempt('k1')).toBe(2);
      expect(await e.web.countAttempt('nope')).toBe(0);
      await e.web.putCode('k1', 'h2', at(20), at(1));
      expect(await e.web.code('k1')).toEqual({ key: 'k1', codeHash: 'h2', attempts: 0, expiresAt: at(20), createdAt: at(1) });
      await e.web.putCode('k2', 'h', at(5), at(0));
      expect(await e.web.purgeCodes(at(5))).toBe(1);
      expect(await e.web.code('k2')).toBeUndefined();
      await e.web.dropCode('k1');
      expect(await e.web.code('k1')).toBeUndefined();
    });

    it('attachments per feedback item', async () => {
      const f = await e.feedback.insert({ kind: 'complaint', channel: 'web', phone: null, text: 'x' }, 'RA', at(0));
      const att = await e.web.addAttachment({ feedbackId: f.id, fileName: '照片.png', mime: 'image/png', size: 10, path: '2026-12-01/a.png', createdAt: at(1) });
      expect(att).toEqual({ id: att.id, feedbackId: f.id, fileName: '照片.png', mime: 'image/png', size: 10, path: '2026-12-01/a.png', createdAt: at(1) });
      expect(await e.web.attachments(f.id)).toEqual([att]);
      expect(await e.web.attachment(att.id)).toEqual(att);
      expect(await e.web.attachment(att.id + 1000)).toBeUndefined();
    });
  });
});

/** Store contract, core tables: the same behaviour on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDeclaration } from '../../../src/domain/ports.js';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-01-05T01:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

function decl(departmentId: number, code: string, over: Partial<NewDeclaration> = {}): NewDeclaration {
  return {
    queryCode: code, departmentId, deptRef: `REF-${code}`, itemName: '食品经营许可', applicantName: '张三', applicantPhone: '13800138000',
    status: 'accepted', statusAt: T0, acceptedAt: T0, dueAt: at(60 * 24 * 5), closedAt: null, now: T0, ...over,
  };
}

describe.each(ENGINES)('store contract on $name: core', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let dept: number;
    beforeAll(async () => {
      e = await open();
      dept = (await e.departments.insert('SCJG', '市市场监督管理局', '0579-1', 'h1', 'ab12', T0)).id;
    });
    afterAll(async () => { await e?.close(); });

    it('departments: insert, lookups, key, update', async () => {
      const d = await e.departments.insert('GAJ', '市公安局', null, null, null, T0);
      expect(d).toEqual({ id: d.id, code: 'GAJ', name: '市公安局', contactPhone: null, createdAt: T0 });
      expect((await e.departments.byCode('SCJG'))!.id).toBe(dept);
      expect((await e.departments.byApiKeyHash('h1'))!.code).toBe('SCJG');
      await e.departments.setApiKey(d.id, 'h2', 'cd34');
      expect((await e.departments.byApiKeyHash('h2'))!.id).toBe(d.id);
      await e.departments.update(d.id, '金华市公安局', '110');
      expect(await e.departments.byId(d.id)).toMatchObject({ name: '金华市公安局', contactPhone: '110' });
      expect((await e.departments.all()).map((x) => x.code)).toEqual(['GAJ', 'SCJG']);
      expect(await e.departments.byId(99999)).toBeUndefined();
      await expect(e.departments.insert('GAJ', 'dup', null, null, null, T0)).rejects.toThrow();
    });

    it('declarations: insert, lookups, partial update, search, overdue', async () => {
      const d = await e.declarations.insert(decl(dept, 'Q1000001'));
      expect(d).toMatchObject({ queryCode: 'Q1000001', departmentId: dept, departmentCode: 'SCJG', departmentName: '市市场监督管理局', deptRef: 'REF-Q1000001', closedAt: null, createdAt: T0, updatedAt: T0 });
      expect(await e.declarations.queryCodeExists('Q1000001')).toBe(true);
      expect(await e.declarations.queryCodeExists('nope')).toBe(false);
      expect((await e.declarations.byQueryCode('Q1000001'))!.id).toBe(d.id);
      expect((await e.declarations.byDeptRef('REF-Q1000001')).map((x) => x.id)).toEqual([d.id]);
      expect((await e.declarations.byDeptRef('REF-Q1000001', dept + 1000))).toEqual([]);
      const u = await e.declarations.update(d.id, { status: 'approved', statusAt: at(5), closedAt: at(5) }, at(6));
      expect(u).toMatchObject({ status: 'approved', statusAt: at(5), closedAt: at(5), updatedAt: at(6), itemName: '食品经营许可' });
      const u2 = await e.declarations.update(d.id, { itemName: '改' }, at(7), u);
      expect(u2).toMatchObject({ itemName: '改', status: 'approved', updatedAt: at(7) });
      expect((await e.declarations.byId(d.id))!.itemName).toBe('改');
      // the same department reference twice in one department is refused (unique partial index)
      await expect(e.declarations.insert(decl(dept, 'Q1000002', { deptRef: 'REF-Q1000001' }))).rejects.toThrow();
      const late = await e.declarations.insert(decl(dept, 'Q1000003', { dueAt: at(1), applicantPhone: '13900139000' }));
      expect((await e.declarations.overdue(at(10))).map((x) => x.id)).toContain(late.id);
      expect((await e.declarations.overdue(at(10))).map((x) => x.id)).not.toContain(d.id); // closed
      expect((await e.declarations.overdueCounts(at(10))).get(dept)).toBeGreaterThanOrEqual(1);
      expect((await e.declarations.search('13900139000')).map((x) => x.id)).toEqual([late.id]);
      expect((await e.declarations.recent(dept, 1)).map((x) => x.id)).toEqual([late.id]);
      expect((await e.declarations.recent(null, 1, 1)).map((x) => x.id)).toEqual([d.id]);
      expect(await e.declarations.count()).toBe(2);
    });

    it('declaration events: timeline order, last applied, idempotency by (department, eventId)', async () => {
      const d = await e.declarations.insert(decl(dept, 'Q2000001'));
      const base = { declarationId: d.id, departmentId: dept, handlerName: '李四', handlerTitle: '科员', opinion: null, receivedAt: at(30) };
      const e1 = await e.declarations.insertEvent({ ...base, eventId: 'ev-1', stepName: '受理', status: 'accepted', details: null, occurredAt: at(1), applied: true });
      const e3 = await e.declarations.insertEvent({ ...base, eventId: 'ev-3', stepName: '审核', status: 'in_progress', details: { 窗口: '3号' }, occurredAt: at(3), applied: true });
      await e.declarations.insertEvent({ ...base, eventId: 'ev-2', stepName: '补正', status: 'supplement_needed', details: null, occurredAt: at(2), applied: false });
      expect((await e.declarations.events(d.id)).map((x) => x.eventId)).toEqual(['ev-1', 'ev-2', 'ev-3']);
      const stored = await e.declarations.eventByEventId(dept, 'ev-3');
      expect(stored).toEqual(e3);
      expect(stored!.details).toEqual({ 窗口: '3号' });
      expect((await e.declarations.lastAppliedEvent(d.id))!.eventId).toBe('ev-3');
      expect(e1.applied).toBe(true);
      // the same event id again: refused by the unique constraint, nothing stored twice
      await expect(e.declarations.insertEvent({ ...base, eventId: 'ev-1', stepName: '受理', status: 'accepted', details: null, occurredAt: at(1), applied: true })).rejects.toThrow(/UNIQUE/i);
      expect((await e.declarations.events(d.id)).length).toBe(3);
      expect(await e.declarations.eventByEventId(dept, 'missing')).toBeUndefined();
    });

    it('feedback: ref counter per day, insert/update, timeline, filters, survey lookup, SMS parts', async () => {
      expect(await e.feedback.nextRefSeq('20260105')).toBe(1);
      expect(await e.feedback.nextRefSeq('20260105')).toBe(2);
      expect(await e.feedback.nextRefSeq('20260106')).toBe(1);
      const f = await e.feedback.insert({ kind: 'complaint', channel: 'sms', phone: '13700137000', text: '路灯坏了 Street Light', departmentId: dept }, 'TS20260105-0001', T0);
      expect(f).toMatchObject({ ref: 'TS20260105-0001', kind: 'complaint', status: 'new', departmentId: dept, departmentName: '市市场监督管理局', reopenCount: 0, recordingPath: null, createdAt: T0 });
      expect((await e.feedback.byRef('TS20260105-0001'))!.id).toBe(f.id);
      await expect(e.feedback.insert({ kind: 'complaint', channel: 'sms', phone: null, text: 'x' }, 'TS20260105-0001', T0)).rejects.toThrow();
      const v = await e.feedback.insert({ kind: 'consultation', channel: 'voice', phone: '13700137001', text: null, recordingPath: '/r/1.wav', recordingDuration: 12.5, callId: 'c-1', flowPath: 'main>leave' }, 'TS20260105-0002', at(1));
      expect(v).toMatchObject({ recordingDuration: 12.5, callId: 'c-1', departmentId: null, departmentName: null });
      const a = await e.feedback.update(f.id, { status: 'answered', answer: '已修复', answeredBy: 'wang', answeredAt: at(60) }, at(60));
      expect(a).toMatchObject({ status: 'answered', answer: '已修复', updatedAt: at(60) });
      expect((await e.feedback.awaitingSurvey('13700137000', at(0)))!.id).toBe(f.id);
      expect(await e.feedback.awaitingSurvey('13700137000', at(61))).toBeUndefined();
      await e.feedback.addTimeline(f.id, 'created', 'sms', null, T0);
      await e.feedback.addTimeline(f.id, 'answered', 'wang', '已修复', at(60));
      expect(await e.feedback.timeline(f.id)).toEqual([
        { action: 'created', actor: 'sms', detail: null, at: T0 }, { action: 'answered', actor: 'wang', detail: '已修复', at: at(60) },
      ]);
      expect((await e.feedback.list({ channel: 'voice' })).map((x) => x.id)).toEqual([v.id]);
      expect((await e.feedback.list({})).map((x) => x.id)).toEqual([v.id, f.id]);
      expect((await e.feedback.list({ q: 'street' })).map((x) => x.id)).toEqual([f.id]); // case-insensitive text search
      const canon = await e.feedback.insert({ kind: 'suggestion', channel: 'sms', phone: '8613700137002', text: '建议' }, 'TS20260105-0003', at(0.5));
      expect((await e.feedback.list({ q: '+86 137 0013 7002' })).map((x) => x.id)).toEqual([canon.id]); // a phone in any form
      await e.sql('DELETE FROM feedback WHERE id = ?', [canon.id]);
      expect((await e.feedback.list({ departmentId: dept, status: 'answered' })).map((x) => x.id)).toEqual([f.id]);
      expect(await e.feedback.count({ since: at(1) })).toBe(1);
      expect(await e.feedback.count({ until: at(1) })).toBe(1);
      expect((await e.feedback.list({ limit: 1, offset: 1 })).map((x) => x.id)).toEqual([f.id]);
      // SMS parts of the message a feedback item came from
      const inc = await e.sms.insertInbound('13700137000', '96365', '路灯坏了', 2, false, ['part 3 missing'], T0, 3);
      await e.sms.inboundDone(inc, 'processed', 'complaint', 'feedback', f.id, T0);
      expect(await e.feedback.smsParts(f.id)).toEqual({ received: 2, expected: 3 });
      expect(await e.feedback.smsParts(v.id)).toBeNull();
      expect([...(await e.feedback.smsPartsIncomplete([f.id, v.id])).entries()]).toEqual([[f.id, { received: 2, expected: 3 }]]);
      expect((await e.feedback.smsPartsIncomplete([])).size).toBe(0);
    });

    it('subscriptions and opt-outs', async () => {
      const d1 = await e.declarations.insert(decl(dept, 'Q3000001'));
      const d2 = await e.declarations.insert(decl(dept, 'Q3000002'));
      const s1 = await e.subscriptions.insert('13600136000', d1.id, 'sms', T0);
      expect(s1).toEqual({ id: s1.id, phone: '13600136000', declarationId: d1.id, channel: 'sms', createdAt: T0, endedAt: null });
      await e.subscriptions.insert('13600136000', d2.id, 'voice', at(1));
      await e.subscriptions.insert('13600136001', d1.id, 'sms', at(2));
      // one active subscription per phone and declaration
      await expect(e.subscriptions.insert('13600136000', d1.id, 'sms', at(3))).rejects.toThrow();
      expect((await e.subscriptions.active('13600136000', d1.id))!.id).toBe(s1.id);
      expect((await e.subscriptions.activeFor(d1.id)).map((s) => s.phone)).toEqual(['13600136000', '13600136001']);
      expect((await e.subscriptions.activeByPhone('13600136000')).length).toBe(2);
      expect(await e.subscriptions.end('13600136000', d1.id, at(5))).toBe(1);
      expect(await e.subscriptions.active('13600136000', d1.id)).toBeUndefined();
      expect(await e.subscriptions.end('13600136000', null, at(6))).toBe(1);
      expect(await e.subscriptions.end('13600136000', null, at(6))).toBe(0);
      // ended: may subscribe again
      await e.subscriptions.insert('13600136000', d1.id, 'sms', at(7));
      const l = await e.subscriptions.list(10);
      expect(l[0]).toMatchObject({ phone: '13600136000', queryCode: 'Q3000001' });
      expect(l.length).toBe(4);
      expect(await e.subscriptions.isOptedOut('13600136000')).toBe(false);
      await e.subscriptions.setOptOut('13600136000', at(8));
      await e.subscriptions.setOptOut('13600136000', at(9)); // idempotent, keeps the first time
      expect(await e.subscriptions.isOptedOut('13600136000')).toBe(true);
      expect(await e.subscriptions.optOuts()).toEqual([{ phone: '13600136000', at: at(8) }]);
      await e.subscriptions.clearOptOut('13600136000');
      expect(await e.subscriptions.isOptedOut('13600136000')).toBe(false);
    });

    it('audit: hash chain append, list, verify detects a changed or removed entry', async () => {
      for (let i = 0; i < 5; i++) await e.audit.append('admin', 'user.add', `u${i}`, { i }, at(i));
      await e.audit.append('admin', 'note', null, 'plain text', at(9));
      expect(await e.audit.verify()).toEqual({ ok: true, entries: 6 });
      const l = await e.audit.list(2);
      expect(l.map((x) => x.target)).toEqual([null, 'u4']);
      expect(l[1]).toMatchObject({ actor: 'admin', action: 'user.add', detail: '{"i":4}', at: at(4) });
      expect(l[0].prevHash).toBe(l[1].hash);
      const third = (await e.audit.list(1, 3))[0];
      await e.sql(`UPDATE audit_log SET detail = '{"i":9}' WHERE id = ?`, [third.id]);
      expect(await e.audit.verify()).toMatchObject({ ok: false, badId: third.id, reason: 'entry content changed' });
      await e.sql(`UPDATE audit_log SET detail = ? WHERE id = ?`, [third.detail, third.id]);
      expect((await e.audit.verify()).ok).toBe(true);
      await e.sql('DELETE FROM audit_log WHERE id = ?', [third.id]);
      expect(await e.audit.verify()).toMatchObject({ ok: false, badId: (await e.audit.list(1, 2))[0].id });
    });
  });
});

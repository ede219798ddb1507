/** Store contract, work orders: the same behaviour on SQLite and PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../../src/workorders/model.js';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-03-02T01:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();
const LABELS = { dispatch: '派单', sign: '签收' };

describe.each(ENGINES)('store contract on $name: work orders', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let scjg: number, cgj: number;
    let n = 0;
    const newOrder = async (over: Record<string, unknown> = {}) => {
      const f = await e.feedback.insert({ kind: 'complaint', channel: 'sms', phone: '8613700137000', text: `过期食品 ${++n}` }, `WO${String(n).padStart(4, '0')}`, at(n));
      if (Object.keys(over).length) await e.workOrders.save(f.id, over, at(n));
      return f.id;
    };
    beforeAll(async () => {
      e = await open();
      scjg = (await e.departments.insert('SCJG', '市市场监督管理局', null, null, null, T0)).id;
      cgj = (await e.departments.insert('CGJ', '市城市管理局', null, null, null, T0)).id;
    });
    afterAll(async () => { await e?.close(); });

    it('a feedback item is a work order: defaults, save of cycle fields, parts, lock', async () => {
      const id = await newOrder();
      const o = (await e.workOrders.byId(id))!;
      expect(o).toMatchObject({ id, status: 'new', urgency: 'normal', category: null, dueAt: null, returnCount: 0, disputeLevel: 0, urgeCount: 0, parts: [], extension: null, parentId: null });
      await e.workOrders.save(id, { status: 'assigned', departmentId: scjg, category: 'SCJG.FOOD', urgency: 'urgent', instruction: '请核查', dispatchedAt: at(10), signDueAt: at(70), dueAt: at(70), warnAt: at(58), disputeLevel: 1 }, at(10));
      await e.workOrders.setParts(id, [{ departmentId: cgj, departmentName: '市城市管理局', instruction: '查占道', status: 'open', answer: null, answeredBy: null, answeredAt: null }], at(10));
      const d = (await e.workOrders.lock(id))!;
      expect(d).toMatchObject({ status: 'assigned', departmentId: scjg, departmentName: '市市场监督管理局', category: 'SCJG.FOOD', urgency: 'urgent', dueAt: at(70), disputeLevel: 1, updatedAt: at(10) });
      expect(d.parts).toEqual([{ departmentId: cgj, departmentName: '市城市管理局', instruction: '查占道', status: 'open', answer: null, answeredBy: null, answeredAt: null }]);
      await e.workOrders.setParts(id, [{ ...d.parts[0], status: 'answered', answer: '已清理', answeredBy: 'dept:CGJ', answeredAt: at(20) }], at(20));
      expect((await e.workOrders.byRef(d.ref))!.parts[0]).toMatchObject({ status: 'answered', answer: '已清理' });
      // the feedback repository still reads it as before
      expect(await e.feedback.byId(id)).toMatchObject({ status: 'assigned', departmentId: scjg });
    });

    it('extension requests: one pending, decided once', async () => {
      const id = await newOrder({ status: 'handling', departmentId: scjg });
      const xid = await e.workOrders.insertExtension(id, { departmentId: scjg, requestedBy: 'dept:SCJG:王芳', requestedByName: '王芳', reason: '需检测', days: 5, requestedAt: at(30) });
      expect((await e.workOrders.byId(id))!.extension).toEqual({ id: xid, departmentId: scjg, requestedBy: 'dept:SCJG:王芳', requestedByName: '王芳', reason: '需检测', days: 5, requestedAt: at(30) });
      expect(await e.workOrders.decideExtension(xid, true, 'staff:zhao', '赵强', at(40), null, at(9000))).toBe(true);
      expect(await e.workOrders.decideExtension(xid, false, 'staff:zhao', '赵强', at(41), 'x', null)).toBe(false);
      expect((await e.workOrders.byId(id))!.extension).toBeNull();
      expect(await e.workOrders.extensions(id)).toEqual([expect.objectContaining({ id: xid, status: 'approved', decidedByName: '赵强', decidedAt: at(40), newDueAt: at(9000) })]);
    });

    it('timeline with actors, next to the entries from before', async () => {
      const id = await newOrder();
      await e.feedback.addTimeline(id, 'created', 'sms', 'sms', at(0));
      const entry: TimelineEntry = { action: 'dispatch', label: '派单', actor: 'staff:li', actorName: '李娜', departmentId: scjg, departmentName: '市市场监督管理局', opinion: '请核查', detail: { urgency: 'normal' }, at: at(5) };
      await e.workOrders.addEntry(id, entry);
      await e.workOrders.addEntry(id, { ...entry, action: 'sign', label: '签收', actor: 'dept:SCJG', actorName: '王芳', opinion: null, detail: null, at: at(6) });
      expect(await e.workOrders.entries(id, LABELS)).toEqual([
        { action: 'created', label: '登记', actor: 'sms', actorName: 'sms', departmentId: null, departmentName: null, opinion: 'sms', detail: null, at: at(0) },
        entry,
        { ...entry, action: 'sign', label: '签收', actor: 'dept:SCJG', actorName: '王芳', opinion: null, detail: null, at: at(6) },
      ]);
      // the old timeline call still answers (detail = the opinion)
      expect((await e.feedback.timeline(id)).map((t) => [t.action, t.detail])).toEqual([['created', 'sms'], ['dispatch', '请核查'], ['sign', null]]);
    });

    it('merges and idempotency keys', async () => {
      const parent = await newOrder();
      const child = await newOrder({ status: 'merged', parentId: parent });
      expect((await e.workOrders.children(parent)).map((c) => c.id)).toEqual([child]);
      expect(await e.workOrders.saveRequest(scjg, 'k-1', parent, 'sign', 'h', '{"ok":true}', at(1))).toBe(true);
      expect(await e.workOrders.saveRequest(scjg, 'k-1', parent, 'sign', 'h2', '{"ok":false}', at(2))).toBe(false);
      expect(await e.workOrders.saveRequest(cgj, 'k-1', parent, 'sign', 'h', '{}', at(2))).toBe(true); // per department
      expect(await e.workOrders.request(scjg, 'k-1')).toEqual({ orderId: parent, action: 'sign', bodyHash: 'h', response: '{"ok":true}', at: at(1) });
      expect(await e.workOrders.request(scjg, 'nope')).toBeUndefined();
    });

    it('duplicate candidates: open orders since a time sharing phone, address or category', async () => {
      const base = { phone: '8613811111111', address: '人民路 9 号', category: 'CSGL.LIGHT' };
      const me = await newOrder(base);
      const samePhone = await newOrder({ phone: base.phone });
      const samePlace = await newOrder({ address: base.address });
      const sameCat = await newOrder({ category: base.category });
      await newOrder({ phone: base.phone, status: 'closed' });
      await newOrder({ phone: '8613822222222' });
      const ids = (await e.workOrders.duplicateCandidates(me, base.phone, base.address, base.category, at(0))).map((o) => o.id).sort((a, b) => a - b);
      expect(ids).toEqual([samePhone, samePlace, sameCat]);
      expect(await e.workOrders.duplicateCandidates(me, base.phone, null, null, at(10_000))).toEqual([]);
    });

    it('inbox queues: 待派单, 待签收, 办理中, 即将超时, 已超时, 待回访, 重办, mine; department scope includes assists', async () => {
      await e.sql("UPDATE feedback SET status = 'closed', due_at = NULL, warn_at = NULL"); // the earlier cases' orders out of the way
      const now = at(1000);
      const ids = {
        fresh: await newOrder(),
        returned: await newOrder({ status: 'returned', departmentId: scjg }),
        toSign: await newOrder({ status: 'assigned', departmentId: scjg, dueAt: at(2000), warnAt: at(1800) }),
        warning: await newOrder({ status: 'handling', departmentId: scjg, dueAt: at(1100), warnAt: at(900) }),
        overdue: await newOrder({ status: 'handling', departmentId: cgj, dueAt: at(999), warnAt: at(800) }),
        answered: await newOrder({ status: 'answered', departmentId: scjg, answeredAt: at(500) }),
        redo: await newOrder({ status: 'assigned', departmentId: cgj, reopenCount: 1, dueAt: at(3000), warnAt: at(2900), claimedBy: 'staff:li' }),
        escalated: await newOrder({ status: 'escalated', departmentId: scjg }),
      };
      await e.workOrders.setParts(ids.overdue, [{ departmentId: scjg, departmentName: '市市场监督管理局', instruction: null, status: 'open', answer: null, answeredBy: null, answeredAt: null }], now);
      const q = async (name: Parameters<Engine['workOrders']['queue']>[0], f: Record<string, unknown> = {}) => (await e.workOrders.queue(name, { now, ...f })).map((o) => o.id);
      expect(await q('to_dispatch')).toEqual([ids.fresh, ids.returned]);
      expect(await q('to_sign')).toEqual([ids.toSign, ids.redo]);
      expect(await q('handling')).toEqual([ids.overdue, ids.warning]);
      expect(await q('warning')).toEqual([ids.warning]);
      expect(await q('overdue')).toEqual([ids.overdue]);
      expect((await e.workOrders.queue('overdue', { now }))[0].parts).toEqual([expect.objectContaining({ departmentId: scjg, status: 'open' })]); // a page carries its parts
      expect(await q('survey')).toEqual([ids.answered]);
      expect((await q('redo')).sort()).toEqual([ids.redo, ids.escalated].sort());
      expect(await q('mine', { claimedBy: 'staff:li' })).toEqual([ids.redo]);
      expect(await q('mine', { claimedBy: 'staff:wu' })).toEqual([]);
      // SCJG sees its own and the one it assists, not CGJ's redo
      expect(await q('handling', { departmentId: scjg })).toEqual([ids.overdue, ids.warning]);
      expect(await q('to_sign', { departmentId: scjg })).toEqual([ids.toSign]);
      // a department's page merges its own and the assisted ones in queue order
      expect(await q('handling', { departmentId: scjg, limit: 1 })).toEqual([ids.overdue]);
      expect(await q('handling', { departmentId: scjg, limit: 1, offset: 1 })).toEqual([ids.warning]);
      expect(await q('overdue', { departmentId: scjg })).toEqual([ids.overdue]);
      expect(await q('overdue', { departmentId: cgj })).toEqual([ids.overdue]);
      expect((await e.workOrders.queueCounts({ now, departmentId: scjg })).handling).toBe(2);
      expect(await q('to_sign', { limit: 1, offset: 1 })).toEqual([ids.redo]);
      const counts = await e.workOrders.queueCounts({ now });
      expect(counts).toMatchObject({ to_dispatch: 2, to_sign: 2, handling: 2, warning: 1, overdue: 1, survey: 1, redo: 2, mine: 0 });
      expect((await e.workOrders.queueCounts({ now, departmentId: cgj })).to_sign).toBe(1);
      expect((await e.workOrders.queueCounts({ now, claimedBy: 'staff:li' })).mine).toBe(1);
    });
  });
});

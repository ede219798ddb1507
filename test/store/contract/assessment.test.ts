/** Store contract, the assessment's facts (全程考核): the same rows on SQLite and PostgreSQL, by period and department. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type Engine } from './engines.js';

const T0 = '2026-03-02T01:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();

describe.each(ENGINES)('store contract on $name: assessment facts', ({ open, skip }) => {
  describe.skipIf(skip)('repositories', () => {
    let e: Engine;
    let scjg: number, cgj: number;
    let n = 0;
    const order = async (created: number, over: Record<string, unknown> = {}) => {
      const f = await e.feedback.insert({ kind: 'complaint', channel: 'sms', phone: '8613700137000', text: `诉求 ${++n}` }, `AS${String(n).padStart(4, '0')}`, at(created));
      if (Object.keys(over).length) await e.workOrders.save(f.id, over, at(created));
      return f.id;
    };
    let full: number, scoped: number, merged: number;
    beforeAll(async () => {
      e = await open();
      scjg = (await e.departments.insert('SCJG', '市市场监督管理局', null, null, null, T0)).id;
      cgj = (await e.departments.insert('CGJ', '市城市管理局', null, null, null, T0)).id;
      await order(-1, { status: 'closed', departmentId: scjg }); // before the period
      full = await order(0, {
        status: 'closed', departmentId: scjg, category: 'SCJG.FOOD', address: '人民路1号', dispatchedAt: at(1), signDueAt: at(60), signedAt: at(5), signedBy: 'dept:SCJG:李四',
        finishDueAt: at(9000), answeredAt: at(600), answeredBy: 'dept:SCJG:王芳', closedAt: at(700), returnCount: 1, extensionCount: 2, urgeCount: 3, reopenCount: 1, satisfaction: 2,
      });
      scoped = await order(10, { status: 'assigned', departmentId: cgj, signedBy: 'dept:CGJ:赵六' });
      merged = await order(20, { status: 'merged', departmentId: scjg });
      await order(30); // not dispatched
      await order(100, { status: 'closed', departmentId: scjg }); // at the end: excluded (half-open)
    });
    afterAll(async () => { await e?.close(); });

    it('one row per order received in [from, to), merged left out, with every fact', async () => {
      const facts = await e.workOrders.assessmentFacts(at(0), at(100));
      expect(facts.map((f) => f.ref)).toEqual(['AS0002', 'AS0003', 'AS0005']);
      expect(facts[0]).toEqual({
        id: full, ref: 'AS0002', status: 'closed', departmentId: scjg, departmentName: '市市场监督管理局', handler: 'dept:SCJG:王芳', category: 'SCJG.FOOD', address: '人民路1号',
        createdAt: at(0), dispatchedAt: at(1), signDueAt: at(60), signedAt: at(5), finishDueAt: at(9000), answeredAt: at(600), closedAt: at(700),
        returnCount: 1, extensionCount: 2, urgeCount: 3, reopenCount: 1, satisfaction: 2,
      });
      expect(facts[1]).toMatchObject({ id: scoped, handler: 'dept:CGJ:赵六', satisfaction: null, answeredAt: null, returnCount: 0 });
      expect(facts[2]).toMatchObject({ departmentId: null, departmentName: null, handler: null, status: 'new' });
      expect(facts.some((f) => f.id === merged)).toBe(false);
    });

    it('one department', async () => {
      expect((await e.workOrders.assessmentFacts(at(0), at(100), cgj)).map((f) => f.id)).toEqual([scoped]);
      expect((await e.workOrders.assessmentFacts(at(-10), at(200), scjg)).map((f) => f.ref)).toEqual(['AS0001', 'AS0002', 'AS0006']);
      expect(await e.workOrders.assessmentFacts(at(0), at(100), 99999)).toEqual([]);
    });
  });
});

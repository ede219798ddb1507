/** 全程考核 API: the table, scoping of department staff, drill-down, hot spots, the formula-safe CSV. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, startAdmin, type AdminServer, type Client } from './helpers.js';
import { addDepartment } from '../../src/departments.js';
import { WorkOrderService } from '../../src/workorders/service.js';

let s: AdminServer;
const PW = 'assess-pass-1';
let sup: Client, dept: Client, op: Client;
const refs: Record<string, string> = {};

beforeAll(async () => {
  s = await startAdmin();
  const { ctx } = s.server;
  const scjg = (await addDepartment(ctx.store, 'SCJG', '市市场监督管理局')).department;
  const evil = (await addDepartment(ctx.store, 'EVIL', '=HYPERLINK("http://x")')).department;
  const admin = { role: 'admin' as const, id: 'staff:test', name: '测试', departmentId: null, departmentName: null };
  const W = ctx.workOrders;
  const mk = async (name: string, code: string, steps: (id: number) => Promise<void>) => {
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345678', text: `诉求 ${name}` });
    await W.apply(f.id, { type: 'edit', address: '人民路 1 号' }, admin);
    await W.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD', departmentCode: code }, admin);
    await steps(f.id);
    refs[name] = f.ref;
  };
  const d = WorkOrderService.departmentActor(scjg, '李四');
  await mk('satisfied', 'SCJG', async (id) => {
    await W.apply(id, { type: 'sign' }, d); await W.apply(id, { type: 'answer', answer: '已查处' }, d); await W.apply(id, { type: 'survey', score: 1, via: 'staff', opinion: null }, admin);
  });
  await mk('urged', 'SCJG', async (id) => { await W.apply(id, { type: 'sign' }, d); await W.apply(id, { type: 'urge', opinion: '请加快' }, admin); });
  await mk('evil', 'EVIL', async (id) => { await W.apply(id, { type: 'sign' }, WorkOrderService.departmentActor(evil)); });
  await s.admin.auth.createUser({ username: 'sup', role: 'supervisor', password: PW });
  await s.admin.auth.createUser({ username: 'dep', role: 'department', password: PW, departmentCode: 'SCJG' });
  await s.admin.auth.createUser({ username: 'op', role: 'operator', password: PW });
  sup = await loggedIn(s.url, 'sup', PW); dept = await loggedIn(s.url, 'dep', PW); op = await loggedIn(s.url, 'op', PW);
});
afterAll(async () => { await s.server.stop(); });

describe('GET /admin/api/assessment', () => {
  it('the table per department and handler, weights, hot spots with the orders behind them', async () => {
    const r = await sup.req('GET', '/admin/api/assessment');
    expect(r.status).toBe(200);
    const row = r.json.departments.find((x: any) => x.name === '市市场监督管理局');
    expect(row).toMatchObject({ received: 2, signDecided: 2, signOnTime: 2, signOnTimePct: 100, finished: 1, finishOnTimePct: 100, urges: 1, surveyed: 1, satisfiedPct: 100 });
    expect(row.score).toBeGreaterThan(0);
    expect(r.json.handlers.find((x: any) => x.departmentId === row.departmentId)).toMatchObject({ received: 2 });
    expect(r.json.weights.map((w: any) => w.key)).toContain('satisfaction');
    const cat = r.json.hotSpots.categories.find((h: any) => h.key === 'SCJG.FOOD');
    expect(cat).toMatchObject({ name: '市场监管/食品安全', thisWeek: 3, lastWeek: 0 });
    expect([...cat.refs].sort()).toEqual(Object.values(refs).sort());
    expect(r.json.hotSpots.places[0]).toMatchObject({ key: '人民路 1 号', thisWeek: 3 });
  });
  it('drill-down: the orders behind a figure', async () => {
    const r = await sup.req('GET', '/admin/api/assessment?figure=urges&department=SCJG');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ figure: 'urges', figureZh: '催办', total: 1, department: 'SCJG' });
    expect(r.json.items.map((x: any) => x.ref)).toEqual([refs.urged]);
    expect((await sup.req('GET', '/admin/api/assessment?figure=satisfied')).json.items.map((x: any) => x.ref)).toEqual([refs.satisfied]);
  });
  it('department staff see only their own department', async () => {
    const r = await dept.req('GET', '/admin/api/assessment');
    expect(r.status).toBe(200);
    expect(r.json.department).toMatchObject({ code: 'SCJG' });
    expect(r.json.departments.map((x: any) => x.name)).toEqual(['市市场监督管理局']);
    expect(r.json.hotSpots.categories[0]).toMatchObject({ thisWeek: 2 });
    expect((await dept.req('GET', '/admin/api/assessment?department=EVIL')).status).toBe(403);
    expect((await dept.req('GET', '/admin/api/assessment?figure=received&department=EVIL')).status).toBe(403);
    expect((await dept.req('GET', '/admin/api/assessment.csv?department=EVIL')).status).toBe(403);
    expect((await op.req('GET', '/admin/api/assessment')).status).toBe(403);
  });
  it.each([
    ['from=2026-13-01', 400], ['from=2026-03-10&to=2026-03-01', 400], ['from=2024-01-01&to=2026-01-01', 400], ['figure=bogus', 400], ['department=NOPE', 404],
  ])('%s → %i', async (q, status) => { expect((await sup.req('GET', `/admin/api/assessment?${q}`)).status).toBe(status); });
});

describe('GET /admin/api/assessment.csv', () => {
  it('formula-safe CSV per department and per handler', async () => {
    const r = await sup.req('GET', '/admin/api/assessment.csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/csv');
    expect(r.text.replace(/^\uFEFF/, '').startsWith('全程考核 ')).toBe(true);
    expect(r.text).toContain('名称,受理,签收按时率%');
    expect(r.text).toContain(`"'=HYPERLINK(""http://x"")",1,`);
    expect(r.text).not.toMatch(/(^|[\n,])=HYPERLINK/);
    const h = await sup.req('GET', '/admin/api/assessment.csv?by=handler');
    expect(h.text).toContain('部门,名称,受理');
    expect(h.text).toContain('市市场监督管理局,李四,2,');
  });
});

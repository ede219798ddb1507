/** Department API, work orders: every action of the department's side, scope (another department → 404) and idempotency. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { testConfig } from '../helpers/context.js';
import { silentLogger } from '../../src/log.js';
import type { Actor } from '../../src/workorders/model.js';

let server: RunningServer;
let keyA: string, keyB: string, keyC: string;
const operator: Actor = { role: 'operator', id: 'staff:li', name: '李娜', departmentId: null, departmentName: null };
const supervisor: Actor = { role: 'supervisor', id: 'staff:zhao', name: '赵强', departmentId: null, departmentName: null };

beforeAll(async () => {
  server = await startServer(testConfig(), { log: silentLogger });
  keyA = (await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局')).apiKey;
  keyB = (await addDepartment(server.ctx.store, 'CGJ', '市城市管理局')).apiKey;
  keyC = (await addDepartment(server.ctx.store, 'RSJ', '市人社局')).apiKey;
});
afterAll(async () => { await server.stop(); });

async function call(method: string, path: string, body?: unknown, key = keyA, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + '/api/v1' + path, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() as any };
}

/** A complaint dispatched to SCJG (CGJ assisting when asked). */
async function dispatched(assist = false): Promise<string> {
  const ctx = server.ctx;
  const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345678', text: '超市卖过期食品' });
  await ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD', instruction: '请核查', assists: assist ? [{ departmentCode: 'CGJ', instruction: '查占道' }] : [] }, operator);
  return f.ref;
}
const labels = async (ref: string, key = keyA) => (await call('GET', `/work-orders/${ref}`, undefined, key)).json.timeline.map((e: any) => e.label);

describe('department API: work orders', () => {
  it('queues and the order: own department only; another department gets 404 exactly like an unknown ref', async () => {
    const ref = await dispatched(true);
    const list = await call('GET', '/work-orders?queue=to_sign');
    expect(list.status).toBe(200);
    const item = list.json.items.find((i: any) => i.ref === ref);
    expect(item).toMatchObject({ role: 'lead', status: 'assigned', statusZh: '待签收', category: 'SCJG.FOOD', categoryName: '市场监管/食品安全', phone: '139****5678', instruction: '请核查', timeLeft: { level: expect.any(String) } });
    expect(list.json.counts.to_sign).toBeGreaterThanOrEqual(1);
    expect((await call('GET', '/work-orders?queue=to_sign', undefined, keyB)).json.items.find((i: any) => i.ref === ref)).toMatchObject({ role: 'assist' });
    expect((await call('GET', '/work-orders?queue=to_sign', undefined, keyC)).json.items).toEqual([]);
    const detail = await call('GET', `/work-orders/${ref}`);
    expect(detail.json.timeline.map((e: any) => [e.label, e.actorName])).toEqual([['登记', 'citizen'], ['派单', '李娜']]);
    const other = await call('GET', `/work-orders/${ref}`, undefined, keyC);
    const unknown = await call('GET', '/work-orders/NOPE404', undefined, keyC);
    expect(other).toEqual({ status: 404, json: unknown.json });
    for (const [path, body] of [['sign', {}], ['return', { reason: 'not_ours', opinion: 'x' }], ['extension', { days: 2, reason: 'x' }], ['interim', { answer: 'x' }], ['answer', { answer: 'x' }], ['assist-answer', { answer: 'x' }]] as const) {
      expect((await call('POST', `/work-orders/${ref}/${path}`, body, keyC)).status, path).toBe(404);
    }
    expect((await call('GET', '/work-orders/' + ref, undefined, 'hk_wrong')).status).toBe(401);
  });

  it('签收 → 申请延期 → 阶段性答复 → 协办答复 → 办结回复, each once; the wrong department or step is refused in Chinese', async () => {
    const ref = await dispatched(true);
    // the assisting department cannot sign; the lead can, once
    expect((await call('POST', `/work-orders/${ref}/sign`, {}, keyB))).toMatchObject({ status: 403, json: { message: '本单位无权对该工单执行“签收”' } });
    const s = await call('POST', `/work-orders/${ref}/sign`, { handlerName: '王芳', opinion: '收到' });
    expect(s).toMatchObject({ status: 200, json: { replayed: false, order: { status: 'handling', statusZh: '办理中' } } });
    expect((await call('POST', `/work-orders/${ref}/sign`, {})).json).toMatchObject({ error: 'conflict', message: '工单当前状态为“办理中”，不能签收' });
    const x = await call('POST', `/work-orders/${ref}/extension`, { days: 3, reason: '需检测', handlerName: '王芳' });
    expect(x.json.order.extension).toMatchObject({ days: 3, reason: '需检测' });
    expect((await call('POST', `/work-orders/${ref}/extension`, { days: 1, reason: '再延' })).status).toBe(409);
    expect((await call('POST', `/work-orders/${ref}/interim`, { answer: '已立案' })).json.order.status).toBe('handling');
    expect((await call('POST', `/work-orders/${ref}/answer`, { answer: '已查处' })).json).toMatchObject({ error: 'conflict', message: '协办单位尚未答复：市城市管理局' });
    expect((await call('POST', `/work-orders/${ref}/assist-answer`, { answer: '已清理', handlerName: '陈刚' }, keyB)).json.order.parts).toEqual([expect.objectContaining({ status: 'answered', answer: '已清理' })]);
    expect((await call('POST', `/work-orders/${ref}/assist-answer`, { answer: 'x' })).status).toBe(403); // the lead is not assisting
    const a = await call('POST', `/work-orders/${ref}/answer`, { answer: '已查处，罚款', handlerName: '王芳' });
    expect(a.json.order).toMatchObject({ status: 'answered', answer: '已查处，罚款' });
    expect(await labels(ref)).toEqual(['登记', '派单', '签收', '申请延期', '阶段性答复', '协办答复', '办结回复']);
    const t = (await call('GET', `/work-orders/${ref}`)).json.timeline;
    expect(t[2]).toMatchObject({ actorName: '王芳', department: '市市场监督管理局', opinion: '收到' });
    expect(t[5]).toMatchObject({ actorName: '陈刚', department: '市城市管理局', opinion: '已清理' });
  });

  it('退单 with a reason → the dispatcher upholds → a second 退单 is a dispute → the supervisor decides → no more returns', async () => {
    const ref = await dispatched();
    expect((await call('POST', `/work-orders/${ref}/return`, { reason: 'lazy', opinion: 'x' })).status).toBe(400);
    expect((await call('POST', `/work-orders/${ref}/return`, { reason: 'not_ours', opinion: '属城管' })).json.order).toMatchObject({ status: 'returned', returnCount: 1 });
    const id = (await server.ctx.workOrders.byRef(ref))!.id;
    await server.ctx.workOrders.apply(id, { type: 'uphold', opinion: '属食品安全' }, operator);
    await call('POST', `/work-orders/${ref}/return`, { reason: 'wrong_category', opinion: '仍非我局' });
    await expect(server.ctx.workOrders.apply(id, { type: 'uphold', opinion: 'x' }, operator)).rejects.toMatchObject({ code: 'forbidden' });
    await server.ctx.workOrders.apply(id, { type: 'uphold', opinion: '由市场监管局办理' }, supervisor);
    expect((await call('POST', `/work-orders/${ref}/return`, { reason: 'not_ours', opinion: 'x' })).json).toMatchObject({ error: 'conflict', message: '督办已裁定由贵单位办理，不能再次退单' });
    expect(await labels(ref)).toEqual(['登记', '派单', '退单', '维持派单', '退单', '维持派单']);
    // every step in the audit log, in Chinese, with who did it
    const audit = (await server.ctx.store.audit.list(50)).filter((a) => a.target === ref).map((a) => `${a.actor} ${a.action} ${a.detail}`);
    expect(audit).toContain('dept:SCJG workorder.return 退单：属城管（待签收 → 退单待审核），市市场监督管理局');
    expect(audit).toContain('staff:zhao workorder.uphold 维持派单：由市场监管局办理（退单待审核 → 待签收）');
  });

  it('idempotency: the same key twice → the same answer, applied once; header or eventId; reused for another request → 409; per department', async () => {
    const ref = await dispatched(true);
    const first = await call('POST', `/work-orders/${ref}/sign`, { eventId: 'sig-1', handlerName: '王芳' });
    const again = await call('POST', `/work-orders/${ref}/sign`, { eventId: 'sig-1', handlerName: '王芳' });
    expect(first.json.replayed).toBe(false);
    expect(again).toEqual({ status: 200, json: { ...first.json, replayed: true } });
    const i1 = await call('POST', `/work-orders/${ref}/interim`, { answer: '已立案' }, keyA, { 'idempotency-key': 'int-1' });
    const i2 = await call('POST', `/work-orders/${ref}/interim`, { answer: '已立案' }, keyA, { 'idempotency-key': 'int-1' });
    expect(i2.json).toEqual({ ...i1.json, replayed: true });
    expect((await call('POST', `/work-orders/${ref}/interim`, { answer: '另一条' }, keyA, { 'idempotency-key': 'int-1' })).status).toBe(409);
    expect((await call('POST', `/work-orders/${ref}/answer`, { answer: 'x', eventId: 'sig-1' })).status).toBe(409);
    // another department's key space is its own
    expect((await call('POST', `/work-orders/${ref}/assist-answer`, { answer: '已清理', eventId: 'sig-1' }, keyB)).json.replayed).toBe(false);
    expect(await labels(ref)).toEqual(['登记', '派单', '签收', '阶段性答复', '协办答复']);
    expect((await server.ctx.workOrders.get((await server.ctx.workOrders.byRef(ref))!.id)).interimCount).toBe(1);
  });

  it('the OpenAPI document lists the work-order routes', async () => {
    const doc = await (await fetch(server.url + '/api/docs/openapi.json')).json() as any;
    for (const p of ['/api/v1/work-orders', '/api/v1/work-orders/{ref}', '/api/v1/work-orders/{ref}/sign', '/api/v1/work-orders/{ref}/return', '/api/v1/work-orders/{ref}/extension',
      '/api/v1/work-orders/{ref}/interim', '/api/v1/work-orders/{ref}/answer', '/api/v1/work-orders/{ref}/assist-answer']) expect(doc.paths[p], p).toBeDefined();
  });
});

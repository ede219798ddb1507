/** The work-order service on a real store: the whole cycle in transactions, timeline, notices through the bus, merges, the survey hook. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testContext } from '../helpers/context.js';
import { addDepartment } from '../../src/departments.js';
import { WorkOrderService } from '../../src/workorders/service.js';
import type { Actor } from '../../src/workorders/model.js';
import type { Department } from '../../src/domain/types.js';

let clock = new Date('2026-03-02T01:00:00Z'); // Monday 09:00 local
const advance = (min: number) => { clock = new Date(clock.getTime() + min * 60_000); };
let ctx: ReturnType<typeof testContext>;
let scjg: Department, cgj: Department;
let sent: string[];
const operator: Actor = { role: 'operator', id: 'staff:li', name: '李娜', departmentId: null, departmentName: null };
const supervisor: Actor = { role: 'supervisor', id: 'staff:zhao', name: '赵强', departmentId: null, departmentName: null };

beforeEach(async () => {
  clock = new Date('2026-03-02T01:00:00Z');
  ctx = testContext({}, { now: () => clock });
  scjg = (await addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000001')).department;
  cgj = (await addDepartment(ctx.store, 'CGJ', '市城市管理局', '13800000002')).department;
  sent = [];
  ctx.bus.onTx('feedback.answered', ({ feedback: f }) => { sent.push(`answer→${f.phone}:${f.answer}`); });
  ctx.bus.onTx('workorder.notice', ({ notice: n, phone }) => { sent.push(`${n.to}:${n.kind}→${phone ?? '-'}`); });
});
afterEach(() => { ctx.cleanup(); });

const newOrder = (phone = '13912345678', kind: 'complaint' | 'consultation' = 'complaint') => ctx.feedback.create({ kind, channel: 'sms', phone, text: '超市卖过期食品' });

describe('WorkOrderService', () => {
  it('the whole cycle: dispatch → 签收 → 退单 → 改派 → 申请延期 → 同意 → 阶段性答复 → 办结回复 → 不满意 → 重办 → 办结回复 → 满意', async () => {
    const wo = ctx.workOrders;
    const f = await newOrder();
    const A = WorkOrderService.departmentActor(scjg, '王芳');
    const B = WorkOrderService.departmentActor(cgj, '陈刚');
    // category's default department is CGJ for 城市管理; here the operator picks 市场监管 → SCJG by default
    let o = (await wo.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD', instruction: '请核查' }, operator)).order;
    expect(o).toMatchObject({ status: 'assigned', departmentId: scjg.id, departmentName: '市市场监督管理局', signDueAt: '2026-03-02T03:00:00.000Z', dueAt: '2026-03-02T03:00:00.000Z' });
    expect(wo.timeLeft(o)).toMatchObject({ level: 'ok', minutes: 120 });
    advance(30);
    await wo.apply(f.id, { type: 'sign' }, A);
    advance(30);
    o = (await wo.apply(f.id, { type: 'return', reason: 'not_ours', opinion: '属城管占道' }, A)).order;
    expect(o).toMatchObject({ status: 'returned', returnCount: 1, dueAt: null });
    await wo.dispatch(f.id, { type: 'dispatch', category: 'CSGL.STALL', departmentCode: 'CGJ' }, operator);
    await wo.apply(f.id, { type: 'sign' }, B);
    o = (await wo.apply(f.id, { type: 'request_extension', days: 3, reason: '需联合执法' }, B)).order;
    expect(o.extension).toMatchObject({ days: 3, reason: '需联合执法' });
    o = (await wo.apply(f.id, { type: 'decide_extension', approve: true, opinion: '同意' }, supervisor)).order;
    expect(o.extension).toBeNull();
    expect((await ctx.store.workOrders.extensions(f.id))[0]).toMatchObject({ status: 'approved', decidedByName: '赵强', newDueAt: o.finishDueAt });
    await wo.apply(f.id, { type: 'interim', answer: '已约谈商户' }, B);
    o = (await wo.apply(f.id, { type: 'answer', answer: '已清理占道摊位' }, B)).order;
    expect(o).toMatchObject({ status: 'answered', answer: '已清理占道摊位', dueAt: null });
    // the citizen's 3 (SMS survey) goes through the cycle: 重办 to the same department
    await ctx.feedback.recordSatisfaction(f.id, 3);
    o = await wo.get(f.id);
    expect(o).toMatchObject({ status: 'assigned', departmentId: cgj.id, reopenCount: 1, satisfaction: 3 });
    await wo.apply(f.id, { type: 'sign' }, B);
    await wo.apply(f.id, { type: 'answer', answer: '已复查，摊位未再出现' }, B);
    await ctx.feedback.recordSatisfaction(f.id, 1);
    o = await wo.get(f.id);
    expect(o).toMatchObject({ status: 'closed', satisfaction: 1, closeReason: '回访满意', reopenCount: 1, returnCount: 1, extensionCount: 1, interimCount: 1 });

    const t = await wo.timeline(f.id);
    expect(t.map((e) => `${e.label}|${e.actorName}|${e.departmentName ?? ''}`)).toEqual([
      '登记|citizen|', '派单|李娜|', '签收|王芳|市市场监督管理局', '退单|王芳|市市场监督管理局', '改派|李娜|', '签收|陈刚|市城市管理局',
      '申请延期|陈刚|市城市管理局', '同意延期|赵强|', '阶段性答复|陈刚|市城市管理局', '办结回复|陈刚|市城市管理局', '回访|市民|', '重办|市民|',
      '签收|陈刚|市城市管理局', '办结回复|陈刚|市城市管理局', '回访|市民|', '办结|市民|',
    ]);
    expect(t[3]).toMatchObject({ opinion: '属城管占道', detail: { reason: 'not_ours', reasonZh: '非本单位职责' } });
    expect(sent).toEqual([
      'department:dispatched→8613800000001', 'dispatchers:returned→-', 'department:dispatched→8613800000002', 'supervisors:extension_requested→-',
      'department:extension_approved→8613800000002', 'citizen:interim→8613912345678', 'answer→8613912345678:已清理占道摊位',
      'department:redo→8613800000002', 'supervisors:dissatisfied→-', 'answer→8613912345678:已复查，摊位未再出现',
    ]);
  });

  it('a failed action changes nothing (one transaction) and gives the Chinese error', async () => {
    const f = await newOrder();
    const admin: Actor = { role: 'admin', id: 'staff:admin', name: '管理员', departmentId: null, departmentName: null };
    await expect(ctx.workOrders.apply(f.id, { type: 'sign' }, admin)).rejects.toMatchObject({ code: 'conflict', message: '工单当前状态为“待派单”，不能签收' });
    // a department does not see an order not dispatched to it
    await expect(ctx.workOrders.apply(f.id, { type: 'sign' }, WorkOrderService.departmentActor(scjg))).rejects.toMatchObject({ code: 'not_found', message: '工单不存在' });
    await expect(ctx.workOrders.apply(99999, { type: 'sign' }, operator)).rejects.toMatchObject({ code: 'not_found' });
    await expect(ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'QT.OTHER' }, operator)).rejects.toMatchObject({ code: 'invalid', message: '该分类没有默认承办单位，请选择承办单位' });
    await expect(ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'HB.NOISE' }, operator)).rejects.toMatchObject({ message: '分类的默认承办单位 HBJ 尚未登记，请选择承办单位' });
    expect((await ctx.workOrders.timeline(f.id)).map((e) => e.action)).toEqual(['created']);
    expect(sent).toEqual([]);
  });

  it('协办: the assisting department answers the lead; the final answer waits for it', async () => {
    const f = await newOrder();
    await ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD', assists: [{ departmentCode: 'CGJ', instruction: '查占道' }] }, operator);
    const A = WorkOrderService.departmentActor(scjg);
    await ctx.workOrders.apply(f.id, { type: 'sign' }, A);
    await expect(ctx.workOrders.apply(f.id, { type: 'answer', answer: 'x' }, A)).rejects.toMatchObject({ message: '协办单位尚未答复：市城市管理局' });
    await ctx.workOrders.apply(f.id, { type: 'assist_answer', answer: '已清理' }, WorkOrderService.departmentActor(cgj));
    const o = (await ctx.workOrders.apply(f.id, { type: 'answer', answer: '已查处' }, A)).order;
    expect(o.parts).toEqual([expect.objectContaining({ departmentName: '市城市管理局', status: 'answered', answer: '已清理' })]);
    expect(sent).toContain('department:assist→8613800000002');
  });

  it('合并: every citizen of a merged order gets the answer; both timelines show it', async () => {
    const parent = await newOrder('13900000001');
    const child = await newOrder('13900000002');
    await ctx.workOrders.apply(child.id, { type: 'merge', parentId: parent.id, parentRef: '', parentStatus: 'new', parentParentId: null }, operator);
    await ctx.workOrders.dispatch(parent.id, { type: 'dispatch', category: 'SCJG.FOOD' }, operator);
    const A = WorkOrderService.departmentActor(scjg);
    await ctx.workOrders.apply(parent.id, { type: 'sign' }, A);
    await ctx.workOrders.apply(parent.id, { type: 'answer', answer: '已查处' }, A);
    expect(await ctx.workOrders.get(child.id)).toMatchObject({ status: 'answered', answer: '已查处', parentId: parent.id });
    expect(sent.filter((s) => s.startsWith('answer'))).toEqual(['answer→8613900000001:已查处', 'answer→8613900000002:已查处']);
    expect((await ctx.workOrders.timeline(parent.id)).map((e) => e.label)).toContain('并入');
    expect((await ctx.workOrders.timeline(child.id)).map((e) => e.label)).toEqual(['登记', '合并', '合并答复']);
  });

  it('直办 closes a consultation with its answer; 办结 without an answer needs a reason and tells the citizen', async () => {
    const c = await newOrder('13900000003', 'consultation');
    expect((await ctx.workOrders.apply(c.id, { type: 'direct', answer: '工作日 9 点至 17 点' }, operator)).order).toMatchObject({ status: 'closed', closeReason: '直办答复' });
    const f = await newOrder('13900000004');
    await expect(ctx.workOrders.apply(f.id, { type: 'close' }, operator)).rejects.toMatchObject({ message: '尚未发出办结回复，办结须写明理由' });
    await ctx.workOrders.apply(f.id, { type: 'close', reason: '重复来电，已电话告知' }, operator);
    expect(sent).toEqual(['answer→8613900000003:工作日 9 点至 17 点', 'citizen:closed→8613900000004']);
  });

  it('a feedback item never dispatched keeps the old survey behaviour', async () => {
    const f = await newOrder();
    await ctx.feedback.assign(f.id, scjg.id, 'staff:li');
    await ctx.feedback.answer(f.id, '已处理', 'staff:li');
    const r = await ctx.feedback.recordSatisfaction(f.id, 3);
    expect(r).toMatchObject({ status: 'assigned', reopenCount: 1 });
    expect((await ctx.feedback.timeline(f.id)).map((t) => t.action)).toEqual(['created', 'assigned', 'answered', 'reopened']);
  });

  it('queues with time left', async () => {
    const f = await newOrder();
    await ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD' }, operator);
    expect((await ctx.workOrders.queue('to_sign', {})).map((o) => o.id)).toEqual([f.id]);
    advance(100); // 96 of 120 working minutes is the warning
    expect((await ctx.workOrders.queueCounts({})).warning).toBe(1);
    advance(30);
    expect((await ctx.workOrders.queue('overdue', { departmentId: scjg.id })).map((o) => o.id)).toEqual([f.id]);
    expect(ctx.workOrders.timeLeft(await ctx.workOrders.get(f.id))).toMatchObject({ level: 'overdue', text: '已超时 10 分钟' });
  });
});

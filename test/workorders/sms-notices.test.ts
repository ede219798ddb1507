/** The SMS the cycle sends, through the SMS channel's outbox: department notices, the interim and final answer, the closing notice. */
import { afterEach, describe, expect, it } from 'vitest';
import { testContext } from '../helpers/context.js';
import { createSmsChannel } from '../../src/sms/channel.js';
import { addDepartment } from '../../src/departments.js';
import { WorkOrderService } from '../../src/workorders/service.js';
import type { Actor } from '../../src/workorders/model.js';

let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; });
const operator: Actor = { role: 'operator', id: 'staff:li', name: '李娜', departmentId: null, departmentName: null };

describe('work-order SMS', () => {
  it('dispatch with two assisting departments → three contacts told; interim and final answer to the citizen; closing notice', async () => {
    const ctx = testContext({}, { now: () => new Date('2026-03-02T02:00:00Z') }); // Monday 10:00 local (not quiet hours)
    cleanup = ctx.cleanup;
    createSmsChannel(ctx, { simulator: null }); // its listeners queue the cycle's SMS
    const a = (await addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000001')).department;
    await addDepartment(ctx.store, 'CGJ', '市城市管理局', '13800000002');
    await addDepartment(ctx.store, 'GAJ', '市公安局', '13800000003');
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345678', text: '占道卖过期食品' });
    await ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD', assists: [{ departmentCode: 'CGJ' }, { departmentCode: 'GAJ' }] }, operator);
    const texts = async (phone: string) => (await ctx.store.sms.list({ phone, limit: 20 })).map((r) => r.text).reverse();
    expect(await texts('13800000001')).toEqual([expect.stringMatching(/^【96365】工单\d+（市场监管\/食品安全）已派至贵单位，请于2026-03-02 12:00前签收、2026-03-09 23:59前办结。$/)]);
    expect(await texts('13800000002')).toEqual([`【96365】工单${f.ref}请贵单位协办（主办：市市场监督管理局）。`]);
    expect(await texts('13800000003')).toHaveLength(1);
    const A = WorkOrderService.departmentActor(a, '王芳');
    await ctx.workOrders.apply(f.id, { type: 'sign' }, A);
    await ctx.workOrders.apply(f.id, { type: 'interim', answer: '已立案调查' }, A);
    for (const d of ['CGJ', 'GAJ']) await ctx.workOrders.apply(f.id, { type: 'assist_answer', answer: '已配合' }, WorkOrderService.departmentActor((await ctx.store.departments.byCode(d))!));
    await ctx.workOrders.apply(f.id, { type: 'answer', answer: '已查处' }, A);
    const citizen = await texts('13912345678');
    expect(citizen[0]).toContain('（阶段性答复）已立案调查');
    expect(citizen[1]).toContain('已查处');
    expect(citizen[2]).toContain(f.ref); // the survey question
    await ctx.workOrders.apply(f.id, { type: 'close', reason: '市民电话确认已解决' }, operator);
    expect((await texts('13912345678')).at(-1)).toBe(`【96365】您反映的问题（工单${f.ref}）已办结：市民电话确认已解决`);
  });
});

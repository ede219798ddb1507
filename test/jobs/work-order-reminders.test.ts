import { afterEach, describe, expect, it } from 'vitest';
import { testContext } from '../helpers/context.js';
import { createSmsChannel } from '../../src/sms/channel.js';
import { createJobs } from '../../src/jobs/scheduler.js';
import { addDepartment } from '../../src/departments.js';

let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; });

describe('work-order deadline reminders', () => {
  it('one SMS to the department contact before (即将超时) and one at/after the deadline (已超时), per deadline; only on the leader', async () => {
    let now = new Date('2026-03-02T01:00:00Z'); // Monday 09:00 local
    const ctx = testContext({}, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const { department } = await addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000001');
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345678', text: '过期食品' });
    await ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD' }, { role: 'operator', id: 'staff:li', name: '李娜', departmentId: null, departmentName: null });
    const jobs = createJobs(ctx, sms);
    const follower = createJobs(ctx, sms, null, { isLeader: () => false });
    expect(await jobs.remindWorkOrders()).toEqual({ warned: 0, overdue: 0 });
    now = new Date('2026-03-02T02:40:00Z'); // 10:40: 100 of the 120 working minutes to 签收 gone
    expect(await follower.remindWorkOrders()).toEqual({ warned: 0, overdue: 0 });
    expect(await jobs.remindWorkOrders()).toEqual({ warned: 1, overdue: 0 });
    expect(await jobs.remindWorkOrders()).toEqual({ warned: 0, overdue: 0 }); // once
    now = new Date('2026-03-02T03:10:00Z'); // 11:10: past the 11:00 签收 deadline
    expect(await jobs.remindWorkOrders()).toEqual({ warned: 0, overdue: 1 });
    expect(await jobs.remindWorkOrders()).toEqual({ warned: 0, overdue: 0 });
    const sent = (await ctx.store.sms.list({ phone: department.contactPhone!, limit: 10 })).map((r) => r.text);
    expect(sent).toHaveLength(3);
    expect(sent).toEqual(expect.arrayContaining([
      `【96365】工单${f.ref}即将超时，请于2026-03-02 11:00前签收。`,
      `【96365】工单${f.ref}已超过签收时限（2026-03-02 11:00），请尽快签收。`,
      expect.stringContaining(`工单${f.ref}（市场监管/食品安全）已派至贵单位`),
    ]));
    expect((await ctx.store.audit.list(10)).filter((a) => a.action.startsWith('workorder.deadline')).map((a) => a.action).sort()).toEqual(['workorder.deadline_overdue', 'workorder.deadline_warning']);
  });
});

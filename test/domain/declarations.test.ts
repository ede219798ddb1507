import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testContext } from '../helpers/context.js';
import { addDepartment } from '../../src/departments.js';
import { pushNotices } from '../../src/domain/push-rules.js';
import type { DomainEvents } from '../../src/domain/events.js';
import type { Department } from '../../src/domain/types.js';

let ctx: ReturnType<typeof testContext>;
let dept: Department;
let other: Department;
let changes: Array<DomainEvents['declaration.changed']>;

beforeEach(async () => {
  ctx = testContext();
  dept = (await addDepartment(ctx.store, 'SCJG', '市市场监督管理局')).department;
  other = (await addDepartment(ctx.store, 'RSJ', '市人社局')).department;
  changes = [];
  ctx.bus.on('declaration.changed', (c) => changes.push(c));
});
afterEach(() => ctx.cleanup());

const ev = (eventId: string, status: string, occurredAt: string, stepName = '审核') => ({ eventId, stepName, status: status as never, occurredAt, handlerName: '李娜', handlerTitle: '科员', opinion: '同意' });

describe('declarations', () => {
  it('creates with a platform query code and an acceptance step', async () => {
    const { declaration, created } = await ctx.declarations.upsert(dept, 'SC-1', { itemName: '食品经营许可', applicantName: '张晓明', applicantPhone: '+86 139 1234 5678', acceptedAt: '2026-03-02T02:00:00Z', timeLimitDays: 3 });
    expect(created).toBe(true);
    expect(declaration.queryCode).toMatch(/^\d{12}$/);
    expect(declaration.applicantPhone).toBe('8613912345678'); // canonical
    expect(declaration.dueAt).toBe('2026-03-05T15:59:59.999Z');
    expect((await ctx.declarations.timeline(declaration.id)).map((e) => e.stepName)).toEqual(['受理']);
    expect(changes).toHaveLength(1);
    expect(changes[0].created).toBe(true);
    // the same ref again updates
    const again = await ctx.declarations.upsert(dept, 'SC-1', { itemName: '食品经营许可（变更）' });
    expect(again.created).toBe(false);
    expect(again.declaration.queryCode).toBe(declaration.queryCode);
    expect((await ctx.declarations.upsert(dept, declaration.queryCode, { itemName: 'x' })).created).toBe(false);
  });

  it('status events: transitions, idempotency, out-of-order, conflicts', async () => {
    const { declaration } = await ctx.declarations.upsert(dept, 'SC-2', { itemName: '许可', acceptedAt: '2026-03-02T02:00:00Z' });
    type Row = [string, string, string, string, { duplicate: boolean; applied: boolean; status: string; changes: number }];
    const table: Row[] = [
      ['first step moves status', 'e1', 'in_progress', '2026-03-02T03:00:00Z', { duplicate: false, applied: true, status: 'in_progress', changes: 2 }],
      ['same event id again → stored event, no change', 'e1', 'in_progress', '2026-03-02T03:00:00Z', { duplicate: true, applied: true, status: 'in_progress', changes: 2 }],
      ['a later step moves it', 'e2', 'supplement_needed', '2026-03-03T03:00:00Z', { duplicate: false, applied: true, status: 'supplement_needed', changes: 3 }],
      ['an older event is kept but does not roll back', 'e0', 'in_progress', '2026-03-02T02:30:00Z', { duplicate: false, applied: false, status: 'supplement_needed', changes: 3 }],
      ['decided', 'e3', 'approved', '2026-03-04T03:00:00Z', { duplicate: false, applied: true, status: 'approved', changes: 4 }],
    ];
    for (const [label, id, status, at, want] of table) {
      const r = await ctx.declarations.applyStatusEvent(dept, 'SC-2', ev(id, status, at));
      expect({ duplicate: r.duplicate, applied: r.applied, status: r.declaration.status, changes: changes.length }, label).toEqual(want);
    }
    const d = (await ctx.store.declarations.byId(declaration.id))!;
    expect(d.closedAt).toBe('2026-03-04T03:00:00.000Z');
    expect((await ctx.declarations.timeline(d.id)).map((e) => e.eventId)).toEqual([`accept:${d.queryCode}`, 'e0', 'e1', 'e2', 'e3']);
    await expect(ctx.declarations.applyStatusEvent(dept, 'SC-2', ev('e1', 'rejected', '2026-03-05T00:00:00Z'))).rejects.toThrow(/already used/);
  });

  it('departments are scoped', async () => {
    const { declaration } = await ctx.declarations.upsert(dept, 'SC-3', { itemName: '许可' });
    await expect(ctx.declarations.applyStatusEvent(other, 'SC-3', ev('x', 'in_progress', new Date().toISOString()))).rejects.toThrow(/not found/);
    // Another department's platform code: the same "not found" as an unknown one (was "belongs to another department", 403).
    await expect(ctx.declarations.applyStatusEvent(other, declaration.queryCode, ev('x', 'in_progress', new Date().toISOString()))).rejects.toThrow(/not found/);
    await expect(ctx.declarations.getForDepartment(other, 'SC-3')).rejects.toThrow(/not found/);
  });

  it('lookupStatus: public view with masking; typed not-found', async () => {
    const { declaration } = await ctx.declarations.upsert(dept, 'SC-4', { itemName: '营业执照', applicantName: '欧阳小明', applicantPhone: '13812341234', timeLimitDays: 0, acceptedAt: '2020-01-01T00:00:00Z' });
    await ctx.declarations.applyStatusEvent(dept, 'SC-4', ev('a', 'in_progress', '2020-01-02T00:00:00Z', '现场核查'));
    const r = await ctx.declarations.lookupStatus(declaration.queryCode);
    expect(r.found).toBe(true);
    if (!r.found) return;
    expect(r.view).toMatchObject({ itemName: '营业执照', departmentName: '市市场监督管理局', statusLabel: '办理中', applicantName: '欧**明', applicantPhone: '138****1234', overdue: true });
    expect(r.view.lastStep?.name).toBe('现场核查');
    expect((await ctx.declarations.lookupStatus('SC-4')).found).toBe(true);
    const bad = declaration.queryCode.slice(0, 11) + String((Number(declaration.queryCode[11]) + 1) % 10);
    expect((await ctx.declarations.lookupStatus(bad))).toEqual({ found: false, reason: 'bad-check-digit' });
    expect((await ctx.declarations.lookupStatus('NOPE-1'))).toEqual({ found: false, reason: 'not-found' });
    expect((await ctx.declarations.lookupStatus('<script>'))).toEqual({ found: false, reason: 'invalid' });
  });
});

describe('push rules', () => {
  it('subscribers + applicant, opted-out skipped, landlines skipped, once per change', async () => {
    await ctx.declarations.upsert(dept, 'SC-5', { itemName: '许可', applicantPhone: '13900000000' });
    const r = await ctx.declarations.applyStatusEvent(dept, 'SC-5', ev('s1', 'fee_due', new Date().toISOString()));
    const change = { declaration: r.declaration, event: r.event, statusChanged: true, created: false };
    const notices = pushNotices(change, ['13800000001', '13800000002', '057982345678', '13900000000'], (p) => p === '8613800000002', { notifyApplicant: true, notifyProgressSteps: true });
    // canonical numbers: the applicant (stored 8613900000000) and the subscriber 13900000000 are one person
    expect(notices.map((n) => [n.phone, n.template])).toEqual([['8613800000001', 'push.fee_due'], ['8613900000000', 'push.fee_due']]);
    expect(new Set(notices.map((n) => n.dedupeKey)).size).toBe(2);
    expect(pushNotices({ ...change, event: { ...r.event, applied: false } }, ['13800000001'], () => false, { notifyApplicant: true, notifyProgressSteps: true })).toEqual([]);
    expect(pushNotices({ ...change, statusChanged: false }, ['13800000001'], () => false, { notifyApplicant: false, notifyProgressSteps: false })).toEqual([]);
    expect(pushNotices({ ...change, statusChanged: false }, ['13800000001'], () => false, { notifyApplicant: false, notifyProgressSteps: true })[0].template).toBe('push.progress');
  });
});

describe('feedback', () => {
  it('ref numbers, handling, survey and reopen', async () => {
    const a = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13812341234', text: '<b>太慢</b>' });
    const b = await ctx.feedback.create({ kind: 'suggestion', channel: 'voice', phone: '057982345678', text: null });
    expect(a.ref).toMatch(/^\d{10}$/);
    expect(Number(b.ref)).toBe(Number(a.ref) + 1);
    expect(a.text).toBe('<b>太慢</b>');
    await ctx.feedback.transcribe(b.id, '转写', 'op1');
    await ctx.feedback.assign(a.id, dept.id, 'op1');
    const answered = await ctx.feedback.answer(a.id, '已加派人手', 'dept:SCJG');
    expect(answered.status).toBe('answered');
    expect((await ctx.feedback.awaitingSurvey('13812341234'))?.id).toBe(a.id);
    const re = await ctx.feedback.recordSatisfaction(a.id, 3);
    expect(re).toMatchObject({ status: 'assigned', satisfaction: 3, reopenCount: 1 });
    expect((await ctx.feedback.awaitingSurvey('13812341234'))).toBeUndefined();
    await ctx.feedback.answer(a.id, '再次答复', 'dept:SCJG');
    expect((await ctx.feedback.recordSatisfaction(a.id, 1)).status).toBe('closed');
    expect((await ctx.feedback.timeline(a.id)).map((t) => t.action)).toEqual(['created', 'assigned', 'answered', 'reopened', 'answered', 'satisfaction']);
  });

  it('subscriptions: idempotent, opt-out all, resubscribe clears opt-out', async () => {
    const { declaration } = await ctx.declarations.upsert(dept, 'SC-6', { itemName: '许可' });
    expect((await ctx.subscriptions.subscribe('13800000001', declaration, 'sms')).already).toBe(false);
    expect((await ctx.subscriptions.subscribe('+8613800000001', declaration, 'sms')).already).toBe(true);
    expect((await ctx.subscriptions.unsubscribe('13800000001', null)).ended).toBe(1);
    expect((await ctx.subscriptions.isOptedOut('13800000001'))).toBe(true);
    expect((await ctx.subscriptions.unsubscribe('13800000001', null)).ended).toBe(0);
    await ctx.subscriptions.subscribe('13800000001', declaration, 'voice');
    expect((await ctx.subscriptions.isOptedOut('13800000001'))).toBe(false);
    expect((await ctx.subscriptions.activeFor(declaration.id))).toHaveLength(1);
  });
});

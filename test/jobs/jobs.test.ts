import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testContext } from '../helpers/context.js';
import { createSmsChannel } from '../../src/sms/channel.js';
import { createJobs } from '../../src/jobs/scheduler.js';
import { addDepartment } from '../../src/departments.js';

let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; });

/** A fixed clock: 2026-11-26 (Thursday) at a chosen local hour, Asia/Shanghai. */
const at = (localHour: number) => () => new Date(Date.UTC(2026, 10, 26, localHour - 8, 30));

describe('scheduled jobs', () => {
  it('quiet hours hold pushes (not replies) until release; stale pushes expire', () => {
    let now = at(23)();
    const ctx = testContext({}, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const push = sms.outbox.queue({ phone: '13800000001', text: '推送', reason: 'push' });
    const reply = sms.outbox.queue({ phone: '13800000001', text: '回复', reason: 'reply' });
    expect(push.held).toBe(true);
    expect(reply.held).toBe(false);
    expect(jobs.releaseQuietHours()).toBe(0); // still night
    now = new Date(Date.UTC(2026, 10, 27, 0, 0, 1)); // 08:00:01 local
    expect(jobs.releaseQuietHours()).toBe(1);
    expect(sms.repo.byId(push.id)!.status).toBe('queued');
    const late = sms.outbox.queue({ phone: '13800000002', text: '推送', reason: 'push' });
    now = new Date(now.getTime() + 49 * 3600_000);
    expect(jobs.expireStale()).toBe(2);
    expect(sms.repo.byId(late.id)!.status).toBe('expired');
  });

  it('overdue reminder: one SMS per department contact per day, on working days', () => {
    const now = at(9)();
    const ctx = testContext({}, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const { department } = addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000009');
    ctx.declarations.upsert(department, 'X-1', { itemName: '许可', acceptedAt: '2026-10-01T00:00:00Z', timeLimitDays: 3 });
    ctx.declarations.upsert(department, 'X-2', { itemName: '许可', acceptedAt: '2026-11-25T00:00:00Z', timeLimitDays: 3 });
    expect(jobs.remindOverdue()).toEqual({ departments: 1, declarations: 1 });
    jobs.remindOverdue();
    const rows = sms.repo.list({ phone: '13800000009' });
    expect(rows).toHaveLength(1);
    expect(rows[0].text).toContain('市市场监督管理局');
    expect(ctx.store.audit.list(5)[0].action).toBe('overdue.reminder');
  });

  it('retention purges finished outbox rows past the retention period, keeps open ones', () => {
    let now = at(12)();
    const ctx = testContext({ HOTLINE_DATA_RETENTION_DAYS: '30' }, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const done = sms.outbox.queue({ phone: '13800000001', text: '旧消息', reason: 'reply' });
    const open = sms.outbox.queue({ phone: '13800000002', text: '未发送', reason: 'reply' });
    sms.repo.cancel(done.id, now.toISOString());
    now = new Date(now.getTime() + 31 * 86400_000);
    expect(jobs.retention()).toMatchObject({ outbox: 1 });
    expect(sms.repo.byId(done.id)).toBeUndefined();
    expect(sms.repo.byId(open.id)?.status).toBe('queued');
  });

  it('retention also purges recordings and inbound SMS of finished items, keeps those of open items', () => {
    let now = at(12)();
    const ctx = testContext({ HOTLINE_DATA_RETENTION_DAYS: '30' }, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const recDir = join(ctx.config.data.dir, 'recordings');
    mkdirSync(recDir, { recursive: true });
    const mk = (name: string, status: 'closed' | 'answered' | 'assigned') => {
      writeFileSync(join(recDir, name), 'RIFF');
      const f = ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '05798886666', text: null, recordingPath: name });
      ctx.store.feedback.update(f.id, { status }, now.toISOString());
      const inId = sms.repo.insertInbound('13800000009', '96365', `TS ${name}`, 1, true, null, now.toISOString());
      sms.repo.inboundDone(inId, 'processed', 'feedback', 'x', f.id, now.toISOString());
      return { f, inId };
    };
    const closed = mk('closed.wav', 'closed');
    const answered = mk('answered.wav', 'answered');
    const open = mk('open.wav', 'assigned');
    const lone = sms.repo.insertInbound('13800000010', '96365', 'CX 123', 1, true, null, now.toISOString());
    sms.repo.inboundDone(lone, 'processed', 'query', 'not-found', null, now.toISOString());
    expect(jobs.retention()).toMatchObject({ recordings: 0, inbound: 0 }); // nothing is old yet
    now = new Date(now.getTime() + 31 * 86400_000);
    expect(jobs.retention()).toMatchObject({ recordings: 2, inbound: 3 });
    expect(existsSync(join(recDir, 'closed.wav'))).toBe(false);
    expect(existsSync(join(recDir, 'answered.wav'))).toBe(false);
    expect(existsSync(join(recDir, 'open.wav'))).toBe(true);
    expect(ctx.feedback.byId(closed.f.id)!.recordingPath).toBeNull();
    expect(ctx.feedback.byId(open.f.id)!.recordingPath).toBe('open.wav');
    expect(ctx.feedback.timeline(closed.f.id).some((e) => e.action === 'retention')).toBe(true);
    expect(sms.repo.inbound(closed.inId)).toBeUndefined();
    expect(sms.repo.inbound(answered.inId)).toBeUndefined();
    expect(sms.repo.inbound(lone)).toBeUndefined();
    expect(sms.repo.inbound(open.inId)).toBeDefined();
  });
});

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, testContext } from '../helpers/context.js';
import { createSmsChannel } from '../../src/sms/channel.js';
import { createJobs } from '../../src/jobs/scheduler.js';
import { addDepartment } from '../../src/departments.js';
import type { Store } from '../../src/store/index.js';
import type { VoiceChannel } from '../../src/voice/channel.js';
import { CallLog } from '../../src/voice/calls/call-log.js';

let cleanup: (() => void) | null = null;
afterEach(() => { cleanup?.(); cleanup = null; });

/** A fixed clock: 2026-11-26 (Thursday) at a chosen local hour, Asia/Shanghai. */
const at = (localHour: number) => () => new Date(Date.UTC(2026, 10, 26, localHour - 8, 30));

describe('scheduled jobs', () => {
  it('quiet hours hold pushes (not replies) until release; stale pushes expire', async () => {
    let now = at(23)();
    const ctx = testContext({}, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const push = await sms.outbox.queue({ phone: '13800000001', text: '推送', reason: 'push' });
    const reply = await sms.outbox.queue({ phone: '13800000001', text: '回复', reason: 'reply' });
    expect(push.held).toBe(true);
    expect(reply.held).toBe(false);
    expect(await jobs.releaseQuietHours()).toBe(0); // still night
    now = new Date(Date.UTC(2026, 10, 27, 0, 0, 1)); // 08:00:01 local
    expect(await jobs.releaseQuietHours()).toBe(1);
    expect((await sms.repo.byId(push.id))!.status).toBe('queued');
    const late = await sms.outbox.queue({ phone: '13800000002', text: '推送', reason: 'push' });
    now = new Date(now.getTime() + 49 * 3600_000);
    expect(await jobs.expireStale()).toBe(2);
    expect((await sms.repo.byId(late.id))!.status).toBe('expired');
  });

  it('held pushes follow a quiet window changed after they were held (restart with new settings)', async () => {
    let now = at(23)();
    const dir = tempDir();
    const c1 = testContext({ HOTLINE_DATA_DIR: dir }, { now: () => now });
    const sms1 = createSmsChannel(c1, { simulator: null });
    const held = await sms1.outbox.queue({ phone: '13800000001', text: '推送', reason: 'push' });
    expect(held.held).toBe(true);
    await c1.store.close();
    // Restart with quiet hours ending at 07:00 instead of 08:00: released at 07:00, not at the 08:00 frozen into the row.
    now = new Date(Date.UTC(2026, 10, 26, 23, 0, 1)); // 07:00:01 local, next day
    const c2 = testContext({ HOTLINE_DATA_DIR: dir, HOTLINE_SMS_QUIET_END: '07:00' }, { now: () => now });
    cleanup = () => { c2.cleanup(); rmSync(dir, { recursive: true, force: true }); };
    const sms2 = createSmsChannel(c2, { simulator: null });
    expect(await createJobs(c2, sms2).releaseQuietHours()).toBe(1);
    expect((await sms2.repo.byId(held.id))!.status).toBe('queued');
  });

  it('a quiet window extended after the push was held keeps it held past the old end', async () => {
    let now = at(23)();
    const ctx = testContext({ HOTLINE_SMS_QUIET_END: '09:00' }, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const push = await sms.outbox.queue({ phone: '13800000001', text: '推送', reason: 'push' });
    // As if it had been held under an 08:00 end (before the change): its stored release time is 08:00.
    (ctx.store as Store).db.prepare(`UPDATE sms_outbox SET next_attempt_at = ? WHERE id = ?`).run(new Date(Date.UTC(2026, 10, 27, 0, 0)).toISOString(), push.id);
    now = new Date(Date.UTC(2026, 10, 27, 0, 30)); // 08:30 local: still quiet under the current 09:00 end
    expect(await jobs.releaseQuietHours()).toBe(0);
    expect((await sms.repo.byId(push.id))!.status).toBe('held');
    now = new Date(Date.UTC(2026, 10, 27, 1, 0, 1)); // 09:00:01
    expect(await jobs.releaseQuietHours()).toBe(1);
  });

  it('several held pushes for one declaration and phone: the newest status wins, older ones end superseded', async () => {
    let now = at(23)();
    const ctx = testContext({}, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const { department } = await addDepartment(ctx.store, 'SCJG', '市市场监督管理局');
    const d = (await ctx.declarations.upsert(department, 'Q-1', { itemName: '食品经营许可', applicantPhone: '13912340000', timeLimitDays: 10 })).declaration;
    const other = (await ctx.declarations.upsert(department, 'Q-2', { itemName: '酒类经营许可', applicantPhone: '13912340000', timeLimitDays: 10 })).declaration;
    const step = (decl: typeof d, eventId: string, status: 'in_progress' | 'approved', minutes: number) => ctx.declarations.applyStatusEvent(department, decl.queryCode, {
      eventId, stepName: status === 'approved' ? '审批通过' : '受理审查', status, occurredAt: new Date(now.getTime() + minutes * 60_000).toISOString(),
    });
    await step(d, 'e1', 'in_progress', 1);
    await step(other, 'o1', 'in_progress', 1);
    await step(d, 'e2', 'approved', 2);
    const rows = (await sms.repo.list({ phone: '13912340000', limit: 20 })).reverse();
    const byStatus = (st: string) => rows.filter((r) => r.status === st).map((r) => r.text);
    // The accepted notices (upsert) and the progress notice of Q-1 are superseded by its approval; Q-2 keeps its newest.
    expect(byStatus('held')).toHaveLength(2);
    expect(byStatus('held').some((t) => t.includes('食品经营许可') && t.includes('准予许可'))).toBe(true);
    expect(byStatus('held').some((t) => t.includes('酒类经营许可'))).toBe(true);
    expect(byStatus('superseded').length).toBeGreaterThanOrEqual(2);
    expect(rows.find((r) => r.status === 'superseded')!.lastError).toMatch(/superseded by a newer notice/);
    now = new Date(Date.UTC(2026, 10, 27, 0, 0, 1));
    expect(await jobs.releaseQuietHours()).toBe(2);
    expect((await sms.repo.countsByStatus()).superseded).toBe(byStatus('superseded').length);
  });

  it('overdue reminder: one SMS per department contact per day, on working days', async () => {
    const now = at(9)();
    const ctx = testContext({}, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const { department } = await addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000009');
    await ctx.declarations.upsert(department, 'X-1', { itemName: '许可', acceptedAt: '2026-10-01T00:00:00Z', timeLimitDays: 3 });
    await ctx.declarations.upsert(department, 'X-2', { itemName: '许可', acceptedAt: '2026-11-25T00:00:00Z', timeLimitDays: 3 });
    expect(await jobs.remindOverdue()).toEqual({ departments: 1, declarations: 1 });
    await jobs.remindOverdue();
    const rows = await sms.repo.list({ phone: '13800000009' });
    expect(rows).toHaveLength(1);
    expect(rows[0].text).toContain('市市场监督管理局');
    expect((await ctx.store.audit.list(5))[0].action).toBe('overdue.reminder');
  });

  it('retention purges finished outbox rows past the retention period, keeps open ones', async () => {
    let now = at(12)();
    const ctx = testContext({ HOTLINE_DATA_RETENTION_DAYS: '30' }, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const done = await sms.outbox.queue({ phone: '13800000001', text: '旧消息', reason: 'reply' });
    const open = await sms.outbox.queue({ phone: '13800000002', text: '未发送', reason: 'reply' });
    await sms.repo.cancel(done.id, now.toISOString());
    now = new Date(now.getTime() + 31 * 86400_000);
    expect(await jobs.retention()).toMatchObject({ outbox: 1 });
    expect(await sms.repo.byId(done.id)).toBeUndefined();
    expect((await sms.repo.byId(open.id))?.status).toBe('queued');
  });

  it('retention also purges recordings and inbound SMS of finished items, keeps those of open items', async () => {
    let now = at(12)();
    const ctx = testContext({ HOTLINE_DATA_RETENTION_DAYS: '30' }, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const recDir = join(ctx.config.data.dir, 'recordings');
    mkdirSync(recDir, { recursive: true });
    const mk = async (name: string, status: 'closed' | 'answered' | 'assigned') => {
      writeFileSync(join(recDir, name), 'RIFF');
      const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '05798886666', text: null, recordingPath: name });
      await ctx.store.feedback.update(f.id, { status }, now.toISOString());
      const inId = await sms.repo.insertInbound('13800000009', '96365', `TS ${name}`, 1, true, null, now.toISOString());
      await sms.repo.inboundDone(inId, 'processed', 'feedback', 'x', f.id, now.toISOString());
      return { f, inId };
    };
    const closed = await mk('closed.wav', 'closed');
    const answered = await mk('answered.wav', 'answered');
    const open = await mk('open.wav', 'assigned');
    const lone = await sms.repo.insertInbound('13800000010', '96365', 'CX 123', 1, true, null, now.toISOString());
    await sms.repo.inboundDone(lone, 'processed', 'query', 'not-found', null, now.toISOString());
    expect(await jobs.retention()).toMatchObject({ recordings: 0, inbound: 0 }); // nothing is old yet
    now = new Date(now.getTime() + 31 * 86400_000);
    expect(await jobs.retention()).toMatchObject({ recordings: 2, inbound: 3 });
    expect(existsSync(join(recDir, 'closed.wav'))).toBe(false);
    expect(existsSync(join(recDir, 'answered.wav'))).toBe(false);
    expect(existsSync(join(recDir, 'open.wav'))).toBe(true);
    expect((await ctx.feedback.byId(closed.f.id))!.recordingPath).toBeNull();
    expect((await ctx.feedback.byId(open.f.id))!.recordingPath).toBe('open.wav');
    expect((await ctx.feedback.timeline(closed.f.id)).some((e) => e.action === 'retention')).toBe(true);
    expect(await sms.repo.inbound(closed.inId)).toBeUndefined();
    expect(await sms.repo.inbound(answered.inId)).toBeUndefined();
    expect(await sms.repo.inbound(lone)).toBeUndefined();
    expect(await sms.repo.inbound(open.inId)).toBeDefined();
  });
});

describe('retention of mail and web files', () => {
  let cleanup: (() => void) | null = null;
  afterEach(() => { cleanup?.(); cleanup = null; });
  it('deletes the mail source, its attachments and web attachments of a finished order past the period; an open order keeps its files', async () => {
    let now = at(12)();
    const ctx = testContext({ HOTLINE_DATA_RETENTION_DAYS: '30' }, { now: () => now });
    cleanup = ctx.cleanup;
    const jobs = createJobs(ctx, null);
    const dir = ctx.config.data.dir;
    const file = (rel: string) => { mkdirSync(join(dir, rel, '..'), { recursive: true }); writeFileSync(join(dir, rel), 'x'); return rel; };
    const order = async (status: 'closed' | 'assigned', n: number) => {
      const f = await ctx.feedback.create({ kind: 'complaint', channel: 'mail', phone: null, text: '来信' });
      await ctx.store.feedback.update(f.id, { status }, now.toISOString());
      const raw = file(`mail/raw/m${n}.eml`), att = file(`mail/attachments/m${n}/1-a.png`), web = file(`web-attachments/2026-01-01/w${n}.png`);
      const db = (ctx.store as Store).db;
      db.prepare(`INSERT INTO mail_inbound (message_id, from_addr, raw_path, raw_bytes, attachments, disposition, feedback_id, received_at) VALUES (?, 'a@example.cn', ?, 1, ?, 'order', ?, ?)`)
        .run(`<m${n}@x>`, raw, JSON.stringify([{ filename: 'a.png', contentType: 'image/png', size: 1, path: att }]), f.id, now.toISOString());
      db.prepare(`INSERT INTO web_attachments (feedback_id, file_name, mime, size, path, created_at) VALUES (?, 'w.png', 'image/png', 1, ?, ?)`).run(f.id, web.slice('web-attachments/'.length), now.toISOString());
      return [raw, att, web];
    };
    const closed = await order('closed', 1);
    const open = await order('assigned', 2);
    expect(await jobs.retention()).toMatchObject({ mailFiles: 0, webAttachments: 0 });
    now = new Date(now.getTime() + 31 * 86400_000);
    expect(await jobs.retention()).toMatchObject({ mailFiles: 1, webAttachments: 1 });
    for (const f of closed) expect(existsSync(join(dir, f))).toBe(false);
    for (const f of open) expect(existsSync(join(dir, f))).toBe(true);
    expect(await jobs.retention()).toMatchObject({ mailFiles: 0, webAttachments: 0 });
  });
});

describe('retention of operator call recordings', () => {
  let cleanup: (() => void) | null = null;
  afterEach(() => { cleanup?.(); cleanup = null; });
  it('the recording file of a call the call log purges is deleted first; a recent call keeps its file', async () => {
    let now = at(12)();
    const ctx = testContext({ HOTLINE_DATA_RETENTION_DAYS: '30' }, { now: () => now });
    cleanup = ctx.cleanup;
    const callLog = new CallLog(ctx, ctx.store.calls);
    const voice = { callLog, purgeMedia: () => ({ personalAudio: 0, sharedCache: 0 }) } as unknown as VoiceChannel;
    const jobs = createJobs(ctx, null, voice);
    const recDir = join(ctx.config.data.dir, 'recordings', 'operator');
    mkdirSync(recDir, { recursive: true });
    const call = (id: string, startedAt: string) => ({
      callId: id, direction: 'inbound' as const, flowId: 'main', caller: '13500135000', called: '96365', startedAt, answeredAt: startedAt, endedAt: startedAt,
      durationSec: 60, outcome: 'operator', outcomes: 'operator', endReason: 'caller', lastNode: 'queue', path: 'queue', feedbackRef: null, recovered: false, owner: null,
    });
    const old = now.toISOString();
    await ctx.store.calls.write({ calls: [call('c-old', old)], steps: [], counters: [] });
    writeFileSync(join(recDir, 'operator-c-old.wav'), 'RIFF');
    await ctx.store.calls.setOperatorRecording('c-old', 'operator/operator-c-old.wav');
    now = new Date(now.getTime() + 31 * 86400_000);
    await ctx.store.calls.write({ calls: [call('c-new', now.toISOString())], steps: [], counters: [] });
    writeFileSync(join(recDir, 'operator-c-new.wav'), 'RIFF');
    await ctx.store.calls.setOperatorRecording('c-new', 'operator/operator-c-new.wav');
    expect(await jobs.retention()).toMatchObject({ calls: 1, operatorRecordings: 1 });
    expect(existsSync(join(recDir, 'operator-c-old.wav'))).toBe(false);
    expect(existsSync(join(recDir, 'operator-c-new.wav'))).toBe(true);
    expect(await ctx.store.calls.byId('c-old')).toBeUndefined();
    expect(await ctx.store.calls.byId('c-new')).toBeDefined();
  });
});

describe('several instances: only the leader runs the cluster-wide jobs', () => {
  it('a non-leader skips the outbox sweeps, reminders and stored retention, but still cleans its own files; the leader runs them', async () => {
    let now = at(23)();
    const ctx = testContext({ HOTLINE_DATA_RETENTION_DAYS: '30' }, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    let media = 0;
    const voice = { callLog: null, purgeMedia: () => { media++; return { personalAudio: 2, sharedCache: 1 }; } } as unknown as VoiceChannel;
    let leader = false;
    const jobs = createJobs(ctx, sms, voice, { isLeader: () => leader });
    const { department } = await addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000009');
    await ctx.declarations.upsert(department, 'X-1', { itemName: '许可', acceptedAt: '2026-10-01T00:00:00Z', timeLimitDays: 3 });
    const push = await sms.outbox.queue({ phone: '13800000001', text: '推送', reason: 'push' });
    const done = await sms.outbox.queue({ phone: '13800000002', text: '旧消息', reason: 'reply' });
    await sms.repo.cancel(done.id, now.toISOString());
    expect(push.held).toBe(true);

    now = new Date(Date.UTC(2026, 10, 27, 1, 0, 1)); // Friday 09:00:01 local: quiet hours over, reminder time
    expect(await jobs.releaseQuietHours()).toBe(0);
    expect(await jobs.expireStale()).toBe(0);
    expect(await jobs.closeWithoutReceipt()).toBe(0);
    expect(await jobs.remindOverdue()).toEqual({ departments: 0, declarations: 0 });
    expect((await sms.repo.byId(push.id))!.status).toBe('held');
    expect(await sms.repo.list({ phone: '13800000009' })).toEqual([]);
    expect((await ctx.store.audit.list(5)).some((e) => e.action === 'overdue.reminder')).toBe(false);
    now = new Date(now.getTime() + 31 * 86400_000);
    expect(await jobs.retention()).toEqual({ outbox: 0, receipts: 0, calls: 0, recordings: 0, inbound: 0, mailFiles: 0, webAttachments: 0, operatorRecordings: 0, personalAudio: 2, sharedCache: 1 });
    expect(media).toBe(1); // this instance's own files: cleaned on every instance
    expect(await sms.repo.byId(done.id)).toBeDefined();

    leader = true; // asked at every run: this instance took over
    expect(await jobs.retention()).toMatchObject({ outbox: 1, personalAudio: 2 });
    expect(await sms.repo.byId(done.id)).toBeUndefined();
    expect(media).toBe(2);
  });
});

describe('receipt timeout', () => {
  it('a submitted SMS whose receipt never comes ends no_receipt (无回执) after sms.receipt_timeout_hours; a later receipt still applies', async () => {
    let now = at(12)();
    const ctx = testContext({ HOTLINE_SMS_RECEIPT_TIMEOUT_HOURS: '72' }, { now: () => now });
    cleanup = ctx.cleanup;
    const sms = createSmsChannel(ctx, { simulator: null });
    const jobs = createJobs(ctx, sms);
    const { id } = await sms.outbox.queue({ phone: '13800000001', text: '您的投诉已登记。', reason: 'reply' });
    const other = await sms.outbox.queue({ phone: '13800000002', text: '未发送', reason: 'reply' });
    const [claimed] = await sms.repo.claimDue(now.toISOString(), 1);
    expect(claimed.msg.id).toBe(id);
    await sms.repo.segmentSubmitted(claimed.segments[0].id, '1a2b', '1A2B', now.toISOString());
    expect(await sms.repo.settleFromSegments(id, now.toISOString())).toBe('submitted');
    now = new Date(now.getTime() + 71 * 3600_000);
    expect(await jobs.closeWithoutReceipt()).toBe(0);
    now = new Date(now.getTime() + 2 * 3600_000);
    expect(await jobs.closeWithoutReceipt()).toBe(1);
    const row = (await sms.repo.byId(id))!;
    expect(row.status).toBe('no_receipt');
    expect(row.doneAt).toBe(now.toISOString());
    expect((await sms.repo.segments(id)).map((s) => s.status)).toEqual(['no_receipt']);
    expect((await sms.repo.byId(other.id))!.status).toBe('queued'); // never submitted: not touched
    expect(await jobs.closeWithoutReceipt()).toBe(0);
    // the panel names the state in Chinese
    const lib = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'admin', 'static', 'lib.js'), 'utf8');
    expect(lib).toMatch(/smsStatus: \{[^}]*no_receipt: '无回执'/);
    // a receipt that still comes is applied
    const seg = (await sms.repo.segmentRefByMessageId('1a2b'))!;
    await sms.repo.segmentReceipt(seg.id, 'delivered', null, now.toISOString());
    expect(await sms.repo.settleFromSegments(id, now.toISOString())).toBe('delivered');
  });
});

/**
 * Scheduled work (node-cron, in the configured time zone):
 *  - quiet-hour release: at the end of quiet hours held pushes join the queue (plus a 5-minute safety sweep,
 *    so a server that was down at the release time catches up);
 *  - expiry: pushes whose validity passed while waiting end 'expired';
 *  - receipt timeout: submitted messages whose delivery receipts did not come within sms.receipt_timeout_hours
 *    end 'no_receipt' (无回执) — run with the 5-minute sweep;
 *  - overdue reminders: on working days at 09:00 each department's contact gets one SMS listing its overdue
 *    declarations, and the panel gets a badge event;
 *  - work-order deadlines: every 10 minutes the lead department's contact of each order in 即将超时 (before the
 *    签收 or 办结 deadline) and in 已超时 (at/after it) gets one SMS per order, deadline and stage (the
 *    outbox's dedupe key), audited once; the queues in the panel show the same;
 *  - retention: after data.retention_days finished outbox rows, the call log, recordings and inbound SMS
 *    (with their raw parts) of finished items are purged; unmatched receipts after a week; personal
 *    call-back audio past its TTL and non-prompt files of the shared TTS cache after a week.
 * Every job body is a plain async method, so tests call it directly. While the storage is full the jobs
 * skip; a job that fails is logged (a cron tick never throws).
 *
 * Several instances on one database: the jobs that work on shared data (the outbox sweeps, reminders,
 * the stored part of retention) run only on the leader (`isLeader`, e.g. a PostgreSQL advisory lock,
 * src/store/pg/leader.ts); an instance's own files (personal call-back audio, its TTS cache) are
 * cleaned on every instance.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import type { SmsChannel } from '../sms/channel.js';
import type { VoiceChannel } from '../voice/channel.js';
import { formatLocal, localDate } from '../domain/time.js';
import { unlinkSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { WEB_ATTACHMENTS_DIR } from '../web/index.js';
import { resolveRecording } from '../admin/recordings.js';

export type RetentionResult = { outbox: number; receipts: number; calls: number; recordings: number; inbound: number; mailFiles: number; webAttachments: number; operatorRecordings: number; personalAudio: number; sharedCache: number };

/** A stored path relative to `base`, or null when it would leave it (never deleted). */
function inside(base: string, rel: string): string | null {
  if (!rel) return null;
  const abs = resolve(base, rel);
  return abs.startsWith(resolve(base) + sep) ? abs : null;
}

/** Delete a file; true when it is gone (also when it was gone already). */
function removed(file: string | null, log: { warn(m: string, d: Record<string, unknown>): void }): boolean {
  if (!file) return true;
  try { unlinkSync(file); return true; } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    log.warn('保存期满的文件未能删除 / file past retention not deleted', { error: (e as Error).message });
    return false;
  }
}

/** Every method on a non-leader returns zeros for the cluster-wide work it skipped. */
export interface Jobs extends Component {
  releaseQuietHours(): Promise<number>;
  expireStale(): Promise<number>;
  /** Submitted messages without receipts past the receipt timeout → no_receipt. */
  closeWithoutReceipt(): Promise<number>;
  remindOverdue(): Promise<{ departments: number; declarations: number }>;
  /** Work orders near (即将超时) or past (已超时) their 签收/办结 deadline: one reminder each to the department contact. */
  remindWorkOrders(): Promise<{ warned: number; overdue: number }>;
  retention(): Promise<RetentionResult>;
}

export interface JobsOptions {
  /**
   * Whether this instance runs the cluster-wide jobs now (asked at every run; default: always — one
   * instance). Wired to a PostgreSQL advisory-lock leader when several instances share the database.
   */
  isLeader?: () => boolean;
}

export function createJobs(ctx: AppContext, sms: SmsChannel | null, voice: VoiceChannel | null = null, opts: JobsOptions = {}): Jobs {
  const log = ctx.log.child('jobs');
  const tasks: ScheduledTask[] = [];
  const leader = opts.isLeader ?? (() => true);
  /** Jobs skipped while the storage was full, run once it is writable again. */
  const owed = new Map<string, () => Promise<void>>();
  let offStorage: (() => void) | null = null;
  const tz = ctx.config.time.zone;

  const jobs: Jobs = {
    name: 'jobs',
    async releaseQuietHours() {
      if (!sms || !leader()) return 0;
      const n = await sms.outbox.releaseHeld();
      if (n) log.info(`quiet hours over: ${n} held pushes released`);
      return n;
    },
    async expireStale() {
      if (!sms || !leader()) return 0;
      const n = await sms.outbox.expireStale();
      if (n) log.info(`${n} pushes expired before they could be sent`);
      return n;
    },
    async closeWithoutReceipt() {
      if (!sms || !leader()) return 0;
      const ids = await sms.outbox.closeWithoutReceipt();
      if (ids.length) {
        log.warn(`${ids.length} SMS without a delivery receipt after ${ctx.config.sms.receipt_timeout_hours} h: closed as no_receipt (无回执)`);
      }
      return ids.length;
    },
    async remindOverdue() {
      const now = ctx.now();
      const today = localDate(now, tz);
      if (!leader() || !ctx.calendar.isWorkingDay(today)) return { departments: 0, declarations: 0 };
      const counts = await ctx.store.declarations.overdueCounts(now.toISOString());
      let total = 0;
      for (const [deptId, count] of counts) {
        const dept = await ctx.store.departments.byId(deptId);
        if (!dept) continue;
        total += count;
        const items = (await ctx.store.declarations.overdue(now.toISOString(), deptId, 3)).map((d) => `${d.queryCode}（${d.itemName}）`).join('、');
        if (sms && dept.contactPhone) {
          await sms.outbox.queue({
            phone: dept.contactPhone, reason: 'reminder', template: 'reminder.overdue', dedupeKey: `reminder:${dept.id}:${today}`,
            text: sms.templates.renderFit('reminder.overdue', { dept: dept.name, count: String(count), items }),
          });
        }
        await ctx.store.audit.append('system', 'overdue.reminder', dept.code, { count });
      }
      if (total) log.info(`overdue reminder: ${total} declarations in ${counts.size} departments`);
      return { departments: counts.size, declarations: total };
    },
    async remindWorkOrders() {
      if (!leader()) return { warned: 0, overdue: 0 };
      const out = { warned: 0, overdue: 0 };
      for (const stage of ['warning', 'overdue'] as const) {
        for (const o of await ctx.workOrders.queue(stage, { limit: 500 })) {
          if (!o.dueAt || o.departmentId === null) continue;
          const dept = await ctx.store.departments.byId(o.departmentId);
          const what = o.status === 'assigned' ? '签收' : '办结';
          const due = formatLocal(o.dueAt, tz);
          const text = stage === 'warning'
            ? `【96365】工单${o.ref}即将超时，请于${due}前${what}。`
            : `【96365】工单${o.ref}已超过${what}时限（${due}），请尽快${what}。`;
          const key = `wo-remind:${o.id}:${o.dueAt}:${stage}`;
          let created = false;
          if (sms && dept?.contactPhone) created = (await sms.outbox.queue({ phone: dept.contactPhone, reason: 'reminder', dedupeKey: key, text, feedbackId: o.id })).created;
          if (created) await ctx.store.audit.append('system', stage === 'warning' ? 'workorder.deadline_warning' : 'workorder.deadline_overdue', o.ref, `${what}${stage === 'warning' ? '即将超时' : '已超时'}提醒：${dept?.name ?? ''}，期限 ${due}`);
          if (created) out[stage === 'warning' ? 'warned' : 'overdue']++;
        }
      }
      if (out.warned || out.overdue) log.info(`work-order reminders: ${out.warned} near the deadline, ${out.overdue} past it`);
      return out;
    },
    async retention() {
      const before = new Date(ctx.now().getTime() - ctx.config.data.retention_days * 86400_000).toISOString();
      const weekAgo = new Date(ctx.now().getTime() - 7 * 86400_000).toISOString();
      const stored = { outbox: 0, receipts: 0, calls: 0, recordings: 0, inbound: 0, mailFiles: 0, webAttachments: 0, operatorRecordings: 0 };
      // The stored data (shared by all instances): the leader's work.
      if (leader()) {
        stored.outbox = sms ? await sms.repo.purgeOutbox(before) : 0;
        stored.receipts = sms ? await sms.repo.purgeUnmatchedReceipts(weekAgo) : 0;
        if (voice?.callLog) {
          // The operator recordings of the calls about to go: the files first. A file that cannot be
          // deleted is logged (removed() warns) and does not hold back the call log's retention.
          const recDir = resolve(ctx.config.data.dir, 'recordings');
          for (const p of await ctx.store.calls.operatorRecordingsBefore(before)) if (removed(inside(recDir, p), log)) stored.operatorRecordings++;
          stored.calls = await voice.callLog.purgeEndedBefore(before);
        }
        const repo = ctx.store.retention;
        for (const r of await repo.expiredRecordings(before)) {
          const file = resolveRecording(ctx.config.data.dir, r.path);
          if (file) { try { unlinkSync(file); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') { log.warn('recording not deleted', { id: r.id, error: (e as Error).message }); continue; } } }
          await repo.recordingPurged(r.id, ctx.now().toISOString());
          stored.recordings++;
        }
        stored.inbound = await repo.purgeInbound(before);
        // Mail sources and attachments, web complaint attachments: the files first, then the rows
        // (a crash in between leaves a row whose file is already gone: the next run clears it).
        const dataDir = ctx.config.data.dir;
        for (const m of await repo.expiredMailFiles(before)) {
          if (!m.files.map((f) => inside(dataDir, f)).every((f) => removed(f, log))) continue;
          await repo.mailFilesPurged(m.id, m.feedbackId, ctx.now().toISOString());
          stored.mailFiles++;
        }
        const webDir = resolve(dataDir, WEB_ATTACHMENTS_DIR);
        for (const a of await repo.expiredWebAttachments(before)) {
          if (!removed(inside(webDir, a.path), log)) continue;
          await repo.webAttachmentPurged(a.id, a.feedbackId, ctx.now().toISOString());
          stored.webAttachments++;
        }
      }
      // This instance's own files: on every instance.
      const media = voice ? voice.purgeMedia() : { personalAudio: 0, sharedCache: 0 };
      const out: RetentionResult = { ...stored, ...media };
      if (Object.values(out).some((n) => n > 0)) log.info('retention', out);
      return out;
    },
    async start() {
      const [qh, qm] = ctx.config.sms.quiet_end.split(':').map(Number);
      const cronOpts = { timezone: tz, noOverlap: true };
      // Full disk: a job is skipped and owed; it runs once when the storage is writable again. A storage
      // error is logged by the storage health, rate-limited.
      // A run never rejects: node-cron gets a promise that always resolves.
      const guard = (name: string, fn: () => Promise<unknown>) => {
        const run = async (): Promise<void> => {
          if (ctx.storage.full) { owed.set(name, run); return; }
          owed.delete(name);
          try { await fn(); } catch (e) {
            if (ctx.storage.failure(e, `job ${name}`)) owed.set(name, run);
            else log.error(`job ${name} failed`, { error: (e as Error).message });
          }
        };
        return run;
      };
      offStorage = ctx.storage.onChange((st) => { if (st !== 'full') for (const run of [...owed.values()]) void run(); });
      tasks.push(cron.schedule(`${qm} ${qh} * * *`, guard('quiet-release', () => jobs.releaseQuietHours()), { ...cronOpts, name: 'quiet-release' }));
      tasks.push(cron.schedule('*/5 * * * *', guard('sweep', async () => { await jobs.releaseQuietHours(); await jobs.expireStale(); await jobs.closeWithoutReceipt(); }), { ...cronOpts, name: 'sweep' }));
      tasks.push(cron.schedule('0 9 * * *', guard('overdue', () => jobs.remindOverdue()), { ...cronOpts, name: 'overdue-reminder' }));
      tasks.push(cron.schedule('*/10 * * * *', guard('workorder-reminders', () => jobs.remindWorkOrders()), { ...cronOpts, name: 'workorder-reminders' }));
      tasks.push(cron.schedule('30 3 * * *', guard('retention', () => jobs.retention()), { ...cronOpts, name: 'retention' }));
    },
    async stop() {
      offStorage?.();
      owed.clear();
      for (const t of tasks) await t.stop();
      tasks.length = 0;
    },
  };
  return jobs;
}

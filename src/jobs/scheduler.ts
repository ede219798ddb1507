/**
 * Scheduled work (node-cron, in the configured time zone):
 *  - quiet-hour release: at the end of quiet hours held pushes join the queue (plus a 5-minute safety sweep,
 *    so a server that was down at the release time catches up);
 *  - expiry: pushes whose validity passed while waiting end 'expired';
 *  - receipt timeout: submitted messages whose delivery receipts did not come within sms.receipt_timeout_hours
 *    end 'no_receipt' (无回执) — run with the 5-minute sweep;
 *  - overdue reminders: on working days at 09:00 each department's contact gets one SMS listing its overdue
 *    declarations, and the panel gets a badge event;
 *  - retention: after data.retention_days finished outbox rows, the call log, recordings and inbound SMS
 *    (with their raw parts) of finished items are purged; unmatched receipts after a week; personal
 *    call-back audio past its TTL and non-prompt files of the shared TTS cache after a week.
 * Every job body is a plain method, so tests call it directly. While the storage is full the jobs skip.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import type { SmsChannel } from '../sms/channel.js';
import type { VoiceChannel } from '../voice/channel.js';
import { localDate } from '../domain/time.js';
import { unlinkSync } from 'node:fs';
import { SqliteRetentionRepo } from '../store/repos/retention.js';
import { resolveRecording } from '../admin/recordings.js';

export interface Jobs extends Component {
  releaseQuietHours(): number;
  expireStale(): number;
  /** Submitted messages without receipts past the receipt timeout → no_receipt. */
  closeWithoutReceipt(): number;
  remindOverdue(): { departments: number; declarations: number };
  retention(): { outbox: number; receipts: number; calls: number; recordings: number; inbound: number; personalAudio: number; sharedCache: number };
}

export function createJobs(ctx: AppContext, sms: SmsChannel | null, voice: VoiceChannel | null = null): Jobs {
  const log = ctx.log.child('jobs');
  const tasks: ScheduledTask[] = [];
  /** Jobs skipped while the storage was full, run once it is writable again. */
  const owed = new Map<string, () => void>();
  let offStorage: (() => void) | null = null;
  const tz = ctx.config.time.zone;

  const jobs: Jobs = {
    name: 'jobs',
    releaseQuietHours() {
      if (!sms) return 0;
      const n = sms.outbox.releaseHeld();
      if (n) log.info(`quiet hours over: ${n} held pushes released`);
      return n;
    },
    expireStale() {
      if (!sms) return 0;
      const n = sms.outbox.expireStale();
      if (n) log.info(`${n} pushes expired before they could be sent`);
      return n;
    },
    closeWithoutReceipt() {
      if (!sms) return 0;
      const ids = sms.outbox.closeWithoutReceipt();
      if (ids.length) {
        log.warn(`${ids.length} SMS without a delivery receipt after ${ctx.config.sms.receipt_timeout_hours} h: closed as no_receipt (无回执)`);
      }
      return ids.length;
    },
    remindOverdue() {
      const now = ctx.now();
      const today = localDate(now, tz);
      if (!ctx.calendar.isWorkingDay(today)) return { departments: 0, declarations: 0 };
      const counts = ctx.store.declarations.overdueCounts(now.toISOString());
      let total = 0;
      for (const [deptId, count] of counts) {
        const dept = ctx.store.departments.byId(deptId);
        if (!dept) continue;
        total += count;
        const items = ctx.store.declarations.overdue(now.toISOString(), deptId, 3).map((d) => `${d.queryCode}（${d.itemName}）`).join('、');
        if (sms && dept.contactPhone) {
          sms.outbox.queue({
            phone: dept.contactPhone, reason: 'reminder', template: 'reminder.overdue', dedupeKey: `reminder:${dept.id}:${today}`,
            text: sms.templates.renderFit('reminder.overdue', { dept: dept.name, count: String(count), items }),
          });
        }
        ctx.store.audit.append('system', 'overdue.reminder', dept.code, { count });
      }
      if (total) log.info(`overdue reminder: ${total} declarations in ${counts.size} departments`);
      return { departments: counts.size, declarations: total };
    },
    retention() {
      const before = new Date(ctx.now().getTime() - ctx.config.data.retention_days * 86400_000).toISOString();
      const weekAgo = new Date(ctx.now().getTime() - 7 * 86400_000).toISOString();
      const outbox = sms ? sms.repo.purgeOutbox(before) : 0;
      const receipts = sms ? sms.repo.purgeUnmatchedReceipts(weekAgo) : 0;
      const calls = voice?.callLog ? voice.callLog.purgeEndedBefore(before) : 0;
      const repo = new SqliteRetentionRepo(ctx.store.db);
      let recordings = 0;
      for (const r of repo.expiredRecordings(before)) {
        const file = resolveRecording(ctx.config.data.dir, r.path);
        if (file) { try { unlinkSync(file); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') { log.warn('recording not deleted', { id: r.id, error: (e as Error).message }); continue; } } }
        repo.recordingPurged(r.id, ctx.now().toISOString());
        recordings++;
      }
      const inbound = repo.purgeInbound(before);
      const media = voice ? voice.purgeMedia() : { personalAudio: 0, sharedCache: 0 };
      const out = { outbox, receipts, calls, recordings, inbound, ...media };
      if (Object.values(out).some((n) => n > 0)) log.info('retention', out);
      return out;
    },
    async start() {
      const [qh, qm] = ctx.config.sms.quiet_end.split(':').map(Number);
      const opts = { timezone: tz, noOverlap: true };
      // Full disk: a job is skipped and owed; it runs once when the storage is writable again. A storage
      // error is logged by the storage health, rate-limited.
      const guard = (name: string, fn: () => unknown) => {
        const run = () => {
          if (ctx.storage.full) { owed.set(name, run); return; }
          owed.delete(name);
          try { fn(); } catch (e) {
            if (ctx.storage.failure(e, `job ${name}`)) owed.set(name, run);
            else log.error(`job ${name} failed`, { error: (e as Error).message });
          }
        };
        return run;
      };
      offStorage = ctx.storage.onChange((st) => { if (st !== 'full') for (const run of [...owed.values()]) run(); });
      tasks.push(cron.schedule(`${qm} ${qh} * * *`, guard('quiet-release', () => jobs.releaseQuietHours()), { ...opts, name: 'quiet-release' }));
      tasks.push(cron.schedule('*/5 * * * *', guard('sweep', () => { jobs.releaseQuietHours(); jobs.expireStale(); jobs.closeWithoutReceipt(); }), { ...opts, name: 'sweep' }));
      tasks.push(cron.schedule('0 9 * * *', guard('overdue', () => jobs.remindOverdue()), { ...opts, name: 'overdue-reminder' }));
      tasks.push(cron.schedule('30 3 * * *', guard('retention', () => jobs.retention()), { ...opts, name: 'retention' }));
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

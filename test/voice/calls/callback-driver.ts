/**
 * A step language for the call-back scheduler (src/voice/calls/callbacks.ts): a real store and
 * services on a fake clock (Thursday 2026-11-26 10:00 Asia/Shanghai), a fake originate that records
 * each call placed with the flow variables it would get. Each step returns what it dialled:
 *   answer <phone>                  a complaint from <phone> is answered (its own transaction)
 *   notice <phone> interim|closed   a work-order notice to the citizen at <phone>
 *   wait <minutes> | at <HH:MM>     the clock moves (local time; at: the next such time), then a poll
 *   answered | satisfied | noAnswer the last call ended so
 *   guard                           the last call never reached the app: its guard timer fires
 *   originate fails                 the next originate throws
 *   restart                         the process stops (calls in flight stay dialing) and starts again
 *   left <phone> <owner>            an answer call-back to <phone> left dialing by instance <owner>
 *   sweep                           the periodic look for requests of gone instances (a minute later)
 * A dial reads `dial <phone> answer` or `dial <phone> notice <noticeTitle>`.
 */
import { vi } from 'vitest';
import type { AppContext } from '../../../src/context.js';
import { silentLogger } from '../../../src/log.js';
import { CallbackScheduler } from '../../../src/voice/calls/callbacks.js';
import type { CallManager } from '../../../src/voice/calls/manager.js';
import { DEFAULT_QUEUE_CONFIG, type QueueConfig } from '../../../src/voice/queue/types.js';
import type { WorkOrder } from '../../../src/workorders/model.js';
import { testContext } from '../../helpers/context.js';

export const CALLBACK_T0 = Date.parse('2026-11-26T02:00:00.000Z'); // Thursday 10:00 Shanghai

export class CallbackDriver {
  t = CALLBACK_T0;
  readonly ctx: AppContext & { cleanup(): void };
  sched!: CallbackScheduler;
  private dials: string[] = [];
  private failNext = false;
  private lastFid: number | null = null;
  private readonly feedbackOf = new Map<string, number>();

  /** Instances alive on the database (undefined: this one only, as on SQLite). */
  live: Set<string> | undefined;

  constructor(private readonly queue: QueueConfig = DEFAULT_QUEUE_CONFIG) {
    this.ctx = testContext({}, { now: () => new Date(this.t) });
  }

  private scheduler(): CallbackScheduler {
    const manager = {
      originateCallback: async (fid: number, endpoint: string) => {
        if (this.failNext) { this.failNext = false; throw new Error('originate refused'); }
        const v = await this.sched.vars(fid);
        this.lastFid = fid;
        const phone = /^Local\/(\d+)@/.exec(endpoint)![1];
        this.dials.push(v?.noticeOnly === '1' ? `dial ${phone} notice ${v.noticeTitle}` : `dial ${phone} answer`);
        return `chan-${fid}`;
      },
    } as unknown as CallManager;
    return new CallbackScheduler({
      ctx: this.ctx, log: silentLogger, app: 'hotline', manager: () => manager, ami: () => null, queue: this.queue, pollMs: 3_600_000,
      liveOwners: this.live ? async () => [...this.live!] : undefined,
    });
  }

  async start(): Promise<void> { this.sched = this.scheduler(); await this.sched.start(); await this.sched.poll(); }
  stop(): void { this.sched?.stop(); }
  close(): void { this.stop(); this.ctx.cleanup(); }

  async run(step: string): Promise<string[]> {
    this.dials = [];
    const [verb, ...a] = step.split(' ');
    switch (verb) {
      case 'answer': {
        const f = await this.feedback(a[0]);
        await this.ctx.feedback.answer(f, '经核查，问题已处理。', 'staff1');
        break;
      }
      case 'notice': {
        const f = (await this.ctx.feedback.byId(await this.feedback(a[0])))!;
        const kind = a[1] as 'interim' | 'closed';
        await this.ctx.store.transaction(() => this.ctx.bus.emitTx('workorder.notice', {
          order: f as WorkOrder, notice: { to: 'citizen', kind, text: '您反映的问题正在协调处理。' }, phone: a[0], at: new Date(this.t).toISOString(),
        }));
        break;
      }
      case 'wait': this.t += Number(a[0]) * 60_000; break;
      case 'at': {
        const [h, m] = a[0].split(':').map(Number);
        const local = new Date(this.t + 8 * 3600_000);
        let target = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), h, m) - 8 * 3600_000;
        if (target <= this.t) target += 86400_000;
        this.t = target;
        break;
      }
      case 'answered': case 'satisfied': case 'noAnswer':
        await this.sched.ended(this.lastFid!, verb !== 'noAnswer', verb === 'satisfied');
        break;
      case 'guard':
        await vi.advanceTimersByTimeAsync(106_000);
        break;
      case 'originate': this.failNext = true; return [];
      case 'restart': this.stop(); await this.start(); return this.dials;
      case 'left': {
        const id = await this.feedback(a[0]);
        const now = new Date(this.t).toISOString();
        const cq = this.ctx.store.callQueue;
        const r = await cq.request({ phone: a[0], callId: null, feedbackId: id, reason: 'answer', priority: 'normal', seq: await cq.nextSeq(), nextAttemptAt: now }, now);
        await this.ctx.store.feedback.update(id, { answer: '经核查，问题已处理。', status: 'answered' }, now); // answered without the bus: no request of ours
        await cq.claimDue(now, a[1], 10);
        if ((await cq.callback(r.id))?.status !== 'dialing') throw new Error('left: not claimed');
        return [];
      }
      case 'sweep': this.t += 61_000; break;
      default: throw new Error(`unknown step ${step}`);
    }
    await this.sched.poll();
    return this.dials;
  }

  /** The requests: `<reason> <status> <attempts>[ <next attempt, local HH:MM>]`. */
  async rows(): Promise<string[]> {
    const all = [...await this.ctx.store.callQueue.openCallbacks()];
    const ids = new Set(all.map((r) => r.id));
    for (let id = 1; id <= 50; id++) { const r = await this.ctx.store.callQueue.callback(id); if (r && !ids.has(id)) all.push(r); }
    return all.sort((x, y) => x.id - y.id).map((r) => {
      const next = r.status === 'requested' ? ` ${new Date(Date.parse(r.nextAttemptAt) + 8 * 3600_000).toISOString().slice(11, 16)}` : '';
      return `${r.reason} ${r.status} ${r.attempts}${next}`;
    });
  }

  /** The call-back timeline entries of every feedback. */
  async timeline(): Promise<string[]> {
    const out: string[] = [];
    for (const id of this.feedbackOf.values()) out.push(...(await this.ctx.feedback.timeline(id)).filter((e) => e.action === 'callback').map((e) => e.detail ?? ''));
    return out;
  }

  private async feedback(phone: string): Promise<number> {
    const known = this.feedbackOf.get(phone);
    if (known) return known;
    const f = await this.ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone, text: null, recordingPath: null });
    this.feedbackOf.set(phone, f.id);
    return f.id;
  }
}

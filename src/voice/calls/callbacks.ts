/**
 * Landline call-backs by voice, persisted (callback_requests, store.callQueue): a number that cannot
 * receive SMS hears by a call what a mobile would get as a message —
 *  - reason 'answer': the staff answer to a complaint ('feedback.answered'); the `callback` flow reads
 *    the answer by TTS and takes the satisfaction key;
 *  - reason 'notice': a work-order notice to the citizen ('workorder.notice', kinds interim 阶段性答复 and
 *    closed 办结通知); the same flow with noticeOnly=1 reads the notice, says goodbye and hangs up.
 * The request is written by a transactional bus listener, inside the answer's (the step's) own
 * transaction: an answer is never stored without its call-back, a rolled-back one never places a call.
 *
 * A poller (interval, unref'd, plus a kick after each commit) claims due requests for this instance
 * (claimDue → dialing) and originates Local/<number>@hotline-callback running Stasis(app,callback,<feedback
 * id>) — AMI when connected, otherwise ARI POST /channels. Answered → done; not answered, or the
 * originate failed → attempts + 1 and back to requested after the back-off (queue.callback_backoff_sec,
 * doubled each time), failed finally after queue.callback_attempts (a timeline entry says so). No
 * call-back is dialled in the quiet hours (queue.callback_quiet_start…end): due requests wait for the
 * window's end. A request left dialing by a killed instance (this one, seen at the next start; another,
 * once its lease lapsed) counts as one attempt not answered and is retried after the back-off — never
 * dialled twice at once.
 *
 * A call that never reaches the app (and whose end is not reported) counts as not answered after
 * ring + 60 s (the guard). The Stasis argument is the feedback id (the call manager records the
 * satisfaction key on it); one call-back per feedback is in flight at a time on an instance. Timers
 * and listeners catch and log every failure.
 */
import type { Infra, Services } from '../../context.js';
import { isMobileNumber } from '../../domain/masking.js';
import { nationalDigits } from '../../domain/phone.js';
import type { Feedback } from '../../domain/types.js';
import type { Logger } from '../../log.js';
import type { CallbackReason, CallbackRow } from '../../store/repos/call-queue.js';
import type { AmiLink } from '../ami/index.js';
import { callbackBackoffMs, inCallbackQuietHours } from '../queue/quiet-hours.js';
import { DEFAULT_QUEUE_CONFIG, type QueueConfig } from '../queue/types.js';
import type { CallManager } from './manager.js';

export interface CallbackOptions {
  ctx: Pick<Infra, 'bus' | 'now' | 'store' | 'instance'> & Pick<Services, 'feedback'>;
  log: Logger;
  app: string;
  manager: () => CallManager | null;
  ami: () => AmiLink | null;
  /** Dialplan context that places outbound calls (asterisk-config/extensions.conf). */
  context?: string;
  ringSec?: number;
  /** Attempts, back-off, quiet hours, time zone (queueConfigFrom(config); default DEFAULT_QUEUE_CONFIG). */
  queue?: QueueConfig;
  /** Overrides the back-off base (tests): retry n waits retryMs × 2^(n-1). */
  retryMs?: number;
  /** How often due requests are looked for (default 5 s). */
  pollMs?: number;
  /**
   * Instances alive on the shared database (PostgreSQL: within the lease); undefined = this one only
   * (SQLite: one server per data directory), so every other owner is gone.
   */
  liveOwners?: () => Promise<string[]>;
  /** How often requests left dialing by gone instances are looked for after the start (default 60 s). */
  sweepMs?: number;
}

/** The reasons this scheduler dials (reason 'queue' belongs to the call queue). */
const REASONS: CallbackReason[] = ['answer', 'notice'];
const NOTICE_TITLE: Record<string, string> = { interim: '阶段性答复', closed: '办结通知' };

interface InFlight { row: CallbackRow; guard: NodeJS.Timeout | null }

export class CallbackScheduler {
  /** Calls placed and not ended, by feedback id (the Stasis argument). */
  private readonly inFlight = new Map<number, InFlight>();
  private readonly offs: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<number> | null = null;
  private again = false;
  private started = false;
  private lastSweep = 0;

  constructor(private readonly o: CallbackOptions) {}

  private get q(): QueueConfig { return this.o.queue ?? DEFAULT_QUEUE_CONFIG; }
  private nowIso(): string { return this.o.ctx.now().toISOString(); }

  /** Listen (in the emitters' transactions), recover what this instance left dialing, then poll. */
  async start(): Promise<void> {
    const bus = this.o.ctx.bus;
    this.started = true;
    this.offs.push(
      bus.onTx('feedback.answered', ({ feedback }) => this.requestAnswer(feedback)),
      bus.onTx('workorder.notice', ({ order, notice, phone }) => {
        if (notice.to !== 'citizen' || (notice.kind !== 'interim' && notice.kind !== 'closed')) return;
        return this.requestNotice(order, phone, notice.kind, notice.text);
      }),
      // after the commit: dial at once
      bus.on('feedback.answered', () => this.kick()),
      bus.on('workorder.notice', () => this.kick()),
    );
    try { await this.recover(true); } catch (e) {
      this.o.log.error('call-back recovery failed', { error: (e as Error).message });
    }
    if (!this.started) return;
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 5000);
    this.timer.unref?.();
    this.kick();
  }

  stop(): void {
    this.started = false;
    for (const off of this.offs.splice(0)) off();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const p of this.inFlight.values()) if (p.guard) clearTimeout(p.guard);
    this.inFlight.clear(); // their rows stay dialing: the next start counts them as not answered
  }

  /** Calls placed and not yet ended. */
  get size(): number { return this.inFlight.size; }

  /** A number reached by voice rather than SMS (a landline). */
  static landline(phone: string | null | undefined): phone is string {
    return !!phone && !isMobileNumber(phone) && /^[0-9]{3,20}$/.test(phone);
  }

  /** Does this feedback get a voice call-back of its answer? */
  static wants(f: Feedback): boolean {
    return CallbackScheduler.landline(f.phone) && !!f.answer && f.notifyPhone !== false; // a web form may say: on the web page only
  }

  /** 'feedback.answered' (in its transaction): persist the answer call-back; an older open one is cancelled. */
  async requestAnswer(f: Feedback): Promise<void> {
    if (!CallbackScheduler.wants(f)) return;
    const now = this.nowIso();
    const cq = this.o.ctx.store.callQueue;
    for (const old of await cq.openCallbacks()) {
      if (old.feedbackId === f.id && old.reason === 'answer' && old.status === 'requested') await cq.finish(old.id, 'cancelled', 'superseded', now);
    }
    await cq.request({ phone: f.phone!, callId: null, feedbackId: f.id, reason: 'answer', priority: 'normal', seq: await cq.nextSeq(), nextAttemptAt: now }, now);
  }

  /** 'workorder.notice' to a citizen (in the step's transaction): a landline gets the notice by voice. */
  async requestNotice(order: Feedback, phone: string | null, kind: 'interim' | 'closed', text: string): Promise<void> {
    if (!CallbackScheduler.landline(phone) || !text.trim()) return;
    const now = this.nowIso();
    const cq = this.o.ctx.store.callQueue;
    await cq.request({
      phone, callId: null, feedbackId: order.id, reason: 'notice', noticeKind: kind, noticeText: text, priority: 'normal', seq: await cq.nextSeq(), nextAttemptAt: now,
    }, now);
  }

  /** The flow variables of a call-back channel (null: hang it up). */
  async vars(feedbackId: number): Promise<Record<string, string> | null> {
    const f = await this.o.ctx.feedback.byId(feedbackId);
    if (!f || !f.phone) return null;
    const row = this.inFlight.get(feedbackId)?.row;
    if (row?.reason === 'notice') {
      if (!row.noticeText) return null;
      return { ref: f.ref, answer: row.noticeText, phone: f.phone, feedbackId: String(f.id), noticeOnly: '1', noticeTitle: NOTICE_TITLE[row.noticeKind ?? ''] ?? '办理通知' };
    }
    if (!f.answer) return null;
    return { ref: f.ref, answer: f.answer, phone: f.phone, feedbackId: String(f.id), noticeOnly: '0', noticeTitle: '' };
  }

  /** Poll now (coalesced with a poll running). */
  kick(): void {
    if (!this.started) return;
    if (this.polling) { this.again = true; return; }
    void this.poll();
  }

  /**
   * Claim and dial the due requests; resolves with the number of calls placed. Never rejects (a
   * failure is logged). Nothing is claimed in the quiet hours.
   */
  poll(): Promise<number> {
    if (this.polling) return this.polling;
    const run = async (): Promise<number> => {
      let placed = 0;
      do {
        this.again = false;
        try { placed += await this.pollOnce(); } catch (e) {
          this.o.log.error('语音回访轮询失败 / call-back poll failed', { error: (e as Error).message });
        }
      } while (this.again && this.started);
      return placed;
    };
    this.polling = run().finally(() => { this.polling = null; });
    return this.polling;
  }

  private async pollOnce(): Promise<number> {
    const now = this.o.ctx.now();
    if (now.getTime() - this.lastSweep >= (this.o.sweepMs ?? 60_000)) await this.recover(false);
    if (inCallbackQuietHours(now.getTime(), this.q)) return 0;
    const rows = await this.o.ctx.store.callQueue.claimDue(now.toISOString(), this.o.ctx.instance, 10, REASONS);
    let placed = 0;
    for (const row of rows) {
      try { if (await this.dial(row)) placed++; } catch (e) {
        this.o.log.error('语音回访失败 / call-back attempt failed', { requestId: row.id, feedbackId: row.feedbackId, error: (e as Error).message });
      }
    }
    return placed;
  }

  /**
   * Requests left dialing by an instance that stopped (killed mid-call): one attempt, not answered,
   * retried after the back-off. At the start this instance's own too (none is in flight yet); later
   * only those of instances gone (a call of ours may be between its claim and its originate).
   */
  private async recover(atStart: boolean): Promise<void> {
    this.lastSweep = this.o.ctx.now().getTime();
    const me = this.o.ctx.instance;
    const live = new Set(this.o.liveOwners ? await this.o.liveOwners() : [me]);
    const stale = (await this.o.ctx.store.callQueue.openCallbacks()).filter((r) => r.status === 'dialing' && REASONS.includes(r.reason)
      && (r.ownerInstance === me ? atStart : r.ownerInstance === null || !live.has(r.ownerInstance)));
    for (const r of stale) await this.notAnswered(r, 'interrupted');
    if (stale.length) this.o.log.warn('中断的语音回访已计为一次未接通 / call-backs left dialing by a stopped instance counted as not answered', { count: stale.length });
  }

  private async dial(row: CallbackRow): Promise<boolean> {
    const cq = this.o.ctx.store.callQueue;
    const id = row.feedbackId;
    const f = id === null ? undefined : await this.o.ctx.feedback.byId(id);
    const stale = !f || id === null || (row.reason === 'answer' && (!CallbackScheduler.wants(f) || f.status !== 'answered'));
    if (stale) { await cq.finish(row.id, 'cancelled', 'stale', this.nowIso()); return false; }
    if (this.inFlight.has(id)) {
      // another call to this citizen about this feedback is on: after it (counted, rare)
      await this.notAnswered(row, 'busy');
      return false;
    }
    const attempt = row.attempts + 1;
    const endpoint = `Local/${nationalDigits(row.phone)}@${this.o.context ?? 'hotline-callback'}`;
    const ring = this.o.ringSec ?? 45;
    const p: InFlight = { row, guard: null };
    this.inFlight.set(id, p);
    const ami = this.o.ami();
    const via = ami && ami.state === 'connected' ? 'ami' : 'ari';
    try {
      if (ami && via === 'ami') {
        await ami.originate({ channel: endpoint, app: this.o.app, appArgs: ['callback', String(id)], callerId: '96365', timeoutSec: ring, variables: { HOTLINE_FEEDBACK_ID: String(id) } });
      } else {
        const m = this.o.manager();
        if (!m) throw new Error('voice channel not running');
        await m.originateCallback(id, endpoint, ring);
      }
    } catch (e) {
      if (this.inFlight.get(id) === p) this.inFlight.delete(id);
      this.o.log.error('语音回访呼叫失败 / call-back originate failed', { feedbackId: id, requestId: row.id, error: (e as Error).message });
      await this.notAnswered(row, 'originateError');
      return false;
    }
    this.o.log.info('已发起语音回访 / call-back placed', { feedbackId: id, requestId: row.id, reason: row.reason, attempt, via });
    // If the call never reaches the app (and no end is reported), count it as not answered. Set
    // before the timeline write: the call may end while it is written.
    if (this.inFlight.get(id) === p) {
      p.guard = setTimeout(() => void this.ended(id, false, false), (ring + 60) * 1000);
      p.guard.unref?.();
    }
    await this.timeline(id, row.reason === 'notice' ? `语音通知呼叫第${attempt}次 notice call attempt ${attempt}` : `回访呼叫第${attempt}次 call-back attempt ${attempt}`);
    return true;
  }

  /**
   * Reported by the call manager: the call-back call ended (answered = the flow ran). Resolves once
   * the request and the timeline entry are written; never rejects (a failed write is logged).
   */
  async ended(id: number, answered: boolean, satisfied: boolean): Promise<void> {
    const p = this.inFlight.get(id);
    if (!p) return;
    if (p.guard) clearTimeout(p.guard);
    this.inFlight.delete(id);
    const row = p.row;
    try {
      if (answered) {
        await this.o.ctx.store.callQueue.finish(row.id, 'done', 'answered', this.nowIso());
        await this.timeline(id, row.reason === 'notice' ? '语音通知已接听 notice call answered'
          : satisfied ? '回访已接听并评价 call-back answered, satisfaction given' : '回访已接听 call-back answered (no satisfaction key)');
        return;
      }
      await this.notAnswered(row, 'noAnswer');
    } catch (e) {
      this.o.log.error('语音回访结果未记录 / call-back result not recorded', { feedbackId: id, requestId: row.id, error: (e as Error).message });
    } finally {
      this.kick(); // another request for this feedback may wait
    }
  }

  /** One attempt not answered: retry after the back-off, or failed finally (a timeline entry). */
  private async notAnswered(row: CallbackRow, result: string): Promise<void> {
    const attempts = row.attempts + 1;
    const now = this.o.ctx.now();
    const last = attempts >= this.q.callbackAttempts;
    const wait = this.o.retryMs !== undefined ? this.o.retryMs * 2 ** (attempts - 1) : callbackBackoffMs(attempts, this.q);
    await this.o.ctx.store.callQueue.recordAttempt(row.id, result, last ? null : new Date(now.getTime() + wait).toISOString(), now.toISOString());
    if (!last) return;
    this.o.log.warn('语音回访未接通，已放弃 / call-back not answered, giving up', { feedbackId: row.feedbackId, requestId: row.id, attempts });
    if (row.feedbackId !== null) {
      await this.timeline(row.feedbackId, row.reason === 'notice' ? `语音通知${attempts}次未接通 notice call not answered after ${attempts} attempts`
        : `回访${attempts}次未接通 call-back not answered after ${attempts} attempts`);
    }
  }

  /** A timeline entry on the feedback (best effort: a failed write is logged, never thrown). */
  private async timeline(id: number, detail: string): Promise<void> {
    try {
      await this.o.ctx.store.feedback.addTimeline(id, 'callback', 'system', detail, this.nowIso());
    } catch (e) {
      this.o.log.warn('call-back timeline entry not written', { feedbackId: id, error: (e as Error).message });
    }
  }
}

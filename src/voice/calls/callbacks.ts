/**
 * Landline answer call-backs: a complaint from a number that cannot receive SMS gets its answer by
 * voice. On 'feedback.answered' for a non-mobile number, originate a call (AMI when configured,
 * otherwise ARI POST /channels) to Local/<number>@hotline-callback running Stasis(app,callback,<id>);
 * the `callback` flow reads the answer by TTS and takes the satisfaction key. Unanswered calls are
 * retried a few times. State is in memory (a restart forgets pending retries; the feedback keeps
 * its 'answered' status and the timeline shows each attempt).
 *
 * 'feedback.answered' is an ordinary bus listener (after the answer's transaction committed): a
 * rolled-back answer never places a call. Timers and that listener catch and log every failure.
 */
import type { Infra, Services } from '../../context.js';
import { isMobileNumber } from '../../domain/masking.js';
import { nationalDigits } from '../../domain/phone.js';
import type { Feedback } from '../../domain/types.js';
import type { Logger } from '../../log.js';
import type { AmiLink } from '../ami/index.js';
import type { CallManager } from './manager.js';

export interface CallbackOptions {
  ctx: Pick<Infra, 'bus' | 'now' | 'store'> & Pick<Services, 'feedback'>;
  log: Logger;
  app: string;
  manager: () => CallManager | null;
  ami: () => AmiLink | null;
  /** Dialplan context that places outbound calls (asterisk-config/extensions.conf). */
  context?: string;
  ringSec?: number;
  retryMs?: number;
  maxAttempts?: number;
}

interface Pending { attempts: number; timer: NodeJS.Timeout | null; guard: NodeJS.Timeout | null; done: boolean }

export class CallbackScheduler {
  private readonly pending = new Map<number, Pending>();
  private off: (() => void) | null = null;

  constructor(private readonly o: CallbackOptions) {}

  start(): void {
    this.off = this.o.ctx.bus.on('feedback.answered', ({ feedback }) => this.onAnswered(feedback));
  }

  stop(): void {
    this.off?.();
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      if (p.guard) clearTimeout(p.guard);
    }
    this.pending.clear();
  }

  get size(): number { return this.pending.size; }

  /** Does this feedback get a voice call-back? */
  static wants(f: Feedback): boolean {
    return !!f.phone && !!f.answer && !isMobileNumber(f.phone) && /^[0-9]{3,20}$/.test(f.phone);
  }

  onAnswered(f: Feedback): void {
    if (!CallbackScheduler.wants(f)) return;
    const old = this.pending.get(f.id);
    if (old) { if (old.timer) clearTimeout(old.timer); if (old.guard) clearTimeout(old.guard); }
    const p: Pending = { attempts: 0, timer: null, guard: null, done: false };
    this.pending.set(f.id, p);
    p.timer = setTimeout(() => this.attemptLogged(f.id), 0);
  }

  /** The flow variables of a call-back channel (null: hang it up). */
  async vars(feedbackId: number): Promise<Record<string, string> | null> {
    const f = await this.o.ctx.feedback.byId(feedbackId);
    if (!f || !f.answer || !f.phone) return null;
    return { ref: f.ref, answer: f.answer, phone: f.phone, feedbackId: String(f.id) };
  }

  private attemptLogged(id: number): void {
    this.attempt(id).catch((e) => {
      this.o.log.error('语音回访失败 / call-back attempt failed', { feedbackId: id, error: (e as Error).message });
      const p = this.pending.get(id);
      if (p && !p.done && !p.timer && !p.guard) void this.retry(id, p); // never rejects
    });
  }

  private async attempt(id: number): Promise<void> {
    const p = this.pending.get(id);
    if (!p || p.done) return;
    p.timer = null;
    const f = await this.o.ctx.feedback.byId(id);
    if (!f || !CallbackScheduler.wants(f) || f.status !== 'answered') { this.pending.delete(id); return; }
    p.attempts++;
    const endpoint = `Local/${nationalDigits(f.phone)}@${this.o.context ?? 'hotline-callback'}`;
    const ring = this.o.ringSec ?? 45;
    try {
      const ami = this.o.ami();
      if (ami && ami.state === 'connected') {
        await ami.originate({ channel: endpoint, app: this.o.app, appArgs: ['callback', String(id)], callerId: '96365', timeoutSec: ring, variables: { HOTLINE_FEEDBACK_ID: String(id) } });
      } else {
        const m = this.o.manager();
        if (!m) throw new Error('voice channel not running');
        await m.originateCallback(id, endpoint, ring);
      }
      this.o.log.info('已发起语音回访 / answer call-back placed', { feedbackId: id, attempt: p.attempts, via: this.o.ami()?.state === 'connected' ? 'ami' : 'ari' });
      // If the call never reaches the app (and no end is reported), count it as not answered. Set
      // before the timeline write: the call may end while it is written.
      p.guard = setTimeout(() => void this.ended(id, false, false), (ring + 60) * 1000);
      p.guard.unref?.();
    } catch (e) {
      this.o.log.error('语音回访呼叫失败 / call-back originate failed', { feedbackId: id, error: (e as Error).message });
      await this.retry(id, p);
      return;
    }
    await this.timeline(id, `回访呼叫第${p.attempts}次 call-back attempt ${p.attempts}`);
  }

  /**
   * Reported by the call manager: the call-back call ended (answered = the flow ran). Resolves once
   * the timeline entry is written; never rejects (a failed write is logged).
   */
  async ended(id: number, answered: boolean, satisfied: boolean): Promise<void> {
    const p = this.pending.get(id);
    if (!p || p.done) return;
    if (p.guard) clearTimeout(p.guard);
    p.guard = null;
    if (answered) {
      p.done = true;
      this.pending.delete(id);
      await this.timeline(id, satisfied ? '回访已接听并评价 call-back answered, satisfaction given' : '回访已接听 call-back answered (no satisfaction key)');
      return;
    }
    await this.retry(id, p);
  }

  private async retry(id: number, p: Pending): Promise<void> {
    const max = this.o.maxAttempts ?? 3;
    if (p.attempts >= max) {
      this.pending.delete(id);
      this.o.log.warn('语音回访未接通，已放弃 / call-back not answered, giving up', { feedbackId: id, attempts: p.attempts });
      await this.timeline(id, `回访${p.attempts}次未接通 call-back not answered after ${p.attempts} attempts`);
      return;
    }
    p.timer = setTimeout(() => this.attemptLogged(id), this.o.retryMs ?? 15 * 60_000);
    p.timer.unref?.();
  }

  /** A timeline entry on the feedback (best effort: a failed write is logged, never thrown). */
  private async timeline(id: number, detail: string): Promise<void> {
    try {
      await this.o.ctx.store.feedback.addTimeline(id, 'callback', 'system', detail, this.o.ctx.now().toISOString());
    } catch (e) {
      this.o.log.warn('call-back timeline entry not written', { feedbackId: id, error: (e as Error).message });
    }
  }
}

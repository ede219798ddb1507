/**
 * The call queue (ACD) on ARI: holds the reducer's QueueState (../queue), feeds it events (the
 * `queue` flow effect, ARI events of operator and call-back legs, DTMF of waiting callers, panel
 * seat changes, timers, a tick each second) and carries out its effects on ARI, the store and the bus.
 *
 * Channels of the queue entering the app (originated by us, so ChannelDestroyed is delivered):
 *  - args ['queue-op', <ringId>, <operatorId>] → an operator answered a ring;
 *  - args ['queue-cb', <requestId>]            → the citizen answered a call-back.
 * An operator leg that ends before it is answered: cause 17/21 → declined, 20 → unregistered (also a
 * refused originate, Asterisk's 500 "Allocation failed"), anything else → no answer.
 */
import type { EventBus, QueueStats } from '../../domain/events.js';
import type { Logger } from '../../log.js';
import type { CallQueueStore } from '../../store/ports.js';
import { nationalDigits } from '../../domain/phone.js';
import type { EffectResult } from '../flow/index.js';
import type { AriEventJson, AriPort } from '../ari/types.js';
import { initialQueueState, positionOf, step } from '../queue/step.js';
import type { QueueConfig, QueueEffect, QueueEvent, QueueState, RestoredCallback, RestoredOperator, SeatState } from '../queue/types.js';
import { averageHandlingSec } from '../queue/estimate.js';
import { CALLBACK_OFFER_TEXT, RECORDING_NOTICE_TEXT, WHISPER_TEXT, positionText } from './acd-texts.js';
import type { CallSession } from './session.js';
import type { QueueRunner } from './manager.js';

interface Histogram { observe(v: number, labels?: Record<string, string>): void }
interface Counter { inc(labels?: Record<string, string>, by?: number): void }

export interface AcdMetrics { waitSeconds: Histogram; answered: Counter; abandoned: Counter }

export interface AcdOptions {
  ari: Pick<AriPort, 'originate' | 'hangup' | 'createBridge' | 'addToBridge' | 'destroyBridge' | 'startMoh' | 'stopMoh' | 'play' | 'stopPlayback'> & Partial<Pick<AriPort, 'recordBridge'>>;
  store: Pick<CallQueueStore, 'seats' | 'seat' | 'setSeatState' | 'enqueue' | 'dequeue' | 'request' | 'openCallbacks' | 'recordAttempt' | 'finish' | 'takeOwnedBy' | 'markDialing'>;
  bus: Pick<EventBus, 'on' | 'emit'>;
  config: QueueConfig;
  app: string;
  log: Logger;
  now(): number;
  /** Timers run this much faster (tests, bench). */
  timeScale?: number;
  mohClass?: string;
  /** TTS: the media URIs that say this text to the caller. */
  speak(callId: string, text: string): Promise<string[]>;
  /** Dial string of the citizen for a call-back (default Local/<national>@hotline-callback). */
  citizenEndpoint?(phone: string): string;
  /** A call-back failed finally: tell the citizen (SMS) with the reference. */
  callbackFailedNotice?(phone: string, ref: string): Promise<void> | void;
  metrics?: AcdMetrics;
  instanceId?: string | null;
  /** Stats on the bus at most this often (ms, default 1000). */
  statsEveryMs?: number;
  /** The operator hears "96365来电" when answering, before the caller is put through (queue.whisper). */
  whisper?: boolean;
  /**
   * Record operator calls (queue.record_calls): the citizen hears 您的通话可能被录音 before being put
   * through, the bridge is recorded, and `recorded` is called with the stored recording's name once it
   * finished (the caller's call id: a call-back's original call).
   */
  record?: boolean;
  recorded?(callId: string, recordingName: string): Promise<void> | void;
}

interface Waiting {
  session: CallSession;
  phone: string;
  resolve(r: EffectResult): void;
  moh: boolean;
  /** The announcement playing now (MOH stopped meanwhile). */
  playbackId: string | null;
  offered: boolean;
  done: boolean;
}

interface OperatorLeg { legId: string; operatorId: string; key: string; ringId: string; answered: boolean }
interface CitizenLeg { legId: string; requestId: string; answered: boolean }

const iso = (ms: number) => new Date(ms).toISOString();

/** The call queue running on ARI. */
export class Acd implements QueueRunner {
  private s: QueueState;
  private readonly waiting = new Map<string, Waiting>();
  private readonly opLegs = new Map<string, OperatorLeg>();
  private readonly opLegOf = new Map<string, string>();
  private readonly cbLegs = new Map<string, CitizenLeg>();
  private readonly cbLegOf = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly playbacks = new Map<string, string>();
  /** Whispers playing to operators: playback id → done. */
  private readonly whispers = new Map<string, () => void>();
  /** Bridge recordings running: recording name → the caller's call id. */
  private readonly recordings = new Map<string, string>();
  /** Call-back request → the call it was requested in. */
  private readonly requestCalls = new Map<string, string>();
  private readonly phones = new Map<string, string>();
  /** Operators' display names (the live feed's seat events). */
  private readonly names = new Map<string, string>();
  private tick: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private statsDirty = false;
  private unsub: (() => void) | null = null;
  private seq = 0;
  private day = '';
  private today = { answered: 0, within15: 0, abandoned: 0, cbDone: 0, cbFailed: 0, handledSec: 0, handled: 0 };

  /** The queue's clock: the server's, running timeScale times faster from the start (tests, the bench; 1 in production). */
  private readonly t0: number;

  constructor(private readonly o: AcdOptions) {
    this.t0 = o.now();
    this.s = initialQueueState(this.t0);
  }

  private now(): number {
    const real = this.o.now();
    return this.scale === 1 ? real : this.t0 + (real - this.t0) * this.scale;
  }

  private get scale(): number { return this.o.timeScale ?? 1; }

  /** Restore seats and call-back requests (reason queue), listen to the panel, start the tick. */
  async start(): Promise<void> {
    const seats = await this.o.store.seats();
    for (const r of seats) this.names.set(String(r.userId), r.displayName || r.username);
    const operators: RestoredOperator[] = seats.filter((r) => r.endpoint).map((r) => ({
      id: String(r.userId), endpoint: r.endpoint, state: r.seatState, readySince: r.seatStateAt ? Date.parse(r.seatStateAt) : null,
    }));
    const rows = (await this.o.store.openCallbacks()).filter((r) => r.reason === 'queue' && (r.status === 'requested' || r.status === 'dialing'));
    const callbacks: RestoredCallback[] = rows.map((r) => {
      this.phones.set(String(r.id), r.phone);
      if (r.callId) this.requestCalls.set(String(r.id), r.callId);
      return {
        requestId: String(r.id), phone: r.phone, callId: r.callId, priority: r.priority, seq: r.seq, enqueuedAt: Date.parse(r.createdAt),
        attempts: r.attempts, notBefore: Date.parse(r.nextAttemptAt),
      };
    });
    // Callers queued by this instance before a crash are gone (the manager hangs their channels up politely).
    await this.o.store.takeOwnedBy(this.o.instanceId ?? null);
    this.unsub = this.o.bus.on('seat.changed', (p) => {
      if (p.source !== 'panel') return;
      if (p.name) this.names.set(p.staffId, p.name);
      const state = p.state;
      if (state !== 'ready' && state !== 'break' && state !== 'loggedOut') return;
      void Promise.resolve(this.o.store.seat(Number(p.staffId))).then((seat) => {
        this.feed({ type: 'operatorState', operatorId: p.staffId, endpoint: seat?.endpoint || undefined, state, now: this.now() });
      }, () => this.feed({ type: 'operatorState', operatorId: p.staffId, state, now: this.now() }));
    });
    this.feed({ type: 'restore', operators, callbacks, now: this.now() });
    this.tick = setInterval(() => this.feed({ type: 'tick', now: this.now() }), Math.max(5, 1000 / this.scale));
    this.tick.unref?.();
  }

  stop(): void {
    this.unsub?.();
    if (this.tick) clearInterval(this.tick);
    if (this.statsTimer) clearTimeout(this.statsTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** The reducer's state (tests, the bench). */
  get state(): QueueState { return this.s; }

  // ───────────── input ─────────────

  feed(ev: QueueEvent): void {
    const r = step(this.s, ev, this.o.config);
    this.s = r.state;
    for (const e of r.effects) {
      try { this.run(e); } catch (err) { this.o.log.error('queue effect failed', { effect: e.type, error: (err as Error).message }); }
    }
    this.changed();
  }

  accepts(): boolean { return this.s.operators.length > 0; }

  owns(channelId: string): boolean { return this.opLegs.has(channelId) || this.cbLegs.has(channelId); }

  enqueue(session: CallSession, params: Record<string, unknown>): Promise<EffectResult> {
    const callId = session.id;
    const priority = params.priority === 'urgent' ? 'urgent' : 'normal';
    return new Promise<EffectResult>((resolve) => {
      const w: Waiting = { session, phone: String(params.caller ?? session.caller ?? ''), resolve: () => undefined, moh: false, playbackId: null, offered: false, done: false };
      w.resolve = (r) => {
        if (w.done) return;
        w.done = true;
        this.waiting.delete(callId);
        void this.stopHold(w);
        void Promise.resolve(this.o.store.dequeue(callId)).catch(() => undefined);
        resolve(r);
      };
      this.waiting.set(callId, w);
      this.startMoh(w);
      this.feed({ type: 'enqueue', callId, priority, now: this.now() });
      const e = this.s.entries.find((x) => x.key === callId);
      if (e) {
        void Promise.resolve(this.o.store.enqueue({ callId, seq: e.seq, priority, phone: w.phone || null, ownerInstance: this.o.instanceId ?? null }, iso(this.now())))
          .catch((err) => this.o.log.error('queue: the waiting caller was not persisted', { callId, error: (err as Error).message }));
      }
    });
  }

  /** ARI events: true when the event belongs to the queue alone (the manager does nothing more). */
  onEvent(ev: AriEventJson): boolean {
    const chan = (ev.channel ?? null) as { id?: string } | null;
    const id = chan?.id ? String(chan.id) : '';
    const now = this.now();
    switch (ev.type) {
      case 'StasisStart': {
        const args = Array.isArray(ev.args) ? ev.args.map(String) : [];
        if (args[0] === 'queue-op') {
          const leg = this.opLegs.get(id);
          if (!leg || leg.answered) { void this.o.ari.hangup(id).catch(() => undefined); return true; }
          leg.answered = true;
          this.feed({ type: 'operatorAnswered', operatorId: leg.operatorId, now });
          // Not the one the queue chose (answered too late): let it go.
          const o = this.s.operators.find((x) => x.id === leg.operatorId);
          if (o?.state !== 'busy' || o.entry !== leg.key) this.dropOpLeg(leg);
          return true;
        }
        if (args[0] === 'queue-cb') {
          const leg = this.cbLegs.get(id);
          if (!leg) { void this.o.ari.hangup(id).catch(() => undefined); return true; }
          leg.answered = true;
          this.feed({ type: 'callbackAnswered', requestId: leg.requestId, now });
          return true;
        }
        return false;
      }
      case 'ChannelDtmfReceived': {
        const w = this.waiting.get(id);
        if (!w) return false;
        const digit = String(ev.digit ?? '');
        const e = this.s.entries.find((x) => x.key === id);
        if (!e || e.kind !== 'caller' || e.phase === 'bridged') return false;
        if (digit === '1' && w.phone) void this.requestCallback(w, id);
        else if (digit === '2') { this.feed({ type: 'callerHangup', callId: id, now }); w.resolve({ status: 'message' }); }
        return true;
      }
      case 'PlaybackFinished': {
        const pb = (ev.playback ?? {}) as { id?: string };
        const whispered = pb.id ? this.whispers.get(pb.id) : undefined;
        if (whispered) { whispered(); return true; }
        const cid = pb.id ? this.playbacks.get(pb.id) : undefined;
        if (!cid) return false;
        this.playbacks.delete(pb.id!);
        const w = this.waiting.get(cid);
        if (w && w.playbackId === pb.id) { w.playbackId = null; this.startMoh(w); }
        return true;
      }
      case 'RecordingFinished':
      case 'RecordingFailed': {
        const rec = (ev.recording ?? {}) as { name?: string; target_uri?: string };
        const callId = rec.name ? this.recordings.get(rec.name) : undefined;
        if (!callId || !String(rec.target_uri ?? '').startsWith('bridge:')) return false;
        this.recordings.delete(rec.name!);
        if (ev.type === 'RecordingFinished') void Promise.resolve(this.o.recorded?.(callId, rec.name!)).catch((err) => this.storeError('operator recording', err));
        else this.o.log.warn('坐席通话录音失败 / operator call recording failed', { callId, recording: rec.name });
        return true;
      }
      case 'ChannelHangupRequest':
      case 'StasisEnd':
      case 'ChannelDestroyed': {
        const w = this.waiting.get(id);
        if (w) {
          w.done = true;
          this.waiting.delete(id);
          void Promise.resolve(this.o.store.dequeue(id)).catch(() => undefined);
          this.feed({ type: 'callerHangup', callId: id, now });
          w.resolve({ status: 'answered', reason: 'hangup' });
          return false;
        }
        const op = this.opLegs.get(id);
        if (op) {
          if (ev.type === 'ChannelHangupRequest') return true;
          this.forgetOpLeg(op);
          if (op.answered) this.feed({ type: 'operatorHangup', operatorId: op.operatorId, now });
          else this.feed({ type: operatorEndType(Number(ev.cause)), operatorId: op.operatorId, now });
          return true;
        }
        const cb = this.cbLegs.get(id);
        if (cb) {
          if (ev.type === 'ChannelHangupRequest') return true;
          this.cbLegs.delete(id);
          this.cbLegOf.delete(cb.requestId);
          if (!cb.answered) this.feed({ type: Number(ev.cause) === 17 ? 'callbackBusy' : 'callbackNoAnswer', requestId: cb.requestId, now });
          else this.citizenLeftCallback(cb.requestId);
          return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  // ───────────── effects ─────────────

  private run(e: QueueEffect): void {
    const now = this.now();
    switch (e.type) {
      case 'ringOperator': return this.ringOperator(e);
      case 'cancelRing': {
        const legId = this.opLegOf.get(e.operatorId);
        const leg = legId ? this.opLegs.get(legId) : undefined;
        if (leg && leg.ringId === e.ringId) this.dropOpLeg(leg);
        return;
      }
      case 'startTimer': {
        const t = setTimeout(() => { this.timers.delete(e.timerId); this.feed({ ...e.fire, now: this.now() }); }, Math.max(1, e.ms / this.scale));
        this.timers.set(e.timerId, t);
        return;
      }
      case 'cancelTimer': {
        const t = this.timers.get(e.timerId);
        if (t) clearTimeout(t);
        this.timers.delete(e.timerId);
        return;
      }
      case 'bridge': return void this.bridge(e.key, e.operatorId);
      case 'announce': {
        const w = this.waiting.get(e.callId);
        if (w) void this.say(w, positionText(e.position, e.estimateSec));
        return;
      }
      case 'offerCallback': {
        const w = this.waiting.get(e.callId);
        if (w) { w.offered = true; void this.say(w, CALLBACK_OFFER_TEXT); }
        return;
      }
      case 'callbackQueued': {
        const w = e.callId ? this.waiting.get(e.callId) : undefined;
        if (w) w.resolve({ status: 'callback', vars: { callbackRef: e.requestId, callbackPosition: String(e.position) } });
        return;
      }
      case 'originateCallback': return this.originateCallback(e.requestId, e.phone, e.attempt);
      case 'cancelCallback': {
        const legId = this.cbLegOf.get(e.requestId);
        if (legId) { this.cbLegs.delete(legId); this.cbLegOf.delete(e.requestId); void this.o.ari.hangup(legId).catch(() => undefined); }
        return;
      }
      case 'callbackRetry':
        void Promise.resolve(this.o.store.recordAttempt(Number(e.requestId), e.result, iso(e.nextAttemptAt), iso(now))).catch((err) => this.storeError('call-back attempt', err));
        return;
      case 'callbackFailed':
        this.today.cbFailed++;
        void (async () => {
          try {
            await this.o.store.recordAttempt(Number(e.requestId), e.result, null, iso(now));
            await this.o.store.finish(Number(e.requestId), 'failed', e.result, iso(now));
            await this.o.callbackFailedNotice?.(e.phone, e.requestId);
          } catch (err) { this.storeError('call-back failure', err); }
        })();
        return;
      case 'callbackDone':
        this.today.cbDone++;
        void Promise.resolve(this.o.store.finish(Number(e.requestId), 'done', 'answered', iso(now))).catch((err) => this.storeError('call-back done', err));
        return;
      case 'hangupCaller': {
        if (e.key.startsWith('cb:')) {
          const legId = this.cbLegOf.get(e.key.slice(3));
          if (legId) { this.cbLegs.delete(legId); this.cbLegOf.delete(e.key.slice(3)); void this.o.ari.hangup(legId).catch(() => undefined); }
        } else {
          this.waiting.get(e.key)?.resolve({ status: 'answered' });
        }
        this.destroyBridge(e.key);
        return;
      }
      case 'releaseOperator': {
        const legId = this.opLegOf.get(e.operatorId);
        const leg = legId ? this.opLegs.get(legId) : undefined;
        if (leg) { this.destroyBridge(leg.key); this.dropOpLeg(leg); }
        return;
      }
      case 'seatState': {
        void Promise.resolve(this.o.store.setSeatState(Number(e.operatorId), e.state, iso(now))).catch((err) => this.storeError('seat state', err));
        const o = this.s.operators.find((x) => x.id === e.operatorId);
        const entry = o?.entry ? this.s.entries.find((x) => x.key === o.entry) : undefined;
        this.o.bus.emit('seat.changed', { staffId: e.operatorId, state: e.state as SeatState, source: 'queue', callId: entry?.callId ?? null, at: iso(now), name: this.names.get(e.operatorId) ?? null });
        return;
      }
      case 'answered': {
        this.rollDay(now);
        this.today.answered++;
        if (e.waitedSec <= 15) this.today.within15++;
        this.o.metrics?.waitSeconds.observe(e.waitedSec, { kind: e.key.startsWith('cb:') ? 'callback' : 'caller' });
        this.o.metrics?.answered.inc({ within_15s: e.waitedSec <= 15 ? 'yes' : 'no' });
        return;
      }
      case 'abandoned':
        this.rollDay(now);
        this.today.abandoned++;
        this.o.metrics?.abandoned.inc();
        return;
    }
  }

  private ringOperator(e: Extract<QueueEffect, { type: 'ringOperator' }>): void {
    const legId = `q-${e.ringId}-${e.operatorId}-${++this.seq}`;
    const leg: OperatorLeg = { legId, operatorId: e.operatorId, key: e.key, ringId: e.ringId, answered: false };
    this.opLegs.set(legId, leg);
    this.opLegOf.set(e.operatorId, legId);
    const entry = this.s.entries.find((x) => x.key === e.key);
    const phone = e.kind === 'caller' ? this.waiting.get(e.key)?.phone ?? '' : this.phones.get(e.key.slice(3)) ?? (entry?.kind === 'callback' ? entry.phone : '');
    const now = this.now();
    this.o.bus.emit('seat.offer', {
      staffId: e.operatorId, callId: e.kind === 'caller' ? e.key : null, callbackRequestId: e.kind === 'callback' ? e.key.slice(3) : null,
      phone, flow: e.kind === 'caller' ? this.waiting.get(e.key)?.session.flowId ?? null : null,
      waitedSec: entry ? Math.round((now - entry.enqueuedAt) / 1000) : 0, at: iso(now),
    });
    this.o.ari.originate({
      endpoint: e.endpoint, app: this.o.app, appArgs: ['queue-op', e.ringId, e.operatorId], callerId: phone ? nationalDigits(phone) : '96365',
      timeout: this.o.config.ringTimeoutSec + 5, channelId: legId, variables: { HOTLINE_QUEUE_KEY: e.key },
    }).catch((err) => {
      if (!this.opLegs.has(legId)) return;
      this.forgetOpLeg(leg);
      this.o.log.warn('坐席呼叫失败 / operator originate refused', { operator: e.operatorId, endpoint: e.endpoint, error: (err as Error).message });
      this.feed({ type: 'operatorUnregistered', operatorId: e.operatorId, now: this.now() });
    });
  }

  private originateCallback(requestId: string, phone: string, attempt: number): void {
    const legId = `qcb-${requestId}-${attempt}-${++this.seq}`;
    this.cbLegs.set(legId, { legId, requestId, answered: false });
    this.cbLegOf.set(requestId, legId);
    // Persisted as dialing (owner noted): a crash now leaves a row the next start puts back in the queue.
    void Promise.resolve(this.o.store.markDialing(Number(requestId), this.o.instanceId ?? null, iso(this.now()))).catch((err) => this.storeError('call-back dialing', err));
    const endpoint = this.o.citizenEndpoint?.(phone) ?? `Local/${nationalDigits(phone)}@hotline-callback`;
    this.o.ari.originate({ endpoint, app: this.o.app, appArgs: ['queue-cb', requestId], callerId: '96365', timeout: 40, channelId: legId, variables: { HOTLINE_CALLBACK_ID: requestId } })
      .catch((err) => {
        if (!this.cbLegs.has(legId)) return;
        this.cbLegs.delete(legId);
        this.cbLegOf.delete(requestId);
        this.o.log.warn('预约回拨呼叫失败 / call-back originate refused', { requestId, error: (err as Error).message });
        this.feed({ type: 'callbackNoAnswer', requestId, now: this.now() });
      });
  }

  private async bridge(key: string, operatorId: string): Promise<void> {
    const opLegId = this.opLegOf.get(operatorId);
    const citizen = key.startsWith('cb:') ? this.cbLegOf.get(key.slice(3)) : key;
    if (!opLegId || !citizen) return;
    const w = this.waiting.get(key);
    const record = !!(this.o.record && this.o.ari.recordBridge);
    try {
      // The operator hears the whisper while the citizen hears that the call may be recorded.
      if (record && w) await this.stopHold(w);
      await Promise.all([
        this.o.whisper ? this.playAndWait(opLegId, WHISPER_TEXT) : undefined,
        record ? this.playAndWait(citizen, RECORDING_NOTICE_TEXT) : undefined,
      ]);
      // The caller may have hung up, or the operator let go, meanwhile.
      if (this.opLegOf.get(operatorId) !== opLegId) return;
      if (key.startsWith('cb:') ? !this.cbLegOf.has(key.slice(3)) : w?.done) return;
      // Music off and the bridge made at the same time (one round trip less before they talk).
      await Promise.all([w ? this.stopHold(w) : undefined, this.o.ari.createBridge(bridgeIdOf(key))]);
      await this.o.ari.addToBridge(bridgeIdOf(key), [citizen, opLegId]);
    } catch (err) {
      this.o.log.error('queue bridge failed', { key, error: (err as Error).message });
      return;
    }
    if (record) await this.recordBridge(key);
  }

  /** Record the bridge of a queued call; the caller's call row gets the file when it finished. */
  private async recordBridge(key: string): Promise<void> {
    const callId = key.startsWith('cb:') ? this.requestCalls.get(key.slice(3)) : key;
    if (!callId) return;
    const name = `operator-${key.replace(/[^A-Za-z0-9._-]/g, '_')}-${Math.floor(this.o.now() / 1000)}`;
    this.recordings.set(name, callId);
    try {
      await this.o.ari.recordBridge!(bridgeIdOf(key), { name, format: 'wav', maxDurationSeconds: 0, ifExists: 'fail' });
    } catch (err) {
      this.recordings.delete(name);
      this.o.log.warn('坐席通话录音无法开始 / operator call recording refused', { callId, error: (err as Error).message });
    }
  }

  /** A short text to one leg (the whisper, the recording notice); resolves when it played (or failed, or after 8 s). */
  private async playAndWait(legId: string, text: string): Promise<void> {
    let uris: string[] = [];
    try { uris = await this.o.speak(legId, text); } catch { /* no announcement rather than no call */ }
    if (!uris.length) return;
    const id = `${legId}-say-${++this.seq}`;
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(t); this.whispers.delete(id); resolve(); };
      const t = setTimeout(done, Math.max(50, 8000 / this.scale));
      this.whispers.set(id, done);
      this.o.ari.play(legId, id, uris).catch(done);
    });
  }

  private destroyBridge(key: string): void {
    void this.o.ari.destroyBridge(bridgeIdOf(key)).catch(() => undefined);
  }

  /** The citizen of a bridged call-back hung up: the call ends, the operator is let go. */
  private citizenLeftCallback(requestId: string): void {
    const key = 'cb:' + requestId;
    const e = this.s.entries.find((x) => x.key === key);
    const opId = e?.operator;
    this.feed({ type: 'callEnded', key, now: this.now() });
    const legId = opId ? this.opLegOf.get(opId) : undefined;
    const leg = legId ? this.opLegs.get(legId) : undefined;
    if (leg) this.dropOpLeg(leg);
    this.destroyBridge(key);
  }

  private async requestCallback(w: Waiting, callId: string): Promise<void> {
    const e = this.s.entries.find((x) => x.key === callId);
    if (!e) return;
    try {
      const row = await this.o.store.request({ phone: w.phone, callId, feedbackId: null, reason: 'queue', priority: e.priority, seq: e.seq, nextAttemptAt: iso(this.now()) }, iso(this.now()));
      this.phones.set(String(row.id), w.phone);
      this.requestCalls.set(String(row.id), callId);
      this.feed({ type: 'callbackRequested', requestId: String(row.id), phone: w.phone, callId, now: this.now() });
    } catch (err) {
      this.storeError('call-back request', err);
    }
  }

  private dropOpLeg(leg: OperatorLeg): void {
    this.forgetOpLeg(leg);
    void this.o.ari.hangup(leg.legId).catch(() => undefined);
  }

  private forgetOpLeg(leg: OperatorLeg): void {
    this.opLegs.delete(leg.legId);
    if (this.opLegOf.get(leg.operatorId) === leg.legId) this.opLegOf.delete(leg.operatorId);
  }

  // ───────────── what the caller hears ─────────────

  private startMoh(w: Waiting): void {
    if (w.done || w.moh) return;
    w.moh = true;
    void this.o.ari.startMoh(w.session.id, this.o.mohClass || undefined).catch((err) => {
      w.moh = false;
      this.o.log.warn('等待音乐无法播放 / music on hold failed', { callId: w.session.id, error: (err as Error).message });
    });
  }

  private async stopHold(w: Waiting): Promise<void> {
    if (w.playbackId) { const id = w.playbackId; w.playbackId = null; this.playbacks.delete(id); await this.o.ari.stopPlayback(id).catch(() => undefined); }
    if (w.moh) { w.moh = false; await this.o.ari.stopMoh(w.session.id).catch(() => undefined); }
  }

  /** An announcement: MOH stops, the text plays, MOH resumes (PlaybackFinished). */
  private async say(w: Waiting, text: string): Promise<void> {
    let uris: string[];
    try { uris = await this.o.speak(w.session.id, text); } catch { return; }
    if (w.done || !uris.length) return;
    await this.stopHold(w);
    const id = `${w.session.id}-queue-${++this.seq}`;
    w.playbackId = id;
    this.playbacks.set(id, w.session.id);
    await this.o.ari.play(w.session.id, id, uris).catch(() => {
      this.playbacks.delete(id);
      if (w.playbackId === id) { w.playbackId = null; this.startMoh(w); }
    });
  }

  // ───────────── stats ─────────────

  private rollDay(now: number): void {
    const d = iso(now).slice(0, 10);
    if (d !== this.day) { this.day = d; this.today = { answered: 0, within15: 0, abandoned: 0, cbDone: 0, cbFailed: 0, handledSec: 0, handled: 0 }; }
  }

  stats(): QueueStats {
    const now = this.now();
    this.rollDay(now);
    const queueing = this.s.entries.filter((e) => e.phase === 'waiting' || e.phase === 'ringing');
    const operators: Record<SeatState, number> = { ready: 0, break: 0, loggedOut: 0, ringing: 0, busy: 0, wrapUp: 0 };
    for (const o of this.s.operators) operators[o.state]++;
    return {
      at: iso(now),
      waiting: queueing.filter((e) => e.kind === 'caller').length,
      longestWaitSec: queueing.reduce((m, e) => Math.max(m, Math.round((now - e.enqueuedAt) / 1000)), 0),
      callbacksPending: queueing.filter((e) => e.kind === 'callback').length,
      operators,
      answeredToday: this.today.answered,
      answeredWithin15sToday: this.today.within15,
      abandonedToday: this.today.abandoned,
      callbacksDoneToday: this.today.cbDone,
      callbacksFailedToday: this.today.cbFailed,
      avgHandlingSec: this.s.handled.length ? Math.round(averageHandlingSec(this.s, this.o.config)) : null,
    };
  }

  /** Position of a waiting caller (1 = next), 0 when not queueing. */
  positionOf(callId: string): number { return positionOf(this.s, callId); }

  private changed(): void {
    this.statsDirty = true;
    if (this.statsTimer) return;
    this.statsTimer = setTimeout(() => {
      this.statsTimer = null;
      if (!this.statsDirty) return;
      this.statsDirty = false;
      this.o.bus.emit('queue.stats', this.stats());
    }, this.o.statsEveryMs ?? 1000);
    this.statsTimer.unref?.();
  }

  private storeError(what: string, err: unknown): void {
    this.o.log.error(`queue: ${what} not persisted`, { error: (err as Error).message });
  }
}


function bridgeIdOf(key: string): string {
  return 'qbr-' + key.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** How an operator leg that ended unanswered counts (Q.850 cause of ChannelDestroyed). */
export function operatorEndType(cause: number): 'operatorNoAnswer' | 'operatorDeclined' | 'operatorUnregistered' {
  if (cause === 17 || cause === 21) return 'operatorDeclined';
  if (cause === 20) return 'operatorUnregistered';
  return 'operatorNoAnswer';
}

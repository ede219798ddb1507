/**
 * The call manager: routes ARI events to call sessions, starts sessions on StasisStart (inbound
 * calls, operator legs of a transfer, landline call-backs), runs the transfer (originate → bridge),
 * catches up after an ARI reconnect, and politely hangs up channels it knows nothing about.
 *
 * Channels entering the app:
 *  - StasisStart args [] or [exten]        → an inbound call, default flow;
 *  - args ['transfer', <caller channel>]   → the operator answered a transfer we originated;
 *  - args ['callback', <feedback id>]      → a landline call-back we originated (flow `callback`).
 */
import { citizenText } from '../../domain/text-safety.js';
import { performance } from 'node:perf_hooks';
import type { Infra, Services } from '../../context.js';
import type { Logger } from '../../log.js';
import type { EffectResult, FlowAction, FlowEngine } from '../flow/index.js';
import type { AriChannelJson, AriEndpointJson, AriEventJson, AriPort } from '../ari/types.js';
import type { CallLog } from './call-log.js';
import type { MediaResolver } from './media.js';
import { CallSession, type SessionDeps } from './session.js';
import { lookupEffect, submitFeedbackEffect, subscribeEffect, type EffectContext } from './effects.js';
import { RINGBACK_TONE_LITERAL, RINGBACK_TONE_ZONE, ringbackMedia, type RingbackMode } from './ringback.js';
import { legEnded, refusedOriginate, splitEndpoint } from './transfer-reasons.js';
import { canonicalPhone, nationalDigits } from '../../domain/phone.js';

type EffectAction = Extract<FlowAction, { type: 'effect' }>;

/** What the manager needs of the call queue (./acd.ts). */
export interface QueueRunner {
  /** Seats are configured (an operator with an endpoint): false = the manager rings the one operator endpoint. */
  accepts(): boolean;
  /** The caller joins the queue; resolves when the call left it (answered | callback | message | noOperator). */
  enqueue(s: CallSession, params: Record<string, unknown>): Promise<EffectResult>;
  /** An ARI event the queue may own (operator legs, call-back legs, its bridges): true = handled. */
  onEvent?(ev: AriEventJson): boolean;
  /** An operator or call-back leg of the queue (a resync leaves it alone). */
  owns?(channelId: string): boolean;
}

export interface ManagerOptions {
  ctx: Pick<Infra, 'now'> & Pick<Services, 'feedback'>;
  engine: FlowEngine;
  ari: AriPort;
  media: MediaResolver;
  callLog: CallLog;
  effects: EffectContext;
  log: Logger;
  app: string;
  timeScale: number;
  operatorEndpoint: string;
  transferTimeoutSec: number;
  /**
   * Ring-back while the operator rings (voice.ringback): 'file' (default) the generated 450 Hz WAV,
   * 'tone' Asterisk's `tone:ring;tonezone=cn` (needs indications.conf), 'moh' a music-on-hold class.
   * Whatever fails falls back to a literal frequency tone, which needs no tone zone.
   */
  ringback?: RingbackMode;
  /** Music-on-hold class for ringback 'moh' (voice.moh_class). */
  mohClass?: string;
  maxRecordingSec: number;
  /** Unknown codes allowed per call (voice.max_lookups_per_call). */
  maxLookupsPerCall: number;
  /** Refuse new calls beyond this many at once (sorry prompt + hang-up). */
  maxCalls?: number;
  /** A call-back channel entered the app: the flow variables, or null to hang it up (read from the store). */
  callbackVars?(feedbackId: number): Promise<Record<string, string> | null> | Record<string, string> | null;
  /** A call-back ended: whether the citizen gave the satisfaction answer. */
  onCallbackEnded?(feedbackId: number, answered: boolean, satisfied: boolean): void;
  /** The call queue (ACD) running the `queue` effect; absent = `queue` rings the one operator endpoint like `transfer`. */
  queue?: QueueRunner;
  /** Per-session hooks for the test phone. */
  onSessionState?(s: CallSession, state: string): void;
  onSessionPlay?(s: CallSession, uris: string[]): void;
  onSessionFinished?(s: CallSession, outcome: string): void;
}

interface Transfer {
  session: CallSession;
  n: number;
  legId: string;
  bridgeId: string;
  ringbackId: string;
  /** What the caller hears while it rings: a playback (ringbackId), music on hold, or (after failures) nothing. */
  ringback: 'play' | 'moh' | 'none';
  /** Ring-back playbacks started in this transfer (ids), and whether the literal-tone fallback is in use. */
  ringSeq: number;
  ringFallback: boolean;
  state: 'dialing' | 'ringing' | 'bridged' | 'done';
  timer: NodeJS.Timeout | null;
  resolve(r: EffectResult): void;
}

/** A small latency reservoir: the last N samples. */
export class LatencyStats {
  private readonly buf: Float64Array;
  private n = 0;
  count = 0;
  constructor(size = 100_000) { this.buf = new Float64Array(size); }
  add(ms: number): void { this.buf[this.n++ % this.buf.length] = ms; this.count++; }
  reset(): void { this.n = 0; this.count = 0; }
  samples(): number[] { return Array.from(this.buf.subarray(0, Math.min(this.n, this.buf.length))); }
  percentile(p: number): number {
    const s = this.samples().sort((a, b) => a - b);
    if (!s.length) return NaN;
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  }
}

const channelOfTarget = (uri: unknown): string | null => {
  const s = typeof uri === 'string' ? uri : '';
  return s.startsWith('channel:') ? s.slice(8) : null;
};

export class CallManager {
  readonly sessions = new Map<string, CallSession>();
  readonly latency = new LatencyStats();
  private readonly transfers = new Map<string, Transfer>(); // by operator leg id
  private readonly transferBySession = new Map<string, Transfer>();
  private readonly sorry = new Map<string, NodeJS.Timeout>(); // channel id → hang-up fallback timer
  private readonly lookups = new Map<string, number>(); // notFound per call (voice.max_lookups_per_call)
  private readonly callbacks = new Map<string, number>(); // call-back channel → feedback id
  /** Call-back channels whose flow variables are being read (true once the channel left meanwhile). */
  private readonly starting = new Map<string, boolean>();
  private seq = 0;
  private stopping = false;
  private readonly deps: SessionDeps;

  constructor(private readonly o: ManagerOptions) {
    this.deps = {
      engine: o.engine, ari: o.ari, media: o.media, callLog: o.callLog, log: o.log, now: o.ctx.now,
      timeScale: o.timeScale, maxRecordingSec: o.maxRecordingSec,
      runEffect: (s, a) => this.runEffect(s, a),
      onLatency: (ms) => this.latency.add(ms),
      onFinished: (s) => this.finished(s),
      onState: (s, st) => { this.stateOf(s, st); o.onSessionState?.(s, st); },
      onPlay: (s, uris) => o.onSessionPlay?.(s, uris),
      onStep: (s) => { if (this.callbacks.has(s.id)) this.recordSatisfactionIfSet(s); },
    };
  }

  get activeCount(): number { return this.sessions.size; }

  private stateOf(s: CallSession, st: string): void {
    if (!st.startsWith('node:')) this.o.callLog.state(s.id, st);
  }

  // ───────────── events ─────────────

  onEvent(ev: AriEventJson, t0: number = performance.now()): void {
    if (this.stopping) return;
    const chan = (ev.channel ?? null) as AriChannelJson | null;
    const chanId = chan?.id ? String(chan.id) : null;
    if (this.o.queue?.onEvent?.(ev)) return;
    switch (ev.type) {
      case 'StasisStart':
        if (chan && chanId) this.onStasisStart(chan, Array.isArray(ev.args) ? ev.args.map(String) : [], t0);
        return;
      case 'ChannelDtmfReceived': {
        const s = chanId ? this.sessions.get(chanId) : undefined;
        if (s && typeof ev.digit === 'string') s.feed({ type: 'dtmf', digit: ev.digit }, t0);
        return;
      }
      case 'ChannelHangupRequest': {
        const s = chanId ? this.sessions.get(chanId) : undefined;
        if (s) { s.onHangupRequest(t0); this.callerLeaving(s); }
        return;
      }
      case 'StasisEnd': {
        if (!chanId) return;
        if (this.starting.has(chanId)) this.starting.set(chanId, true);
        const s = this.sessions.get(chanId);
        if (s) { this.callerLeaving(s); s.onStasisEnd(); return; }
        const tr = this.transfers.get(chanId);
        if (tr) { this.operatorGone(tr); return; }
        this.clearSorry(chanId);
        return;
      }
      case 'ChannelDestroyed': {
        if (!chanId) return;
        if (this.starting.has(chanId)) this.starting.set(chanId, true);
        const tr = this.transfers.get(chanId);
        if (tr) { this.operatorGone(tr, Number(ev.cause)); return; }
        const fid = this.callbacks.get(chanId);
        if (fid !== undefined && !this.sessions.has(chanId)) {
          // An originated call-back that never reached the app: not answered.
          this.callbacks.delete(chanId);
          this.o.onCallbackEnded?.(fid, false, false);
        }
        const s = this.sessions.get(chanId);
        if (s && !s.gone) s.onStasisEnd();
        this.clearSorry(chanId);
        return;
      }
      case 'PlaybackFinished': {
        const pb = (ev.playback ?? {}) as { id?: string; state?: string; target_uri?: string };
        const cid = channelOfTarget(pb.target_uri);
        if (!cid || !pb.id) return;
        if (this.sorry.has(cid)) { this.hangupSorry(cid); return; }
        if (this.transferBySession.size) {
          const tr = this.transferBySession.get(cid);
          if (tr && tr.ringbackId === pb.id) { this.ringbackEnded(tr, String(pb.state ?? '')); return; }
        }
        this.sessions.get(cid)?.onPlaybackFinished(pb.id, String(pb.state ?? ''), t0);
        return;
      }
      case 'RecordingStarted': {
        const rec = (ev.recording ?? {}) as { name?: string; target_uri?: string };
        const cid = channelOfTarget(rec.target_uri);
        if (cid && rec.name) this.sessions.get(cid)?.onRecordingStarted(rec.name);
        return;
      }
      case 'RecordingFinished':
      case 'RecordingFailed': {
        const rec = (ev.recording ?? {}) as { name?: string; target_uri?: string; duration?: number; cause?: string; state?: string };
        const cid = channelOfTarget(rec.target_uri);
        if (!cid || !rec.name) return;
        const ok = ev.type === 'RecordingFinished' && rec.state !== 'failed';
        this.sessions.get(cid)?.onRecordingFinished(rec.name, ok, Number(rec.duration) || 0, rec.cause, t0);
        return;
      }
      default:
        return;
    }
  }

  private onStasisStart(chan: AriChannelJson, args: string[], t0: number): void {
    const id = String(chan.id);
    if (this.sessions.has(id) || this.starting.has(id)) return; // duplicate
    if (args[0] === 'transfer') { this.operatorAnswered(id, args[1] ?? ''); return; }
    const caller = canonicalPhone(citizenText(String(chan.caller?.number ?? '')).slice(0, 32)); // one stored form (src/domain/phone.ts), no bidi controls
    const needsAnswer = chan.state !== 'Up';
    if (args[0] === 'callback') {
      void this.startCallback(chan, Number(args[1]), caller, needsAnswer, t0);
      return;
    }
    if (this.o.maxCalls !== undefined && this.sessions.size >= this.o.maxCalls) {
      this.o.log.warn('too many calls: refusing one with the busy prompt', { active: this.sessions.size });
      this.playSorry(id);
      return;
    }
    const exten = args[0] && /^[0-9*#+]{1,32}$/.test(args[0]) ? args[0] : String(chan.dialplan?.exten ?? '96365');
    this.startSession({ channelId: id, caller, called: exten, direction: 'inbound', needsAnswer }, t0);
  }

  /**
   * A call-back channel: its flow variables come from the store (awaited: on SQLite in the same turn;
   * events for the channel that arrive meanwhile are noted, and a channel that left is not started).
   */
  private async startCallback(chan: AriChannelJson, fid: number, caller: string, needsAnswer: boolean, t0: number): Promise<void> {
    const id = String(chan.id);
    let vars: Record<string, string> | null = null;
    this.starting.set(id, false);
    try {
      vars = Number.isInteger(fid) && fid > 0 ? (await this.o.callbackVars?.(fid)) ?? null : null;
    } catch (e) {
      this.o.log.error('call-back: the feedback could not be read', { channel: id, feedbackId: fid, error: (e as Error).message });
    }
    const left = this.starting.get(id) === true;
    this.starting.delete(id);
    if (this.stopping) return;
    if (left) {
      // Gone before its flow could start: not answered (ChannelDestroyed may have reported it already).
      if (this.callbacks.get(id) === fid && this.callbacks.delete(id)) this.o.onCallbackEnded?.(fid, false, false);
      return;
    }
    if (!vars) { this.o.log.warn('call-back channel for an unknown feedback: hanging up', { channel: id }); void this.o.ari.hangup(id).catch(() => undefined); return; }
    this.callbacks.set(id, fid);
    const called = String(chan.dialplan?.exten ?? '') || String(vars.phone ?? '');
    // The answer is personal: rendered for this call only, deleted when it ends.
    this.startSession({ channelId: id, caller: vars.phone ?? caller, called, direction: 'outbound', flowId: 'callback', vars, personal: vars.answer ? [vars.answer] : [], needsAnswer }, t0);
  }

  private startSession(info: ConstructorParameters<typeof CallSession>[1], t0: number): void {
    const s = new CallSession(this.deps, info);
    this.sessions.set(s.id, s);
    void s.begin(t0).catch((e) => this.o.log.error('call start failed', { callId: s.id, error: (e as Error).message }));
  }

  /** Place a call into the app on the given endpoint (call-backs when AMI is not configured). */
  async originateCallback(feedbackId: number, endpoint: string, timeoutSec = 45): Promise<string> {
    const ch = await this.o.ari.originate({ endpoint, app: this.o.app, appArgs: ['callback', String(feedbackId)], callerId: '96365', timeout: timeoutSec });
    if (ch.id) this.callbacks.set(ch.id, feedbackId);
    return ch.id;
  }

  private finished(s: CallSession): void {
    this.sessions.delete(s.id);
    try { this.o.media.release(s.id); } catch (e) { this.o.log.warn('personal audio release failed', { callId: s.id, error: (e as Error).message }); }
    this.lookups.delete(s.id);
    const st = s.state;
    // A message submitted after the hang-up is not among the engine's outcomes (the call had ended).
    const outcomes = [...(st?.outcomes ?? []), ...(s.feedbackRef ? ['feedback_submitted'] : [])];
    const outcome = this.o.callLog.ended(s.id, { outcomes, endReason: st?.endReason ?? 'lost', satisfaction: s.satisfaction });
    const fid = this.callbacks.get(s.id);
    if (fid !== undefined) {
      this.callbacks.delete(s.id);
      this.o.onCallbackEnded?.(fid, true, s.satisfaction);
    }
    this.cleanupRecordings(s);
    this.o.onSessionFinished?.(s, outcome);
  }

  /** Stored recordings of the call that did not become feedback (retakes, too short): removed from Asterisk. */
  private cleanupRecordings(s: CallSession): void {
    for (const [name, r] of s.recordings) {
      if (r.saved) continue;
      void this.o.ari.deleteStoredRecording(name).catch(() => undefined);
    }
  }

  // ───────────── effects ─────────────

  private async runEffect(s: CallSession, a: EffectAction): Promise<EffectResult> {
    const p = a.params;
    switch (a.kind) {
      case 'lookup': {
        const used = this.lookups.get(s.id) ?? 0;
        if (used >= this.o.maxLookupsPerCall) return { status: 'limited' };
        const r = await lookupEffect(this.o.effects, p);
        if (r.status === 'notFound') this.lookups.set(s.id, used + 1);
        return r;
      }
      case 'subscribe': return subscribeEffect(this.o.effects, p);
      case 'submitFeedback': {
        const out = await submitFeedbackEffect(this.o.effects, p);
        const rec = s.recordings.get(out.recordingName);
        if (rec && out.saved) {
          rec.saved = true;
          void this.o.ari.deleteStoredRecording(out.recordingName).catch(() => undefined); // copied to our disk
        }
        if (out.ref) {
          s.feedbackRef = out.ref;
          await this.o.callLog.feedbackRef(s.id, out.ref).catch((e) => this.o.log.error('call log: feedback reference not recorded', { callId: s.id, ref: out.ref, error: (e as Error).message }));
        }
        return out.result;
      }
      case 'transfer': return this.transfer(s, p);
      case 'queue': {
        if (this.o.queue?.accepts()) return this.o.queue.enqueue(s, p);
        // No ACD configured: one operator is rung, as the transfer verb does.
        const r = await this.transfer(s, p);
        return r.status === 'answered' ? r : { ...r, status: 'noOperator' };
      }
    }
    return { status: 'error', reason: 'unknown effect' };
  }

  /** Satisfaction keys of the call-back flow arrive as the variable `satisfaction` (1/2/3). */
  recordSatisfactionIfSet(s: CallSession): void {
    const fid = this.callbacks.get(s.id);
    const v = s.state?.vars.satisfaction;
    if (fid === undefined || s.satisfaction || !v || !/^[123]$/.test(v)) return;
    s.satisfaction = true;
    this.o.ctx.feedback.recordSatisfaction(fid, Number(v) as 1 | 2 | 3, 'citizen').catch((e) => {
      this.o.log.error('satisfaction could not be recorded', { feedbackId: fid, error: (e as Error).message });
    });
  }

  // ───────────── transfer ─────────────

  private transfer(s: CallSession, p: Record<string, unknown>): Promise<EffectResult> {
    const n = ++this.seq;
    const endpoint = typeof p.endpoint === 'string' && p.endpoint ? p.endpoint : this.o.operatorEndpoint;
    const tr: Transfer = {
      session: s, n, legId: `${s.id}-op${n}`, bridgeId: `br-${s.id}-${n}`, ringbackId: `${s.id}-ring-${n}-0`, ringback: 'none', ringSeq: 0, ringFallback: false,
      state: 'dialing', timer: null, resolve: () => undefined,
    };
    return new Promise<EffectResult>((resolve) => {
      let settled = false;
      tr.resolve = (r) => {
        if (settled) return;
        settled = true;
        tr.state = 'done';
        if (tr.timer) clearTimeout(tr.timer);
        this.transfers.delete(tr.legId);
        this.transferBySession.delete(s.id);
        void this.stopRingback(tr);
        resolve(r);
      };
      this.transfers.set(tr.legId, tr);
      this.transferBySession.set(s.id, tr);
      // Ring-back at once while the operator's phone rings: the caller never sits in silence.
      this.startRingback(tr);
      tr.timer = setTimeout(() => {
        if (tr.state === 'bridged') return;
        this.o.log.info('转人工无人接听 / transfer not answered in time', { callId: s.id });
        void this.o.ari.hangup(tr.legId).catch(() => undefined);
        tr.resolve({ status: 'noAnswer', reason: 'timeout' });
      }, Math.max(1, (this.o.transferTimeoutSec * 1000 + 5000) / this.o.timeScale));
      this.o.ari.originate({
        endpoint, app: this.o.app, appArgs: ['transfer', s.id], callerId: nationalDigits(s.caller), timeout: this.o.transferTimeoutSec, channelId: tr.legId,
        variables: { HOTLINE_CALLER: s.caller, HOTLINE_CALL_ID: s.id },
      }).then(() => { if (tr.state === 'dialing') tr.state = 'ringing'; }, (e) => {
        void this.originateRefused(tr, endpoint, e as Error);
      });
    });
  }

  /** Asterisk refused the operator originate: find out why (the endpoint's state) and say it in words. */
  private async originateRefused(tr: Transfer, endpoint: string, e: Error): Promise<void> {
    const status = (e as { status?: number | null }).status ?? null;
    const parts = splitEndpoint(endpoint);
    let ep: AriEndpointJson | null | undefined;
    if (parts && status !== 400) {
      try { ep = await this.o.ari.getEndpoint(parts[0], parts[1]); } catch { ep = undefined; }
    }
    const f = refusedOriginate(status, e.message, ep);
    this.o.log.error(`转人工呼叫失败 / operator originate failed: ${f.reason}`, { callId: tr.session.id, endpoint, cause: f.code });
    tr.resolve({ status: f.status, reason: f.code });
  }

  private ringbackPlay(tr: Transfer, media: string[]): void {
    tr.ringback = 'play';
    tr.ringbackId = `${tr.session.id}-ring-${tr.n}-${++tr.ringSeq}`;
    const id = tr.ringbackId;
    void this.o.ari.play(tr.session.id, id, media).catch((e) => {
      if (tr.state === 'done' || tr.state === 'bridged' || tr.ringbackId !== id) return;
      this.o.log.warn('回铃音播放请求失败 / ring-back play refused', { callId: tr.session.id, error: (e as Error).message });
      this.ringbackEnded(tr, 'failed');
    });
  }

  private startRingback(tr: Transfer): void {
    const mode = this.o.ringback ?? 'file';
    const seconds = this.o.transferTimeoutSec + 5;
    if (mode === 'moh') {
      tr.ringback = 'moh';
      void this.o.ari.startMoh(tr.session.id, this.o.mohClass || undefined).catch((e) => {
        if (tr.state === 'done' || tr.state === 'bridged') return;
        this.o.log.warn('等待音乐无法播放，改用回铃音 / music on hold failed, playing a ring-back tone instead', { callId: tr.session.id, error: (e as Error).message });
        tr.ringFallback = true;
        this.ringbackPlay(tr, [RINGBACK_TONE_LITERAL]);
      });
      return;
    }
    const file = mode === 'file' ? this.o.media.ringbackUri() : null;
    if (file) this.ringbackPlay(tr, ringbackMedia(file, seconds));
    else if (mode === 'tone') this.ringbackPlay(tr, [RINGBACK_TONE_ZONE]);
    else { tr.ringFallback = true; this.ringbackPlay(tr, [RINGBACK_TONE_LITERAL]); }
  }

  /** The ring-back playback ended while the operator still rings: loop it, or fall back to the literal tone. */
  private ringbackEnded(tr: Transfer, state: string): void {
    if (tr.state === 'done' || tr.state === 'bridged' || tr.session.gone || tr.session.hangupSeen) return;
    if (state === 'done' && tr.ringSeq < 50) {
      const file = this.o.media.ringbackUri();
      this.ringbackPlay(tr, tr.ringFallback || !file ? [RINGBACK_TONE_LITERAL] : ringbackMedia(file, this.o.transferTimeoutSec + 5));
      return;
    }
    if (!tr.ringFallback) {
      this.o.log.warn('回铃音播放失败，改用频率音 / ring-back failed, falling back to a literal 450 Hz tone (no tone zone needed)', { callId: tr.session.id, mode: this.o.ringback ?? 'file' });
      tr.ringFallback = true;
      this.ringbackPlay(tr, [RINGBACK_TONE_LITERAL]);
      return;
    }
    tr.ringback = 'none';
    this.o.log.error('回铃音无法播放 / no ring-back can be played: the caller hears silence while the operator rings', { callId: tr.session.id });
  }

  private stopRingback(tr: Transfer): Promise<void> {
    const kind = tr.ringback;
    tr.ringback = 'none';
    if (kind === 'moh') return this.o.ari.stopMoh(tr.session.id).catch(() => undefined);
    if (kind === 'play') return this.o.ari.stopPlayback(tr.ringbackId).catch(() => undefined);
    return Promise.resolve();
  }

  private operatorAnswered(legId: string, callerChannel: string): void {
    const tr = this.transfers.get(legId);
    if (!tr || tr.session.id !== callerChannel || tr.state === 'done' || tr.session.hangupSeen) {
      void this.o.ari.hangup(legId).catch(() => undefined);
      return;
    }
    tr.state = 'bridged';
    if (tr.timer) clearTimeout(tr.timer);
    tr.timer = null;
    const s = tr.session;
    this.o.callLog.state(s.id, 'bridged');
    void (async () => {
      try {
        await this.stopRingback(tr);
        await this.o.ari.createBridge(tr.bridgeId);
        await this.o.ari.addToBridge(tr.bridgeId, [s.id, legId]);
      } catch (e) {
        this.o.log.error('bridge failed', { callId: s.id, error: (e as Error).message });
        void this.o.ari.hangup(legId).catch(() => undefined);
        void this.o.ari.destroyBridge(tr.bridgeId).catch(() => undefined);
        tr.resolve({ status: 'error', reason: 'bridge failed' });
      }
    })();
  }

  /** The operator leg ended (hung up after talking, or never answered). */
  private operatorGone(tr: Transfer, cause?: number): void {
    if (tr.state === 'done') return;
    if (tr.state === 'bridged') {
      void this.o.ari.destroyBridge(tr.bridgeId).catch(() => undefined);
      tr.resolve({ status: 'answered' }); // the caller is still here: the flow decides what follows
    } else {
      const f = legEnded(cause);
      this.o.log.info(`转人工未接通 / operator leg ended unanswered: ${f.reason}`, { callId: tr.session.id, cause: f.code });
      tr.resolve({ status: f.status, reason: f.code });
    }
  }

  /** The caller hangs up: end a transfer in progress (hang up the operator leg, drop the bridge). */
  private callerLeaving(s: CallSession): void {
    const tr = this.transferBySession.get(s.id);
    if (!tr || tr.state === 'done') return;
    void this.o.ari.hangup(tr.legId).catch(() => undefined);
    if (tr.state === 'bridged') void this.o.ari.destroyBridge(tr.bridgeId).catch(() => undefined);
    tr.resolve({ status: tr.state === 'bridged' ? 'answered' : 'noAnswer', reason: 'caller hung up' });
  }

  // ───────────── unknown channels, reconnect ─────────────

  /** A channel we hold no state for: apologise and hang up (never leave a caller in silence). */
  playSorry(channelId: string): void {
    if (this.sorry.has(channelId)) return;
    this.sorry.set(channelId, setTimeout(() => this.hangupSorry(channelId), Math.max(1, 15_000 / this.o.timeScale)));
    void (async () => {
      try {
        const m = await this.o.media.resolve([{ prompt: 'system_busy' }]);
        if (!m.uris.length) throw new Error('no sorry prompt');
        await this.o.ari.play(channelId, `sorry-${channelId}-${++this.seq}`, m.uris);
      } catch {
        this.hangupSorry(channelId);
      }
    })();
  }

  private hangupSorry(channelId: string): void {
    this.clearSorry(channelId);
    void this.o.ari.hangup(channelId).catch(() => undefined);
  }

  private clearSorry(channelId: string): void {
    const t = this.sorry.get(channelId);
    if (t) clearTimeout(t);
    this.sorry.delete(channelId);
  }

  /**
   * After (re)connecting the event socket: sessions whose channel vanished end (their hang-up was
   * missed), sessions still present catch up, unknown channels in the app get the sorry prompt.
   */
  async resync(): Promise<{ resumed: number; lost: number; unknown: number }> {
    let ids: string[];
    try { ids = await this.o.ari.appChannelIds(); } catch (e) {
      this.o.log.error('resync: could not list the application channels', { error: (e as Error).message });
      return { resumed: 0, lost: 0, unknown: 0 };
    }
    const present = new Set(ids);
    let resumed = 0, lost = 0, unknown = 0;
    for (const s of [...this.sessions.values()]) {
      if (s.gone) continue;
      if (present.has(s.id)) { resumed++; await s.resume().catch(() => undefined); } else {
        lost++;
        this.callerLeaving(s);
        s.onStasisEnd();
      }
    }
    for (const tr of [...this.transfers.values()]) if (!present.has(tr.legId) && tr.state !== 'dialing') this.operatorGone(tr);
    for (const id of ids) {
      if (this.sessions.has(id) || this.transfers.has(id) || this.sorry.has(id) || this.callbacks.has(id) || this.starting.has(id) || this.o.queue?.owns?.(id)) continue;
      unknown++;
      const ch = await this.o.ari.getChannel(id).catch(() => null);
      if (!ch) continue;
      this.o.log.warn('未知通道，播放致歉并挂断 / unknown channel in the app: sorry prompt and hang-up', { channel: id, state: ch.state });
      if (ch.state === 'Up') this.playSorry(id);
      else void this.o.ari.hangup(id).catch(() => undefined);
    }
    if (resumed || lost || unknown) this.o.log.info('ARI resync', { resumed, lost, unknown });
    return { resumed, lost, unknown };
  }

  stop(): void {
    this.stopping = true;
    for (const s of this.sessions.values()) s.dispose();
    for (const t of this.sorry.values()) clearTimeout(t);
    for (const tr of this.transfers.values()) if (tr.timer) clearTimeout(tr.timer);
  }
}

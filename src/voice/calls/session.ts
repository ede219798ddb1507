/**
 * One call = one session: it owns the engine state of one ARI channel, turns engine actions into
 * ARI requests, timers and effects, and ARI events back into engine events.
 *
 * Ordering: engine steps are synchronous; timers and log actions run at once; requests that touch
 * the channel (play, stop, record, hang-up) go through a per-call queue so they leave in the engine's
 * order (a stop waits until its play was accepted, otherwise Asterisk could see them reversed and
 * play a prompt the engine already stopped). Nothing waits for a response it does not need, so an
 * event is answered with the next request within a millisecond or so.
 *
 * Real-Asterisk rules respected here: every playback has a watchdog (an unknown media scheme never
 * finishes) → `playbackFinished {ok:false}`; a 404 on stopping a finished playback is fine; DTMF
 * arrives during playbacks and recordings; StasisEnd is the dependable end; a recording cut by the
 * caller's hang-up reports RecordingFinished after ChannelHangupRequest and is still downloadable.
 */
import { performance } from 'node:perf_hooks';
import type { CallState, EffectKind, EffectResult, FlowAction, FlowEngine, FlowEvent, StartEvent } from '../flow/index.js';
import type { AriPort } from '../ari/types.js';
import type { Logger } from '../../log.js';
import type { CallLog } from './call-log.js';
import type { MediaResolver } from './media.js';
import { downloadWithRetry, wavSeconds } from './effects.js';

type EffectAction = Extract<FlowAction, { type: 'effect' }>;

export interface SessionDeps {
  engine: FlowEngine;
  ari: AriPort;
  media: MediaResolver;
  callLog: CallLog;
  log: Logger;
  now: () => Date;
  /** Divide engine timers and watchdogs by this (tests run the simulator faster than real time). */
  timeScale: number;
  /** Longest recording allowed (voice.max_recording_sec). */
  maxRecordingSec: number;
  /** Run an effect (lookup, submitFeedback, subscribe, transfer); must not throw. */
  runEffect(s: CallSession, a: EffectAction): Promise<EffectResult>;
  /** Event → next request latency, in ms. */
  onLatency?(ms: number): void;
  /** The session has nothing left to do (channel gone, effects settled). */
  onFinished(s: CallSession): void;
  /** Live call state changes, for the panel and the test phone. */
  onState?(s: CallSession, state: string): void;
  /** Every play request sent (media URIs), for the test phone captions. */
  onPlay?(s: CallSession, uris: string[]): void;
  /** After every engine step (the call-back flow's satisfaction variable is read here). */
  onStep?(s: CallSession): void;
}

export interface SessionInfo {
  channelId: string;
  caller: string;
  called: string;
  direction: 'inbound' | 'outbound';
  flowId?: string;
  vars?: Record<string, string>;
  /** Values that are personal (the answer read on a call-back): rendered for this call only, deleted after it. */
  personal?: string[];
  /** The channel is not answered yet (answer before starting the flow). */
  needsAnswer: boolean;
}

interface LivePlayback {
  sent: Promise<void> | null;
  /** Asterisk answered the play request (a stop can go at once). */
  accepted: boolean;
  watchdog: NodeJS.Timeout | null;
}

export class CallSession {
  readonly id: string;
  readonly caller: string;
  readonly called: string;
  readonly direction: 'inbound' | 'outbound';
  readonly flowId: string;
  state: CallState | null = null;
  /** Caller hung up (ChannelHangupRequest) or the app did. */
  hangupSeen = false;
  /** StasisEnd received: the channel is gone. */
  gone = false;
  finished = false;
  /** Satisfaction recorded (call-back flow). */
  satisfaction = false;
  feedbackRef: string | null = null;
  /** Recordings made in this call, and the ones saved as feedback. */
  readonly recordings = new Map<string, { durationSec: number | null; saved: boolean }>();
  liveRecording: string | null = null;

  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly playbacks = new Map<string, LivePlayback>();
  private readonly cancelled = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private inflight = 0;
  private pending = 0;
  private measuredFor = -1;
  private graceTimer: NodeJS.Timeout | null = null;
  private readonly log: Logger;

  constructor(private readonly d: SessionDeps, private readonly info: SessionInfo) {
    this.id = info.channelId;
    this.caller = info.caller;
    this.called = info.called;
    this.direction = info.direction;
    this.flowId = info.flowId ?? d.engine.defaultFlow;
    this.log = d.log;
  }

  get nodeId(): string { return this.state?.nodeId ?? ''; }
  /** What the media resolver needs to keep this call's personal text out of the shared cache. */
  private get mediaOpts(): { callId: string; personal?: readonly string[] } { return { callId: this.id, personal: this.info.personal }; }
  get ended(): boolean { return !!this.state?.ended; }
  /** Playbacks sent and not finished (diagnostics, tests). */
  get livePlaybacks(): string[] { return [...this.playbacks.keys()]; }

  private scaled(ms: number): number { return Math.max(1, ms / this.d.timeScale); }

  private nowMs(): number { return this.d.now().getTime(); }

  /** Answer when needed, then start the flow. */
  async begin(t0?: number): Promise<void> {
    this.d.callLog.started({ callId: this.id, direction: this.direction, flowId: this.flowId, caller: this.caller, called: this.called });
    if (this.info.needsAnswer) {
      try {
        this.measure(t0);
        await this.d.ari.answer(this.id);
      } catch (e) {
        this.log.warn('answer failed', { callId: this.id, error: (e as Error).message });
        if (this.gone || (e as { status?: number }).status === 404) { this.onStasisEnd(); return; }
      }
      t0 = undefined;
    }
    if (this.gone) { this.maybeFinish(); return; }
    this.d.callLog.answered(this.id);
    const ev: StartEvent = { type: 'start', callId: this.id, caller: this.caller, called: this.called, now: this.nowMs(), flowId: this.flowId, vars: this.info.vars };
    let r;
    try { r = this.d.engine.start(ev); } catch (e) {
      this.log.error('flow start failed', { callId: this.id, error: (e as Error).message });
      void this.d.ari.hangup(this.id).catch(() => undefined);
      return;
    }
    this.state = r.state;
    this.apply(r.actions, t0);
    this.d.onStep?.(this);
  }

  /** Feed one engine event. */
  feed(ev: FlowEvent, t0?: number): void {
    if (!this.state || this.finished) return;
    let r;
    try {
      r = this.d.engine.step(this.state, ev.type === 'start' ? ev : { ...ev, now: this.nowMs() } as FlowEvent);
    } catch (e) {
      this.log.error('flow engine failed', { callId: this.id, event: ev.type, error: (e as Error).message });
      return;
    }
    this.state = r.state;
    this.apply(r.actions, t0);
    this.d.onStep?.(this);
  }

  /** Record event→request latency once per event. */
  private measure(t0: number | undefined): void {
    if (t0 === undefined || t0 === this.measuredFor) return;
    this.measuredFor = t0;
    this.d.onLatency?.(performance.now() - t0);
  }

  /**
   * Run `fn` after the requests queued before it. When nothing is queued and `fn` can run without
   * waiting, it runs at once (same tick as the event: no microtask hops behind other calls' work).
   */
  private enqueue(fn: () => Promise<void> | void): void {
    this.inflight++;
    const done = () => { this.inflight--; };
    this.queue = this.queue.then(fn).catch((e) => this.log.error('call action failed', { callId: this.id, error: (e as Error).message })).finally(done);
  }

  private get idle(): boolean { return this.inflight === 0; }

  private apply(actions: FlowAction[], t0?: number): void {
    for (const a of actions) {
      switch (a.type) {
        case 'log':
          this.d.callLog.step(this.id, this.flowId, a.nodeId, a.kind, a.detail);
          if (a.kind === 'enter') this.d.onState?.(this, `node:${a.nodeId}`);
          break;
        case 'startTimer': {
          const old = this.timers.get(a.timerId);
          if (old) clearTimeout(old);
          this.timers.set(a.timerId, setTimeout(() => {
            this.timers.delete(a.timerId);
            this.feed({ type: 'timer', timerId: a.timerId }, performance.now());
          }, this.scaled(a.ms)));
          break;
        }
        case 'cancelTimer': {
          const t = this.timers.get(a.timerId);
          if (t) clearTimeout(t);
          this.timers.delete(a.timerId);
          break;
        }
        case 'stopPlayback': {
          const pb = this.playbacks.get(a.playbackId);
          if (this.idle && pb?.accepted) { void this.stopPlayback(a.playbackId, t0); break; }
          this.cancelled.add(a.playbackId);
          this.enqueue(() => this.stopPlayback(a.playbackId, t0));
          break;
        }
        case 'play': {
          const ready = this.idle && !this.gone ? this.d.media.resolveSync(a.media, this.mediaOpts) : null;
          if (ready && ready.uris.length) { this.sendPlay(a.playbackId, ready, t0); break; }
          this.enqueue(() => this.play(a.playbackId, a.media, t0));
          break;
        }
        case 'record':
          this.enqueue(() => this.record(a, t0));
          break;
        case 'stopRecording': {
          const stop = () => {
            this.measure(t0);
            void this.d.ari.stopRecording(a.name).catch(() => undefined); // 404: it already ended
          };
          if (this.idle) stop(); else this.enqueue(stop);
          break;
        }
        case 'hangup': {
          const hang = () => {
            if (this.gone) return;
            this.measure(t0);
            this.d.onState?.(this, 'hangup');
            void this.d.ari.hangup(this.id, 'normal').catch((e) => {
              if ((e as { status?: number }).status !== 404) this.log.warn('hangup failed', { callId: this.id, error: (e as Error).message });
            });
          };
          if (this.idle) hang(); else this.enqueue(hang);
          break;
        }
        case 'effect':
          this.effect(a);
          break;
      }
    }
  }

  // ───────────── playbacks ─────────────

  private async play(playbackId: string, media: Parameters<MediaResolver['resolve']>[0], t0?: number): Promise<void> {
    if (this.gone) return;
    const res = await this.d.media.resolve(media, this.mediaOpts);
    if (this.cancelled.delete(playbackId)) return; // stopped before it was sent: the engine moved on
    if (this.gone) return;
    if (res.uris.length === 0) {
      setImmediate(() => this.feed({ type: 'playbackFinished', playbackId, ok: false }));
      return;
    }
    this.sendPlay(playbackId, res, t0);
  }

  private sendPlay(playbackId: string, res: { uris: string[]; expectedMs: number }, t0?: number): void {
    const pb: LivePlayback = { sent: null, watchdog: null, accepted: false };
    this.playbacks.set(playbackId, pb);
    pb.watchdog = setTimeout(() => this.playbackWatchdog(playbackId), this.scaled(Math.max(5000, res.expectedMs * 1.5 + 5000)));
    this.measure(t0);
    this.d.onPlay?.(this, res.uris);
    pb.sent = this.d.ari.play(this.id, playbackId, res.uris).then(() => { pb.accepted = true; }, (e) => {
      pb.accepted = true;
      if (this.gone || !this.playbacks.has(playbackId)) return;
      this.log.warn('play failed', { callId: this.id, error: (e as Error).message });
      this.finishPlayback(playbackId, false);
    });
  }

  private async stopPlayback(playbackId: string, t0?: number): Promise<void> {
    const pb = this.playbacks.get(playbackId);
    if (!pb) return; // never sent (cancelled) or already finished
    this.cancelled.delete(playbackId);
    if (pb.watchdog) clearTimeout(pb.watchdog);
    this.playbacks.delete(playbackId);
    if (pb.sent && !pb.accepted) await pb.sent;
    if (this.gone) return;
    this.measure(t0);
    void this.d.ari.stopPlayback(playbackId).catch(() => undefined); // 404: it finished meanwhile
  }

  private playbackWatchdog(playbackId: string): void {
    if (!this.playbacks.has(playbackId)) return;
    this.log.warn('播放超时，按失败处理 / playback watchdog fired (no PlaybackFinished), treating it as failed', { callId: this.id, playbackId });
    void this.d.ari.stopPlayback(playbackId).catch(() => undefined);
    this.finishPlayback(playbackId, false);
  }

  private finishPlayback(playbackId: string, ok: boolean, t0?: number): void {
    const pb = this.playbacks.get(playbackId);
    if (!pb) return;
    if (pb.watchdog) clearTimeout(pb.watchdog);
    this.playbacks.delete(playbackId);
    this.feed({ type: 'playbackFinished', playbackId, ok }, t0);
  }

  /** ARI PlaybackFinished. */
  onPlaybackFinished(playbackId: string, state: string, t0?: number): void {
    this.finishPlayback(playbackId, state === 'done', t0);
  }

  // ───────────── recordings ─────────────

  private async record(a: Extract<FlowAction, { type: 'record' }>, t0?: number): Promise<void> {
    if (this.gone) return;
    this.liveRecording = a.name;
    this.recordings.set(a.name, { durationSec: null, saved: false });
    this.measure(t0);
    try {
      await this.d.ari.record(this.id, {
        name: a.name, format: 'wav', maxDurationSeconds: Math.min(a.maxDurationSeconds, this.d.maxRecordingSec),
        maxSilenceSeconds: a.maxSilenceSeconds, beep: a.beep, terminateOn: a.terminateOn, ifExists: 'fail',
      });
    } catch (e) {
      if (this.gone) return;
      this.log.error('录音失败 / recording could not start', { callId: this.id, recording: a.name, error: (e as Error).message });
      if (this.liveRecording === a.name) this.liveRecording = null;
      this.feed({ type: 'recordingFinished', name: a.name, durationSec: 0, ok: false, kept: false });
    }
  }

  onRecordingStarted(name: string): void {
    if (name === this.liveRecording) this.d.onState?.(this, 'recording');
  }

  /** ARI RecordingFinished / RecordingFailed. */
  onRecordingFinished(name: string, ok: boolean, durationSec: number, cause?: string, t0?: number): void {
    if (!this.recordings.has(name)) return;
    if (this.liveRecording === name) this.liveRecording = null;
    this.recordings.get(name)!.durationSec = ok ? durationSec : 0;
    if (!ok) this.log.error('录音失败 / RecordingFailed', { callId: this.id, recording: name, cause });
    this.d.onState?.(this, ok ? 'recorded' : 'recording-failed');
    this.feed({ type: 'recordingFinished', name, durationSec, ok, kept: ok }, t0);
    this.maybeFinish();
  }

  recordingSeconds(name: string): number | undefined {
    const r = this.recordings.get(name);
    return r?.durationSec ?? undefined;
  }

  /**
   * A recording whose end we did not see (events lost while the ARI socket was down, or StasisEnd
   * without RecordingFinished): ask Asterisk, and report it as finished with the stored file's length.
   */
  async recoverRecording(name: string): Promise<void> {
    let ok = false;
    let sec = 0;
    try {
      const live = await this.d.ari.getLiveRecording(name).catch(() => null);
      if (live && !this.gone) return; // still recording: its events will come
      const stored = await this.d.ari.getStoredRecording(name);
      if (stored) {
        const buf = await downloadWithRetry(this.d.ari, name, 2);
        sec = Math.floor(wavSeconds(buf) ?? 0);
        ok = true;
      }
    } catch (e) {
      this.log.warn('could not recover a recording', { callId: this.id, recording: name, error: (e as Error).message });
    }
    if (this.liveRecording !== name) return; // its event arrived meanwhile
    this.onRecordingFinished(name, ok, sec, ok ? undefined : 'lost');
  }

  // ───────────── effects ─────────────

  private effect(a: EffectAction): void {
    this.pending++;
    const kind: EffectKind = a.kind;
    this.d.onState?.(this, kind === 'transfer' || kind === 'queue' ? 'transfer' : `effect:${kind}`);
    void this.d.runEffect(this, a)
      .catch((e): EffectResult => {
        this.log.error('effect failed', { callId: this.id, kind, error: (e as Error).message });
        return { status: 'error', reason: 'exception' };
      })
      .then((result) => {
        this.feed({ type: 'effectResult', effectId: a.effectId, result }, performance.now());
      })
      .finally(() => {
        this.pending--;
        this.maybeFinish();
      });
  }

  // ───────────── the channel's end ─────────────

  /** ChannelHangupRequest: the caller (or we) hung up; StasisEnd follows. */
  onHangupRequest(t0?: number): void {
    if (this.hangupSeen) return;
    this.hangupSeen = true;
    this.d.onState?.(this, 'hanging-up');
    this.feed({ type: 'hangup' }, t0);
  }

  /** StasisEnd (or the channel found missing after a reconnect). */
  onStasisEnd(): void {
    if (this.gone) return;
    this.onHangupRequest();
    this.gone = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const pb of this.playbacks.values()) if (pb.watchdog) clearTimeout(pb.watchdog);
    this.playbacks.clear();
    if (this.liveRecording) {
      // RecordingFinished normally precedes StasisEnd; give it a moment, then ask Asterisk.
      const name = this.liveRecording;
      this.graceTimer = setTimeout(() => { this.graceTimer = null; void this.recoverRecording(name); }, this.scaled(2000));
    }
    this.maybeFinish();
  }

  /** After an ARI reconnect: the channel is still here; catch up with what we may have missed. */
  async resume(): Promise<void> {
    this.d.callLog.recovered(this.id);
    for (const id of [...this.playbacks.keys()]) {
      const p = await this.d.ari.getPlayback(id).catch(() => undefined);
      if (p === null) this.finishPlayback(id, true); // it finished while we were not listening
    }
    if (this.liveRecording) await this.recoverRecording(this.liveRecording);
  }

  private maybeFinish(): void {
    if (this.finished || !this.gone || this.pending > 0 || this.liveRecording) return;
    this.finished = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.d.onFinished(this);
  }

  /** Server shutdown: stop timers (the channel is left to Asterisk). */
  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const pb of this.playbacks.values()) if (pb.watchdog) clearTimeout(pb.watchdog);
    if (this.graceTimer) clearTimeout(this.graceTimer);
  }
}

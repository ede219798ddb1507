/**
 * The IVR flow engine: a pure state machine, `(state, event) → {state, actions}`. What each verb
 * does is in its own file (./verbs/<verb>.ts, listed in ./verbs/index.ts); the engine runs the
 * mechanics they share and hands events to the current node's verb.
 *
 * No timers, no I/O, no clock: the adapter (voice/ari) runs the actions (play, record, timers,
 * effects…) and feeds back events (DTMF, playback finished, timer fired, effect result…).
 * Ids (playbacks, timers, effects, recordings) come from a counter in the state, so a call is
 * reproducible event for event and tests can compare actions exactly. Stale events (a timer that
 * was cancelled, a playback that was stopped) are ignored by id.
 *
 * DTMF timing contract:
 *  - menu/gather prompts are interruptible: a key during the prompt stops it and counts as input;
 *  - a gather waits `firstDigitTimeoutMs` for the first key after its prompt, then
 *    `interDigitTimeoutMs` between keys; there is no overall timeout once the caller types;
 *  - the terminator ends an entry early, `maxDigits` ends it at once; a terminator typed within the
 *    inter-digit time after a maxDigits completion belongs to that entry and is swallowed — whether the
 *    entry was accepted or refused (a refused one's error prompt is not cut short by it);
 *  - a terminator with nothing typed is an empty entry: ignored (the prompt goes on, the wait timer
 *    keeps running) and never counted as an attempt;
 *  - a query code with a wrong check digit is refused at once, without a lookup.
 */
import { mondayToFriday, type IsWorkingDay } from './office-hours.js';
import { fill, resolveMediaList } from './template.js';
import {
  FEEDBACK_KINDS_FLOW,
  type CallState, type EffectKind, type EffectResult, type Flow, type FlowAction, type FlowEvent, type FlowNode,
  type LogKind, type MediaSpec, type PendingRecording, type StartEvent, type StepResult,
} from './types.js';
import { verbOf, type FlowOps } from './verbs/index.js';

export interface EngineOptions {
  /** Flows by id (from loadFlows). */
  flows: Record<string, Flow>;
  /** Flow used when a start event names none (default 'main'). */
  defaultFlow?: string;
  /** Zone for office hours and dates (default Asia/Shanghai). */
  timeZone?: string;
  /** Working-day calendar for office hours (default Monday–Friday); inject WorkingCalendar.isWorkingDay. */
  isWorkingDay?: IsWorkingDay;
  /** Guard against runaway transitions within one event (default 64). */
  maxHopsPerEvent?: number;
  /** Recording watchdog margin beyond maxDurationSeconds (default 10 s). */
  recordWatchdogMarginMs?: number;
}

const PATH_CAP = 200;

function safeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'call';
}

function timerOf(phase: CallState['phase']): string | undefined {
  switch (phase.kind) {
    case 'wait': case 'typing': case 'recording': return phase.timerId;
    case 'effect': return phase.timerId;
    default: return undefined;
  }
}

export class FlowEngine {
  readonly flows: Record<string, Flow>;
  readonly defaultFlow: string;
  readonly timeZone: string;
  readonly isWorkingDay: IsWorkingDay;
  readonly maxHops: number;
  readonly recordMarginMs: number;

  constructor(opts: EngineOptions) {
    this.flows = opts.flows;
    this.defaultFlow = opts.defaultFlow ?? 'main';
    this.timeZone = opts.timeZone ?? 'Asia/Shanghai';
    this.isWorkingDay = opts.isWorkingDay ?? mondayToFriday;
    this.maxHops = opts.maxHopsPerEvent ?? 64;
    this.recordMarginMs = opts.recordWatchdogMarginMs ?? 10_000;
  }

  /** A new call: the state before the first node is entered. */
  initialState(ev: StartEvent): CallState {
    const flowId = ev.flowId ?? this.defaultFlow;
    return {
      flowId, callId: String(ev.callId), caller: String(ev.caller ?? ''), called: String(ev.called ?? ''),
      nodeId: this.flows[flowId]?.start ?? '', phase: { kind: 'idle' },
      vars: { ...(ev.vars ?? {}), callId: String(ev.callId), caller: String(ev.caller ?? ''), called: String(ev.called ?? '') },
      seq: 0, tries: 0, digits: '', typeAhead: '', swallowKey: '', swallowUntil: 0, notFoundCount: 0, path: [],
      unsubmitted: null, awaitRecording: null, outcomes: [], ended: false, endReason: null,
      now: typeof ev.now === 'number' ? ev.now : 0,
    };
  }

  /** Start a call (same as step(null, startEvent)). */
  start(ev: StartEvent): StepResult {
    return this.step(null, ev);
  }

  /**
   * Feed one event. `state` is not modified; the returned state is a new object.
   * A start event creates the state (any given state is ignored); other events need a state.
   */
  step(state: CallState | null, ev: FlowEvent): StepResult {
    if (ev.type === 'start') {
      const s = this.initialState(ev);
      const run = new Run(this, s);
      run.begin();
      return { state: s, actions: run.acts };
    }
    if (!state) throw new Error(`flow engine: event "${ev.type}" without a call state (send start first)`);
    const s = structuredClone(state);
    if (typeof ev.now === 'number' && Number.isFinite(ev.now)) s.now = ev.now;
    const run = new Run(this, s);
    run.handle(ev);
    return { state: s, actions: run.acts };
  }
}

/** One step's worth of work on a (cloned) state; the verbs see it as `FlowOps`. */
class Run implements FlowOps {
  readonly acts: FlowAction[] = [];
  private hops = 0;
  private readonly flow: Flow | undefined;
  readonly timeZone: string;
  readonly isWorkingDay: IsWorkingDay;
  readonly recordMarginMs: number;

  constructor(private readonly eng: FlowEngine, readonly s: CallState) {
    this.flow = eng.flows[s.flowId];
    this.timeZone = eng.timeZone;
    this.isWorkingDay = eng.isWorkingDay;
    this.recordMarginMs = eng.recordMarginMs;
  }

  // ── what verbs use (FlowOps) ──

  id(kind: string): string {
    return `${safeId(this.s.callId)}-${kind}-${++this.s.seq}`;
  }

  safeCallId(): string { return safeId(this.s.callId); }

  push(a: FlowAction): void { this.acts.push(a); }

  log(kind: LogKind, detail?: string): void {
    this.acts.push(detail === undefined ? { type: 'log', nodeId: this.s.nodeId, kind } : { type: 'log', nodeId: this.s.nodeId, kind, detail });
  }

  private node(): FlowNode | undefined {
    return this.flow?.nodes[this.s.nodeId];
  }

  play(specs: readonly MediaSpec[]): string | null {
    const media = resolveMediaList(specs, this.s.vars);
    if (media.length === 0) return null;
    const playbackId = this.id('pb');
    this.acts.push({ type: 'play', playbackId, media });
    return playbackId;
  }

  timer(ms: number): string {
    const timerId = this.id('t');
    this.acts.push({ type: 'startTimer', timerId, ms });
    return timerId;
  }

  cancelTimer(): void {
    const t = timerOf(this.s.phase);
    if (t) this.acts.push({ type: 'cancelTimer', timerId: t });
  }

  stopPlayback(playbackId: string): void {
    this.acts.push({ type: 'stopPlayback', playbackId });
  }

  outcome(o: string): void {
    if (!this.s.outcomes.includes(o)) this.s.outcomes.push(o);
  }

  endCall(reason: string): void {
    this.acts.push({ type: 'hangup', reason });
    this.s.ended = true;
    this.s.endReason = reason;
    this.s.phase = { kind: 'ended' };
  }

  effect(kind: EffectKind, params: Record<string, unknown>, timeoutMs?: number): void {
    const effectId = this.id('fx');
    this.acts.push({ type: 'effect', effectId, kind, params });
    const timerId = timeoutMs ? this.timer(timeoutMs) : undefined;
    this.s.phase = timerId ? { kind: 'effect', effectId, effect: kind, timerId } : { kind: 'effect', effectId, effect: kind };
  }

  feedbackParams(kind: string, recording: string, durationSec: number, onHangup: boolean): Record<string, unknown> {
    const s = this.s;
    return {
      feedbackKind: kind, recording, durationSec, callId: s.callId, caller: s.caller, called: s.called,
      flowId: s.flowId, path: [...s.path], onHangup,
    };
  }

  pending(feedbackKind: string | undefined, name: string, durationSec: number, minDurationSeconds: number): PendingRecording | null {
    if (!feedbackKind) return null;
    return { name, durationSec, kind: fill(feedbackKind, this.s.vars).trim(), minDurationSeconds };
  }

  // ── transitions ──

  begin(): void {
    if (!this.flow || !this.flow.nodes[this.flow.start]) {
      this.acts.push({ type: 'log', nodeId: '', kind: 'invalid', detail: `unknown flow "${this.s.flowId}"` });
      this.endCall('no-flow');
      return;
    }
    this.goto(this.flow.start);
  }

  goto(target: string): void {
    const node = this.flow?.nodes[target];
    if (++this.hops > this.eng.maxHops || !node) {
      this.log('invalid', node ? 'loop guard: too many transitions without input' : `unknown node "${target}"`);
      this.endCall('flow-error');
      return;
    }
    const s = this.s;
    s.nodeId = target;
    s.tries = 0;
    s.digits = '';
    s.phase = { kind: 'idle' };
    s.path.push(target);
    if (s.path.length > PATH_CAP) s.path.splice(0, s.path.length - PATH_CAP);
    // Type-ahead survives only pass-through nodes on the way to the next menu/gather.
    const verb = verbOf(node);
    if (!verb.passThrough?.(node)) s.typeAhead = '';
    this.log('enter');
    verb.enter(this, node);
  }

  // ── events ──

  handle(ev: FlowEvent): void {
    const s = this.s;
    if (s.ended) {
      this.afterEnd(ev);
      return;
    }
    switch (ev.type) {
      case 'start': return;
      case 'dtmf': this.onDtmf(String(ev.digit ?? '')); return;
      case 'playbackFinished': this.onPlaybackFinished(ev.playbackId); return;
      case 'timer': this.onTimer(ev.timerId); return;
      case 'recordingFinished': this.onRecordingFinished(ev.name, Number(ev.durationSec) || 0, !!ev.ok, ev.kept !== false); return;
      case 'effectResult': this.onEffectResult(ev.effectId, ev.result ?? { status: 'error' }); return;
      case 'hangup': this.onHangup(); return;
    }
  }

  private onDtmf(k: string): void {
    const s = this.s;
    if (s.swallowKey) {
      const sw = s.swallowKey;
      s.swallowKey = '';
      if (k === sw && s.now <= s.swallowUntil) {
        this.log('input', `${k} after a complete entry (swallowed)`);
        return;
      }
    }
    const node = this.node();
    // Keys during non-interruptible prompts, effects and goodbyes are ignored (the verb decides by phase).
    if (node) verbOf(node).dtmf?.(this, node, k);
  }

  private onPlaybackFinished(playbackId: string): void {
    const ph = this.s.phase;
    if (!('playbackId' in ph) || ph.playbackId !== playbackId) return; // stale (stopped) playback
    const node = this.node();
    if (!node) return;
    const verb = verbOf(node);
    if (verb.playbackFinished) verb.playbackFinished(this, node);
    else if (ph.kind === 'goodbye') this.endCall('normal');
  }

  private onTimer(timerId: string): void {
    const s = this.s;
    const ph = s.phase;
    if (timerOf(ph) !== timerId) return; // stale
    const node = this.node();
    if (!node) return;
    if (ph.kind === 'effect') {
      this.log('timeout', `${ph.effect} no answer`);
      s.phase = { kind: 'idle' };
      this.routeEffect(ph.effect, { status: ph.effect === 'transfer' ? 'noAnswer' : 'error', reason: 'timeout' });
      return;
    }
    verbOf(node).timer?.(this, node);
  }

  private onRecordingFinished(name: string, durationSec: number, ok: boolean, kept: boolean): void {
    const ph = this.s.phase;
    if (ph.kind !== 'recording' || ph.name !== name) return;
    const node = this.node();
    if (node) verbOf(node).recordingFinished?.(this, node, { name, durationSec, ok, kept });
  }

  private onEffectResult(effectId: string, result: EffectResult): void {
    const ph = this.s.phase;
    if (ph.kind !== 'effect' || ph.effectId !== effectId) return; // stale (e.g. after its watchdog)
    if (ph.timerId) this.acts.push({ type: 'cancelTimer', timerId: ph.timerId });
    this.s.phase = { kind: 'idle' };
    this.routeEffect(ph.effect, result);
  }

  private routeEffect(kind: EffectKind, result: EffectResult): void {
    const node = this.node();
    if (node) verbOf(node).effectResult?.(this, node, kind, result);
  }

  /** The caller hung up: log where (the funnel), keep a message that was left. */
  private onHangup(): void {
    const s = this.s;
    const ph = s.phase;
    this.log('hangup', ph.kind);
    this.cancelTimer();
    const node = this.node();
    const kept = node ? verbOf(node).hangup?.(this, node) ?? false : false;
    if (!kept) {
      if (s.unsubmitted && !(ph.kind === 'effect' && ph.effect === 'submitFeedback')) this.submitOnHangup(s.unsubmitted);
      s.unsubmitted = null;
    }
    s.ended = true;
    s.endReason = 'caller';
    s.phase = { kind: 'ended' };
  }

  private submitOnHangup(p: PendingRecording): void {
    if (!(FEEDBACK_KINDS_FLOW as readonly string[]).includes(p.kind) || p.durationSec < p.minDurationSeconds) return;
    const effectId = this.id('fx');
    this.acts.push({ type: 'effect', effectId, kind: 'submitFeedback', params: this.feedbackParams(p.kind, p.name, p.durationSec, true) });
  }

  /** After the end only the RecordingFinished of a recording cut by the hang-up matters. */
  private afterEnd(ev: FlowEvent): void {
    const s = this.s;
    if (ev.type === 'recordingFinished' && s.awaitRecording && ev.name === s.awaitRecording.name) {
      const p = { ...s.awaitRecording, durationSec: Number(ev.durationSec) || 0 };
      s.awaitRecording = null;
      const usable = ev.ok && ev.kept !== false && p.durationSec >= p.minDurationSeconds;
      if (usable) this.submitOnHangup(p);
      else if (s.unsubmitted) this.submitOnHangup(s.unsubmitted); // the caller's earlier take
      s.unsubmitted = null;
    }
  }
}

/**
 * The IVR flow engine: a pure state machine, `(state, event) → {state, actions}`.
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
import { classifyCode } from '../../domain/query-code.js';
import { isOfficeOpen, mondayToFriday, type IsWorkingDay } from './office-hours.js';
import { fill, resolveMediaList } from './template.js';
import {
  FEEDBACK_KINDS_FLOW,
  type CallState, type EffectKind, type EffectResult, type Flow, type FlowAction, type FlowEvent, type FlowNode,
  type GatherNode, type LogKind, type MediaSpec, type MenuNode, type PendingRecording, type RecordNode, type StartEvent, type StepResult,
} from './types.js';

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

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
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

/** One step's worth of work on a (cloned) state. */
class Run {
  readonly acts: FlowAction[] = [];
  private hops = 0;
  private readonly flow: Flow | undefined;

  constructor(private readonly eng: FlowEngine, readonly s: CallState) {
    this.flow = eng.flows[s.flowId];
  }

  // ── helpers ──

  private id(kind: string): string {
    return `${safeId(this.s.callId)}-${kind}-${++this.s.seq}`;
  }

  private log(kind: LogKind, detail?: string): void {
    this.acts.push(detail === undefined ? { type: 'log', nodeId: this.s.nodeId, kind } : { type: 'log', nodeId: this.s.nodeId, kind, detail });
  }

  private node(): FlowNode | undefined {
    return this.flow?.nodes[this.s.nodeId];
  }

  private play(specs: readonly MediaSpec[]): string | null {
    const media = resolveMediaList(specs, this.s.vars);
    if (media.length === 0) return null;
    const playbackId = this.id('pb');
    this.acts.push({ type: 'play', playbackId, media });
    return playbackId;
  }

  private timer(ms: number): string {
    const timerId = this.id('t');
    this.acts.push({ type: 'startTimer', timerId, ms });
    return timerId;
  }

  private cancelTimer(): void {
    const t = timerOf(this.s.phase);
    if (t) this.acts.push({ type: 'cancelTimer', timerId: t });
  }

  private stopPlayback(playbackId: string): void {
    this.acts.push({ type: 'stopPlayback', playbackId });
  }

  private outcome(o: string): void {
    if (!this.s.outcomes.includes(o)) this.s.outcomes.push(o);
  }

  private endCall(reason: string): void {
    this.acts.push({ type: 'hangup', reason });
    this.s.ended = true;
    this.s.endReason = reason;
    this.s.phase = { kind: 'ended' };
  }

  private effect(kind: EffectKind, params: Record<string, unknown>, timeoutMs?: number): void {
    const effectId = this.id('fx');
    this.acts.push({ type: 'effect', effectId, kind, params });
    const timerId = timeoutMs ? this.timer(timeoutMs) : undefined;
    this.s.phase = timerId ? { kind: 'effect', effectId, effect: kind, timerId } : { kind: 'effect', effectId, effect: kind };
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

  private goto(target: string): void {
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
    // A barge-in play is skipped while the caller types ahead (keys pressed during the status read-back
    // reach the menu after it).
    const passThrough = ['menu', 'gather', 'goto', 'set', 'branch'].includes(node.verb) || (node.verb === 'play' && node.bargeIn);
    if (!passThrough) s.typeAhead = '';
    this.log('enter');
    this.enter(node);
  }

  private enter(node: FlowNode): void {
    const s = this.s;
    switch (node.verb) {
      case 'play': {
        if (node.bargeIn && s.typeAhead) { this.goto(node.next); return; }
        const pb = this.play(node.items);
        if (pb) s.phase = { kind: 'play', playbackId: pb };
        else this.goto(node.next);
        return;
      }
      case 'menu': this.menuPrompt(node, []); return;
      case 'gather': this.gatherPrompt(node, []); return;
      case 'lookup': {
        if (s.notFoundCount >= node.maxNotFound) {
          this.log('invalid', 'lookup limit reached');
          this.goto(node.limit);
          return;
        }
        const code = s.vars[node.input] ?? '';
        if (!code) { this.log('invalid', 'nothing to look up'); this.goto(node.notFound); return; }
        this.effect('lookup', { kind: node.kind, code, caller: s.caller }, node.timeoutMs);
        return;
      }
      case 'record': this.recordPrompt(node, []); return;
      case 'submitFeedback': {
        const kind = fill(node.kind, s.vars).trim();
        const recording = s.vars[node.recording] ?? '';
        if (!(FEEDBACK_KINDS_FLOW as readonly string[]).includes(kind) || !recording) {
          this.log('invalid', !recording ? 'no recording to submit' : `bad feedback kind "${kind}"`);
          this.goto(node.onFailure);
          return;
        }
        const dur = s.unsubmitted?.name === recording ? s.unsubmitted.durationSec : Number(s.vars.lastRecordingDuration ?? 0) || 0;
        this.effect('submitFeedback', this.feedbackParams(kind, recording, dur, false), node.timeoutMs);
        return;
      }
      case 'subscribe': {
        const code = s.vars[node.input] ?? '';
        if (!code) { this.log('invalid', 'nothing to subscribe'); this.goto(node.fail); return; }
        this.effect('subscribe', { code, caller: s.caller }, node.timeoutMs);
        return;
      }
      case 'transfer': {
        const params: Record<string, unknown> = { caller: s.caller };
        if (node.endpoint) params.endpoint = node.endpoint;
        if (node.ringTimeoutMs) params.ringTimeoutMs = node.ringTimeoutMs;
        this.effect('transfer', params);
        return;
      }
      case 'branch': {
        if (node.officeHours) {
          const open = isOfficeOpen(node.officeHours, new Date(s.now), this.eng.timeZone, this.eng.isWorkingDay);
          this.log('input', open ? 'open' : 'closed');
          this.goto(open ? node.open! : node.closed!);
        } else {
          const value = s.vars[node.var!] ?? '';
          const target = node.cases?.[value] ?? node.default!;
          this.log('input', `${node.var}=${value}`);
          this.goto(target);
        }
        return;
      }
      case 'set':
        for (const [k, v] of Object.entries(node.vars)) s.vars[k] = fill(v, s.vars);
        this.goto(node.next);
        return;
      case 'goto':
        this.goto(node.target);
        return;
      case 'hangup': {
        const pb = this.play(node.prompt);
        if (pb) s.phase = { kind: 'goodbye', playbackId: pb };
        else this.endCall(node.reason);
        return;
      }
    }
  }

  private feedbackParams(kind: string, recording: string, durationSec: number, onHangup: boolean): Record<string, unknown> {
    const s = this.s;
    return {
      feedbackKind: kind, recording, durationSec, callId: s.callId, caller: s.caller, called: s.called,
      flowId: s.flowId, path: [...s.path], onHangup,
    };
  }

  // ── menu ──

  private menuPrompt(node: MenuNode, prefix: readonly MediaSpec[]): void {
    if (this.s.typeAhead) {
      const k = this.s.typeAhead[0];
      this.s.typeAhead = '';
      this.menuKey(node, k);
      return;
    }
    const pb = this.play([...prefix, ...node.prompt]);
    if (pb) this.s.phase = { kind: 'prompt', playbackId: pb };
    else this.menuWait(node);
  }

  private menuWait(node: MenuNode): void {
    this.s.phase = { kind: 'wait', timerId: this.timer(node.timeoutMs) };
  }

  private menuKey(node: MenuNode, k: string): void {
    const target = Object.prototype.hasOwnProperty.call(node.options, k) ? node.options[k] : undefined;
    if (target !== undefined) {
      this.log('input', k);
      this.goto(target);
    } else if (node.repeat !== undefined && k === node.repeat) {
      this.log('input', `${k} repeat`);
      this.menuPrompt(node, []);
    } else {
      this.log('invalid', `key ${JSON.stringify(k).slice(0, 12)}`);
      this.menuFail(node, 'invalid');
    }
  }

  private menuFail(node: MenuNode, why: 'invalid' | 'noInput'): void {
    this.s.tries++;
    if (this.s.tries > node.maxRetries) this.goto(node.onFailure);
    else this.menuPrompt(node, why === 'invalid' ? node.invalid : node.noInput);
  }

  // ── gather ──

  private gatherPrompt(node: GatherNode, prefix: readonly MediaSpec[]): void {
    const s = this.s;
    s.digits = '';
    if (s.typeAhead) {
      const keys = s.typeAhead;
      s.typeAhead = '';
      for (const k of keys) if (this.gatherKey(node, k) === 'done') return;
      this.gatherAwait(node);
      return;
    }
    const pb = this.play([...prefix, ...node.prompt]);
    if (pb) s.phase = { kind: 'prompt', playbackId: pb };
    else this.gatherAwait(node);
  }

  /** Wait for the first digit, or for the next one once typing started (no overall limit). */
  private gatherAwait(node: GatherNode): void {
    if (this.s.digits === '') this.s.phase = { kind: 'wait', timerId: this.timer(node.firstDigitTimeoutMs) };
    else this.s.phase = { kind: 'typing', timerId: this.timer(node.interDigitTimeoutMs) };
  }

  /** A terminator with nothing typed: an empty entry, ignored and never counted. */
  private emptyEntry(node: GatherNode, k: string): boolean {
    return !!node.terminator && k === node.terminator && this.s.digits === '';
  }

  /** One key into a gather; 'done' when it moved on (finished, failed), 'more' to keep collecting. */
  private gatherKey(node: GatherNode, k: string): 'done' | 'more' {
    const s = this.s;
    if (this.emptyEntry(node, k)) {
      this.log('input', 'empty entry ignored');
      return 'more';
    }
    if (node.terminator && k === node.terminator) {
      this.gatherFinish(node, 'terminator');
      return 'done';
    }
    if (node.clearKey && k === node.clearKey) {
      s.digits = '';
      this.log('input', 'clear');
      return 'more';
    }
    if (/^[0-9]$/.test(k)) {
      s.digits += k;
      if (s.digits.length >= node.maxDigits) {
        this.gatherFinish(node, 'maxDigits');
        return 'done';
      }
      return 'more';
    }
    this.log('invalid', `key ${JSON.stringify(k).slice(0, 12)}`);
    this.gatherFail(node, 'invalid');
    return 'done';
  }

  private gatherFinish(node: GatherNode, how: 'terminator' | 'maxDigits' | 'interDigit'): void {
    const s = this.s;
    const d = s.digits;
    // A terminator right after a complete fixed-length entry belongs to it, accepted or refused.
    if (how === 'maxDigits' && node.terminator) {
      s.swallowKey = node.terminator;
      s.swallowUntil = s.now + node.interDigitTimeoutMs;
    }
    if (d.length === 0 || d.length < node.minDigits) {
      this.log('invalid', d.length === 0 ? 'empty' : `too short (${d.length})`);
      this.gatherFail(node, 'invalid');
      return;
    }
    if (node.validate.kind === 'query-code') {
      const c = classifyCode(d);
      if (c.kind === 'bad-check-digit') {
        this.log('invalid', 'check digit');
        this.gatherFail(node, 'badCheckDigit');
        return;
      }
      if (c.kind !== 'platform') {
        this.log('invalid', `not a query code (${d.length} digits)`);
        this.gatherFail(node, 'invalid');
        return;
      }
    } else if (node.validate.kind === 'pattern' && !new RegExp(node.validate.pattern).test(d)) {
      this.log('invalid', 'pattern');
      this.gatherFail(node, 'invalid');
      return;
    }
    s.vars[node.into] = d;
    this.log('input', d);
    this.goto(node.next);
  }

  private gatherFail(node: GatherNode, why: 'invalid' | 'noInput' | 'badCheckDigit'): void {
    const s = this.s;
    s.tries++;
    s.digits = '';
    if (s.tries >= node.attempts) {
      this.goto(node.onFailure);
      return;
    }
    this.gatherPrompt(node, why === 'invalid' ? node.invalid : why === 'noInput' ? node.noInput : node.badCheckDigit);
  }

  // ── record ──

  private recordPrompt(node: RecordNode, prefix: readonly MediaSpec[]): void {
    const pb = this.play([...prefix, ...node.prompt]);
    if (pb) this.s.phase = { kind: 'recordPrompt', playbackId: pb };
    else this.recordStart(node);
  }

  private recordStart(node: RecordNode): void {
    const name = `${node.name}-${safeId(this.s.callId)}-${++this.s.seq}`;
    this.acts.push({
      type: 'record', name, maxDurationSeconds: node.maxDurationSeconds, maxSilenceSeconds: node.maxSilenceSeconds,
      beep: node.beep, terminateOn: node.terminator || 'none',
    });
    const timerId = this.timer(node.maxDurationSeconds * 1000 + this.eng.recordMarginMs);
    this.s.phase = { kind: 'recording', name, timerId, stopping: false };
  }

  private pending(node: RecordNode, name: string, durationSec: number): PendingRecording | null {
    if (!node.feedbackKind) return null;
    return { name, durationSec, kind: fill(node.feedbackKind, this.s.vars).trim(), minDurationSeconds: node.minDurationSeconds };
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
    if (!node) return;
    const ph = s.phase;
    if (node.verb === 'gather' && (ph.kind === 'prompt' || ph.kind === 'wait') && this.emptyEntry(node, k)) {
      this.log('input', 'empty entry ignored');
      return; // the prompt goes on, the first-digit timer keeps running
    }
    switch (ph.kind) {
      case 'play':
        if (node.verb === 'play' && node.bargeIn) {
          this.stopPlayback(ph.playbackId);
          s.typeAhead += k;
          this.log('input', `${k} barge-in`);
          this.goto(node.next);
        }
        return;
      case 'prompt':
      case 'wait':
      case 'typing':
        if (ph.kind === 'prompt') this.stopPlayback(ph.playbackId);
        else this.cancelTimer();
        if (node.verb === 'menu') this.menuKey(node, k);
        else if (node.verb === 'gather' && this.gatherKey(node, k) === 'more') this.gatherAwait(node);
        return;
      case 'recording':
        // Asterisk stops on terminateOn itself; the stop is a fallback (a 404 on it is harmless).
        if (node.verb === 'record' && node.terminator && k === node.terminator && !ph.stopping) {
          this.acts.push({ type: 'stopRecording', name: ph.name });
        }
        return;
      default:
        return; // keys during non-interruptible prompts, effects and goodbyes are ignored
    }
  }

  private onPlaybackFinished(playbackId: string): void {
    const s = this.s;
    const ph = s.phase;
    if (!('playbackId' in ph) || ph.playbackId !== playbackId) return; // stale (stopped) playback
    const node = this.node();
    if (!node) return;
    switch (ph.kind) {
      case 'play': if (node.verb === 'play') this.goto(node.next); return;
      case 'prompt':
        if (node.verb === 'menu') this.menuWait(node);
        else if (node.verb === 'gather') this.gatherAwait(node);
        return;
      case 'recordPrompt': if (node.verb === 'record') this.recordStart(node); return;
      case 'goodbye': this.endCall(node.verb === 'hangup' ? node.reason : 'normal'); return;
    }
  }

  private onTimer(timerId: string): void {
    const s = this.s;
    const ph = s.phase;
    if (timerOf(ph) !== timerId) return; // stale
    const node = this.node();
    if (!node) return;
    if (ph.kind === 'wait') {
      this.log('timeout', node.verb === 'gather' ? 'first digit' : 'no key');
      if (node.verb === 'menu') this.menuFail(node, 'noInput');
      else if (node.verb === 'gather') this.gatherFail(node, 'noInput');
    } else if (ph.kind === 'typing') {
      if (node.verb === 'gather') this.gatherFinish(node, 'interDigit');
    } else if (ph.kind === 'recording') {
      if (!ph.stopping) {
        // Asterisk did not end the recording in time: stop it, and give it a moment to report.
        this.log('timeout', 'recording watchdog');
        this.acts.push({ type: 'stopRecording', name: ph.name });
        s.phase = { kind: 'recording', name: ph.name, timerId: this.timer(5000), stopping: true };
      } else if (node.verb === 'record') {
        this.log('invalid', 'recording lost');
        this.goto(node.onFailure);
      }
    } else if (ph.kind === 'effect') {
      this.log('timeout', `${ph.effect} no answer`);
      s.phase = { kind: 'idle' };
      this.routeEffect(ph.effect, { status: ph.effect === 'transfer' ? 'noAnswer' : 'error', reason: 'timeout' });
    }
  }

  private onRecordingFinished(name: string, durationSec: number, ok: boolean, kept: boolean): void {
    const s = this.s;
    const ph = s.phase;
    if (ph.kind !== 'recording' || ph.name !== name) return;
    const node = this.node();
    if (!node || node.verb !== 'record') return;
    this.acts.push({ type: 'cancelTimer', timerId: ph.timerId });
    s.phase = { kind: 'idle' };
    if (!ok) {
      this.log('invalid', 'recording failed');
      this.goto(node.onFailure);
      return;
    }
    if (!kept || durationSec < node.minDurationSeconds) {
      this.log('invalid', `too short (${durationSec}s)`);
      s.tries++;
      if (s.tries >= node.attempts) this.goto(node.noRecording);
      else this.recordPrompt(node, node.tooShort);
      return;
    }
    s.vars.lastRecording = name;
    s.vars.lastRecordingDuration = String(Math.round(durationSec));
    s.unsubmitted = this.pending(node, name, durationSec);
    this.log('input', `recorded ${durationSec}s`);
    this.goto(node.next);
  }

  private onEffectResult(effectId: string, result: EffectResult): void {
    const ph = this.s.phase;
    if (ph.kind !== 'effect' || ph.effectId !== effectId) return; // stale (e.g. after its watchdog)
    if (ph.timerId) this.acts.push({ type: 'cancelTimer', timerId: ph.timerId });
    this.s.phase = { kind: 'idle' };
    this.routeEffect(ph.effect, result);
  }

  private routeEffect(kind: EffectKind, result: EffectResult): void {
    const s = this.s;
    const node = this.node();
    if (!node) return;
    const status = String(result.status ?? 'error');
    if (kind === 'lookup' && node.verb === 'lookup') {
      if (status === 'found') {
        for (const [k, v] of Object.entries(result.vars ?? {})) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) s.vars[k] = stringify(v);
        this.outcome('status_read');
        this.log('input', 'found');
        this.goto(node.found);
      } else if (status === 'notFound') {
        s.notFoundCount++;
        this.log('invalid', `not found (${s.notFoundCount}/${node.maxNotFound})`);
        this.goto(s.notFoundCount >= node.maxNotFound ? node.limit : node.notFound);
      } else if (status === 'limited') {
        this.log('invalid', 'lookup limited');
        this.goto(node.limit);
      } else {
        this.log('invalid', `lookup ${status}`);
        this.goto(node.error ?? node.notFound);
      }
    } else if (kind === 'submitFeedback' && node.verb === 'submitFeedback') {
      if (status === 'ok' && result.ref) {
        s.vars[node.into] = String(result.ref);
        s.unsubmitted = null;
        this.outcome('feedback_submitted');
        this.log('input', `submitted ${result.ref}`);
        this.goto(node.next);
      } else {
        this.log('invalid', `submit ${status}`);
        this.goto(node.onFailure);
      }
    } else if (kind === 'subscribe' && node.verb === 'subscribe') {
      this.log(status === 'ok' ? 'input' : 'invalid', `subscribe ${status}`);
      if (status === 'ok') this.outcome('subscribed');
      this.goto(status === 'ok' ? node.ok : node.fail);
    } else if (kind === 'transfer' && node.verb === 'transfer') {
      this.log('input', `transfer ${status}`);
      if (status === 'answered') this.outcome('transferred');
      this.goto(status === 'answered' ? node.answered : node.noAnswer);
    }
  }

  /** The caller hung up: log where (the funnel), keep a message that was left. */
  private onHangup(): void {
    const s = this.s;
    const ph = s.phase;
    this.log('hangup', ph.kind);
    this.cancelTimer();
    const node = this.node();
    if (ph.kind === 'recording' && node?.verb === 'record' && node.feedbackKind) {
      // Asterisk reports RecordingFinished after the hang-up; the file is kept. Submit it then
      // (or, if it turns out too short, the earlier message kept in `unsubmitted`).
      s.awaitRecording = this.pending(node, ph.name, 0);
    } else {
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

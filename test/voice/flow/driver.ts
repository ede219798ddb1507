/**
 * A small driver for the pure flow engine: feed events, collect actions, and keep track of what is
 * live (the current playback, timer, effect, recording) so tests can say "the playback finished"
 * or "the timer fired" without spelling ids. Reusable by the ARI adapter tests.
 *
 *   const d = new FlowDriver(engineFromYaml(yaml));
 *   d.run('start');           // → ['play welcome']
 *   d.run('done');            // playback finished → ['play main_menu']
 *   d.run('press 1');         // DTMF 1 (barge-in) → ['stop', ...]
 *   d.run('tick');            // the live timer fires (clock advances by its ms)
 *   d.run('effect {"status":"found","vars":{"item":"…"}}');
 *   d.run('recorded 12');     // RecordingFinished ok, 12 s, kept
 *   d.run('hangup');
 */
import { FlowEngine, type EngineOptions } from '../../../src/voice/flow/engine.js';
import { parseFlow, type FlowCheckOptions } from '../../../src/voice/flow/loader.js';
import type { CallState, EffectResult, Flow, FlowAction, FlowEvent, MediaItem, StartEvent } from '../../../src/voice/flow/types.js';

/** Parse flows from YAML texts (file name → text) and build an engine; throws on flow errors. */
export function engineFromYaml(
  files: string | Record<string, string>,
  opts: Omit<EngineOptions, 'flows'> & FlowCheckOptions = {},
): FlowEngine {
  const texts = typeof files === 'string' ? { 'main.yaml': files } : files;
  const flows: Record<string, Flow> = {};
  for (const [file, text] of Object.entries(texts)) {
    const { flow, issues } = parseFlow(text, file, opts);
    const errors = issues.filter((i) => i.severity === 'error');
    if (!flow || errors.length) throw new Error(`bad test flow ${file}: ${errors.map((e) => `${e.nodeId ?? ''} ${e.message}`).join('; ')}`);
    flows[flow.id] = flow;
  }
  return new FlowEngine({ ...opts, flows });
}

function media(m: MediaItem): string {
  if ('prompt' in m) return m.prompt;
  if ('tts' in m) return `tts:${m.tts}`;
  if ('digits' in m) return `digits:${m.digits}`;
  if ('number' in m) return `number:${m.number}`;
  if ('date' in m) return `date:${m.date}`;
  return `rec:${m.recording}`;
}

/** A compact, id-free description of an action, for readable exact expectations. */
export function describeAction(a: FlowAction): string {
  switch (a.type) {
    case 'play': return `play ${a.media.map(media).join(' ')}`;
    case 'stopPlayback': return 'stop';
    case 'startTimer': return `timer ${a.ms}`;
    case 'cancelTimer': return 'cancel';
    case 'record': return `record ${a.name} ${a.maxDurationSeconds}s silence=${a.maxSilenceSeconds}${a.beep ? ' beep' : ''} ${a.terminateOn}`;
    case 'stopRecording': return `stopRecording ${a.name}`;
    case 'hangup': return `hangup ${a.reason}`;
    case 'log': return `log ${a.kind} ${a.nodeId}${a.detail !== undefined ? ' ' + a.detail : ''}`;
    case 'effect': {
      const p = a.params;
      switch (a.kind) {
        case 'lookup': return `effect lookup ${String(p.code)}`;
        case 'subscribe': return `effect subscribe ${String(p.code)}`;
        case 'transfer': return `effect transfer${p.endpoint ? ' ' + String(p.endpoint) : ''}`;
        case 'queue': return `effect queue ${String(p.priority)}`;
        case 'submitFeedback':
          return `effect submitFeedback ${String(p.feedbackKind)} ${String(p.recording)} ${String(p.durationSec)}s${p.onHangup ? ' onHangup' : ''}`;
      }
    }
  }
}

export interface DriverOptions {
  callId?: string;
  caller?: string;
  called?: string;
  /** Start time, epoch ms (default 2026-11-26T10:00:00+08:00, a Thursday morning). */
  now?: number;
  /** Start variables. */
  vars?: Record<string, string>;
  /** Include log actions in run()'s compact output (default false). */
  logs?: boolean;
}

export class FlowDriver {
  state: CallState | null = null;
  /** Every action so far, in order. */
  readonly actions: FlowAction[] = [];
  clock: number;
  livePlayback: string | null = null;
  readonly liveTimers = new Map<string, number>();
  pendingEffect: Extract<FlowAction, { type: 'effect' }> | null = null;
  liveRecording: string | null = null;
  hungUp = false;

  constructor(readonly engine: FlowEngine, readonly opts: DriverOptions = {}) {
    this.clock = opts.now ?? Date.parse('2026-11-26T10:00:00+08:00');
  }

  /** Send one raw event; returns its actions (and tracks live ids). */
  send(ev: FlowEvent): FlowAction[] {
    const r = this.engine.step(this.state, ev);
    this.state = r.state;
    for (const a of r.actions) this.track(a);
    this.actions.push(...r.actions);
    return r.actions;
  }

  private track(a: FlowAction): void {
    switch (a.type) {
      case 'play': this.livePlayback = a.playbackId; break;
      case 'stopPlayback': if (this.livePlayback === a.playbackId) this.livePlayback = null; break;
      case 'startTimer': this.liveTimers.set(a.timerId, a.ms); break;
      case 'cancelTimer': this.liveTimers.delete(a.timerId); break;
      case 'effect': this.pendingEffect = a; break;
      case 'record': this.liveRecording = a.name; break;
      case 'hangup': this.hungUp = true; break;
      default: break;
    }
  }

  start(over: Partial<StartEvent> = {}): FlowAction[] {
    return this.send({
      type: 'start', callId: this.opts.callId ?? 'c1', caller: this.opts.caller ?? '13800138000',
      called: this.opts.called ?? '96365', now: this.clock, vars: this.opts.vars, ...over,
    });
  }

  press(keys: string): FlowAction[] {
    const out: FlowAction[] = [];
    for (const digit of keys) out.push(...this.send({ type: 'dtmf', digit, now: this.clock }));
    return out;
  }

  /** The live playback finished (ok) or failed. */
  playbackDone(ok = true): FlowAction[] {
    const id = this.livePlayback;
    if (!id) throw new Error('driver: no live playback');
    this.livePlayback = null;
    return this.send({ type: 'playbackFinished', playbackId: id, ok });
  }

  /** The most recently started live timer fires; the clock advances by its duration. */
  fireTimer(): FlowAction[] {
    const ids = [...this.liveTimers.keys()];
    const id = ids[ids.length - 1];
    if (!id) throw new Error('driver: no live timer');
    this.clock += this.liveTimers.get(id)!;
    this.liveTimers.delete(id);
    return this.send({ type: 'timer', timerId: id, now: this.clock });
  }

  effectResult(result: EffectResult): FlowAction[] {
    const e = this.pendingEffect;
    if (!e) throw new Error('driver: no pending effect');
    this.pendingEffect = null;
    return this.send({ type: 'effectResult', effectId: e.effectId, result, now: this.clock });
  }

  recordingFinished(durationSec: number, ok = true, kept = true): FlowAction[] {
    const name = this.liveRecording;
    if (!name) throw new Error('driver: no live recording');
    this.liveRecording = null;
    return this.send({ type: 'recordingFinished', name, durationSec, ok, kept, now: this.clock });
  }

  hangup(): FlowAction[] {
    return this.send({ type: 'hangup', now: this.clock });
  }

  /**
   * Run one compact step and describe its actions:
   * start | done | failed | tick | press <keys> | wait <ms> | effect <json> | recorded <sec> | recfail | hangup
   */
  run(step: string): string[] {
    const [verb, ...rest] = step.trim().split(' ');
    const arg = rest.join(' ');
    let acts: FlowAction[];
    switch (verb) {
      case 'start': acts = this.start(); break;
      case 'done': acts = this.playbackDone(true); break;
      case 'failed': acts = this.playbackDone(false); break;
      case 'tick': acts = this.fireTimer(); break;
      case 'press': acts = this.press(arg); break;
      case 'wait': this.clock += Number(arg); acts = []; break;
      case 'effect': acts = this.effectResult(JSON.parse(arg) as EffectResult); break;
      case 'recorded': acts = this.recordingFinished(Number(arg)); break;
      case 'recfail': acts = this.recordingFinished(0, false, false); break;
      case 'hangup': acts = this.hangup(); break;
      default: throw new Error(`driver: unknown step "${step}"`);
    }
    return acts.filter((a) => this.opts.logs || a.type !== 'log').map(describeAction);
  }

  /** Run steps; returns the compact actions of each. */
  script(steps: string[]): string[][] {
    return steps.map((s) => this.run(s));
  }
}

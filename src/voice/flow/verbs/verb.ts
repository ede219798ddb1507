/**
 * The shape of one IVR flow verb, defined in its own file beside its siblings (verbs/<verb>.ts)
 * and listed in the registry (verbs/index.ts). A verb owns its parsing, its edges, the template
 * variables it uses, what it does when entered and the events it handles while it is the current
 * node. The engine (../engine.ts) keeps what all verbs share — ids, timers, media, goto, the end of
 * the call, stale-event checks, effect watchdogs, the swallowed terminator — and gives it to the
 * verbs through the narrow `FlowOps`.
 */
import type { CallState, EffectKind, EffectResult, FlowAction, FlowNode, LogKind, MediaSpec, PendingRecording, Verb } from '../types.js';
import type { IsWorkingDay } from '../office-hours.js';
import { specTemplate, templateVars } from '../template.js';
import type { FieldReader } from '../field-reader.js';

export type NodeOf<V extends Verb> = Extract<FlowNode, { verb: V }>;

export interface VerbDef<V extends Verb = Verb> {
  name: V;
  /** Reads the node's fields (r), reporting problems through err; unknown fields are reported by the caller. */
  parse(r: FieldReader, err: (message: string) => void): NodeOf<V>;
  /** The verb waits for the caller (a loop in the flow graph must contain one of these). */
  waitsForInput: boolean;
  /** Edges: [field, target]; undefined targets are dropped by the caller. */
  targets(node: NodeOf<V>): Array<[string, string | undefined]>;
  /** Template variables used, with the field they are used in. */
  varsUsed(node: NodeOf<V>): Array<[string, string]>;

  /** Entered (after the engine logged 'enter'). */
  enter(ops: FlowOps, node: NodeOf<V>): void;
  /** Keys typed ahead survive this node on the way to the next menu/gather (default: no). */
  passThrough?(node: NodeOf<V>): boolean;
  /** A key while this node is current (a swallowed terminator never gets here). */
  dtmf?(ops: FlowOps, node: NodeOf<V>, key: string): void;
  /** The current playback (the phase's) finished. */
  playbackFinished?(ops: FlowOps, node: NodeOf<V>): void;
  /** The phase's timer fired (wait, typing, recording phases; effect watchdogs are the engine's). */
  timer?(ops: FlowOps, node: NodeOf<V>): void;
  /** The recording of the phase finished. */
  recordingFinished?(ops: FlowOps, node: NodeOf<V>, ev: { name: string; durationSec: number; ok: boolean; kept: boolean }): void;
  /** The answer to this node's effect (or the watchdog's stand-in). */
  effectResult?(ops: FlowOps, node: NodeOf<V>, kind: EffectKind, result: EffectResult): void;
  /** The caller hung up while this node is current: true when the verb kept what was left (a recording). */
  hangup?(ops: FlowOps, node: NodeOf<V>): boolean;
}

/** What the engine gives a verb at run time (one event's worth of work on a cloned state). */
export interface FlowOps {
  readonly s: CallState;
  readonly timeZone: string;
  readonly isWorkingDay: IsWorkingDay;
  /** Recording watchdog margin beyond maxDurationSeconds. */
  readonly recordMarginMs: number;
  push(action: FlowAction): void;
  log(kind: LogKind, detail?: string): void;
  /** Play media (templates filled); null when nothing to play. */
  play(specs: readonly MediaSpec[]): string | null;
  timer(ms: number): string;
  /** Cancel the phase's timer, if any. */
  cancelTimer(): void;
  stopPlayback(playbackId: string): void;
  /** A new id `<callId>-<kind>-<seq>`. */
  id(kind: string): string;
  /** The call id made safe for names. */
  safeCallId(): string;
  outcome(o: string): void;
  endCall(reason: string): void;
  /** Start an effect; the phase becomes 'effect' (with a watchdog when timeoutMs). */
  effect(kind: EffectKind, params: Record<string, unknown>, timeoutMs?: number): void;
  goto(target: string): void;
  feedbackParams(kind: string, recording: string, durationSec: number, onHangup: boolean): Record<string, unknown>;
  /** A recording to submit if the caller hangs up (null when the node has no feedbackKind). */
  pending(feedbackKind: string | undefined, name: string, durationSec: number, minDurationSeconds: number): PendingRecording | null;
}

/** [field, variable] pairs for the templates in a media list. */
export function mediaVars(field: string, specs: MediaSpec[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const s of specs) {
    const t = specTemplate(s);
    if (t) for (const v of templateVars(t)) out.push([field, v]);
  }
  return out;
}

/** [field, variable] pairs for one template text. */
export function textVars(field: string, text: string | undefined): Array<[string, string]> {
  return text ? templateVars(text).map((v): [string, string] => [field, v]) : [];
}

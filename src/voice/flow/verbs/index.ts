/**
 * Registry of the flow verbs: one file per verb (verbs/<verb>.ts), one line here per verb.
 * The loader dispatches parsing, targetsOf and varsUsed through it, the engine entering a node and
 * the events of the current node. A new verb = its file + its node type in ../types.ts + one line here.
 */
import type { EffectKind, EffectResult, FlowNode, Verb } from '../types.js';
import type { FlowOps, VerbDef } from './verb.js';
import type { FieldReader } from '../field-reader.js';
import { play } from './play.js';
import { menu } from './menu.js';
import { gather } from './gather.js';
import { lookup } from './lookup.js';
import { record } from './record.js';
import { submitFeedback } from './submitFeedback.js';
import { subscribe } from './subscribe.js';
import { transfer } from './transfer.js';
import { queue } from './queue.js';
import { branch } from './branch.js';
import { set } from './set.js';
import { goto } from './goto.js';
import { hangup } from './hangup.js';

export type { VerbDef, NodeOf, FlowOps } from './verb.js';

export const VERB_DEFS: { readonly [V in Verb]: VerbDef<V> } = {
  play, menu, gather, lookup, record, submitFeedback, subscribe, transfer, queue, branch, set, goto, hangup,
};

/** A verb definition seen through an arbitrary node (the registry guarantees node.verb matches). */
export interface AnyVerbDef {
  name: Verb;
  waitsForInput: boolean;
  parse(r: FieldReader, err: (message: string) => void): FlowNode;
  targets(node: FlowNode): Array<[string, string | undefined]>;
  varsUsed(node: FlowNode): Array<[string, string]>;
  enter(ops: FlowOps, node: FlowNode): void;
  passThrough?(node: FlowNode): boolean;
  dtmf?(ops: FlowOps, node: FlowNode, key: string): void;
  playbackFinished?(ops: FlowOps, node: FlowNode): void;
  timer?(ops: FlowOps, node: FlowNode): void;
  recordingFinished?(ops: FlowOps, node: FlowNode, ev: { name: string; durationSec: number; ok: boolean; kept: boolean }): void;
  effectResult?(ops: FlowOps, node: FlowNode, kind: EffectKind, result: EffectResult): void;
  hangup?(ops: FlowOps, node: FlowNode): boolean;
}

/** The definition of a verb by name. */
export function verbNamed(verb: Verb): AnyVerbDef {
  return VERB_DEFS[verb] as unknown as AnyVerbDef;
}

/** The definition of a node's verb. */
export function verbOf(node: FlowNode): AnyVerbDef {
  return verbNamed(node.verb);
}

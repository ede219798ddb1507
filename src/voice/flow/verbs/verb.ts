/**
 * The shape of one IVR flow verb, defined in its own file beside its siblings (verbs/<verb>.ts)
 * and listed in the registry (verbs/index.ts). A verb owns its parsing, its edges and the
 * template variables it uses; its runtime handlers still live in engine.ts.
 */
import type { FlowNode, MediaSpec, Verb } from '../types.js';
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

/**
 * Flow files (ivr-flows/*.yaml) and the prompt catalogue (ivr-flows/prompts.<locale>.yaml):
 * parsing, normalisation and checking of their texts (pure: the files are read by ../flow-files.ts).
 *
 * Every problem is reported as an issue naming the file, the node id and (when known) the line,
 * e.g. `main.yaml:42 node "query_enter": next: unknown target "query_lookp"`.
 */
import { basename } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { INPUT_VERBS, VERBS, type EffectKind, type Flow, type FlowNode, type Verb } from './types.js';
import { verbNamed, verbOf } from './verbs/index.js';
import { FieldReader, isObj, NODE_ID } from './field-reader.js';

export interface FlowIssue {
  file: string;
  nodeId?: string;
  line?: number;
  severity: 'error' | 'warning';
  message: string;
}

export function formatIssue(i: FlowIssue): string {
  const where = i.line ? `${i.file}:${i.line}` : i.file;
  const node = i.nodeId ? ` node "${i.nodeId}"` : '';
  return `${i.severity === 'error' ? '错误 error' : '警告 warning'}: ${where}${node}: ${i.message}`;
}

export type PromptNames = Readonly<Record<string, string>> | ReadonlySet<string> | readonly string[];

export interface FlowCheckOptions {
  /** The prompt catalogue (name → text) or just its names; when absent prompt names are not checked. */
  prompts?: PromptNames;
  /** Effect kinds the running server supports (default: all). */
  knownEffects?: readonly EffectKind[];
}

/** Variables every call has. */
export const BUILTIN_VARS = ['callId', 'caller', 'called', 'lastRecording', 'lastRecordingDuration'];
const VERB_EFFECT: Partial<Record<Verb, EffectKind>> = {
  lookup: 'lookup', submitFeedback: 'submitFeedback', subscribe: 'subscribe', transfer: 'transfer', queue: 'queue',
};

function promptSet(p: PromptNames | undefined): ReadonlySet<string> | null {
  if (!p) return null;
  if (p instanceof Set) return p;
  if (Array.isArray(p)) return new Set(p);
  return new Set(Object.keys(p as Record<string, string>));
}


/** Edges of a node: [field, target] pairs. */
export function targetsOf(node: FlowNode): Array<[string, string]> {
  const t = verbOf(node).targets(node);
  return t.filter((e): e is [string, string] => typeof e[1] === 'string');
}

/** Normalise and check one node; returns null when the verb itself is unusable. */
function parseNode(raw: unknown, err: (m: string) => void, prompts: ReadonlySet<string> | null): FlowNode | null {
  if (!isObj(raw)) { err('a node must be a map with a "verb"'); return null; }
  const verb = raw.verb;
  if (typeof verb !== 'string' || !(VERBS as readonly string[]).includes(verb)) {
    err(`verb: ${verb === undefined ? 'required' : `unknown verb "${String(verb)}"`} (one of ${VERBS.join(', ')})`);
    return null;
  }
  const r = new FieldReader(raw, err, prompts);
  const node = verbNamed(verb as Verb).parse(r, err);
  r.finish();
  return node;
}

/** Template variables used by a node, with the field they are used in. */
function varsUsed(node: FlowNode): Array<[string, string]> {
  return verbOf(node).varsUsed(node);
}

/** Strongly connected components (Tarjan) of a graph given as adjacency lists. */
function sccs(nodes: string[], adj: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      out.push(comp);
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}

/** Graph checks on a parsed flow: targets, reachability, loops with no input, effects, variables. */
export function checkFlowGraph(flow: Flow, opts: FlowCheckOptions, lineOf: (nodeId: string) => number | undefined = () => undefined): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const add = (severity: FlowIssue['severity'], nodeId: string | undefined, message: string) =>
    issues.push({ file: flow.file, nodeId, line: nodeId ? lineOf(nodeId) : undefined, severity, message });
  const ids = Object.keys(flow.nodes);
  if (!flow.nodes[flow.start]) add('error', undefined, `start: unknown node "${flow.start}"`);

  const adj = new Map<string, string[]>();
  for (const id of ids) {
    const node = flow.nodes[id];
    const targets: string[] = [];
    for (const [field, to] of targetsOf(node)) {
      if (!flow.nodes[to]) add('error', id, `${field}: unknown target "${to}"`);
      else targets.push(to);
    }
    adj.set(id, targets);
    const eff = VERB_EFFECT[node.verb];
    if (eff && opts.knownEffects && !opts.knownEffects.includes(eff)) add('error', id, `effect "${eff}" is not supported by this server`);
  }

  // Reachability from start.
  const seen = new Set<string>();
  if (flow.nodes[flow.start]) {
    const todo = [flow.start];
    while (todo.length) {
      const n = todo.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const t of adj.get(n) ?? []) todo.push(t);
    }
    for (const id of ids) if (!seen.has(id)) add('error', id, `unreachable from start "${flow.start}"`);
  }

  // Loops made only of nodes that never wait for the caller (play → goto → play …) spin forever.
  const nonInput = ids.filter((id) => !INPUT_VERBS.has(flow.nodes[id].verb));
  const sub = new Map<string, string[]>();
  const nonInputSet = new Set(nonInput);
  for (const id of nonInput) sub.set(id, (adj.get(id) ?? []).filter((t) => nonInputSet.has(t)));
  for (const comp of sccs(nonInput, sub)) {
    const selfLoop = comp.length === 1 && (sub.get(comp[0]) ?? []).includes(comp[0]);
    if (comp.length > 1 || selfLoop) {
      const order = ids.filter((id) => comp.includes(id));
      add('error', order[0], `loop with no input node (menu, gather or record): ${[...order, order[0]].join(' → ')}`);
    }
  }

  // Variables: every {var} should be set somewhere (builtins, gather.into, lookup.results, set.vars, submitFeedback.into).
  const defined = new Set(BUILTIN_VARS);
  for (const n of Object.values(flow.nodes)) {
    if (n.verb === 'gather') defined.add(n.into);
    if (n.verb === 'lookup') n.results.forEach((v) => defined.add(v));
    if (n.verb === 'set') Object.keys(n.vars).forEach((v) => defined.add(v));
    if (n.verb === 'submitFeedback') defined.add(n.into);
  }
  for (const id of ids) {
    for (const [field, v] of varsUsed(flow.nodes[id])) {
      if (!defined.has(v)) add('warning', id, `${field}: variable "${v}" is never set in this flow (start vars only)`);
    }
  }
  return issues;
}

/** Parse and check one flow file's text. */
export function parseFlow(text: string, file: string, opts: FlowCheckOptions = {}): { flow: Flow | null; issues: FlowIssue[] } {
  const issues: FlowIssue[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    // The first YAML error only: the following ones are usually its echoes.
    const e = doc.errors[0];
    issues.push({ file, line: e.linePos?.[0]?.line, severity: 'error', message: `YAML: ${e.message.split('\n')[0]}` });
    return { flow: null, issues };
  }
  // Line of a node's id (its key in the `nodes` map), for messages.
  const nodesMap = doc.get('nodes', true);
  const lineOf = (nodeId: string): number | undefined => {
    if (!isMap(nodesMap)) return undefined;
    const pair = nodesMap.items.find((p) => isScalar(p.key) && String(p.key.value) === nodeId);
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
    return range ? lc.linePos(range[0]).line : undefined;
  };
  const raw: unknown = doc.toJS();
  const fileId = basename(file).replace(/\.ya?ml$/i, '');
  if (!isObj(raw)) {
    issues.push({ file, severity: 'error', message: 'a flow file is a map with start and nodes' });
    return { flow: null, issues };
  }
  for (const k of Object.keys(raw)) {
    if (!['id', 'description', 'start', 'nodes'].includes(k)) issues.push({ file, severity: 'error', message: `unknown top-level field "${k}"` });
  }
  const id = raw.id === undefined ? fileId : String(raw.id);
  if (!NODE_ID.test(id)) issues.push({ file, severity: 'error', message: `id: "${id}" is not a valid flow id` });
  if (typeof raw.start !== 'string') issues.push({ file, severity: 'error', message: 'start: required (the first node id)' });
  if (!isObj(raw.nodes) || Object.keys(raw.nodes).length === 0) {
    issues.push({ file, severity: 'error', message: 'nodes: required (a map of node id → node)' });
    return { flow: null, issues };
  }
  const prompts = promptSet(opts.prompts);
  const nodes: Record<string, FlowNode> = {};
  for (const [nodeId, rawNode] of Object.entries(raw.nodes)) {
    const err = (message: string) => issues.push({ file, nodeId, line: lineOf(nodeId), severity: 'error', message });
    if (!NODE_ID.test(nodeId)) err('node ids are letters, digits, _ and - (not starting with a digit)');
    const node = parseNode(rawNode, err, prompts);
    if (node) nodes[nodeId] = node;
  }
  const flow: Flow = {
    id, file, start: typeof raw.start === 'string' ? raw.start : '', nodes,
    description: typeof raw.description === 'string' ? raw.description : undefined,
  };
  // Graph checks only when every node parsed (missing nodes would give misleading target errors).
  if (Object.keys(nodes).length === Object.keys(raw.nodes).length) issues.push(...checkFlowGraph(flow, opts, lineOf));
  return { flow: issues.some((i) => i.severity === 'error') ? null : flow, issues };
}

// ───────────────────────────── prompt catalogue ─────────────────────────────

export interface PromptCatalogue {
  locale: string;
  file: string;
  /** Prompt name → text (what the TTS fallback renders, and what a voice artist records). */
  prompts: Record<string, string>;
}

/** Parse a prompt catalogue (a flat YAML map: prompt name → text). */
export function parsePromptCatalogue(text: string, file: string): { catalogue: PromptCatalogue; issues: FlowIssue[] } {
  const issues: FlowIssue[] = [];
  const locale = /prompts\.([A-Za-z-]+)\.ya?ml$/.exec(basename(file))?.[1] ?? 'zh-CN';
  const catalogue: PromptCatalogue = { locale, file, prompts: {} };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) issues.push({ file, line: e.linePos?.[0]?.line, severity: 'error', message: `YAML: ${e.message.split('\n')[0]}` });
    return { catalogue, issues };
  }
  const raw: unknown = doc.toJS();
  if (!isObj(raw)) {
    issues.push({ file, severity: 'error', message: 'the prompt catalogue is a map of prompt name → text' });
    return { catalogue, issues };
  }
  for (const [name, val] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) issues.push({ file, severity: 'error', message: `"${name}" is not a prompt name` });
    else if (typeof val !== 'string' && typeof val !== 'number') issues.push({ file, severity: 'error', message: `prompt "${name}": text must be a string` });
    else if (String(val).trim() === '') issues.push({ file, severity: 'error', message: `prompt "${name}": text is empty` });
    else catalogue.prompts[name] = String(val);
  }
  return { catalogue, issues };
}

export interface LoadedFlows {
  flows: Record<string, Flow>;
  errors: FlowIssue[];
  warnings: FlowIssue[];
}

export interface FlowCheckReport extends LoadedFlows {
  ok: boolean;
  catalogue: PromptCatalogue | null;
  /** Human-readable lines for `hotline flow check`. */
  report: string;
}

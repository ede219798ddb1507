/**
 * Flow files (ivr-flows/*.yaml) and the prompt catalogue (ivr-flows/prompts.<locale>.yaml):
 * parsing, normalisation and checking of their texts (pure: the files are read by ../flow-files.ts).
 *
 * Every problem is reported as an issue naming the file, the node id and (when known) the line,
 * e.g. `main.yaml:42 node "query_enter": next: unknown target "query_lookp"`.
 */
import { basename } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import {
  FEEDBACK_KINDS_FLOW, INPUT_VERBS, VERBS, WEEKDAY_KEYS,
  type EffectKind, type Flow, type FlowNode, type MediaSpec, type OfficeHours, type Validation, type Verb, type WeekdayKey,
} from './types.js';
import { templateVars, VAR_NAME } from './template.js';
import { parseWindow } from './office-hours.js';
import { verbOf } from './verbs/index.js';

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

const DTMF_KEY = /^[0-9*#A-D]$/;
const NODE_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Variables every call has. */
export const BUILTIN_VARS = ['callId', 'caller', 'called', 'lastRecording', 'lastRecordingDuration'];
const VERB_EFFECT: Partial<Record<Verb, EffectKind>> = {
  lookup: 'lookup', submitFeedback: 'submitFeedback', subscribe: 'subscribe', transfer: 'transfer',
};
const MEDIA_KEYS = ['prompt', 'tts', 'digits', 'number', 'date', 'recording'] as const;

function promptSet(p: PromptNames | undefined): ReadonlySet<string> | null {
  if (!p) return null;
  if (p instanceof Set) return p;
  if (Array.isArray(p)) return new Set(p);
  return new Set(Object.keys(p as Record<string, string>));
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Edges of a node: [field, target] pairs. */
export function targetsOf(node: FlowNode): Array<[string, string]> {
  const t = verbOf(node).targets(node);
  return t.filter((e): e is [string, string] => typeof e[1] === 'string');
}

/** Reads one node's fields, recording problems; unknown fields are errors (they are usually typos). */
class FieldReader {
  private readonly used = new Set<string>(['verb']);
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly err: (msg: string) => void,
    private readonly prompts: ReadonlySet<string> | null,
  ) {}

  has(key: string): boolean { return this.raw[key] !== undefined; }

  str(key: string, required: boolean, def?: string): string | undefined {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (required && def === undefined) this.err(`${key}: required`);
      return def;
    }
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') { this.err(`${key}: must be a string`); return def; }
    return v;
  }

  target(key: string, required = true): string | undefined {
    const v = this.str(key, required);
    if (v !== undefined && !NODE_ID.test(v)) this.err(`${key}: "${v}" is not a node id`);
    return v;
  }

  varName(key: string, required: boolean, def?: string): string | undefined {
    const v = this.str(key, required, def);
    if (v !== undefined && !VAR_NAME.test(v)) this.err(`${key}: "${v}" is not a variable name (letters, digits, _)`);
    return v;
  }

  int(key: string, def: number | undefined, min: number, max: number): number | undefined {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (def === undefined) this.err(`${key}: required`);
      return def;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) { this.err(`${key}: must be an integer, got ${JSON.stringify(v)}`); return def; }
    if (v < min || v > max) { this.err(`${key}: ${v} is out of range ${min}…${max}`); return def; }
    return v;
  }

  bool(key: string, def: boolean): boolean {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') { this.err(`${key}: must be true or false`); return def; }
    return v;
  }

  key(key: string, allowed: RegExp, def: string | undefined, allowEmpty = false): string | undefined {
    const v = this.str(key, false, def);
    if (v === undefined) return undefined;
    if (v === '' && allowEmpty) return v;
    if (!allowed.test(v)) { this.err(`${key}: "${v}" is not an allowed DTMF key`); return def; }
    return v;
  }

  media(key: string, required: boolean): MediaSpec[] {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (required) this.err(`${key}: required`);
      return [];
    }
    const list = Array.isArray(v) ? v : [v];
    if (required && list.length === 0) this.err(`${key}: must not be empty`);
    const out: MediaSpec[] = [];
    list.forEach((item, i) => {
      const where = Array.isArray(v) ? `${key}[${i}]` : key;
      const spec = this.mediaItem(item, where);
      if (spec) out.push(spec);
    });
    return out;
  }

  private mediaItem(item: unknown, where: string): MediaSpec | null {
    if (typeof item === 'string') return this.promptSpec(item, where);
    if (!isObj(item)) { this.err(`${where}: a media item is a prompt name or {tts|digits|number|date|recording|prompt: …}`); return null; }
    const keys = Object.keys(item);
    if (keys.length !== 1 || !(MEDIA_KEYS as readonly string[]).includes(keys[0])) {
      this.err(`${where}: a media item has exactly one of ${MEDIA_KEYS.join(', ')} (got ${keys.join(', ') || 'nothing'})`);
      return null;
    }
    const k = keys[0] as (typeof MEDIA_KEYS)[number];
    const val = item[k];
    if (typeof val !== 'string' && typeof val !== 'number') { this.err(`${where}.${k}: must be a string`); return null; }
    const s = String(val);
    if (s.trim() === '') { this.err(`${where}.${k}: must not be empty`); return null; }
    switch (k) {
      case 'prompt': return this.promptSpec(s, where);
      case 'tts': return { tts: s };
      case 'digits': return { digits: s };
      case 'number': return { number: s };
      case 'date': return { date: s };
      case 'recording': return { recording: s };
    }
  }

  private promptSpec(name: string, where: string): MediaSpec | null {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) { this.err(`${where}: "${name}" is not a prompt name`); return null; }
    if (this.prompts && !this.prompts.has(name)) this.err(`${where}: prompt "${name}" is missing from the prompt catalogue`);
    return { prompt: name };
  }

  /** A map of string → string (menu options, branch cases, set vars). */
  map(key: string, required: boolean): Record<string, string> | undefined {
    this.used.add(key);
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (required) this.err(`${key}: required`);
      return undefined;
    }
    if (!isObj(v)) { this.err(`${key}: must be a map`); return undefined; }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
      else this.err(`${key}.${k}: must be a string`);
    }
    return out;
  }

  rawValue(key: string): unknown {
    this.used.add(key);
    return this.raw[key];
  }

  finish(): void {
    for (const k of Object.keys(this.raw)) if (!this.used.has(k)) this.err(`unknown field "${k}"`);
  }
}

function parseValidation(r: FieldReader, err: (m: string) => void): Validation {
  const v = r.rawValue('validate');
  if (v === undefined || v === null || v === 'none') return { kind: 'none' };
  if (v === 'query-code') return { kind: 'query-code' };
  if (isObj(v) && typeof v.pattern === 'string' && Object.keys(v).length === 1) {
    try { new RegExp(v.pattern); } catch (e) { err(`validate.pattern: bad regular expression: ${(e as Error).message}`); }
    return { kind: 'pattern', pattern: v.pattern };
  }
  err('validate: must be "query-code", "none" or {pattern: "<regex>"}');
  return { kind: 'none' };
}

function parseOfficeHours(v: unknown, err: (m: string) => void): OfficeHours | undefined {
  if (!isObj(v)) { err('officeHours: must be a map with hours (and optional weekly, restDays)'); return undefined; }
  const windows = (key: string, x: unknown): string[] => {
    if (!Array.isArray(x)) { err(`${key}: must be a list of "HH:mm-HH:mm"`); return []; }
    const out: string[] = [];
    for (const w of x) {
      if (typeof w !== 'string' || !parseWindow(w)) err(`${key}: "${String(w)}" is not a "HH:mm-HH:mm" window (start before end)`);
      else out.push(w);
    }
    return out;
  };
  const oh: OfficeHours = { hours: [] };
  for (const k of Object.keys(v)) if (!['hours', 'weekly', 'restDays'].includes(k)) err(`officeHours: unknown field "${k}"`);
  if (v.hours === undefined) err('officeHours.hours: required');
  else oh.hours = windows('officeHours.hours', v.hours);
  if (v.weekly !== undefined) {
    if (!isObj(v.weekly)) err('officeHours.weekly: must be a map of mon…sun → windows');
    else {
      oh.weekly = {};
      for (const [day, w] of Object.entries(v.weekly)) {
        if (!(WEEKDAY_KEYS as readonly string[]).includes(day)) err(`officeHours.weekly: "${day}" is not one of ${WEEKDAY_KEYS.join(', ')}`);
        else oh.weekly[day as WeekdayKey] = windows(`officeHours.weekly.${day}`, w);
      }
    }
  }
  if (v.restDays !== undefined) oh.restDays = windows('officeHours.restDays', v.restDays);
  return oh;
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
  let node: FlowNode;
  switch (verb as Verb) {
    case 'play':
      node = { verb: 'play', items: r.media('items', true), bargeIn: r.bool('bargeIn', false), next: r.target('next')! };
      break;
    case 'menu': {
      const options = r.map('options', true) ?? {};
      if (Object.keys(options).length === 0) err('options: at least one key is needed');
      for (const k of Object.keys(options)) if (!DTMF_KEY.test(k)) err(`options: "${k}" is not a DTMF key (0-9 * # A-D)`);
      const repeat = r.key('repeat', DTMF_KEY, undefined);
      if (repeat !== undefined && repeat in options) err(`repeat: key "${repeat}" is also an option`);
      node = {
        verb: 'menu', prompt: r.media('prompt', true), options,
        timeoutMs: r.int('timeoutMs', 5000, 500, 120_000)!, maxRetries: r.int('maxRetries', 2, 0, 10)!,
        invalid: r.media('invalid', false), noInput: r.media('noInput', false), repeat, onFailure: r.target('onFailure')!,
      };
      break;
    }
    case 'gather': {
      const maxDigits = r.int('maxDigits', undefined, 1, 64) ?? 1;
      const validate = parseValidation(r, err);
      if (validate.kind === 'query-code' && maxDigits < 12) err(`maxDigits: ${maxDigits} is shorter than a query code (12 digits)`);
      const terminator = r.key('terminator', /^[#*]$/, '#', true)!;
      const clearKey = r.key('clearKey', /^[#*]$/, undefined);
      if (clearKey !== undefined && clearKey === terminator) err('clearKey: must differ from terminator');
      const minDigits = r.int('minDigits', 1, 1, 64)!;
      if (minDigits > maxDigits) err(`minDigits: ${minDigits} is more than maxDigits ${maxDigits}`);
      const invalid = r.media('invalid', false);
      const bad = r.media('badCheckDigit', false);
      node = {
        verb: 'gather', prompt: r.media('prompt', true), maxDigits, minDigits, terminator, clearKey,
        firstDigitTimeoutMs: r.int('firstDigitTimeoutMs', 8000, 500, 120_000)!,
        interDigitTimeoutMs: r.int('interDigitTimeoutMs', 4000, 500, 60_000)!,
        validate, into: r.varName('into', true)!, attempts: r.int('attempts', 3, 1, 10)!,
        invalid, noInput: r.media('noInput', false), badCheckDigit: bad.length ? bad : invalid,
        next: r.target('next')!, onFailure: r.target('onFailure')!,
      };
      break;
    }
    case 'lookup': {
      const kind = r.str('kind', true);
      if (kind !== undefined && kind !== 'declaration') err(`kind: unknown lookup kind "${kind}" (declaration)`);
      const resultsRaw = r.rawValue('results');
      const results: string[] = [];
      if (resultsRaw !== undefined) {
        if (!Array.isArray(resultsRaw)) err('results: must be a list of variable names');
        else for (const x of resultsRaw) {
          if (typeof x === 'string' && VAR_NAME.test(x)) results.push(x);
          else err(`results: "${String(x)}" is not a variable name`);
        }
      }
      node = {
        verb: 'lookup', kind: 'declaration', input: r.varName('input', true)!, results,
        maxNotFound: r.int('maxNotFound', 3, 1, 20)!, timeoutMs: r.int('timeoutMs', 15_000, 1000, 120_000)!,
        found: r.target('found')!, notFound: r.target('notFound')!, limit: r.target('limit')!, error: r.target('error', false),
      };
      break;
    }
    case 'record': {
      const name = r.str('name', false, 'msg')!;
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) err(`name: "${name}" must be 1-32 letters, digits, _ or -`);
      const feedbackKind = r.str('feedbackKind', false);
      if (feedbackKind !== undefined && templateVars(feedbackKind).length === 0 && !(FEEDBACK_KINDS_FLOW as readonly string[]).includes(feedbackKind)) {
        err(`feedbackKind: "${feedbackKind}" is not one of ${FEEDBACK_KINDS_FLOW.join(', ')}`);
      }
      node = {
        verb: 'record', prompt: r.media('prompt', false), name, beep: r.bool('beep', true),
        maxDurationSeconds: r.int('maxDurationSeconds', 180, 1, 3600)!, maxSilenceSeconds: r.int('maxSilenceSeconds', 5, 0, 120)!,
        terminator: r.key('terminator', /^[#*]$/, '#', true)!, minDurationSeconds: r.int('minDurationSeconds', 1, 0, 60)!,
        attempts: r.int('attempts', 2, 1, 10)!, tooShort: r.media('tooShort', false), feedbackKind,
        next: r.target('next')!, noRecording: r.target('noRecording')!, onFailure: r.target('onFailure')!,
      };
      break;
    }
    case 'submitFeedback': {
      const kind = r.str('kind', true) ?? 'complaint';
      if (templateVars(kind).length === 0 && !(FEEDBACK_KINDS_FLOW as readonly string[]).includes(kind)) {
        err(`kind: "${kind}" is not one of ${FEEDBACK_KINDS_FLOW.join(', ')} (or a {variable})`);
      }
      node = {
        verb: 'submitFeedback', kind, recording: r.varName('recording', false, 'lastRecording')!, into: r.varName('into', false, 'ref')!,
        timeoutMs: r.int('timeoutMs', 20_000, 1000, 120_000)!, next: r.target('next')!, onFailure: r.target('onFailure')!,
      };
      break;
    }
    case 'subscribe':
      node = {
        verb: 'subscribe', input: r.varName('input', true)!, timeoutMs: r.int('timeoutMs', 15_000, 1000, 120_000)!,
        ok: r.target('ok')!, fail: r.target('fail')!,
      };
      break;
    case 'transfer': {
      const ring = r.has('ringTimeoutMs') ? r.int('ringTimeoutMs', undefined, 1000, 300_000) : undefined;
      node = { verb: 'transfer', endpoint: r.str('endpoint', false), ringTimeoutMs: ring, answered: r.target('answered')!, noAnswer: r.target('noAnswer')! };
      break;
    }
    case 'branch': {
      const hasOh = r.has('officeHours'), hasVar = r.has('var');
      if (hasOh === hasVar) {
        err('a branch needs exactly one of officeHours (with open/closed) or var (with cases/default)');
        // Keep whatever targets are there (no cascade of follow-up errors).
        r.rawValue('officeHours'); r.rawValue('var'); r.rawValue('cases');
        node = { verb: 'branch', open: r.target('open', false), closed: r.target('closed', false), default: r.target('default', false) };
      } else if (hasOh) {
        node = { verb: 'branch', officeHours: parseOfficeHours(r.rawValue('officeHours'), err), open: r.target('open'), closed: r.target('closed') };
      } else {
        node = { verb: 'branch', var: r.varName('var', true), cases: r.map('cases', false) ?? {}, default: r.target('default') };
        for (const [k, v] of Object.entries(node.cases!)) if (!NODE_ID.test(v)) err(`cases.${k}: "${v}" is not a node id`);
      }
      break;
    }
    case 'set': {
      const vars = r.map('vars', true) ?? {};
      for (const k of Object.keys(vars)) if (!VAR_NAME.test(k)) err(`vars: "${k}" is not a variable name`);
      node = { verb: 'set', vars, next: r.target('next')! };
      break;
    }
    case 'goto':
      node = { verb: 'goto', target: r.target('target')! };
      break;
    case 'hangup':
      node = { verb: 'hangup', prompt: r.media('prompt', false), reason: r.str('reason', false, 'normal')! };
      break;
  }
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

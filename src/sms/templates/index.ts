/**
 * SMS templates: load, validate and render `sms-templates/<locale>.yaml`.
 *
 * File format: a YAML mapping of template name → text (dotted names as flat keys, or nested
 * mappings, which are flattened with '.'). Placeholders are `{name}`; `{{` and `}}` stand for
 * literal braces. Conditional parts: `{#name}…{/name}` is shown only when the variable has a
 * non-empty value, `{^name}…{/name}` only when it is empty (they nest), so a template never says
 * "承诺办结日期：。" when there is no due date. Validation at load (all problems are collected into
 * one Error naming the file and each template): YAML syntax, non-string values, unknown template
 * names, missing templates, unknown or malformed placeholders, unbalanced conditional parts, and
 * length — a template rendered with the longest expected value of each variable (VAR_SAMPLES;
 * free-text variables count as empty), with every combination of its conditional parts, must fit
 * in maxSegments SMS segments.
 *
 * Rendering inserts values literally (a `{x}` inside a value is not expanded); a missing value is
 * an empty string. Rendering an unknown template throws. `renderFit` keeps a notice within
 * maxSegments by cutting the VARIABLE parts (free text first) with a marker `…` — the fixed text,
 * and so the ending (回复TD退订), is never cut.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { fitsGsm7 } from '../codec/gsm7.js';
import { measureText, type MtEncoding } from '../codec/mt.js';
import { FREE_TEXT_VARS, TEMPLATE_VARS, VAR_SAMPLES } from './catalog.js';

export * from './catalog.js';

export type TemplateVars = Readonly<Record<string, string | number | null | undefined>>;

/** A compiled template: literal text, placeholders and conditional parts. */
export type TemplateNode = string | { v: string } | { section: string; inverted: boolean; body: TemplateNode[] };
export interface Compiled {
  nodes: TemplateNode[];
  /** Placeholder names, in order of appearance. */
  vars: string[];
  /** Variables that conditional parts depend on. */
  sections: string[];
}

export interface Templates {
  readonly locale: string;
  readonly file: string;
  readonly maxSegments: number;
  names(): string[];
  has(name: string): boolean;
  /** The template's source text. Throws for an unknown name. */
  source(name: string): string;
  /** Render; unknown template → throws; missing variables → ''. */
  render(name: string, vars?: TemplateVars): string;
  /**
   * Render within maxSegments: when the text is too long, the variable values are shortened with
   * '…' (free text first, the longest first); the template's own text is never cut. Returns the full
   * rendering when it fits. Only for notices: staff-written text (an answer) is never cut — it is sent
   * as several numbered messages instead (see planMessages).
   */
  renderFit(name: string, vars?: TemplateVars): string;
}

export interface LoadOptions {
  maxSegments: number;
  /** File name without extension; default 'zh-CN'. */
  locale?: string;
}

const NAME_RE = /^[a-z_][a-z0-9_]*$/i;

/** Compile placeholders and conditional parts; returns problems instead of throwing. */
export function compileTemplate(text: string): { compiled: Compiled; problems: string[] } {
  const problems: string[] = [];
  const vars: string[] = [];
  const sections: string[] = [];
  const root: TemplateNode[] = [];
  const stack: Array<{ name: string; body: TemplateNode[]; at: number }> = [];
  let out = root;
  let cur = '';
  const flush = () => { if (cur) { out.push(cur); cur = ''; } };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' && text[i + 1] === '{') { cur += '{'; i++; continue; }
    if (ch === '}' && text[i + 1] === '}') { cur += '}'; i++; continue; }
    if (ch === '{') {
      const close = text.indexOf('}', i + 1);
      if (close < 0) { problems.push(`unclosed '{' at position ${i}`); cur += text.slice(i); break; }
      const inner = text.slice(i + 1, close);
      const sigil = inner.charAt(0);
      if ((sigil === '#' || sigil === '^' || sigil === '/') && NAME_RE.test(inner.slice(1))) {
        const name = inner.slice(1);
        flush();
        if (sigil === '/') {
          const open = stack.pop();
          if (!open) problems.push(`'{/${name}}' at position ${i} closes nothing`);
          else if (open.name !== name) problems.push(`'{/${name}}' at position ${i} closes '{#${open.name}}' (opened at ${open.at})`);
          out = stack.length ? stack[stack.length - 1].body : root;
        } else {
          const node = { section: name, inverted: sigil === '^', body: [] as TemplateNode[] };
          out.push(node);
          stack.push({ name, body: node.body, at: i });
          if (!sections.includes(name)) sections.push(name);
          out = node.body;
        }
        i = close;
        continue;
      }
      if (!NAME_RE.test(inner)) { problems.push(`malformed placeholder '{${inner}}' (use {name}, {#name}…{/name}, {^name}…{/name}; write {{ and }} for literal braces)`); cur += text.slice(i, close + 1); i = close; continue; }
      flush();
      out.push({ v: inner });
      vars.push(inner);
      i = close;
      continue;
    }
    if (ch === '}') { problems.push(`stray '}' at position ${i} (write }} for a literal brace)`); cur += ch; continue; }
    cur += ch;
  }
  flush();
  for (const open of stack) problems.push(`'{#${open.name}}' opened at position ${open.at} is never closed with '{/${open.name}}'`);
  return { compiled: { nodes: root, vars, sections }, problems };
}

function isPresent(v: string | number | null | undefined): boolean {
  return v !== null && v !== undefined && String(v) !== '';
}

function renderNodes(nodes: readonly TemplateNode[], value: (name: string) => string, present: (name: string) => boolean): string {
  let out = '';
  for (const n of nodes) {
    if (typeof n === 'string') out += n;
    else if ('v' in n) out += value(n.v);
    else if (present(n.section) !== n.inverted) out += renderNodes(n.body, value, present);
  }
  return out;
}

function renderCompiled(c: Compiled, vars: TemplateVars | undefined): string {
  const get = (name: string) => { const v = vars ? vars[name] : undefined; return v === null || v === undefined ? '' : String(v); };
  return renderNodes(c.nodes, get, (name) => isPresent(vars ? vars[name] : undefined));
}

/** The longest rendering at load time: sample values, every combination of conditions (up to 2^8). */
function longestSample(c: Compiled): { text: string; segments: number; units: number; encoding: MtEncoding } {
  const value = (name: string) => VAR_SAMPLES[name] ?? '';
  const k = Math.min(c.sections.length, 8);
  let best: { text: string; segments: number; units: number; encoding: MtEncoding } | null = null;
  for (let mask = 0; mask < 1 << k; mask++) {
    const present = (name: string) => {
      const idx = c.sections.indexOf(name);
      return idx >= k ? true : ((mask >> idx) & 1) === 1;
    };
    const text = renderNodes(c.nodes, value, present);
    const m = measureText(text);
    if (!best || m.segments > best.segments || (m.segments === best.segments && m.units > best.units)) best = { text, ...m };
  }
  return best!;
}

/** Cut a value to at most `max` characters, the last one being the marker. */
function cut(v: string, max: number, marker: string): string {
  const chars = Array.from(v);
  if (chars.length <= max) return v;
  return max <= 0 ? marker : chars.slice(0, Math.max(0, max - 1)).join('') + marker;
}

/**
 * Shorten variable values until the rendering fits (see Templates.renderFit). Pure: `render` renders
 * the template with the given values.
 */
export function fitVariables(render: (vars: Record<string, string>) => string, vars: Record<string, string>, used: readonly string[], maxSegments: number): string {
  // Measured for the 16-bit concat reference (66 / 152 per segment): fits under either UDH, so the
  // outbox never has to split a fitted notice (planMessages plans the same way).
  const segments = (s: string) => measureText(s, { refBits: 16 }).segments;
  const full = render(vars);
  if (segments(full) <= maxSegments) return full;
  const marker = fitsGsm7(full) ? '...' : '…';
  const free = used.filter((n) => FREE_TEXT_VARS.has(n) && vars[n]);
  const all = used.filter((n) => vars[n]);
  for (const group of [free, all]) {
    if (group.length === 0) continue;
    const longest = Math.max(...group.map((n) => Array.from(vars[n]).length));
    const at = (cap: number) => {
      const v = { ...vars };
      for (const n of group) v[n] = cut(vars[n], cap, marker);
      return render(v);
    };
    if (segments(at(0)) > maxSegments) continue; // even cut to the marker it does not fit
    let lo = 0;
    let hi = longest;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments(at(mid)) <= maxSegments) lo = mid; else hi = mid - 1;
    }
    return at(lo);
  }
  return full; // cannot be made to fit by cutting values: the outbox sends it as numbered messages
}

/** Flatten nested mappings into dotted names. */
function flatten(obj: unknown, prefix: string, out: Map<string, unknown>): void {
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, name, out);
      else out.set(name, v);
    }
  }
}

/** Load and validate templates; throws one Error listing every problem. */
export function loadTemplates(dir: string, opts: LoadOptions): Templates {
  const locale = opts.locale ?? 'zh-CN';
  const file = join(dir, `${locale}.yaml`);
  const maxSegments = opts.maxSegments;
  if (!(Number.isInteger(maxSegments) && maxSegments >= 1 && maxSegments <= 255)) {
    throw new Error(`SMS templates: maxSegments must be an integer 1..255, got ${maxSegments}`);
  }
  let src: string;
  try {
    src = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`SMS templates: cannot read ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(src);
  } catch (err) {
    throw new Error(`SMS templates: ${file}: YAML error: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`SMS templates: ${file}: expected a mapping of template name → text`);

  const entries = new Map<string, unknown>();
  flatten(doc, '', entries);
  const problems: string[] = [];
  const compiled = new Map<string, Compiled>();
  const sources = new Map<string, string>();

  for (const [name, value] of entries) {
    const allowed = TEMPLATE_VARS[name];
    if (!allowed) { problems.push(`${name}: unknown template name`); continue; }
    if (typeof value !== 'string') { problems.push(`${name}: value must be a string, got ${value === null ? 'null' : typeof value}`); continue; }
    if (!value.trim()) { problems.push(`${name}: empty template`); continue; }
    const { compiled: c, problems: p } = compileTemplate(value);
    for (const msg of p) problems.push(`${name}: ${msg}`);
    const unknown = [...new Set([...c.vars, ...c.sections].filter((v) => !allowed.includes(v)))];
    if (unknown.length) {
      problems.push(`${name}: unknown variable${unknown.length > 1 ? 's' : ''} ${unknown.map((v) => `{${v}}`).join(', ')} (allowed: ${allowed.length ? allowed.map((v) => `{${v}}`).join(', ') : 'none'})`);
    }
    // Length check with the longest expected values (free text counts as empty), every condition combination.
    const m = longestSample(c);
    if (m.segments > maxSegments) {
      problems.push(`${name}: too long — ${m.segments} segments (${m.units} ${m.encoding === 'gsm7' ? 'septets' : 'UCS2 units'}) with the longest expected values, limit is ${maxSegments}`);
    }
    compiled.set(name, c);
    sources.set(name, value);
  }
  for (const name of Object.keys(TEMPLATE_VARS)) {
    if (!entries.has(name)) problems.push(`${name}: missing template`);
  }
  if (problems.length) {
    throw new Error(`SMS templates: ${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  - ${problems.join('\n  - ')}`);
  }

  return {
    locale,
    file,
    maxSegments,
    names: () => [...compiled.keys()].sort(),
    has: (name) => compiled.has(name),
    source(name) {
      const s = sources.get(name);
      if (s === undefined) throw new Error(`SMS templates: unknown template '${name}'`);
      return s;
    },
    render(name, vars) {
      const c = compiled.get(name);
      if (!c) throw new Error(`SMS templates: unknown template '${name}'`);
      return renderCompiled(c, vars);
    },
    renderFit(name, vars) {
      const c = compiled.get(name);
      if (!c) throw new Error(`SMS templates: unknown template '${name}'`);
      const strings: Record<string, string> = {};
      for (const [k, v] of Object.entries(vars ?? {})) if (v !== null && v !== undefined) strings[k] = String(v);
      const used = [...new Set(c.vars)];
      return fitVariables((v) => renderCompiled(c, v), strings, used, maxSegments);
    },
  };
}

export interface Preview {
  name: string;
  text: string;
  encoding: MtEncoding;
  segments: number;
  units: number;
  maxSegments: number;
  overLimit: boolean;
}

/** Render and measure a template (for `hotline sms preview`). Throws for an unknown template. */
export function previewTemplate(templates: Templates, name: string, vars: TemplateVars = {}): Preview {
  const text = templates.render(name, vars);
  const m = measureText(text);
  return { name, text, encoding: m.encoding, segments: m.segments, units: m.units, maxSegments: templates.maxSegments, overLimit: m.segments > templates.maxSegments };
}

/** `code=123 item=营业执照` CLI arguments → vars (a value may contain '='; later keys win). */
export function parseVarArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) continue;
    out[a.slice(0, eq).trim()] = a.slice(eq + 1);
  }
  return out;
}

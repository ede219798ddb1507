/**
 * SMS templates: load, validate and render `sms-templates/<locale>.yaml`.
 *
 * File format: a YAML mapping of template name → text (dotted names as flat keys, or nested
 * mappings, which are flattened with '.'). Placeholders are `{name}`; `{{` and `}}` stand for
 * literal braces. Validation at load (all problems are collected into one Error naming the file
 * and each template): YAML syntax, non-string values, unknown template names, missing templates,
 * unknown or malformed placeholders, and length — a template rendered with the longest expected
 * value of each variable (VAR_SAMPLES; free-text variables count as empty) must fit in
 * maxSegments SMS segments.
 *
 * Rendering inserts values literally (a `{x}` inside a value is not expanded); a missing value is
 * an empty string. Rendering an unknown template throws.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { measureText, type MtEncoding } from '../codec/mt.js';
import { TEMPLATE_VARS, VAR_SAMPLES } from './catalog.js';

export * from './catalog.js';

export type TemplateVars = Readonly<Record<string, string | number | null | undefined>>;

/** A compiled template: literal chunks and variable names, alternating (text, var, text, …, text). */
interface Compiled { parts: string[]; vars: string[] }

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
}

export interface LoadOptions {
  maxSegments: number;
  /** File name without extension; default 'zh-CN'. */
  locale?: string;
}

/** Compile `{var}` placeholders; returns problems instead of throwing. */
export function compileTemplate(text: string): { compiled: Compiled; problems: string[] } {
  const parts: string[] = [];
  const vars: string[] = [];
  const problems: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{' && text[i + 1] === '{') { cur += '{'; i++; continue; }
    if (ch === '}' && text[i + 1] === '}') { cur += '}'; i++; continue; }
    if (ch === '{') {
      const close = text.indexOf('}', i + 1);
      const name = close < 0 ? '' : text.slice(i + 1, close);
      if (close < 0) { problems.push(`unclosed '{' at position ${i}`); cur += text.slice(i); break; }
      if (!/^[a-z_][a-z0-9_]*$/i.test(name)) { problems.push(`malformed placeholder '{${name}}' (use {name}; write {{ and }} for literal braces)`); cur += text.slice(i, close + 1); i = close; continue; }
      parts.push(cur);
      vars.push(name);
      cur = '';
      i = close;
      continue;
    }
    if (ch === '}') { problems.push(`stray '}' at position ${i} (write }} for a literal brace)`); cur += ch; continue; }
    cur += ch;
  }
  parts.push(cur);
  return { compiled: { parts, vars }, problems };
}

function renderCompiled(c: Compiled, vars: TemplateVars | undefined): string {
  let out = c.parts[0];
  for (let k = 0; k < c.vars.length; k++) {
    const v = vars ? vars[c.vars[k]] : undefined;
    out += (v === null || v === undefined ? '' : String(v)) + c.parts[k + 1];
  }
  return out;
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
    const unknown = [...new Set(c.vars.filter((v) => !allowed.includes(v)))];
    if (unknown.length) {
      problems.push(`${name}: unknown variable${unknown.length > 1 ? 's' : ''} ${unknown.map((v) => `{${v}}`).join(', ')} (allowed: ${allowed.length ? allowed.map((v) => `{${v}}`).join(', ') : 'none'})`);
    }
    // Length check with the longest expected values (free text counts as empty).
    const samples: Record<string, string> = {};
    for (const v of c.vars) samples[v] = VAR_SAMPLES[v] ?? '';
    const m = measureText(renderCompiled(c, samples));
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

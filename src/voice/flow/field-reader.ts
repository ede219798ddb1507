/**
 * Reading one flow node's fields with the loader's error messages (shared by the verbs in verbs/*.ts).
 */
import { WEEKDAY_KEYS, type MediaSpec, type OfficeHours, type Validation, type WeekdayKey } from './types.js';
import { VAR_NAME } from './template.js';
import { parseWindow } from './office-hours.js';

export const DTMF_KEY = /^[0-9*#A-D]$/;
export const NODE_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const MEDIA_KEYS = ['prompt', 'tts', 'digits', 'number', 'date', 'recording'] as const;

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads one node's fields, recording problems; unknown fields are errors (they are usually typos). */
export class FieldReader {
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

export function parseValidation(r: FieldReader, err: (m: string) => void): Validation {
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

export function parseOfficeHours(v: unknown, err: (m: string) => void): OfficeHours | undefined {
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

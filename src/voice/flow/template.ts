/** `{var}` templates in flow files, and media resolution against a call's variables. */
import type { MediaItem, MediaSpec } from './types.js';
import { dateParts } from './zh-reading.js';

const VAR = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replace `{name}` by the variable's value ('' when unset). Other braces are left as they are. */
export function fill(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(VAR, (_, name: string) => vars[name] ?? '');
}

/** Names referenced by a template. */
export function templateVars(template: string): string[] {
  return Array.from(template.matchAll(VAR), (m) => m[1]);
}

/** The template text of a media spec (prompt names are not templates). */
export function specTemplate(spec: MediaSpec): string | null {
  if ('prompt' in spec) return null;
  if ('tts' in spec) return spec.tts;
  if ('digits' in spec) return spec.digits;
  if ('number' in spec) return spec.number;
  if ('date' in spec) return spec.date;
  return spec.recording;
}

/**
 * Fill one media spec. Empty results are dropped (null); a `number` or `date` whose value is not
 * a number / date is spoken as text rather than dropped, so the caller still hears the value.
 */
export function resolveMedia(spec: MediaSpec, vars: Readonly<Record<string, string>>): MediaItem | null {
  if ('prompt' in spec) return { prompt: spec.prompt };
  if ('tts' in spec) {
    const t = fill(spec.tts, vars).trim();
    return t ? { tts: t } : null;
  }
  if ('digits' in spec) {
    const t = fill(spec.digits, vars).replace(/\s+/g, '');
    return t ? { digits: t } : null;
  }
  if ('number' in spec) {
    const t = fill(spec.number, vars).trim();
    if (!t) return null;
    return /^-?\d+(\.\d+)?$/.test(t) ? { number: Number(t) } : { tts: t };
  }
  if ('date' in spec) {
    const t = fill(spec.date, vars).trim();
    if (!t) return null;
    return dateParts(t) ? { date: t } : { tts: t };
  }
  const t = fill(spec.recording, vars).trim();
  return t ? { recording: t } : null;
}

export function resolveMediaList(specs: readonly MediaSpec[], vars: Readonly<Record<string, string>>): MediaItem[] {
  const out: MediaItem[] = [];
  for (const s of specs) {
    const m = resolveMedia(s, vars);
    if (m) out.push(m);
  }
  return out;
}

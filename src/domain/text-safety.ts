/**
 * Text that comes from outside (citizens, departments): the one sanitising function applied where it
 * enters (SMS text and sender, caller id, department API strings, feedback), and the checks the
 * department API refuses with 422. Pure.
 *
 * Bidirectional controls — embeddings and overrides U+202A–202E, isolates U+2066–2069, the marks
 * U+200E/U+200F and the Arabic letter mark U+061C — reorder what the panel shows (a caller id with
 * U+202E turns 0987****21 around); they have no use in a Chinese hotline's text and are removed.
 */

const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** Remove bidirectional control characters. */
export function stripBidi(s: string): string {
  return s.replace(BIDI, '');
}

/** Has it bidirectional control characters? */
export function hasBidi(s: string): boolean {
  BIDI.lastIndex = 0;
  const r = BIDI.test(s);
  BIDI.lastIndex = 0;
  return r;
}

/** The boundary sanitiser for citizen-supplied text: bidi controls removed, NUL removed. */
export function citizenText(s: string): string;
export function citizenText(s: string | null): string | null;
export function citizenText(s: string | null | undefined): string | null | undefined;
export function citizenText(s: string | null | undefined): string | null | undefined {
  if (typeof s !== 'string') return s;
  return stripBidi(s).replace(/\u0000/g, '');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0 controls except tab, line feed, carriage return; DEL.
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Why a string cannot be stored as text (Chinese, with English), or null when it can. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return '含有空字符 NUL (contains a NUL character)';
  if (LONE_SURROGATE.test(s)) return '含有无效的 Unicode 字符 (contains a lone surrogate)';
  if (CONTROL.test(s)) return '含有控制字符 (contains a control character)';
  return null;
}

/** Only whitespace (but not empty)? */
export function blankButNotEmpty(s: string): boolean {
  return s.length > 0 && s.trim().length === 0;
}

/**
 * A phone number a person can be reached on: a mainland mobile (1[3-9] + 9 digits) or a landline with
 * its area code (0 + 9–11 digits), optionally written with +86 / 0086 / 86, spaces, dashes or
 * parentheses. A small local check; src/domain/phone.ts (canonical numbers) is the long-term home.
 */
export function isReachablePhone(raw: string): boolean {
  let p = raw.replace(/[\s\-()]/g, '');
  let intl = false;
  if (p.startsWith('+86')) { p = p.slice(3); intl = true; } else if (p.startsWith('0086')) { p = p.slice(4); intl = true; } else if (/^861[3-9]\d{9}$/.test(p)) p = p.slice(2);
  if (/^1[3-9]\d{9}$/.test(p)) return true;
  if (/^0(?:10|2\d|[3-9]\d\d)\d{7,8}$/.test(p)) return true;
  // After +86 the trunk 0 of a landline is dropped: +86 571 8888 8888.
  return intl && /^(?:10|2\d|[3-9]\d\d)\d{7,8}$/.test(p);
}

/**
 * Platform query codes: digits only (made for phone keypads), ending in a Verhoeff check digit.
 * Verhoeff catches every single-digit error and every adjacent transposition, which is what
 * people get wrong when keying a code on a phone.
 */
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** The Verhoeff check digit for a string of digits. */
export function verhoeffDigit(digits: string): number {
  let c = 0;
  const len = digits.length;
  for (let i = 0; i < len; i++) {
    const d = digits.charCodeAt(len - 1 - i) - 48;
    c = D[c][P[(i + 1) % 8][d]];
  }
  return INV[c];
}

/** True when the last digit of `code` is the Verhoeff check digit of the rest. */
export function verhoeffValid(code: string): boolean {
  if (!/^\d{2,}$/.test(code)) return false;
  let c = 0;
  const len = code.length;
  for (let i = 0; i < len; i++) {
    const d = code.charCodeAt(len - 1 - i) - 48;
    c = D[c][P[i % 8][d]];
  }
  return c === 0;
}

export const QUERY_CODE_LENGTH = 12;
export const QUERY_CODE_PATTERN = /^\d{12}$/;

/** Append the check digit to an 11-digit body. */
export function withCheckDigit(body: string): string {
  return body + String(verhoeffDigit(body));
}

/** A new random query code (11 random digits, first not 0, plus check digit). */
export function newQueryCode(random: (n: number) => number = (n) => Math.floor(Math.random() * n)): string {
  let body = String(1 + random(9));
  for (let i = 1; i < QUERY_CODE_LENGTH - 1; i++) body += String(random(10));
  return withCheckDigit(body);
}

export type QueryCodeCheck =
  | { kind: 'platform'; code: string }
  | { kind: 'bad-check-digit'; code: string }
  | { kind: 'department-ref'; ref: string }
  | { kind: 'invalid'; input: string };

/**
 * Classify what a citizen typed: a platform code (digits, right length, check digit ok),
 * a platform-looking code with a wrong check digit (refused before any lookup),
 * or a department reference (letters allowed; looked up as-is).
 */
export function classifyCode(input: string): QueryCodeCheck {
  const s = input.trim();
  if (QUERY_CODE_PATTERN.test(s)) {
    return verhoeffValid(s) ? { kind: 'platform', code: s } : { kind: 'bad-check-digit', code: s };
  }
  if (/^[A-Za-z0-9][A-Za-z0-9_\-/.]{1,63}$/.test(s)) return { kind: 'department-ref', ref: s };
  return { kind: 'invalid', input: s };
}

/**
 * Digits only but not a well-formed platform code: the wrong length (an 11- or 13-digit "code") or
 * a failed check digit. Such input gets "the code looks wrong, please check it", not "not found".
 */
export function isMalformedPlatformCode(input: string): boolean {
  const s = input.trim();
  if (!/^\d+$/.test(s)) return false;
  return s.length !== QUERY_CODE_LENGTH || !verhoeffValid(s);
}

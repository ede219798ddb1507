/**
 * Text normalisation before command parsing.
 *
 * Per code point: full-width forms → half-width (U+FF01–U+FF5E, ideographic space U+3000), then
 * Unicode NFKC (which also turns ①→1, ｶ→カ, ＃→#). NFKC is applied one code point at a time, so it
 * never composes across characters and the position of every output character in the original
 * text is known: the parser uses that map to hand back free text (a complaint) exactly as the
 * citizen wrote it — Chinese punctuation such as "，" stays "，" there. Whitespace and control
 * characters become a single space; zero-width characters and the BOM are dropped; Unicode dashes
 * (‐ ‑ ‒ – — ― − ﹘ ﹣) become '-' so references keep their hyphen; the result is
 * trimmed. Case is left alone (the parser compares keywords case-insensitively).
 */

export interface Normalised {
  /** The normalised text. */
  text: string;
  /** map[k] = UTF-16 offset in the original of normalised char k; map[text.length] = original length. */
  map: number[];
}

/** Dropped entirely: zero-width space/joiners, bidi controls, word joiner, BOM, soft hyphen, variation selectors. */
const DROP = /^(?:[\u200B-\u200F\u2060\uFEFF\u00AD\u061C\u202A-\u202E\u2066-\u2069]|[\uFE00-\uFE0F])$/;
const SPACE = /^\s$/u;

/** Normalise one code point (see module comment). */
function normChar(ch: string): string {
  const c = ch.codePointAt(0) ?? 0;
  if (c < 0x80) {
    if (c < 0x20 || c === 0x7f) return c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c ? ' ' : '';
    return ch;
  }
  if (DROP.test(ch)) return '';
  if (c === 0x3000) return ' ';
  if (c >= 0xff01 && c <= 0xff5e) return String.fromCharCode(c - 0xfee0);
  if (c >= 0xe0000 && c <= 0xe007f) return ''; // tag characters
  if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0xfe58 || c === 0xfe63) return '-'; // dashes typed by IMEs: RS2026—0107
  let n = ch.normalize('NFKC');
  if (SPACE.test(n)) n = ' ';
  return n;
}

/** Normalise and keep the map back to the original offsets. */
export function normaliseWithMap(raw: string): Normalised {
  const chars: string[] = [];
  const map: number[] = [];
  let i = 0;
  for (const ch of raw) {
    const n = normChar(ch);
    for (let k = 0; k < n.length; k++) {
      const u = n[k];
      const isSpace = u === ' ';
      // Collapse runs of spaces; drop leading spaces.
      if (isSpace && (chars.length === 0 || chars[chars.length - 1] === ' ')) continue;
      chars.push(u);
      map.push(i);
    }
    i += ch.length;
  }
  // Trim the trailing space.
  while (chars.length && chars[chars.length - 1] === ' ') { chars.pop(); map.pop(); }
  map.push(raw.length);
  return { text: chars.join(''), map };
}

/** The normalised text (see module comment). */
export function normalise(text: string): string {
  return normaliseWithMap(text ?? '').text;
}

/** Upper-case ASCII letters only (length-preserving, unlike toUpperCase on 'ß'). */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** Octet alphabets other than GSM 7-bit: UCS2 (UTF-16BE), Latin-1, IA5, and the rarer SMPP ones. */
import type { DecodeResult } from './gsm7.js';

/**
 * Decode UCS2 as UTF-16BE (surrogate pairs give characters outside the BMP, e.g. emoji).
 * An odd trailing octet and lone surrogates become U+FFFD with a warning.
 */
export function decodeUcs2(buf: Uint8Array): DecodeResult {
  const warnings: string[] = [];
  const units = decodeUtf16Units(buf);
  if (buf.length % 2 === 1) warnings.push(`UCS2: odd length ${buf.length}, last octet replaced by U+FFFD`);
  const { text, lone } = replaceLoneSurrogates(units + (buf.length % 2 === 1 ? '\uFFFD' : ''));
  if (lone) warnings.push(`UCS2: ${lone} lone surrogate(s) replaced by U+FFFD`);
  return { text, warnings };
}

/** Raw UTF-16BE code units of the even part of `buf`, lone surrogates kept (for joining parts). */
export function decodeUtf16Units(buf: Uint8Array): string {
  const n = buf.length >> 1;
  // Chunked to keep String.fromCharCode's argument count bounded.
  let out = '';
  const CHUNK = 4096;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const codes = new Array<number>(end - start);
    for (let k = start; k < end; k++) codes[k - start] = (buf[2 * k] << 8) | buf[2 * k + 1];
    out += String.fromCharCode(...codes);
  }
  return out;
}

/** Replace every unpaired surrogate code unit by U+FFFD. */
export function replaceLoneSurrogates(s: string): { text: string; lone: number } {
  let lone = 0;
  // Fast path: nothing to do for well-formed strings.
  if (isWellFormed(s)) return { text: s, lone: 0 };
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (n >= 0xdc00 && n <= 0xdfff) { out += s[i] + s[i + 1]; i++; continue; }
      out += '\uFFFD'; lone++; continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) { out += '\uFFFD'; lone++; continue; }
    out += s[i];
  }
  return { text: out, lone };
}

function isWellFormed(s: string): boolean {
  const f = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof f === 'function') return f.call(s);
  return !/[\uD800-\uDFFF]/.test(s) || /^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/.test(s);
}

/** Encode as UCS2/UTF-16BE. */
export function encodeUcs2(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/** ISO-8859-1: every octet is a character; cannot fail. */
export function decodeLatin1(buf: Uint8Array): DecodeResult {
  return { text: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1'), warnings: [] };
}

/** IA5 / ASCII: octets above 0x7F become U+FFFD with a warning. */
export function decodeIa5(buf: Uint8Array): DecodeResult {
  let text = '';
  let bad = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b > 0x7f) { text += '\uFFFD'; bad++; } else text += String.fromCharCode(b);
  }
  return { text, warnings: bad ? [`IA5: ${bad} octet(s) above 0x7F replaced by U+FFFD`] : [] };
}

/**
 * Decode with a WHATWG TextDecoder label (non-fatal: bad sequences become U+FFFD). Reports a warning
 * when replacements appeared that were not in the input.
 */
export function decodeWith(label: string, buf: Uint8Array, what: string): DecodeResult {
  try {
    const text = new TextDecoder(label, { fatal: false }).decode(buf);
    const warnings = text.includes('\uFFFD') ? [`${what}: undecodable octets replaced by U+FFFD`] : [];
    return { text, warnings };
  } catch {
    const r = decodeLatin1(buf);
    return { text: r.text, warnings: [`${what}: decoder '${label}' unavailable, decoded as Latin-1`] };
  }
}

/** Valid UTF-8 (strict)? */
export function isValidUtf8(buf: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

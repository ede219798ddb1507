/**
 * GSM 03.38 (3GPP TS 23.038) 7-bit default alphabet and its extension table.
 *
 * SMPP carries dc 0 text as UNPACKED septets: one septet per octet, high bit clear (the SMSC packs
 * them for the air interface). `decodeGsm7Unpacked` / `encodeGsm7` work on that form. A decoder for
 * the PACKED form (7 bits per septet, LSB first, as in the TPDU) is provided for SMSCs that pass it on.
 */

/** The default alphabet, indexed by septet value. 0x1B is the escape to the extension table. */
const DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1BÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

export const GSM7_ESC = 0x1b;

/** Extension table: septet after ESC → character. */
const EXTENSION: ReadonlyArray<[number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

const DECODE_DEFAULT: string[] = Array.from(DEFAULT_ALPHABET);
const DECODE_EXT = new Map<number, string>(EXTENSION);
/** char → septet for the default table (ESC itself is not encodable as a character). */
const ENCODE_DEFAULT = new Map<string, number>();
DECODE_DEFAULT.forEach((ch, i) => { if (i !== GSM7_ESC) ENCODE_DEFAULT.set(ch, i); });
/** char → septet for the extension table (sent as ESC + septet). */
const ENCODE_EXT = new Map<string, number>(EXTENSION.map(([s, ch]) => [ch, s]));

if (DECODE_DEFAULT.length !== 128) throw new Error('GSM 03.38 table must have 128 entries');

export interface DecodeResult {
  text: string;
  warnings: string[];
}

/** Septets needed for one character: 1 (default table), 2 (extension), or 0 when it does not fit. */
export function gsm7CharLength(ch: string): 0 | 1 | 2 {
  if (ENCODE_DEFAULT.has(ch)) return 1;
  if (ENCODE_EXT.has(ch)) return 2;
  return 0;
}

/** True when every character of `text` is in the GSM default alphabet or its extension table. */
export function fitsGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (!ENCODE_DEFAULT.has(ch) && !ENCODE_EXT.has(ch)) return false;
  }
  return true;
}

/**
 * Length of `text` in septets (extension characters count double). Characters that do not fit
 * count as 1 (they would be sent as '?'); call `fitsGsm7` first when that matters.
 */
export function gsm7Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) n += ENCODE_EXT.has(text[i]) ? 2 : 1;
  return n;
}

/**
 * Encode to unpacked septets (one per octet). A character outside the alphabet becomes '?'
 * (and a UTF-16 surrogate pair becomes a single '?'); use `fitsGsm7` first to avoid that.
 */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const d = ENCODE_DEFAULT.get(ch);
    if (d !== undefined) { out.push(d); continue; }
    const e = ENCODE_EXT.get(ch);
    if (e !== undefined) { out.push(GSM7_ESC, e); continue; }
    const c = ch.charCodeAt(0);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const n = text.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) i++;
    }
    out.push(0x3f); // '?'
  }
  return Buffer.from(out);
}

/**
 * Decode unpacked septets. Octets with the high bit set are not septets: each becomes U+FFFD with a
 * warning. An unknown escape sequence shows the default-table character (as 23.038 §6.2.1.1 says a
 * receiver should); a trailing lone ESC is dropped. Never throws.
 */
export function decodeGsm7Unpacked(buf: Uint8Array): DecodeResult {
  const warnings: string[] = [];
  let text = '';
  let bad = 0;
  for (let i = 0; i < buf.length; i++) {
    const s = buf[i];
    if (s > 0x7f) { text += '\uFFFD'; bad++; continue; }
    if (s !== GSM7_ESC) { text += DECODE_DEFAULT[s]; continue; }
    // Escape sequence.
    if (i + 1 >= buf.length) { warnings.push('GSM7: trailing ESC without a following septet (dropped)'); break; }
    const n = buf[++i];
    if (n > 0x7f) { text += '\uFFFD'; bad++; continue; }
    const ext = DECODE_EXT.get(n);
    if (ext !== undefined) { text += ext; continue; }
    if (n === GSM7_ESC) { text += ' '; warnings.push('GSM7: ESC ESC (reserved extension) shown as space'); continue; }
    text += DECODE_DEFAULT[n];
    warnings.push(`GSM7: unknown escape sequence 1B ${hex2(n)} shown as its default-table character`);
  }
  if (bad) warnings.push(`GSM7: ${bad} octet(s) outside the 7-bit alphabet replaced by U+FFFD`);
  return { text, warnings };
}

/**
 * Unpack packed septets (TS 23.038 §6.1.2.1.1): bits are filled LSB first.
 * `fillBits` skips padding bits at the start (after a UDH, so the text starts on a septet
 * boundary); `septetCount` limits the output (the final octet may hold a spurious 0 septet: when
 * the count is unknown, a trailing 0x00 that only fills the last 7 bits of padding is dropped).
 */
export function unpackSeptets(packed: Uint8Array, septetCount?: number, fillBits = 0): Buffer {
  const totalBits = packed.length * 8 - fillBits;
  let count = septetCount ?? Math.floor(totalBits / 7);
  count = Math.max(0, Math.min(count, Math.floor(totalBits / 7)));
  const out = Buffer.alloc(count);
  for (let k = 0; k < count; k++) {
    const bit = fillBits + k * 7;
    const byte = bit >> 3;
    const shift = bit & 7;
    let v = packed[byte] >> shift;
    if (shift > 1 && byte + 1 < packed.length) v |= packed[byte + 1] << (8 - shift);
    out[k] = v & 0x7f;
  }
  // With no explicit count, 7 septets in 7 octets leave 7 zero padding bits that read as a final
  // '@' (TS 23.038 recommends CR padding for this case; '@' is ambiguous). Drop it.
  if (septetCount === undefined && count > 0 && totalBits % 7 === 0 && out[count - 1] === 0) {
    return out.subarray(0, count - 1);
  }
  return out;
}

/** Pack septets 7 bits each, LSB first, after `fillBits` zero bits. */
export function packSeptets(septets: Uint8Array, fillBits = 0): Buffer {
  const bits = fillBits + septets.length * 7;
  const out = Buffer.alloc(Math.ceil(bits / 8));
  for (let k = 0; k < septets.length; k++) {
    const bit = fillBits + k * 7;
    const byte = bit >> 3;
    const shift = bit & 7;
    const v = septets[k] & 0x7f;
    out[byte] |= (v << shift) & 0xff;
    if (shift > 1) out[byte + 1] |= v >> (8 - shift);
  }
  return out;
}

/** Decode packed septets (see `unpackSeptets` for the arguments). */
export function decodeGsm7Packed(packed: Uint8Array, septetCount?: number, fillBits = 0): DecodeResult {
  return decodeGsm7Unpacked(unpackSeptets(packed, septetCount, fillBits));
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

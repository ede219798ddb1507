/**
 * Mobile-terminated planning: choose the encoding and split into segments ready for submit_sm.
 *
 * GSM 7-bit when every character fits (extension characters take two septets), else UCS2.
 * One segment holds 160 septets / 70 UCS2 code units; concatenated segments hold 153 / 67 with an
 * 8-bit-reference UDH (`05 00 03 ref n i`), or 152 / 66 with a 16-bit reference. A surrogate pair
 * and a GSM escape sequence are never split. GSM payloads are unpacked septets (one per octet), as
 * SMPP short_message carries them with data_coding 0; UCS2 payloads are UTF-16BE with data_coding 8.
 *
 * The concat reference is an input: the caller persists it with the message so a retry reuses it.
 */
import { encodeGsm7, fitsGsm7, gsm7CharLength } from './gsm7.js';
import { encodeUcs2 } from './text.js';
import { buildConcatUdh } from './udh.js';

export type MtEncoding = 'gsm7' | 'ucs2';

export interface MtSegment {
  /** Concatenation UDH including UDHL, or null for a single-segment message. */
  udh: Buffer | null;
  /** Encoded text of this segment (without UDH). */
  payload: Buffer;
  /** The segment's text (handy for logs and previews). */
  text: string;
}

export interface MtPlan {
  encoding: MtEncoding;
  dataCoding: 0 | 8;
  segments: MtSegment[];
  /** Total length in septets (GSM) or UTF-16 code units (UCS2). */
  units: number;
  ref: number;
  refBits: 8 | 16;
  /** The text actually planned (after NFC and any truncation). */
  text: string;
  truncated: boolean;
}

export interface PlanOptions {
  /** Maximum number of segments (1–255). */
  maxSegments: number;
  /** Concat reference (0–255 for 8-bit, 0–65535 for 16-bit); default 0. */
  ref?: number;
  refBits?: 8 | 16;
  /** What to do when the text needs more than maxSegments: throw (default) or cut and append an ellipsis. */
  overflow?: 'error' | 'truncate';
  /** Force UCS2 even when GSM 7-bit would fit. */
  forceUcs2?: boolean;
  /** Apply Unicode NFC first (default true: a decomposed é then fits GSM, and never splits from its accent). */
  nfc?: boolean;
}

/** Thrown when a text needs more segments than allowed. */
export class MtTooLongError extends Error {
  readonly code = 'SMS_TOO_LONG';
  constructor(readonly segmentsNeeded: number, readonly maxSegments: number, readonly encoding: MtEncoding, readonly units: number) {
    super(`SMS needs ${segmentsNeeded} segments (${units} ${encoding === 'gsm7' ? 'septets' : 'UCS2 units'}), limit is ${maxSegments}`);
    this.name = 'MtTooLongError';
  }
}

export const LIMITS = {
  gsm7: { single: 160, multi8: 153, multi16: 152 },
  ucs2: { single: 70, multi8: 67, multi16: 66 },
} as const;

/** Ellipsis used when truncating: '…' is not in the GSM alphabet, so GSM texts get '...'. */
const ELLIPSIS: Record<MtEncoding, string> = { gsm7: '...', ucs2: '…' };

/** A unit that may not be split: a character (or surrogate pair) and its length in septets / code units. */
interface Atom { s: string; len: number }

function atomsOf(text: string, encoding: MtEncoding): Atom[] {
  const atoms: Atom[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let s = text[i];
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const n = text.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) { s = text.slice(i, i + 2); i++; }
    }
    atoms.push({ s, len: encoding === 'gsm7' ? Math.max(1, gsm7CharLength(s)) : s.length });
  }
  return atoms;
}

/** Split atoms greedily into chunks of at most `cap` units. */
function chunk(atoms: Atom[], cap: number): string[] {
  const out: string[] = [];
  let cur = '';
  let used = 0;
  for (const a of atoms) {
    if (used + a.len > cap && used > 0) { out.push(cur); cur = ''; used = 0; }
    cur += a.s;
    used += a.len;
  }
  if (cur || out.length === 0) out.push(cur);
  return out;
}

/** Encoding, units and segment count of a text, without building payloads or throwing. */
export function measureText(text: string, opts: { refBits?: 8 | 16; forceUcs2?: boolean; nfc?: boolean } = {}): { encoding: MtEncoding; units: number; segments: number } {
  const t = opts.nfc === false ? text : text.normalize('NFC');
  const encoding: MtEncoding = !opts.forceUcs2 && fitsGsm7(t) ? 'gsm7' : 'ucs2';
  const atoms = atomsOf(t, encoding);
  const units = atoms.reduce((n, a) => n + a.len, 0);
  const lim = LIMITS[encoding];
  if (units <= lim.single) return { encoding, units, segments: 1 };
  return { encoding, units, segments: chunk(atoms, opts.refBits === 16 ? lim.multi16 : lim.multi8).length };
}

/** Plan an MT: encoding, data_coding and ready-to-send segments. */
export function planMt(text: string, opts: PlanOptions): MtPlan {
  const maxSegments = Math.floor(opts.maxSegments);
  if (!(maxSegments >= 1 && maxSegments <= 255)) throw new RangeError(`maxSegments must be 1..255, got ${opts.maxSegments}`);
  const refBits = opts.refBits ?? 8;
  const ref = (opts.ref ?? 0) & (refBits === 16 ? 0xffff : 0xff);
  const input = opts.nfc === false ? text : text.normalize('NFC');
  const encoding: MtEncoding = !opts.forceUcs2 && fitsGsm7(input) ? 'gsm7' : 'ucs2';
  const lim = LIMITS[encoding];
  const cap = refBits === 16 ? lim.multi16 : lim.multi8;

  let atoms = atomsOf(input, encoding);
  let units = atoms.reduce((n, a) => n + a.len, 0);
  let chunks = units <= lim.single ? [input] : chunk(atoms, cap);
  let truncated = false;

  if (chunks.length > maxSegments) {
    if (opts.overflow !== 'truncate') throw new MtTooLongError(chunks.length, maxSegments, encoding, units);
    // Keep the longest prefix of atoms that, followed by the ellipsis, fits in maxSegments.
    const ell = atomsOf(ELLIPSIS[encoding], encoding);
    const fits = (k: number) => {
      const a = atoms.slice(0, k).concat(ell);
      const u = a.reduce((n, x) => n + x.len, 0);
      return u <= lim.single || chunk(a, cap).length <= maxSegments;
    };
    let lo = 0;
    let hi = atoms.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (fits(mid)) lo = mid; else hi = mid - 1;
    }
    atoms = atoms.slice(0, lo).concat(ell);
    units = atoms.reduce((n, a) => n + a.len, 0);
    chunks = units <= lim.single ? [atoms.map((a) => a.s).join('')] : chunk(atoms, cap);
    truncated = true;
  }

  const encode = encoding === 'gsm7' ? encodeGsm7 : encodeUcs2;
  const total = chunks.length;
  const segments: MtSegment[] = chunks.map((s, i) => ({
    udh: total > 1 ? buildConcatUdh(ref, total, i + 1, refBits) : null,
    payload: encode(s),
    text: s,
  }));
  return { encoding, dataCoding: encoding === 'gsm7' ? 0 : 8, segments, units, ref, refBits, text: chunks.join(''), truncated };
}

/** One SMS of a text sent as several numbered messages (each a concatenated SMS of its own). */
export interface PlannedMessage {
  /** Exactly what is sent (NFC). */
  text: string;
  encoding: MtEncoding;
  units: number;
  segments: number;
}

export interface MessagesOptions {
  /** Segments one message may take (sms.max_segments). */
  maxSegments: number;
  /**
   * Concat UDH the segments will carry. Default 16: a message planned for the 16-bit reference's
   * capacity (152 / 66 per segment) also fits under the 8-bit one (153 / 67), whichever the link uses.
   */
  refBits?: 8 | 16;
}

/** A signature such as 【96365】 at the start is repeated on every message (operators require it). */
const SIGNATURE_RE = /^【[^】]{1,16}】/;
/** Good places to end a message: after a sentence, else after a clause. */
const SENTENCE_END = /[。！？!?；;\n]/;
const CLAUSE_END = /[，,、：:）)」』”]/;
const WORD_END = /\s/;

/**
 * Plan a text that may be longer than one message allows: one message when it fits in maxSegments,
 * else several, numbered `(1/n)` … `(n/n)` after the signature, in order, each within maxSegments —
 * nothing is cut. Breaks fall after a sentence (。！？；), a clause (，：) or a space near the end of a
 * message where there is one, never inside a surrogate pair or a GSM escape. Pure.
 */
export function planMessages(text: string, opts: MessagesOptions): PlannedMessage[] {
  const maxSegments = Math.floor(opts.maxSegments);
  if (!(maxSegments >= 1 && maxSegments <= 255)) throw new RangeError(`maxSegments must be 1..255, got ${opts.maxSegments}`);
  const refBits = opts.refBits ?? 16;
  const t = text.normalize('NFC');
  const whole = measureText(t, { refBits, nfc: false });
  if (whole.segments <= maxSegments) return [{ text: t, ...whole }];

  const sig = SIGNATURE_RE.exec(t)?.[0] ?? '';
  const body = t.slice(sig.length);
  // Characters (a surrogate pair is one); GSM escapes are single characters too.
  const chars = Array.from(body);
  const fits = (s: string) => measureText(s, { refBits, nfc: false }).segments <= maxSegments;

  /** Bodies of the messages when numbered out of `total`. */
  const split = (total: number): string[] => {
    const out: string[] = [];
    let from = 0;
    while (from < chars.length) {
      const head = `${sig}(${out.length + 1}/${total})`;
      if (!fits(head + chars[from])) throw new RangeError(`maxSegments ${maxSegments} cannot hold a numbered message`);
      // Longest run of characters that fits after the head (binary search: the measure is monotonic).
      let lo = 1;
      let hi = chars.length - from;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (fits(head + chars.slice(from, from + mid).join(''))) lo = mid; else hi = mid - 1;
      }
      let take = lo;
      if (from + take < chars.length) {
        // Prefer to end after a sentence within the last 40 characters, else after a clause within 20.
        const pick = (re: RegExp, window: number) => {
          for (let k = take; k > Math.max(0, take - window); k--) if (re.test(chars[from + k - 1])) return k;
          return 0;
        };
        take = pick(SENTENCE_END, 40) || pick(CLAUSE_END, 20) || pick(WORD_END, 20) || take;
      }
      out.push(chars.slice(from, from + take).join(''));
      from += take;
    }
    return out;
  };

  // The numbering's width depends on the count. A wider number never gives fewer messages, so grow
  // the assumed count until it covers the result; the actual count is then no wider (still fits).
  let total = 2;
  let bodies = split(total);
  while (bodies.length > total) {
    total = bodies.length;
    bodies = split(total);
  }
  const parts = bodies.map((b, i) => `${sig}(${i + 1}/${bodies.length})${b}`);
  return parts.map((p) => ({ text: p, ...measureText(p, { refBits, nfc: false }) }));
}

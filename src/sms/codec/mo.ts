/**
 * One mobile-originated part, from the fields of a deliver_sm / data_sm: where its text octets are
 * (short_message or message_payload, UDH stripped) and its concatenation info (UDH IEI 00/08 or
 * SAR TLVs). Plain data in, plain data out.
 */
import { effectiveAlphabet, type DecodeOptions } from './dcs.js';
import { encodeGsm7 } from './gsm7.js';
import { encodeUcs2 } from './text.js';
import { hasUdhi, parseUdh, splitUdh, validateConcat, type ConcatInfo, type UdhElement } from './udh.js';

/** SAR TLVs as the `smpp` library names them. */
export interface SarTlvs {
  sar_msg_ref_num?: number | null;
  sar_total_segments?: number | null;
  sar_segment_seqnum?: number | null;
}

/** Concat info from SAR TLVs (16-bit reference), or null when absent or inconsistent. */
export function concatFromSar(tlvs: SarTlvs): ConcatInfo | null {
  const { sar_msg_ref_num: ref, sar_total_segments: total, sar_segment_seqnum: seq } = tlvs;
  if (ref == null || total == null || seq == null) return null;
  const info: ConcatInfo = { ref: Number(ref), total: Number(total), seq: Number(seq), refBits: 16 };
  return validateConcat(info) ? null : info;
}

/** A short_message as the `smpp` library hands it over when UDHI is set: raw UDH elements + body. */
export interface LibShortMessage {
  udh?: ReadonlyArray<Uint8Array>;
  message: Uint8Array | string;
}

export interface MoFields extends SarTlvs {
  sourceAddr: string;
  esmClass: number;
  dataCoding: number;
  /** Raw octets (UDH included when UDHI is set), or the library's `{udh, message}` form. */
  shortMessage?: Uint8Array | LibShortMessage | string | null;
  /** message_payload TLV (raw octets); used instead of short_message when present and non-empty. */
  messagePayload?: Uint8Array | LibShortMessage | string | null;
}

export interface MoPart {
  source: string;
  dataCoding: number;
  /** Text octets without UDH. */
  body: Buffer;
  concat: ConcatInfo | null;
  /** Epoch milliseconds the part arrived (drives the reassembly timeout). */
  receivedAt: number;
  udhElements?: UdhElement[];
}

/**
 * Extract the part. Precedence: a non-empty message_payload over short_message; UDH concat over
 * SAR TLVs. A body already decoded to a string by the library is re-encoded to the octets it came
 * from (exact for UCS2 and Latin-1; GSM via our encoder) with a warning.
 */
export function parseMoPart(f: MoFields, receivedAt: number, opts: DecodeOptions = { dc0: 'gsm7' }): { part: MoPart; warnings: string[] } {
  const warnings: string[] = [];
  const usePayload = f.messagePayload != null && bodyLength(f.messagePayload) > 0;
  const src = usePayload ? f.messagePayload : f.shortMessage;
  let body: Buffer = Buffer.alloc(0);
  let udhElements: UdhElement[] | undefined;
  let concat: ConcatInfo | null = null;

  if (src == null) {
    // nothing
  } else if (src instanceof Uint8Array) {
    if (hasUdhi(f.esmClass) && src.length > 0) {
      const { udh, body: b } = splitUdh(src);
      const parsed = parseUdh(udh);
      warnings.push(...parsed.warnings);
      udhElements = parsed.elements;
      concat = parsed.concat;
      body = Buffer.from(b);
    } else body = Buffer.from(src);
  } else if (typeof src === 'string') {
    body = reencode(src, f.dataCoding, opts, warnings);
  } else {
    if (src.udh && src.udh.length) {
      const parsed = parseUdh(src.udh);
      warnings.push(...parsed.warnings);
      udhElements = parsed.elements;
      concat = parsed.concat;
    }
    body = typeof src.message === 'string' ? reencode(src.message, f.dataCoding, opts, warnings) : Buffer.from(src.message ?? []);
  }

  if (!concat) concat = concatFromSar(f);
  else if (f.sar_msg_ref_num != null) warnings.push('both UDH concat and SAR TLVs present; UDH used');
  // A "1 of 1" concat is just a single message.
  if (concat && concat.total === 1) concat = null;

  return {
    part: { source: f.sourceAddr, dataCoding: f.dataCoding & 0xff, body, concat, receivedAt, ...(udhElements ? { udhElements } : {}) },
    warnings,
  };
}

function bodyLength(v: Uint8Array | LibShortMessage | string): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof Uint8Array) return v.length;
  return (v.udh?.length ?? 0) + (v.message?.length ?? 0);
}

function reencode(s: string, dataCoding: number, opts: DecodeOptions, warnings: string[]): Buffer {
  warnings.push('short_message arrived already decoded by the library; re-encoded to octets');
  switch (effectiveAlphabet(dataCoding, opts)) {
    case 'ucs2': return encodeUcs2(s);
    case 'gsm7': return encodeGsm7(s);
    case 'latin1': case 'ia5': return Buffer.from(s, 'latin1');
    default: return Buffer.from(s, 'utf8');
  }
}

/**
 * The same, for input whose UDH is already separated from the text octets (the shape of the link
 * adapter's DeliverEvent: `udh` including its length octet or null, `payload` without it, SAR TLVs
 * in `tlvs`). A DeliverEvent can be passed as is.
 */
export interface SplitMoFields {
  sourceAddr: string;
  dataCoding: number;
  udh: Uint8Array | null;
  payload: Uint8Array;
  tlvs?: SarTlvs;
  receivedAt?: Date | number;
}

export function moPartFromSplit(f: SplitMoFields, receivedAt?: number): { part: MoPart; warnings: string[] } {
  const warnings: string[] = [];
  let concat: ConcatInfo | null = null;
  let udhElements: UdhElement[] | undefined;
  if (f.udh && f.udh.length) {
    const parsed = parseUdh(f.udh);
    warnings.push(...parsed.warnings);
    udhElements = parsed.elements;
    concat = parsed.concat;
  }
  if (!concat && f.tlvs) concat = concatFromSar(f.tlvs);
  if (concat && concat.total === 1) concat = null;
  const at = receivedAt ?? (f.receivedAt instanceof Date ? f.receivedAt.getTime() : f.receivedAt ?? Date.now());
  return {
    part: { source: f.sourceAddr, dataCoding: f.dataCoding & 0xff, body: Buffer.from(f.payload), concat, receivedAt: at, ...(udhElements ? { udhElements } : {}) },
    warnings,
  };
}

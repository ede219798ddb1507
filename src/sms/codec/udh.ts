/**
 * User Data Header (3GPP TS 23.040 §9.2.3.24): UDHL, then elements IEI, IEDL, data.
 * Concatenation: IEI 0x00 (8-bit reference: ref, total, seq) and IEI 0x08 (16-bit reference).
 */

export interface ConcatInfo {
  ref: number;
  total: number;
  seq: number;
  refBits: 8 | 16;
}

export interface UdhElement {
  iei: number;
  data: Buffer;
}

export interface ParsedUdh {
  elements: UdhElement[];
  concat: ConcatInfo | null;
  warnings: string[];
}

/**
 * Parse a UDH. Accepts either the whole header as a Buffer (first octet = UDHL, as at the start of
 * a short_message with UDHI set) or the `smpp` library's `short_message.udh` array of raw elements
 * (each `[IEI, IEDL, ...data]`). Truncated or inconsistent headers give warnings, never a throw.
 */
export function parseUdh(input: Uint8Array | ReadonlyArray<Uint8Array>): ParsedUdh {
  const warnings: string[] = [];
  const elements: UdhElement[] = [];
  if (input instanceof Uint8Array) {
    const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (buf.length === 0) return { elements, concat: null, warnings: ['UDH: empty'] };
    const udhl = buf[0];
    if (udhl + 1 > buf.length) warnings.push(`UDH: length ${udhl} exceeds the ${buf.length - 1} octet(s) available`);
    const end = Math.min(buf.length, udhl + 1);
    let i = 1;
    while (i < end) {
      if (i + 1 >= end) { warnings.push('UDH: truncated element header'); break; }
      const iei = buf[i];
      const len = buf[i + 1];
      if (i + 2 + len > end) { warnings.push(`UDH: element 0x${hex2(iei)} truncated`); break; }
      elements.push({ iei, data: Buffer.from(buf.subarray(i + 2, i + 2 + len)) });
      i += 2 + len;
    }
  } else {
    for (const raw of input) {
      if (!raw || raw.length < 2) { warnings.push('UDH: element shorter than 2 octets'); continue; }
      const len = raw[1];
      if (raw.length < 2 + len) { warnings.push(`UDH: element 0x${hex2(raw[0])} truncated`); continue; }
      elements.push({ iei: raw[0], data: Buffer.from(raw.subarray(2, 2 + len)) });
    }
  }
  return { elements, concat: concatFromElements(elements, warnings), warnings };
}

function concatFromElements(elements: UdhElement[], warnings: string[]): ConcatInfo | null {
  let found: ConcatInfo | null = null;
  for (const el of elements) {
    let info: ConcatInfo;
    if (el.iei === 0x00) {
      if (el.data.length !== 3) { warnings.push(`UDH: concat (IEI 00) with length ${el.data.length}, expected 3`); continue; }
      info = { ref: el.data[0], total: el.data[1], seq: el.data[2], refBits: 8 };
    } else if (el.iei === 0x08) {
      if (el.data.length !== 4) { warnings.push(`UDH: concat (IEI 08) with length ${el.data.length}, expected 4`); continue; }
      info = { ref: el.data.readUInt16BE(0), total: el.data[2], seq: el.data[3], refBits: 16 };
    } else continue;
    const bad = validateConcat(info);
    if (bad) { warnings.push(`UDH: ${bad}; treated as a single message`); continue; }
    if (found) { warnings.push('UDH: more than one concatenation element; the first is used'); continue; }
    found = info;
  }
  return found;
}

/** Why a concat triple is unusable, or null when it is fine. */
export function validateConcat(c: { ref: number; total: number; seq: number }): string | null {
  if (!Number.isInteger(c.total) || c.total < 1 || c.total > 255) return `concat total ${c.total} out of range`;
  if (!Number.isInteger(c.seq) || c.seq < 1 || c.seq > c.total) return `concat seq ${c.seq} not in 1..${c.total}`;
  if (!Number.isInteger(c.ref) || c.ref < 0 || c.ref > 0xffff) return `concat ref ${c.ref} out of range`;
  return null;
}

/**
 * Build a concatenation UDH (UDHL included): `05 00 03 ref total seq`, or with a 16-bit reference
 * `06 08 04 refHi refLo total seq`.
 */
export function buildConcatUdh(ref: number, total: number, seq: number, refBits: 8 | 16 = 8): Buffer {
  if (refBits === 16) {
    const r = ref & 0xffff;
    return Buffer.from([0x06, 0x08, 0x04, r >> 8, r & 0xff, total & 0xff, seq & 0xff]);
  }
  return Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total & 0xff, seq & 0xff]);
}

/**
 * Split a short_message whose esm_class has UDHI (0x40) into header and body. When the UDHL
 * claims more octets than present, the whole message is the header and the body is empty.
 */
export function splitUdh(shortMessage: Uint8Array): { udh: Buffer; body: Buffer } {
  const buf = Buffer.from(shortMessage.buffer, shortMessage.byteOffset, shortMessage.byteLength);
  if (buf.length === 0) return { udh: Buffer.alloc(0), body: Buffer.alloc(0) };
  const end = Math.min(buf.length, buf[0] + 1);
  return { udh: buf.subarray(0, end), body: buf.subarray(end) };
}

/** esm_class bit 6: the short_message starts with a UDH. */
export function hasUdhi(esmClass: number): boolean {
  return (esmClass & 0x40) !== 0;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

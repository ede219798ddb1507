/**
 * Minimal, private text helpers for the SMSC simulator: what a handset and an SMSC need to turn
 * octets into text and back (GSM 03.38 unpacked, IA5, Latin-1, UCS2), the concatenation UDH, and the
 * delivery-receipt text. The server's real codec lives in src/sms/codec; the simulator keeps its own
 * so that a bug there is not mirrored here.
 */

const GSM_DEFAULT =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1BÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT: Array<[number, string]> = [
  [0x0a, '\f'], [0x14, '^'], [0x28, '{'], [0x29, '}'], [0x2f, '\\'],
  [0x3c, '['], [0x3d, '~'], [0x3e, ']'], [0x40, '|'], [0x65, '€'],
];
const GSM_DEC = Array.from(GSM_DEFAULT);
const GSM_ENC = new Map<string, number>();
GSM_DEC.forEach((c, i) => { if (i !== 0x1b) GSM_ENC.set(c, i); });
const GSM_EXT_DEC = new Map(GSM_EXT);
const GSM_EXT_ENC = new Map(GSM_EXT.map(([s, c]) => [c, s]));

/** GSM 03.38 unpacked septets (one per octet), or null when a character is not in the alphabet. */
export function gsmEncode(text: string): Buffer | null {
  const out: number[] = [];
  for (const ch of text) {
    const d = GSM_ENC.get(ch);
    if (d !== undefined) { out.push(d); continue; }
    const e = GSM_EXT_ENC.get(ch);
    if (e === undefined) return null;
    out.push(0x1b, e);
  }
  return Buffer.from(out);
}

export function gsmDecode(buf: Buffer): string {
  let s = '';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] & 0x7f;
    if (b === 0x1b && i + 1 < buf.length) {
      s += GSM_EXT_DEC.get(buf[++i] & 0x7f) ?? ' ';
    } else {
      s += GSM_DEC[b];
    }
  }
  return s;
}

export function ucs2Encode(text: string): Buffer {
  const b = Buffer.from(text, 'utf16le');
  b.swap16();
  return b;
}

export function ucs2Decode(buf: Buffer): string {
  const even = buf.length - (buf.length % 2);
  const b = Buffer.from(buf.subarray(0, even));
  b.swap16();
  return b.toString('utf16le') + (even < buf.length ? '\uFFFD' : '');
}

/** Text of user data by data_coding (low nibble for the common 0x0X group). */
export function decodeText(dataCoding: number, buf: Buffer): string {
  switch (dataCoding) {
    case 0x00: return gsmDecode(buf);
    case 0x01: return buf.toString('latin1').replace(/[\x80-\xff]/g, '\uFFFD');
    case 0x03: return buf.toString('latin1');
    case 0x08: return ucs2Decode(buf);
    default:
      if ((dataCoding & 0xf0) === 0xf0) return (dataCoding & 0x04) ? buf.toString('hex') : gsmDecode(buf);
      if ((dataCoding & 0xcc) === 0x08) return ucs2Decode(buf); // general data coding group, UCS2
      return buf.toString('hex');
  }
}

/** Pick GSM 7-bit (dc 0) when every character fits, else UCS2 (dc 8). */
export function encodeAuto(text: string): { dataCoding: number; bytes: Buffer } {
  const g = gsmEncode(text);
  return g ? { dataCoding: 0, bytes: g } : { dataCoding: 8, bytes: ucs2Encode(text) };
}

/** Split text into chunks of at most `units` UTF-16 code units, never inside a surrogate pair. */
export function splitUnits(text: string, units: number): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + units);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(text.slice(i, end));
    i = end;
  }
  return parts.length ? parts : [''];
}

/** Concatenation UDH: IEI 0x00 (8-bit reference) or 0x08 (16-bit), length octet included. */
export function concatUdh(ref: number, total: number, seq: number, ref16 = false): Buffer {
  return ref16
    ? Buffer.from([0x06, 0x08, 0x04, (ref >> 8) & 0xff, ref & 0xff, total, seq])
    : Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
}

/** Concatenation info from a UDH (length octet included), or null. */
export function parseConcatUdh(udh: Buffer): { ref: number; total: number; seq: number } | null {
  let i = 1;
  const end = Math.min(udh.length, 1 + udh[0]);
  while (i + 1 < end) {
    const iei = udh[i];
    const len = udh[i + 1];
    const v = udh.subarray(i + 2, i + 2 + len);
    if (iei === 0x00 && len === 3 && v.length === 3) return { ref: v[0], total: v[1], seq: v[2] };
    if (iei === 0x08 && len === 4 && v.length === 4) return { ref: v.readUInt16BE(0), total: v[2], seq: v[3] };
    i += 2 + len;
  }
  return null;
}

/** 'YYMMDDhhmm' at a fixed UTC offset (SMSC local time). */
export function dlrDate(at: Date, tzOffsetMinutes: number): string {
  const d = new Date(at.getTime() + tzOffsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

export type DlrStat = 'DELIVRD' | 'EXPIRED' | 'DELETED' | 'UNDELIV' | 'ACCEPTD' | 'UNKNOWN' | 'REJECTD';

/** message_state TLV value for a receipt stat (SMPP 3.4 §5.2.28). */
export const MESSAGE_STATE: Record<DlrStat, number> = {
  DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8,
};

/** The de-facto receipt text (SMPP 3.4 Appendix B). */
export function dlrText(r: { id: string; delivered: boolean; submitDate: string; doneDate: string; stat: DlrStat; err: number; text: string }): string {
  const n = r.delivered ? '001' : '000';
  return `id:${r.id} sub:001 dlvrd:${n} submit date:${r.submitDate} done date:${r.doneDate} stat:${r.stat} err:${String(r.err).padStart(3, '0')} text:${r.text}`;
}

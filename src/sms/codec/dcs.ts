/**
 * data_coding (SMPP 3.4 §5.2.19, GSM 03.38 §4 coding groups) and short_message text decoding.
 *
 * 0x00–0x0F are SMPP's own values (0 SMSC default, 1 IA5, 3 Latin-1, 8 UCS2, …). Above that the
 * GSM coding groups apply: 0x10–0x3F general data coding (bit 5 compressed, bit 4 "class bits are
 * meaningful", bits 3–2 alphabet, bits 1–0 class), 0x40–0x7F the same with automatic deletion,
 * 0xC0–0xDF message-waiting groups (GSM 7-bit), 0xE0–0xEF message waiting (UCS2),
 * 0xF0–0xFF data coding/message class (bit 2: 0 = GSM 7-bit, 1 = 8-bit data; bits 1–0 class).
 */
import { decodeGsm7Packed, decodeGsm7Unpacked, type DecodeResult } from './gsm7.js';
import { decodeIa5, decodeLatin1, decodeUcs2, decodeWith, isValidUtf8 } from './text.js';

export type Alphabet =
  | 'smsc-default' // dc 0: GSM 7-bit or Latin-1, by configuration
  | 'gsm7'
  | 'ia5'
  | 'latin1'
  | 'ucs2'
  | 'binary' // 8-bit data
  | 'jis' // JIS X 0208-1990
  | 'cyrillic' // ISO-8859-5
  | 'hebrew' // ISO-8859-8
  | 'pictogram'
  | 'iso-2022-jp'
  | 'jis-x0212'
  | 'ksc5601'
  | 'reserved';

export interface Dcs {
  dataCoding: number;
  alphabet: Alphabet;
  /** Message class 0–3 when the DCS carries one. */
  messageClass: 0 | 1 | 2 | 3 | null;
  compressed: boolean;
  /** Message-waiting indication group (0xC0–0xEF). */
  messageWaiting: boolean;
  autoDelete: boolean;
}

/** Parse a data_coding octet fully (never throws; out-of-range values are masked to 8 bits). */
export function parseDcs(dataCoding: number): Dcs {
  const dc = (Number.isFinite(dataCoding) ? dataCoding : 0) & 0xff;
  const base: Dcs = { dataCoding: dc, alphabet: 'reserved', messageClass: null, compressed: false, messageWaiting: false, autoDelete: false };
  if (dc <= 0x0f) {
    const smpp: Record<number, Alphabet> = {
      0: 'smsc-default', 1: 'ia5', 2: 'binary', 3: 'latin1', 4: 'binary', 5: 'jis', 6: 'cyrillic', 7: 'hebrew',
      8: 'ucs2', 9: 'pictogram', 10: 'iso-2022-jp', 13: 'jis-x0212', 14: 'ksc5601',
    };
    return { ...base, alphabet: smpp[dc] ?? 'reserved' };
  }
  if (dc <= 0x7f) {
    // General data coding (0x00–0x3F) and automatic deletion group (0x40–0x7F): same bit layout.
    const alpha = (dc >> 2) & 0x03;
    return {
      ...base,
      alphabet: (['gsm7', 'binary', 'ucs2', 'reserved'] as const)[alpha],
      compressed: (dc & 0x20) !== 0,
      messageClass: dc & 0x10 ? ((dc & 0x03) as 0 | 1 | 2 | 3) : null,
      autoDelete: dc >= 0x40,
    };
  }
  if (dc <= 0xbf) return base; // reserved coding groups
  if (dc <= 0xdf) return { ...base, alphabet: 'gsm7', messageWaiting: true };
  if (dc <= 0xef) return { ...base, alphabet: 'ucs2', messageWaiting: true };
  return { ...base, alphabet: dc & 0x04 ? 'binary' : 'gsm7', messageClass: (dc & 0x03) as 0 | 1 | 2 | 3 };
}

export interface DecodeOptions {
  /** How to read dc 0 (SMSC default alphabet): GSM 03.38 (standard) or Latin-1 (some SMSCs). */
  dc0: 'gsm7' | 'latin1';
  /** GSM 7-bit text arrives packed (7 bits per septet) instead of one septet per octet. Default false. */
  gsm7Packed?: boolean;
}

/** The canonical alphabet a data_coding decodes with, after applying the dc 0 option. */
export function effectiveAlphabet(dataCoding: number, opts: DecodeOptions): Alphabet {
  const a = parseDcs(dataCoding).alphabet;
  return a === 'smsc-default' ? (opts.dc0 === 'latin1' ? 'latin1' : 'gsm7') : a;
}

/**
 * Decode a short_message (or message_payload) body — WITHOUT its UDH — to text.
 * Malformed input yields U+FFFD and warnings, never an exception.
 */
export function decodeShortMessage(buf: Uint8Array, dataCoding: number, opts: DecodeOptions = { dc0: 'gsm7' }): DecodeResult {
  const dcs = parseDcs(dataCoding);
  const r = decodeAlphabet(buf, effectiveAlphabet(dataCoding, opts), opts);
  if (dcs.compressed) r.warnings.push(`data_coding 0x${hex2(dcs.dataCoding)}: compressed text is not supported, decoded uncompressed`);
  return r;
}

function decodeAlphabet(buf: Uint8Array, alphabet: Alphabet, opts: DecodeOptions): DecodeResult {
  switch (alphabet) {
    case 'gsm7':
    case 'smsc-default':
      return opts.gsm7Packed ? decodeGsm7Packed(buf) : decodeGsm7Unpacked(buf);
    case 'latin1':
      return decodeLatin1(buf);
    case 'ia5':
      return decodeIa5(buf);
    case 'ucs2':
      return decodeUcs2(buf);
    case 'cyrillic':
      return decodeWith('iso-8859-5', buf, 'ISO-8859-5');
    case 'hebrew':
      return decodeWith('iso-8859-8', buf, 'ISO-8859-8');
    case 'iso-2022-jp':
      return decodeWith('iso-2022-jp', buf, 'ISO-2022-JP');
    case 'ksc5601':
      // KS C 5601 as sent by SMSCs is EUC-KR (high bit set); raw 7-bit row/cell pairs get it added.
      return decodeWith('euc-kr', highBitPairs(buf), 'KS C 5601');
    case 'jis':
      // JIS X 0208 row/cell octets (0x21–0x7E) map to EUC-JP by setting the high bit.
      return decodeWith('euc-jp', highBitPairs(buf), 'JIS X 0208');
    case 'jis-x0212': {
      // JIS X 0212 in EUC-JP is SS3 (0x8F) + two high-bit octets.
      const b = highBitPairs(buf);
      const out: number[] = [];
      for (let i = 0; i + 1 < b.length; i += 2) out.push(0x8f, b[i], b[i + 1]);
      const r = decodeWith('euc-jp', Uint8Array.from(out), 'JIS X 0212');
      if (b.length % 2) { r.text += '\uFFFD'; r.warnings.push('JIS X 0212: odd length, last octet replaced by U+FFFD'); }
      return r;
    }
    case 'binary': {
      // 8-bit data has no character set. Best effort for a text channel: valid UTF-8 (some phones
      // and aggregators send it) else Latin-1, always with a warning.
      if (isValidUtf8(buf)) {
        return { text: Buffer.from(buf).toString('utf8'), warnings: ['8-bit data: decoded as UTF-8'] };
      }
      return { text: decodeLatin1(buf).text, warnings: ['8-bit data: decoded as Latin-1'] };
    }
    case 'pictogram':
    case 'reserved':
    default: {
      const r = decodeLatin1(buf);
      return { text: r.text, warnings: [`unsupported alphabet '${alphabet}': decoded as Latin-1`] };
    }
  }
}

/** Set the high bit on 7-bit octets (raw JIS/KS row-cell → EUC form); leave 8-bit octets alone. */
function highBitPairs(buf: Uint8Array): Uint8Array {
  const out = new Uint8Array(buf.length);
  for (let i = 0; i < buf.length; i++) out[i] = buf[i] >= 0x21 && buf[i] <= 0x7e ? buf[i] | 0x80 : buf[i];
  return out;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

import { describe, expect, it } from 'vitest';
import {
  decodeShortMessage, decodeGsm7Packed, decodeGsm7Unpacked, encodeGsm7, fitsGsm7, gsm7Length, packSeptets, parseDcs, unpackSeptets,
  type DecodeOptions,
} from '../../../src/sms/codec/index.js';

/** A lone (unpaired) UTF-16 surrogate. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const GSM: DecodeOptions = { dc0: 'gsm7' };
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('decodeShortMessage', () => {
  const cases: Array<{ label: string; hex: string; dc: number; opts?: DecodeOptions; text: string; warn?: RegExp }> = [
    { label: 'dc0 GSM plain ASCII subset', hex: '435820313233343536373839303132', dc: 0, text: 'CX 123456789012' },
    { label: 'dc0 GSM @ $ _ map to 00 02 11', hex: '000211', dc: 0, text: '@$_' },
    { label: 'dc0 GSM extension table', hex: '1b3c1b3e1b281b291b651b141b2f1b3d1b40', dc: 0, text: '[]{}€^\\~|' },
    { label: 'dc0 GSM accented + Greek', hex: '04050607087f7e10131415', dc: 0, text: 'èéùìòàüΔΓΛΩ' },
    { label: 'dc0 GSM LF, CR, ¤ ¡ ¿ §', hex: '0a0d24405f60', dc: 0, text: '\n\r¤¡§¿' },
    { label: 'dc0 GSM trailing lone ESC dropped', hex: '41421b', dc: 0, text: 'AB', warn: /trailing ESC/ },
    { label: 'dc0 GSM unknown escape → default char', hex: '1b41', dc: 0, text: 'A', warn: /unknown escape/ },
    { label: 'dc0 GSM octet > 0x7F → U+FFFD', hex: '41ff42', dc: 0, text: 'A\uFFFDB', warn: /outside the 7-bit alphabet/ },
    { label: 'dc0 as Latin-1 by config', hex: '5f4024e9', dc: 0, opts: { dc0: 'latin1' }, text: '_@$é' },
    { label: 'dc0 packed GSM by config', hex: 'e8329bfd4697d9ec37', dc: 0, opts: { dc0: 'gsm7', gsm7Packed: true }, text: 'hellohello' },
    { label: 'dc1 IA5', hex: '5f4024', dc: 1, text: '_@$' },
    { label: 'dc1 IA5 high octet → U+FFFD', hex: '41e9', dc: 1, text: 'A\uFFFD', warn: /IA5/ },
    { label: 'dc3 Latin-1', hex: '43616665cc81e9a3', dc: 3, text: 'CafeÌ\u0081é£' },
    { label: 'dc8 UCS2 Chinese', hex: '67e58be2ff1a0031', dc: 8, text: '查询：1' },
    { label: 'dc8 UCS2 emoji surrogate pair', hex: 'd83ddc4d0020d83dde21', dc: 8, text: '👍 😡' },
    { label: 'dc8 odd length', hex: '67e58b', dc: 8, text: '查\uFFFD', warn: /odd length/ },
    { label: 'dc8 lone high surrogate', hex: 'd83d0041', dc: 8, text: '\uFFFDA', warn: /lone surrogate/ },
    { label: 'dc8 lone low surrogate', hex: '0041dc4d', dc: 8, text: 'A\uFFFD', warn: /lone surrogate/ },
    { label: 'dc8 high surrogate at end', hex: '0041d83d', dc: 8, text: 'A\uFFFD', warn: /lone surrogate/ },
    { label: 'dc8 empty', hex: '', dc: 8, text: '' },
    { label: 'dc 0x18 = group 0 with class, UCS2', hex: '4f60597d', dc: 0x18, text: '你好' },
    { label: 'dc 0x11 = group 0 class 1, GSM', hex: '48656c6c6f', dc: 0x11, text: 'Hello' },
    { label: 'dc 0xF0 = class 0 GSM (flash)', hex: '48690021', dc: 0xf0, text: 'Hi@!' },
    { label: 'dc 0xF1 GSM class 1', hex: '1b65', dc: 0xf1, text: '€' },
    { label: 'dc 0xF6 8-bit data, UTF-8 valid', hex: 'e4bda0e5a5bd', dc: 0xf6, text: '你好', warn: /8-bit/ },
    { label: 'dc 4 8-bit binary, not UTF-8 → Latin-1', hex: 'ff00', dc: 4, text: 'ÿ\u0000', warn: /Latin-1/ },
    { label: 'dc 0xE0 MWI UCS2', hex: '4f60', dc: 0xe0, text: '你' },
    { label: 'dc 0xD0 MWI GSM', hex: '4869', dc: 0xd0, text: 'Hi' },
    { label: 'dc 6 Cyrillic', hex: 'bfe0d8d2d5e2', dc: 6, text: 'Привет' },
    { label: 'dc 14 KS C 5601 (EUC-KR)', hex: 'c7d1b1b9', dc: 14, text: '한국' },
    { label: 'dc 5 JIS X 0208 row/cell', hex: '467c4b5c', dc: 5, text: '日本' },
    { label: 'dc 0x24 compressed → warning', hex: '4869', dc: 0x24, text: 'Hi', warn: /compressed/ },
    { label: 'dc 0x80 reserved → Latin-1 + warning', hex: '4869', dc: 0x80, text: 'Hi', warn: /unsupported/ },
    { label: 'dc 11 reserved → Latin-1 + warning', hex: '41', dc: 11, text: 'A', warn: /unsupported/ },
  ];
  it.each(cases)('$label', ({ hex: h, dc, opts, text, warn }) => {
    const r = decodeShortMessage(hex(h), dc, opts ?? GSM);
    expect(r.text).toBe(text);
    if (warn) expect(r.warnings.join(' | ')).toMatch(warn);
    else expect(r.warnings).toEqual([]);
  });

  it('never throws on random bytes for any data_coding', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let dc = 0; dc < 256; dc++) {
      for (const packed of [false, true]) {
        const buf = Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)));
        const r = decodeShortMessage(buf, dc, { dc0: 'gsm7', gsm7Packed: packed });
        expect(typeof r.text).toBe('string');
        expect(r.text).not.toMatch(LONE_SURROGATE);
      }
    }
  });
});

describe('parseDcs', () => {
  const cases = [
    { dc: 0x00, alphabet: 'smsc-default', cls: null },
    { dc: 0x01, alphabet: 'ia5', cls: null },
    { dc: 0x03, alphabet: 'latin1', cls: null },
    { dc: 0x08, alphabet: 'ucs2', cls: null },
    { dc: 0x10, alphabet: 'gsm7', cls: 0 },
    { dc: 0x14, alphabet: 'binary', cls: 0 },
    { dc: 0x19, alphabet: 'ucs2', cls: 1 },
    { dc: 0x1a, alphabet: 'ucs2', cls: 2 },
    { dc: 0x28, alphabet: 'ucs2', cls: null, compressed: true },
    { dc: 0x48, alphabet: 'ucs2', cls: null, autoDelete: true },
    { dc: 0x90, alphabet: 'reserved', cls: null },
    { dc: 0xc0, alphabet: 'gsm7', cls: null, mwi: true },
    { dc: 0xe8, alphabet: 'ucs2', cls: null, mwi: true },
    { dc: 0xf0, alphabet: 'gsm7', cls: 0 },
    { dc: 0xf2, alphabet: 'gsm7', cls: 2 },
    { dc: 0xf5, alphabet: 'binary', cls: 1 },
    { dc: 0xff, alphabet: 'binary', cls: 3 },
  ] as const;
  it.each(cases)('0x$dc', (c) => {
    const d = parseDcs(c.dc);
    expect(d.alphabet).toBe(c.alphabet);
    expect(d.messageClass).toBe(c.cls);
    expect(d.compressed).toBe('compressed' in c ? c.compressed : false);
    expect(d.autoDelete).toBe('autoDelete' in c ? c.autoDelete : false);
    expect(d.messageWaiting).toBe('mwi' in c ? c.mwi : false);
  });
});

describe('GSM 7-bit', () => {
  const cases = [
    { label: 'ASCII letters', text: 'Hello', fits: true, len: 5, hex: '48656c6c6f' },
    { label: 'extension chars count double', text: '{x}', fits: true, len: 5, hex: '1b28781b29' },
    { label: '€ and ^', text: '€^', fits: true, len: 4, hex: '1b651b14' },
    { label: '@ £ $ ¥', text: '@£$¥', fits: true, len: 4, hex: '00010203' },
    { label: 'Chinese does not fit', text: '你好', fits: false, len: 2, hex: '3f3f' },
    { label: 'emoji does not fit, one ? per pair', text: 'a😀', fits: false, len: 3, hex: '613f' },
    { label: 'backtick does not fit', text: '`', fits: false, len: 1, hex: '3f' },
    { label: 'empty', text: '', fits: true, len: 0, hex: '' },
  ];
  it.each(cases)('$label', ({ text, fits, len, hex: h }) => {
    expect(fitsGsm7(text)).toBe(fits);
    expect(gsm7Length(text)).toBe(len);
    expect(encodeGsm7(text).toString('hex')).toBe(h);
    if (fits) expect(decodeGsm7Unpacked(encodeGsm7(text)).text).toBe(text);
  });

  it('every default + extension character round-trips', () => {
    const all = Array.from({ length: 128 }, (_, i) => i).filter((i) => i !== 0x1b);
    const dec = decodeGsm7Unpacked(Buffer.from(all)).text + '\f^{}\\[~]|€';
    expect(fitsGsm7(dec)).toBe(true);
    expect(decodeGsm7Unpacked(encodeGsm7(dec)).text).toBe(dec);
  });

  const packed = [
    { label: 'hellohello (3GPP example)', hex: 'e8329bfd4697d9ec37', text: 'hellohello' },
    { label: 'How are you?', hex: 'c8f71d14969741f977fd07', text: 'How are you?' },
    { label: '7 septets: padding @ dropped', hex: '31d98c56b3dd00', text: '1234567' },
  ];
  it.each(packed)('packed: $label', ({ hex: h, text }) => {
    expect(decodeGsm7Packed(hex(h)).text).toBe(text);
    expect(packSeptets(encodeGsm7(text)).toString('hex')).toBe(h);
  });

  it('packed with fill bits after a 6-octet UDH', () => {
    // UDH 05 00 03 01 02 01 = 48 bits; 1 fill bit brings the text to a septet boundary (49 = 7*7).
    const text = 'Hi there';
    const body = packSeptets(encodeGsm7(text), 1);
    expect(unpackSeptets(body, text.length, 1).toString('hex')).toBe(encodeGsm7(text).toString('hex'));
    expect(decodeGsm7Packed(body, text.length, 1).text).toBe(text);
  });
});

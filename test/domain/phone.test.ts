import { describe, expect, it } from 'vitest';
import {
  canonicalPhone, isLandline, isMobile, isOwnNumber, maskedDisplay, nationalDigits, nationalDisplay, ownNumbers, parsePhone, smppDestination,
} from '../../src/domain/phone.js';

// input → canonical, kind, national display, masked display
const TABLE: Array<[string, string, 'mobile' | 'landline' | 'other', string, string]> = [
  ['13900000001', '8613900000001', 'mobile', '139 0000 0001', '139****0001'],
  ['+86 139 0000 0001', '8613900000001', 'mobile', '139 0000 0001', '139****0001'],
  ['008613900000001', '8613900000001', 'mobile', '139 0000 0001', '139****0001'],
  ['8613900000001', '8613900000001', 'mobile', '139 0000 0001', '139****0001'],
  ['+8613900000001', '8613900000001', 'mobile', '139 0000 0001', '139****0001'],
  ['139-0000-0001', '8613900000001', 'mobile', '139 0000 0001', '139****0001'],
  ['１３９００００００01', '8613900000001', 'mobile', '139 0000 0001', '139****0001'], // full-width digits
  ['0579-82345678', '8657982345678', 'landline', '0579-8234 5678', '0579-****5678'],
  ['057982345678', '8657982345678', 'landline', '0579-8234 5678', '0579-****5678'],
  ['+8657982345678', '8657982345678', 'landline', '0579-8234 5678', '0579-****5678'],
  ['8657982345678', '8657982345678', 'landline', '0579-8234 5678', '0579-****5678'],
  ['+86 (0)579 8234 5678', '8657982345678', 'landline', '0579-8234 5678', '0579-****5678'],
  ['010-62345678', '861062345678', 'landline', '010-6234 5678', '010-****5678'],
  ['01012345678', '01012345678', 'other', '01012345678', '010****5678'],
  ['0571 8234567', '865718234567', 'landline', '0571-823 4567', '0571-***4567'],
  ['96365', '96365', 'other', '96365', '*6365'],
  ['8696365', '8696365', 'other', '8696365', '***6365'],
  ['10086', '10086', 'other', '10086', '*0086'],
  ['1065796365', '1065796365', 'other', '1065796365', '10****6365'],
  ['106900096365001', '106900096365001', 'other', '106900096365001', '106********5001'],
  ['+447700900123', '447700900123', 'other', '447700900123', '447*****0123'],
  ['CMCC', 'CMCC', 'other', 'CMCC', '***C'],
  ['  BANK of X ', 'BANK of X', 'other', 'BANK of X', 'B****of X'],
  ['12812341234', '12812341234', 'other', '12812341234', '128****1234'], // 12x is no mobile range
  ['abc!!', 'abc!!', 'other', 'abc!!', '*bc!!'],
  ['+', '+', 'other', '+', '*'],
  ['', '', 'other', '', ''],
];

describe('canonical phone numbers', () => {
  it.each(TABLE)('%j → %s (%s), %s, %s', (input, canon, kind, national, masked) => {
    const p = parsePhone(input);
    expect(p.canonical).toBe(canon);
    expect(p.kind).toBe(kind);
    expect(canonicalPhone(canon)).toBe(canon); // idempotent
    expect(nationalDisplay(input)).toBe(national);
    expect(maskedDisplay(input)).toBe(masked);
    expect(isMobile(input)).toBe(kind === 'mobile');
    expect(isLandline(input)).toBe(kind === 'landline');
  });

  it('null and undefined are empty', () => {
    expect(canonicalPhone(null)).toBe('');
    expect(canonicalPhone(undefined)).toBe('');
    expect(maskedDisplay(null)).toBe('');
  });

  it('masked display never shows a whole number of 3 characters or more', () => {
    for (const [input] of TABLE) {
      const m = maskedDisplay(input);
      if (canonicalPhone(input).length >= 3) expect(m).toContain('*');
    }
  });

  // raw, TON → canonical, kind
  it.each([
    ['8613900000001', 1, '8613900000001', 'mobile'],
    ['13900000001', 1, '13900000001', 'other'], // TON 1: +1 390 … (North America), not a Chinese mobile
    ['13900000001', 2, '8613900000001', 'mobile'],
    ['57982345678', 2, '8657982345678', 'landline'],
    ['057982345678', 2, '8657982345678', 'landline'],
    ['1065796365', 2, '1065796365', 'other'], // a service number, not Beijing 010-65796365
    ['13900000001', 0, '8613900000001', 'mobile'],
    ['8613900000001', 0, '8613900000001', 'mobile'],
    ['96365', 0, '96365', 'other'],
    ['12345', 5, '12345', 'other'],
    ['CMCC', 5, 'CMCC', 'other'],
  ] as const)('%s with TON %i → %s (%s)', (raw, ton, canon, kind) => {
    const p = parsePhone(raw, ton);
    expect(p.canonical).toBe(canon);
    expect(p.kind).toBe(kind);
  });

  it('national digits for dialling', () => {
    expect(nationalDigits('8613900000001')).toBe('13900000001');
    expect(nationalDigits('8657982345678')).toBe('057982345678');
    expect(nationalDigits('96365')).toBe('96365');
  });
});

describe('SMPP destination address per dest_addr_format', () => {
  it.each([
    ['13900000001', 'international', { addr: '8613900000001', ton: 1, npi: 1 }],
    ['+86 139 0000 0001', 'national', { addr: '13900000001', ton: 2, npi: 1 }],
    ['8613900000001', 'unknown', { addr: '13900000001', ton: 0, npi: 1 }],
    ['0579-82345678', 'international', { addr: '8657982345678', ton: 1, npi: 1 }],
    ['0579-82345678', 'national', { addr: '57982345678', ton: 2, npi: 1 }],
    ['0579-82345678', 'unknown', { addr: '057982345678', ton: 0, npi: 1 }],
    ['10086', 'international', { addr: '10086', ton: 0, npi: 1 }],
    ['CMCC', 'national', { addr: 'CMCC', ton: 5, npi: 0 }],
  ] as const)('%s as %s → %j', (raw, format, out) => expect(smppDestination(raw, format)).toEqual(out));
});

describe('own numbers', () => {
  const own = ownNumbers('1065796365', '96365');
  it('the short code is always in the list', () => {
    expect(own).toEqual(['1065796365', '96365']);
    expect(ownNumbers('', '96365')).toEqual(['96365']);
    expect(ownNumbers('96365, 12345', '96365')).toEqual(['96365', '12345']);
  });
  it.each([
    ['96365', true], ['8696365', true], ['+8696365', true], ['008696365', true], ['1065796365', true],
    ['106900096365001', true], ['10657963650001', true], ['8613900000001', false], ['13900000001', false],
    ['10086', false], ['963650', false], ['CMCC', false], ['', false], ['1069000012345', false],
  ])('%s → %s', (raw, v) => expect(isOwnNumber(raw, own)).toBe(v));
});

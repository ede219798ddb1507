import { describe, expect, it } from 'vitest';
import { classifyCode, newQueryCode, verhoeffDigit, verhoeffValid, withCheckDigit } from '../../src/domain/query-code.js';

describe('Verhoeff check digit', () => {
  const table: Array<[string, number]> = [
    ['236', 3], ['12345', 1], ['142857', 0], ['8473643095483728456789273645', 2], ['96365000001', verhoeffDigit('96365000001')],
  ];
  it.each(table)('check digit of %s is %i', (body, digit) => {
    expect(verhoeffDigit(body)).toBe(digit);
    expect(verhoeffValid(body + digit)).toBe(true);
  });

  it('catches every single-digit error and adjacent transposition of a code', () => {
    const code = withCheckDigit('12345678901');
    for (let i = 0; i < code.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === code[i]) continue;
        expect(verhoeffValid(code.slice(0, i) + d + code.slice(i + 1))).toBe(false);
      }
      if (i < code.length - 1 && code[i] !== code[i + 1]) {
        expect(verhoeffValid(code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2))).toBe(false);
      }
    }
  });

  it('new codes are 12 digits and valid', () => {
    for (let i = 0; i < 200; i++) {
      const c = newQueryCode();
      expect(c).toMatch(/^[1-9]\d{11}$/);
      expect(verhoeffValid(c)).toBe(true);
    }
  });
});

describe('classifyCode', () => {
  const good = withCheckDigit('96365000001');
  const bad = good.slice(0, 11) + String((Number(good[11]) + 1) % 10);
  const table: Array<[string, string, ReturnType<typeof classifyCode>['kind']]> = [
    ['platform code', good, 'platform'],
    ['platform code with spaces around', ` ${good} `, 'platform'],
    ['wrong check digit', bad, 'bad-check-digit'],
    ['department reference', 'SC2026-0001', 'department-ref'],
    ['short digits are a department ref', '12345', 'department-ref'],
    ['empty', '', 'invalid'],
    ['HTML', '<b>1</b>', 'invalid'],
    ['Chinese', '查询', 'invalid'],
  ];
  it.each(table)('%s', (_l, input, kind) => expect(classifyCode(input).kind).toBe(kind));
});

import { describe, expect, it } from 'vitest';
import { isMobileNumber, maskName, maskPhone, normalisePhone } from '../../src/domain/masking.js';

describe('maskName', () => {
  it.each([
    ['张三', '张*'], ['张晓明', '张*明'], ['欧阳小明', '欧**明'], ['李', '李'], ['', ''], [null, ''],
    ['John Smith', 'J********h'], ['  王五  ', '王*'], ['😀张', '😀*'],
  ])('%s → %s', (input, out) => expect(maskName(input as string | null)).toBe(out));
});

describe('maskPhone', () => {
  it.each([
    ['13812341234', '138****1234'], ['+8613812341234', '138****1234'], ['8613812341234', '138****1234'],
    ['057982345678', '0579-****5678'],
    ['110', '**0'], ['12', '**'], ['96365', '*6365'], ['0579123', '***9123'], ['', ''], [null, ''],
  ])('%s → %s', (input, out) => expect(maskPhone(input as string | null)).toBe(out));

  it('never shows a whole landline', () => {
    const m = maskPhone('057982345678');
    expect(m).not.toBe('057982345678');
    expect(m.endsWith('5678')).toBe(true);
    expect(m).toContain('*');
  });
});

describe('phone helpers', () => {
  it.each([
    ['13812341234', true], ['+8613812341234', true], ['057982345678', false], ['96365', false], ['12812341234', false],
  ])('isMobileNumber(%s) = %s', (p, v) => expect(isMobileNumber(p as string)).toBe(v));
  it.each([
    ['+86 138-1234-1234', '8613812341234'], ['008613812341234', '8613812341234'], ['13812341234', '8613812341234'], ['0579-8234 5678', '8657982345678'],
  ])('normalisePhone(%s) = %s', (p, v) => expect(normalisePhone(p)).toBe(v));
});

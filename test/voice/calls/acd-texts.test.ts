/** What a waiting caller hears: position and estimated wait in Mandarin; Q.850 causes of an unanswered operator leg. */
import { describe, expect, it } from 'vitest';
import { positionText } from '../../../src/voice/calls/acd-texts.js';
import { operatorEndType } from '../../../src/voice/calls/acd.js';

describe('queue announcements', () => {
  it.each([
    [1, 60, '您是下一位，预计等待约1分钟。'],
    [4, 180, '您前面还有3位，预计等待约3分钟。'],
    [2, 0, '您前面还有1位，预计等待约1分钟。'],
    [3, null, '您前面还有2位，坐席暂时都不在线，请耐心等待。'],
  ] as const)('position %i, estimate %s s → %s', (position, estimate, text) => {
    expect(positionText(position, estimate)).toBe(text);
  });
});

describe('operator leg ended unanswered', () => {
  it.each([
    [17, 'operatorDeclined'], [21, 'operatorDeclined'], [20, 'operatorUnregistered'], [19, 'operatorNoAnswer'], [18, 'operatorNoAnswer'], [16, 'operatorNoAnswer'],
  ] as const)('cause %i → %s', (cause, type) => {
    expect(operatorEndType(cause)).toBe(type);
  });
});

/** The abuse and loop guard: who is a citizen, who gets automatic replies, and the per-number cap. */
import { describe, expect, it } from 'vitest';
import { canReplyTo, classifySender, replyDecision } from '../../src/sms/inbound/guard.js';
import { ownNumbers } from '../../src/domain/phone.js';

const OWN = ownNumbers('1065796365', '96365');

describe('sender classes and replies', () => {
  // canonical sender → class, reply allowed
  it.each([
    ['8613900000001', 'citizen', true],
    ['13900000001', 'citizen', true],
    ['96365', 'own', false],
    ['8696365', 'own', false],
    ['+8696365', 'own', false],
    ['1065796365', 'own', false],
    ['106900096365001', 'own', false],
    ['10690000963650', 'own', false],
    ['CMCC', 'alphanumeric', false],
    ['BANK of X', 'alphanumeric', false],
    ['10086', 'citizen', false], // a service number: its text counts, no automatic reply
    ['95588', 'citizen', false],
    ['8657982345678', 'citizen', false], // a landline cannot read an SMS reply
    ['447700900123', 'citizen', false], // foreign
    ['', 'citizen', false],
  ] as const)('%j → %s, reply %s', (phone, cls, reply) => {
    expect(classifySender(phone, OWN)).toBe(cls);
    expect(canReplyTo(phone, OWN)).toBe(reply);
  });

  it('with no own numbers configured the short code is still ours', () => {
    expect(classifySender('8696365', ownNumbers('', '96365'))).toBe('own');
  });
});

describe('the per-number cap: replies, one notice, then silence', () => {
  it.each([
    [0, false, 3, 'reply'], [2, false, 3, 'reply'], [3, false, 3, 'notice'], [4, true, 3, 'silent'],
    [3, true, 3, 'silent'], [20, false, 20, 'notice'], [25, true, 20, 'silent'], [1, true, 3, 'reply'],
  ] as const)('%i replies in the window, notice sent %s, cap %i → %s', (n, notice, cap, want) => {
    expect(replyDecision(n, notice, cap)).toBe(want);
  });
});

import { describe, expect, it } from 'vitest';
import { citizenText, hasBidi, isReachablePhone, stripBidi, textProblem } from '../../src/domain/text-safety.js';
import { maskPhone } from '../../src/domain/masking.js';
import { checkDeclarationInput, checkEventInput, deriveStatus } from '../../src/domain/declaration-rules.js';

describe('bidi controls', () => {
  it.each([
    ['caller id with RLO', '0987\u202E654321', '0987654321'],
    ['embeddings LRE/RLE/PDF/LRO', 'a\u202Ab\u202Bc\u202Cd\u202De', 'abcde'],
    ['isolates', '\u2066x\u2067y\u2068z\u2069', 'xyz'],
    ['marks LRM/RLM/ALM', '1\u200E2\u200F3\u061C4', '1234'],
    ['Chinese text untouched', '路灯坏了，请修理！', '路灯坏了，请修理！'],
    ['emoji untouched', '😀👍', '😀👍'],
  ])('%s', (_l, input, out) => {
    expect(stripBidi(input)).toBe(out);
    expect(hasBidi(out)).toBe(false);
  });
  it('citizenText: bidi and NUL removed, null kept', () => {
    expect(citizenText('a\u0000b\u202E')).toBe('ab');
    expect(citizenText(null)).toBeNull();
  });
  it('a right-to-left override cannot reorder the masked number', () => {
    expect(maskPhone('0987\u202E654321')).toBe(maskPhone('0987654321'));
    expect(maskPhone('\u202E13812341234')).toBe('138****1234');
  });
});

describe('text and phone checks', () => {
  it.each([
    ['plain', '食品经营许可', null],
    ['newline and tab ok', '第一行\n第二行\t', null],
    ['NUL', 'a\u0000b', /NUL/],
    ['lone high surrogate', 'a\uD800b', /surrogate/],
    ['lone low surrogate', '\uDC00', /surrogate/],
    ['pair is fine', '😀', null],
    ['bell', 'a\u0007', /control/],
  ])('textProblem %s', (_l, s, expected) => {
    const p = textProblem(s);
    if (expected === null) expect(p).toBeNull(); else expect(p).toMatch(expected);
  });
  it.each([
    ['13912345678', true], ['+86 139 1234 5678', true], ['0086-139-1234-5678', true], ['8613912345678', true],
    ['0579-88888888', true], ['(010) 1234 5678', true], ['+86 571 8888 8888', true], ['0571-1234567', true],
    ['---', false], ['12345', false], ['12345678901', false], ['96365', false], ['88888888', false], ['1391234567', false], ['139123456789', false], ['abc', false],
  ])('isReachablePhone(%j) = %s', (p, ok) => expect(isReachablePhone(p)).toBe(ok));
});

describe('declaration rules', () => {
  const now = Date.parse('2026-11-26T08:00:00Z');
  const ctx = { nowMs: now, skewMs: 600_000 };
  it.each([
    ['ok', { itemName: 'x', applicantPhone: '13912345678' }, null],
    ['accepted in 11 minutes', { itemName: 'x', acceptedAt: '2026-11-26T08:11:00Z' }, 'acceptedAt'],
    ['accepted in 9 minutes (skew)', { itemName: 'x', acceptedAt: '2026-11-26T08:09:00Z' }, null],
    ['due before acceptance', { itemName: 'x', acceptedAt: '2026-11-20T00:00:00Z', dueAt: '2026-11-19T00:00:00Z' }, 'dueAt'],
    ['due equal to acceptance is fine', { itemName: 'x', acceptedAt: '2026-11-20T00:00:00Z', dueAt: '2026-11-20T00:00:00Z' }, null],
    ['blank applicant', { itemName: 'x', applicantName: ' ' }, 'applicantName'],
    ['null applicant fine', { itemName: 'x', applicantName: null }, null],
    ['bad phone', { itemName: 'x', applicantPhone: '123' }, 'applicantPhone'],
  ])('checkDeclarationInput: %s', (_l, input, field) => {
    expect(checkDeclarationInput(input as never, ctx)?.field ?? null).toBe(field);
  });
  it('an update checks the due time against the stored acceptance', () => {
    expect(checkDeclarationInput({ itemName: 'x', dueAt: '2026-01-01T00:00:00Z' }, { ...ctx, acceptedAt: '2026-02-01T00:00:00Z' })?.field).toBe('dueAt');
  });
  it.each([
    ['ok', {}, null],
    ['2062', { occurredAt: '2062-01-01T00:00:00Z' }, 'occurredAt'],
    ['blank step', { stepName: ' ' }, 'stepName'],
    ['NUL in details key', { details: { 'a\u0000': 'x' } }, 'details'],
    ['surrogate in details value', { details: { place: '\uD83D' } }, 'details.place'],
  ])('checkEventInput: %s', (_l, extra, field) => {
    const input = { eventId: 'e1', stepName: '审核', occurredAt: '2026-11-26T07:00:00Z', ...extra };
    expect(checkEventInput(input as never, ctx)?.field ?? null).toBe(field);
  });

  type S = { id: number; status: 'accepted' | 'in_progress' | 'approved' | 'closed'; occurredAt: string; voided: boolean };
  const st = (id: number, status: S['status'], occurredAt: string, voided = false): S => ({ id, status, occurredAt, voided });
  it.each<[string, S[], { status: string; statusAt: string; closedAt: string | null; applied: number[] } | null]>([
    ['in order', [st(1, 'accepted', '01'), st(2, 'in_progress', '02'), st(3, 'approved', '03')], { status: 'approved', statusAt: '03', closedAt: '03', applied: [1, 2, 3] }],
    ['late step does not roll back', [st(1, 'accepted', '01'), st(2, 'approved', '05'), st(3, 'in_progress', '03')], { status: 'approved', statusAt: '05', closedAt: '05', applied: [1, 2] }],
    ['voided future step: the real ones apply', [st(1, 'accepted', '01'), st(2, 'in_progress', '62', true), st(3, 'approved', '03'), st(4, 'closed', '04')], { status: 'closed', statusAt: '04', closedAt: '03', applied: [1, 3, 4] }],
    ['voided decision reopens', [st(1, 'accepted', '01'), st(2, 'approved', '02', true)], { status: 'accepted', statusAt: '01', closedAt: null, applied: [1] }],
    ['everything voided', [st(1, 'accepted', '01', true)], null],
  ])('deriveStatus: %s', (_l, steps, expected) => {
    const d = deriveStatus(steps);
    if (!expected) { expect(d).toBeNull(); return; }
    expect({ status: d!.status, statusAt: d!.statusAt, closedAt: d!.closedAt, applied: [...d!.applied].filter(([, a]) => a).map(([id]) => id) }).toEqual(expected);
  });
});

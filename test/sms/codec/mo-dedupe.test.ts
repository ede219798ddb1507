/** The inbound de-duplication rule and the gap marker of incomplete long messages, as tables. */
import { describe, expect, it } from 'vitest';
import { assemble, decideMo, GAP_MARKER, pduFingerprint, type MoFacts, type MoPart } from '../../../src/sms/codec/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// deliver_sm bodies (after the header): service_type '', TON/NPI 1/1 '8613800138000', 0/0 '96365', esm 0, pid 0,
// prio 0, two empty times, rd 0, rip 0, dc 8, default id 0, sm_length 4, '你好'.
const BODY = '00 01 01 38363133383030313338303030 00 00 00 3936333635 00 00 00 00 00 00 00 00 08 00 04 4f60597d';
const OTHER_TEXT = BODY.replace('4f60597d', '4f60597e');
const OTHER_SENDER = BODY.replace('38363133383030313338303030', '38363133383030313338303031');
const WITH_TIME_TLV = `${BODY} 1401 0004 5f4d2a10`; // a vendor TLV (e.g. the SMSC's own time stamp)

describe('pduFingerprint: what a re-delivery repeats', () => {
  it.each([
    ['the same body (the sequence number is not part of it)', BODY, 'deliver_sm', true],
    ['one octet of text differs', OTHER_TEXT, 'deliver_sm', false],
    ['another sender', OTHER_SENDER, 'deliver_sm', false],
    ['an SMSC time field differs', WITH_TIME_TLV, 'deliver_sm', false],
    ['the same body as data_sm', BODY, 'data_sm', false],
  ] as const)('%s', (_l, body, command, same) => {
    expect(pduFingerprint(command, hex(body)) === pduFingerprint('deliver_sm', hex(BODY))).toBe(same);
  });

  it('is hex SHA-256', () => {
    expect(pduFingerprint('deliver_sm', hex(BODY))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('decideMo', () => {
  const cases: Array<[string, MoFacts, ReturnType<typeof decideMo>]> = [
    ['nothing stored like it: new', {}, { kind: 'new' }],
    ['same octets, other connection, resp never seen read: re-delivery', { redeliveryOf: 7 }, { kind: 'redelivery', of: 7 }],
    ['a re-delivery wins over the part checks', { redeliveryOf: 7, sameSlotOf: 3 }, { kind: 'redelivery', of: 7 }],
    ['a part whose slot holds the same octets (open or consumed)', { sameSlotOf: 3 }, { kind: 'repeated-part', of: 3, conflict: false }],
    ['a part whose slot in the open set holds other octets: the first is kept', { openSlot: { of: 4, conflict: true } }, { kind: 'repeated-part', of: 4, conflict: true }],
    ['looked up, none found', { redeliveryOf: null, sameSlotOf: null, openSlot: null }, { kind: 'new' }],
  ];
  it.each(cases)('%s', (_l, facts, want) => {
    expect(decideMo(facts)).toEqual(want);
  });
});

describe('assemble: a missing part is never a silent cut', () => {
  const ucs2 = (s: string) => { const b = Buffer.from(s, 'utf16le'); b.swap16(); return b; };
  const part = (seq: number, text: string): MoPart => ({
    source: '8613800138000', dataCoding: 8, body: ucs2(text), concat: { ref: 1, total: 4, seq, refBits: 8 }, receivedAt: 1000 + seq,
  });
  const P = ['我家楼下', '餐馆噪音', '很大，', '请处理。'];
  it.each([
    ['all four', [1, 2, 3, 4], '我家楼下餐馆噪音很大，请处理。', []],
    ['second missing', [1, 3, 4], `我家楼下${GAP_MARKER}很大，请处理。`, [2]],
    ['first missing', [2, 3, 4], `${GAP_MARKER}餐馆噪音很大，请处理。`, [1]],
    ['last missing', [1, 2, 3], `我家楼下餐馆噪音很大，${GAP_MARKER}`, [4]],
    ['two in a row: one marker', [1, 4], `我家楼下${GAP_MARKER}请处理。`, [2, 3]],
    ['two apart: two markers', [2, 4], `${GAP_MARKER}餐馆噪音${GAP_MARKER}请处理。`, [1, 3]],
  ])('%s', (_l, seqs, text, missing) => {
    const r = assemble(seqs.map((s) => part(s, P[s - 1])), 4, '8613800138000', 'k');
    expect(r.text).toBe(text);
    expect(r.missing).toEqual(missing);
    expect(r.parts).toHaveLength(seqs.length);
    expect(r.complete).toBe(missing.length === 0);
  });

  it('the marker is […]', () => {
    expect(GAP_MARKER).toBe('[…]');
  });
});

import { describe, expect, it } from 'vitest';
import {
  canonicalMessageId, isDeliveryReceipt, isIntermediateNotification, messageIdKeys, messageStateFromNumber, parseReceipt, parseReceiptDate, parseReceiptText,
} from '../../../src/sms/codec/index.js';
import { DLR, readDeliverSm, TLV } from './pdu-fixtures.js';

describe('receipt text', () => {
  const full = 'id:0123456789 sub:001 dlvrd:001 submit date:2611261530 done date:2611261531 stat:DELIVRD err:000 text:Hello world';
  const cases: Array<{ label: string; text: string; expect: Partial<Record<string, string | null>> | null }> = [
    { label: 'SMPP 3.4 Appendix B form', text: full, expect: { id: '0123456789', sub: '001', dlvrd: '001', submitDate: '2611261530', doneDate: '2611261531', stat: 'DELIVRD', err: '000', text: 'Hello world' } },
    { label: 'upper-case keys', text: 'ID:ABC SUB:001 DLVRD:001 SUBMIT DATE:2611261530 DONE DATE:2611261531 STAT:UNDELIV ERR:001 TEXT:x', expect: { id: 'ABC', stat: 'UNDELIV', err: '001', submitDate: '2611261530', text: 'x' } },
    { label: 'extra spaces', text: '  id: 42   sub:1  stat: EXPIRED    err : 5 ', expect: { id: '42', sub: '1', stat: 'EXPIRED', err: '5', dlvrd: null, text: null } },
    { label: 'underscore dates', text: 'id:7 submit_date:2611261530 done_date:261126153059 stat:DELIVRD', expect: { submitDate: '2611261530', doneDate: '261126153059' } },
    { label: 'missing fields', text: 'id:99 stat:REJECTD', expect: { id: '99', stat: 'REJECTD', err: null, sub: null } },
    { label: 'text containing stat: is not re-parsed', text: 'id:1 stat:DELIVRD err:000 text:stat:UNDELIV id:2', expect: { id: '1', stat: 'DELIVRD', text: 'stat:UNDELIV id:2' } },
    { label: 'Chinese text field', text: 'id:1 stat:DELIVRD text:您的办件已受理', expect: { text: '您的办件已受理' } },
    { label: 'not a receipt', text: 'CX 123456789012', expect: null },
    { label: 'empty', text: '', expect: null },
  ];
  it.each(cases)('$label', ({ text, expect: e }) => {
    const r = parseReceiptText(text);
    if (e === null) return expect(r).toBeNull();
    expect(r).not.toBeNull();
    for (const [k, v] of Object.entries(e)) expect(r![k as keyof typeof r]).toBe(v);
  });
});

describe('parseReceipt', () => {
  const cases = [
    { label: 'DELIVRD', sm: 'id:1 stat:DELIVRD err:000', state: 'DELIVERED', outcome: 'delivered', final: true },
    { label: 'UNDELIV', sm: 'id:1 stat:UNDELIV err:034', state: 'UNDELIVERABLE', outcome: 'undeliverable', final: true, err: '034' },
    { label: 'EXPIRED', sm: 'id:1 stat:EXPIRED', state: 'EXPIRED', outcome: 'expired', final: true },
    { label: 'REJECTD', sm: 'id:1 stat:rejectd', state: 'REJECTED', outcome: 'undeliverable', final: true },
    { label: 'DELETED', sm: 'id:1 stat:DELETED', state: 'DELETED', outcome: 'undeliverable', final: true },
    { label: 'ACCEPTD is not final', sm: 'id:1 stat:ACCEPTD', state: 'ACCEPTED', outcome: 'pending', final: false },
    { label: 'ENROUTE is not final', sm: 'id:1 stat:ENROUTE', state: 'ENROUTE', outcome: 'pending', final: false },
    { label: 'unknown stat word', sm: 'id:1 stat:WHATEVER', state: null, outcome: 'pending', final: false, warn: /unknown receipt stat/ },
    { label: 'TLV only', tlvs: { receipted_message_id: 'ab12', message_state: 5 }, state: 'UNDELIVERABLE', outcome: 'undeliverable', final: true, id: 'ab12' },
    { label: 'TLV wins over text', sm: 'id:1 stat:DELIVRD', tlvs: { message_state: 8 }, state: 'REJECTED', outcome: 'undeliverable', final: true, warn: /disagrees/ },
    { label: 'bad message_state', tlvs: { receipted_message_id: 'x', message_state: 9 }, state: null, outcome: 'pending', final: false, warn: /unknown message_state/ },
    { label: 'network_error_code TLV', tlvs: { receipted_message_id: 'x', message_state: 5, network_error_code: Buffer.from([3, 0x00, 0x22]) }, state: 'UNDELIVERABLE', outcome: 'undeliverable', final: true, err: '34' },
  ] as const;
  it.each(cases)('$label', (c) => {
    const r = parseReceipt({ shortMessage: 'sm' in c ? c.sm : null, tlvs: 'tlvs' in c ? c.tlvs : undefined });
    expect(r).not.toBeNull();
    expect(r!.state).toBe(c.state);
    expect(r!.outcome).toBe(c.outcome);
    expect(r!.final).toBe(c.final);
    if ('err' in c) expect(r!.err).toBe(c.err);
    if ('id' in c) expect(r!.id).toBe(c.id);
    if ('warn' in c) expect(r!.warnings.join()).toMatch(c.warn);
  });

  it('TLV and text ids naming different messages: both kept', () => {
    expect(parseReceipt({ shortMessage: 'id:abc stat:DELIVRD', tlvs: { receipted_message_id: 'def' } })!.altId).toBe('abc');
  });

  it('nothing at all → null', () => {
    expect(parseReceipt({ shortMessage: 'hello' })).toBeNull();
    expect(parseReceipt({})).toBeNull();
  });

  it('real deliver_sm receipt: hex TLV id and decimal text id both match the stored hex id', () => {
    const p = readDeliverSm(DLR);
    expect(isDeliveryReceipt(p.esmClass)).toBe(true);
    const tlvId = p.tlvs.get(TLV.receipted_message_id)!.toString('latin1');
    const r = parseReceipt({
      shortMessage: p.shortMessage.toString('latin1'),
      tlvs: { receipted_message_id: tlvId, message_state: p.tlvs.get(TLV.message_state)![0] },
    })!;
    expect(r.id).toBe('75BCD15');
    expect(r.altId).toBeNull(); // 0x75BCD15 = 123456789: the same id printed in hex and in decimal
    expect(r.state).toBe('DELIVERED');
    const stored = canonicalMessageId('75bcd15'); // as submit_sm_resp gave it
    expect(messageIdKeys(r.id)).toContain(stored);
    expect(messageIdKeys(r.text!.id)).toContain(stored);
    expect(parseReceiptDate(r.doneDate)).toBe('2026-11-26T07:31:00.000Z');
  });
});

describe('esm_class', () => {
  const cases = [
    { esm: 0x00, dlr: false, inter: false },
    { esm: 0x04, dlr: true, inter: false },
    { esm: 0x44, dlr: true, inter: false },
    { esm: 0x08, dlr: false, inter: false },
    { esm: 0x20, dlr: false, inter: true },
    { esm: 0x40, dlr: false, inter: false },
    { esm: 0x0c, dlr: false, inter: false },
  ];
  it.each(cases)('0x$esm', ({ esm, dlr, inter }) => {
    expect(isDeliveryReceipt(esm)).toBe(dlr);
    expect(isIntermediateNotification(esm)).toBe(inter);
  });
  it('message_state numbers', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(messageStateFromNumber)).toEqual(['ENROUTE', 'DELIVERED', 'EXPIRED', 'DELETED', 'UNDELIVERABLE', 'ACCEPTED', 'UNKNOWN', 'REJECTED']);
    expect(messageStateFromNumber(0)).toBeNull();
  });
});

describe('message ids', () => {
  const cases = [
    { label: 'hex upper → lower', id: '75BCD15', keys: ['75bcd15', '123456789'] },
    { label: 'decimal with leading zeros', id: '0123456789', keys: ['123456789', '75bcd15', '4886718345'] },
    { label: 'spaces and NUL trimmed', id: ' 00ff\0', keys: ['ff', '255'] },
    { label: 'all zeros', id: '0000', keys: ['0'] },
    { label: 'uuid-like: as-is, lower case', id: 'A1B2-C3', keys: ['a1b2-c3'] },
    { label: 'non-hex letters: no conversion, zeros kept', id: '00xyz', keys: ['00xyz'] },
    { label: 'numeric input', id: 42, keys: ['42', '2a', '66'] },
    { label: 'empty', id: '', keys: [] },
    { label: 'very long ids are not converted', id: '1'.repeat(50), keys: ['1'.repeat(50)] },
  ];
  it.each(cases)('$label', ({ id, keys }) => {
    expect(messageIdKeys(id)).toEqual(keys);
  });

  const pairs = [
    { resp: '75BCD15', dlr: '123456789' },
    { resp: '0075bcd15', dlr: '0123456789' },
    { resp: '123456789', dlr: '75bcd15' },
    { resp: '000000001', dlr: '1' },
    { resp: 'Msg-7', dlr: 'msg-7' },
  ];
  it.each(pairs)('stored canonical($resp) is found by keys($dlr)', ({ resp, dlr }) => {
    expect(messageIdKeys(dlr)).toContain(canonicalMessageId(resp));
  });
  it('an exact match is always the first key', () => {
    expect(messageIdKeys('16')[0]).toBe('16');
  });
});

describe('receipt dates', () => {
  it.each([
    ['2611261530', 480, '2026-11-26T07:30:00.000Z'],
    ['261126153045', 0, '2026-11-26T15:30:45.000Z'],
    ['2613261530', 480, null],
    ['abc', 480, null],
    [null, 480, null],
  ] as const)('%s', (s, off, iso) => {
    expect(parseReceiptDate(s, off)).toBe(iso);
  });
});

/** Table tests for the raw PDU parser the link uses instead of the package's string decoding. */
import { describe, expect, it } from 'vitest';
import { parseMessagePdu, PduFormatError, splitUdh } from '../../../src/sms/link/index.js';

/** Assemble a PDU from hex pieces and fix command_length. */
function pdu(commandId: number, seq: number, ...hexBody: string[]): Buffer {
  const body = Buffer.from(hexBody.join('').replace(/\s+/g, ''), 'hex');
  const h = Buffer.alloc(16);
  h.writeUInt32BE(16 + body.length, 0); h.writeUInt32BE(commandId, 4); h.writeUInt32BE(0, 8); h.writeUInt32BE(seq, 12);
  return Buffer.concat([h, body]);
}
const cs = (s: string) => Buffer.from(s + '\0', 'latin1').toString('hex');

// deliver_sm mandatory part up to data_coding, parametrised
const head = (src: string, dst: string, esm: string, dc: string) =>
  `${cs('')} 01 01 ${cs(src)} 00 00 ${cs(dst)} ${esm} 00 00 ${cs('')} ${cs('')} 00 00 ${dc} 00`;

const cases: Array<[string, Buffer, Record<string, unknown> | RegExp]> = [
  ['UCS2 MO 你好', pdu(5, 1, head('8613800138000', '96365', '00', '08'), '04 4f60 597d'),
    { commandId: 5, sequence: 1, sourceAddr: '8613800138000', destAddr: '96365', dataCoding: 8, shortMessage: '4f60597d', tlvs: [] }],
  ['GSM @_$ stays septets', pdu(5, 2, head('8613800138000', '96365', '00', '00'), '03 001102'),
    { dataCoding: 0, shortMessage: '001102' }],
  ['UDH part with UDHI', pdu(5, 3, head('8613800138000', '96365', '40', '08'), '08 050003070301 4f60'),
    { esmClass: 0x40, shortMessage: '0500030703014f60' }],
  ['receipt with TLVs', pdu(5, 4, head('8613800138000', '96365', '04', '00'), '02 6964', '001e 0005', Buffer.from('1A2B\0').toString('hex'), '0427 0001 02'),
    { esmClass: 4, shortMessage: '6964', tlvs: [{ tag: 0x1e, value: '31413242' + '00' }, { tag: 0x427, value: '02' }] }],
  ['message_payload with empty short_message', pdu(5, 5, head('1', '2', '00', '08'), '00', '0424 0002 4f60'),
    { shortMessage: '', tlvs: [{ tag: 0x424, value: '4f60' }] }],
  ['data_sm', pdu(0x103, 6, `${cs('')} 01 01 ${cs('1')} 00 00 ${cs('2')} 00 01 08`, '0424 0002 4f60'),
    { commandId: 0x103, registeredDelivery: 1, dataCoding: 8, shortMessage: '' }],
  ['short_message longer than the PDU', pdu(5, 7, head('1', '2', '00', '00'), '05 4142'), /ends inside short_message/],
  ['truncated after source_addr', pdu(5, 8, `${cs('')} 01 01 ${cs('86138')}`), /ends inside dest_addr_ton/],
  ['unterminated C string', pdu(5, 9, '00 01 01 3836313338'), /unterminated source_addr/],
  ['TLV runs past the end', pdu(5, 10, head('1', '2', '00', '00'), '00', '0427 0001'), /runs past the PDU/],
  ['truncated TLV header', pdu(5, 11, head('1', '2', '00', '00'), '00', '04'), /truncated TLV header/],
  ['wrong command_length', Buffer.concat([pdu(5, 12, head('1', '2', '00', '00'), '00'), Buffer.from([0])]), /command_length/],
  ['not a message PDU', pdu(0x15, 13), /not a message PDU/],
  ['header only, too short', Buffer.alloc(8), /shorter than its header/],
];

describe('parseMessagePdu', () => {
  it.each(cases)('%s', (_label, input, expected) => {
    if (expected instanceof RegExp) {
      expect(() => parseMessagePdu(input)).toThrow(PduFormatError);
      expect(() => parseMessagePdu(input)).toThrow(expected);
      return;
    }
    const m = parseMessagePdu(input);
    const view = {
      ...m,
      shortMessage: m.shortMessage.toString('hex'),
      tlvs: m.tlvs.map((t) => ({ tag: t.tag, value: t.value.toString('hex') })),
    };
    expect(view).toMatchObject(expected);
  });
});

describe('splitUdh', () => {
  it.each([
    ['no UDHI', '050003070301aa', 0x00, null, '050003070301aa', false],
    ['UDHI', '050003070301aabb', 0x40, '050003070301', 'aabb', false],
    ['UDHI with a receipt type bit', '0500030703014f', 0x44, '050003070301', '4f', false],
    ['UDHL beyond data', '09000307', 0x40, null, '09000307', true],
    ['empty', '', 0x40, null, '', false],
  ])('%s', (_l, hex, esm, udh, body, bad) => {
    const r = splitUdh(Buffer.from(hex, 'hex'), esm);
    expect(r.udh?.toString('hex') ?? null).toBe(udh);
    expect(r.body.toString('hex')).toBe(body);
    expect(r.badUdh).toBe(bad);
  });
});

import { describe, expect, it } from 'vitest';
import {
  addPart, buildConcatUdh, moPartFromSplit, concatFromSar, emptyReassembly, expire, parseMoPart, parseUdh, pendingCount, rebuildReassembly, splitUdh,
  type MoFields, type MoPart, type ReassemblyState,
} from '../../../src/sms/codec/index.js';
import {
  GSM_SAR_2PART, GSM_SAR_TEXT, GSM_SINGLE, PAYLOAD_UCS2, readDeliverSm, TLV, UCS2_3PART, UCS2_3PART_TEXT, UCS2_SINGLE,
} from './pdu-fixtures.js';

/** deliver_sm bytes → the plain fields the link adapter hands to the codec. */
function fieldsOf(hex: string): MoFields {
  const p = readDeliverSm(hex);
  const u8 = (t: number) => p.tlvs.get(t)?.[0];
  const sarRef = p.tlvs.get(TLV.sar_msg_ref_num);
  return {
    sourceAddr: p.sourceAddr,
    esmClass: p.esmClass,
    dataCoding: p.dataCoding,
    shortMessage: p.shortMessage,
    messagePayload: p.tlvs.get(TLV.message_payload) ?? null,
    sar_msg_ref_num: sarRef ? sarRef.readUInt16BE(0) : null,
    sar_total_segments: u8(TLV.sar_total_segments) ?? null,
    sar_segment_seqnum: u8(TLV.sar_segment_seqnum) ?? null,
  };
}

const T0 = 1_800_000_000_000;
const partOf = (hex: string, at = T0) => parseMoPart(fieldsOf(hex), at).part;

/** Feed parts in the given order; return every completed message. */
function feed(parts: MoPart[], state: ReassemblyState = emptyReassembly()) {
  const done = [];
  let dups = 0;
  for (const p of parts) {
    const r = addPart(state, p);
    state = r.state;
    if (r.duplicate) dups++;
    if (r.complete) done.push(r.complete);
  }
  return { state, done, dups };
}

describe('UDH', () => {
  const cases = [
    { label: 'IEI 00, 8-bit ref', udh: '0500035a0302', concat: { ref: 0x5a, total: 3, seq: 2, refBits: 8 } },
    { label: 'IEI 08, 16-bit ref', udh: '0608041234 0301'.replace(' ', ''), concat: { ref: 0x1234, total: 3, seq: 1, refBits: 16 } },
    { label: 'port addressing + concat', udh: '0b05040b8423f00003a70201', concat: { ref: 0xa7, total: 2, seq: 1, refBits: 8 } },
    { label: 'no concat element (national language shift)', udh: '03240101', concat: null },
    { label: 'seq 0 invalid', udh: '0500035a0300', concat: null, warn: /seq 0/ },
    { label: 'seq > total invalid', udh: '0500035a0204', concat: null, warn: /seq 4/ },
    { label: 'total 0 invalid', udh: '0500035a0000', concat: null, warn: /total 0/ },
    { label: 'bad IEDL for IEI 00', udh: '0400025a03', concat: null, warn: /length 2/ },
    { label: 'UDHL larger than buffer', udh: '0900035a0301', concat: { ref: 0x5a, total: 3, seq: 1, refBits: 8 }, warn: /exceeds/ },
    { label: 'truncated element', udh: '0500055a0301', concat: null, warn: /truncated/ },
    { label: 'empty buffer', udh: '', concat: null, warn: /empty/ },
  ];
  it.each(cases)('$label', ({ udh, concat, warn }) => {
    const r = parseUdh(Buffer.from(udh, 'hex'));
    expect(r.concat).toEqual(concat);
    if (warn) expect(r.warnings.join(' | ')).toMatch(warn);
  });

  it('accepts the smpp library form (array of raw elements)', () => {
    const r = parseUdh([Buffer.from('00035a0302', 'hex')]);
    expect(r.concat).toEqual({ ref: 0x5a, total: 3, seq: 2, refBits: 8 });
    expect(parseUdh([Buffer.from('00', 'hex'), Buffer.from('0803123402', 'hex')]).concat).toBeNull();
  });

  it('builds 05 00 03 ref n i and the 16-bit form', () => {
    expect(buildConcatUdh(0x5a, 3, 2).toString('hex')).toBe('0500035a0302');
    expect(buildConcatUdh(0x15a, 3, 2).toString('hex')).toBe('0500035a0302');
    expect(buildConcatUdh(0xbeef, 4, 4, 16).toString('hex')).toBe('060804beef0404');
    expect(parseUdh(buildConcatUdh(0xbeef, 4, 4, 16)).concat).toEqual({ ref: 0xbeef, total: 4, seq: 4, refBits: 16 });
  });

  it('splitUdh never reads past the end', () => {
    expect(splitUdh(Buffer.from('0500035a0302abcd', 'hex')).body.toString('hex')).toBe('abcd');
    expect(splitUdh(Buffer.from('ff01', 'hex')).body.length).toBe(0);
    expect(splitUdh(Buffer.alloc(0)).udh.length).toBe(0);
  });

  it('SAR TLVs', () => {
    expect(concatFromSar({ sar_msg_ref_num: 0x1234, sar_total_segments: 2, sar_segment_seqnum: 1 })).toEqual({ ref: 0x1234, total: 2, seq: 1, refBits: 16 });
    expect(concatFromSar({ sar_msg_ref_num: 1, sar_total_segments: 2 })).toBeNull();
    expect(concatFromSar({ sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 3 })).toBeNull();
  });
});

describe('MO parts from real deliver_sm PDUs', () => {
  it('single GSM message with extension characters', () => {
    const { done } = feed([partOf(GSM_SINGLE)]);
    expect(done).toHaveLength(1);
    expect(done[0].text).toBe('CX 123456789012 @$_[]{}€');
    expect(done[0].complete).toBe(true);
  });

  it('single UCS2 message', () => {
    expect(feed([partOf(UCS2_SINGLE)]).done[0].text).toBe('查询：123456789012');
  });

  it('message_payload with an empty short_message', () => {
    const { part, warnings } = parseMoPart(fieldsOf(PAYLOAD_UCS2), T0);
    expect(warnings).toEqual([]);
    expect(feed([part]).done[0].text).toBe('建议增加周末办理窗口，方便上班族。👍');
  });

  const orders = [
    { label: 'in order', order: [0, 1, 2] },
    { label: 'reversed', order: [2, 1, 0] },
    { label: 'middle first', order: [1, 2, 0] },
    { label: 'with duplicates', order: [2, 0, 2, 0, 1] },
  ];
  it.each(orders)('3-part UCS2 Chinese, emoji split across parts: $label', ({ order }) => {
    const parts = UCS2_3PART.map((h, i) => partOf(h, T0 + i));
    expect(parts[0].concat).toEqual({ ref: 0x5a, total: 3, seq: 1, refBits: 8 });
    const { done, state, dups } = feed(order.map((i) => parts[i]));
    expect(done).toHaveLength(1);
    expect(done[0].text).toBe(UCS2_3PART_TEXT);
    expect(done[0].text).toContain('😡');
    expect(done[0].missing).toEqual([]);
    expect(done[0].parts.map((p) => p.concat?.seq)).toEqual([1, 2, 3]);
    expect(dups).toBe(order.length - 3);
    expect(pendingCount(state)).toBe(0);
  });

  it('a re-delivered part after completion is a duplicate, not a new message', () => {
    const parts = UCS2_3PART.map((h) => partOf(h));
    const first = feed(parts);
    const again = addPart(first.state, partOf(UCS2_3PART[1], T0 + 5000));
    expect(again.duplicate).toBe(true);
    expect(pendingCount(again.state)).toBe(0);
  });

  it('2-part GSM via SAR TLVs, ESC split across parts', () => {
    const [a, b] = GSM_SAR_2PART.map((h) => partOf(h));
    expect(a.concat).toEqual({ ref: 0x1234, total: 2, seq: 1, refBits: 16 });
    expect(a.body[a.body.length - 1]).toBe(0x1b);
    const { done } = feed([b, a]);
    expect(done[0].text).toBe(GSM_SAR_TEXT);
    expect(done[0].warnings).toEqual([]);
  });

  it('the smpp library form {udh, message} with raw body', () => {
    const p = readDeliverSm(UCS2_3PART[2]);
    const { part } = parseMoPart(
      { sourceAddr: p.sourceAddr, esmClass: p.esmClass, dataCoding: 8, shortMessage: { udh: [p.shortMessage.subarray(1, 6)], message: p.shortMessage.subarray(6) } },
      T0,
    );
    expect(part.concat).toEqual({ ref: 0x5a, total: 3, seq: 3, refBits: 8 });
    expect(part.body.equals(p.shortMessage.subarray(6))).toBe(true);
  });

  it('the smpp library form with an already-decoded UCS2 string is re-encoded exactly', () => {
    const { part, warnings } = parseMoPart({ sourceAddr: '1', esmClass: 0, dataCoding: 8, shortMessage: { message: '你好😀' } }, T0);
    expect(part.body.toString('hex')).toBe('4f60597dd83dde00');
    expect(warnings.join()).toMatch(/already decoded/);
  });

  it('already-split input (the link adapter\'s DeliverEvent shape)', () => {
    const parts = UCS2_3PART.map((h) => {
      const p = readDeliverSm(h);
      const udhLen = p.shortMessage[0] + 1;
      return moPartFromSplit({ sourceAddr: p.sourceAddr, dataCoding: p.dataCoding, udh: p.shortMessage.subarray(0, udhLen), payload: p.shortMessage.subarray(udhLen), tlvs: {}, receivedAt: new Date(T0) }).part;
    });
    expect(parts[0].receivedAt).toBe(T0);
    expect(feed([parts[2], parts[0], parts[1]]).done[0].text).toBe(UCS2_3PART_TEXT);
    const [a, b] = GSM_SAR_2PART.map((h) => {
      const p = readDeliverSm(h);
      return moPartFromSplit({ sourceAddr: p.sourceAddr, dataCoding: 0, udh: null, payload: p.shortMessage, tlvs: { sar_msg_ref_num: 0x1234, sar_total_segments: 2, sar_segment_seqnum: p.tlvs.get(TLV.sar_segment_seqnum)![0] } }, T0).part;
    });
    expect(feed([b, a]).done[0].text).toBe(GSM_SAR_TEXT);
  });

  it('empty and missing short_message', () => {
    expect(feed([parseMoPart({ sourceAddr: '1', esmClass: 0x40, dataCoding: 0, shortMessage: Buffer.alloc(0) }, T0).part]).done[0].text).toBe('');
    expect(feed([parseMoPart({ sourceAddr: '1', esmClass: 0, dataCoding: 0, shortMessage: null }, T0).part]).done[0].text).toBe('');
  });

  it('UDHI set with a garbage header still yields a part', () => {
    const { part, warnings } = parseMoPart({ sourceAddr: '1', esmClass: 0x40, dataCoding: 8, shortMessage: Buffer.from('ff0041', 'hex') }, T0);
    expect(part.concat).toBeNull();
    expect(warnings.join()).toMatch(/exceeds/);
  });
});

describe('reassembly timeouts and restart', () => {
  const parts = () => UCS2_3PART.map((h, i) => partOf(h, T0 + i * 1000));

  it('expire hands back an incomplete set with its missing parts noted', () => {
    const [p1, , p3] = parts();
    let { state } = feed([p1, p3]);
    const early = expire(state, T0 + 10_000, 60_000);
    expect(early.expired).toEqual([]);
    expect(early.state).toBe(state);
    const late = expire(state, T0 + 61_000, 60_000, { dc0: 'gsm7', gapMarker: '…' });
    expect(late.expired).toHaveLength(1);
    const e = late.expired[0];
    expect(e.complete).toBe(false);
    expect(e.missing).toEqual([2]);
    expect(e.text.startsWith('投诉：我家门口')).toBe(true);
    // Part 1 ends on the emoji's high surrogate, which alone becomes U+FFFD; then the gap marker.
    expect(e.text).toContain('维修。。。。。。\uFFFD…有任何回复');
    expect(e.warnings.join()).toMatch(/part\(s\) 2 of 3 missing/);
    expect(pendingCount(late.state)).toBe(0);
    state = late.state;
    // The late part 2 was never seen: it starts a new set (to expire on its own).
    const r = addPart(state, parts()[1]);
    expect(r.duplicate).toBeUndefined();
    expect(pendingCount(r.state)).toBe(1);
    // A late copy of part 1 is recognised as already processed.
    expect(addPart(state, parts()[0]).duplicate).toBe(true);
    // Tombstones are forgotten after another timeout.
    const later = expire(state, T0 + 200_000, 60_000);
    expect(addPart(later.state, parts()[0]).duplicate).toBeUndefined();
  });

  it('addPart does not mutate the state it is given', () => {
    const s0 = emptyReassembly();
    const snap = JSON.stringify(s0);
    addPart(s0, parts()[0]);
    expect(JSON.stringify(s0)).toBe(snap);
  });

  it('a different message reusing the reference is not mistaken for a duplicate', () => {
    const { state } = feed(parts());
    const other = { ...parts()[0], body: Buffer.from('4f60', 'hex') };
    expect(addPart(state, other).duplicate).toBeUndefined();
  });

  it('different content under the same seq while pending keeps the first and warns', () => {
    const p1 = parts()[0];
    const { state } = feed([p1]);
    const r = addPart(state, { ...p1, body: Buffer.from('4f60', 'hex') });
    expect(r.duplicate).toBe(true);
    expect(r.warnings.join()).toMatch(/different content/);
  });

  it('rebuild from persisted parts after a restart', () => {
    const [p1, p2, p3] = parts();
    const other = partOf(GSM_SAR_2PART[0]);
    const r = rebuildReassembly([p3, other, p1]);
    expect(r.complete).toEqual([]);
    expect(pendingCount(r.state)).toBe(2);
    const fin = addPart(r.state, p2);
    expect(fin.complete?.text).toBe(UCS2_3PART_TEXT);
    const exp = expire(fin.state, other.receivedAt + 60_000, 60_000);
    expect(exp.expired.map((e) => e.missing)).toEqual([[2]]);
  });

  it('mixed data codings across parts are joined as strings', () => {
    const a: MoPart = { source: 'x', dataCoding: 0, body: Buffer.from('4869', 'hex'), concat: { ref: 1, total: 2, seq: 1, refBits: 8 }, receivedAt: T0 };
    const b: MoPart = { source: 'x', dataCoding: 8, body: Buffer.from('4f60597d', 'hex'), concat: { ref: 1, total: 2, seq: 2, refBits: 8 }, receivedAt: T0 };
    expect(feed([b, a]).done[0].text).toBe('Hi你好');
  });

  it('an odd-length UCS2 part does not misalign the next one', () => {
    const a: MoPart = { source: 'x', dataCoding: 8, body: Buffer.from('4f6059', 'hex'), concat: { ref: 2, total: 2, seq: 1, refBits: 8 }, receivedAt: T0 };
    const b: MoPart = { source: 'x', dataCoding: 8, body: Buffer.from('597d', 'hex'), concat: { ref: 2, total: 2, seq: 2, refBits: 8 }, receivedAt: T0 };
    const done = feed([a, b]).done[0];
    expect(done.text).toBe('你\uFFFD好');
    expect(done.warnings.join()).toMatch(/odd length/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  decodeShortMessage, measureText, MtTooLongError, parseUdh, planMessages, planMt, type MtPlan,
} from '../../../src/sms/codec/index.js';

/** A lone (unpaired) UTF-16 surrogate. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Decode a plan back to text (segment by segment, as a handset would) and check the UDH chain. */
function roundTrip(plan: MtPlan): string {
  const total = plan.segments.length;
  return plan.segments
    .map((s, i) => {
      if (total > 1) expect(parseUdh(s.udh!).concat).toEqual({ ref: plan.ref, total, seq: i + 1, refBits: plan.refBits });
      else expect(s.udh).toBeNull();
      return s.payload;
    })
    .reduce((acc, p) => acc + decodeShortMessage(p, plan.dataCoding, { dc0: 'gsm7' }).text, '');
}

const zh = (n: number) => '办'.repeat(n);
const a = (n: number) => 'a'.repeat(n);

describe('planMt', () => {
  const cases: Array<{ label: string; text: string; max?: number; enc: 'gsm7' | 'ucs2'; segs: number; units: number; sizes?: number[] }> = [
    { label: 'empty text', text: '', enc: 'gsm7', segs: 1, units: 0, sizes: [0] },
    { label: 'GSM 160 fits one', text: a(160), enc: 'gsm7', segs: 1, units: 160, sizes: [160] },
    { label: 'GSM 161 → 2 (153 + 8)', text: a(161), enc: 'gsm7', segs: 2, units: 161, sizes: [153, 8] },
    { label: 'GSM 306 → 2', text: a(306), enc: 'gsm7', segs: 2, units: 306, sizes: [153, 153] },
    { label: 'GSM 307 → 3', text: a(307), enc: 'gsm7', segs: 3, units: 307 },
    { label: 'GSM 159 + € = 161 septets → 2', text: a(159) + '€', enc: 'gsm7', segs: 2, units: 161 },
    { label: 'GSM 158 + € = 160 septets → 1', text: a(158) + '€', enc: 'gsm7', segs: 1, units: 160 },
    { label: 'extension char at the 153 boundary moves whole', text: a(152) + '{' + a(10), enc: 'gsm7', segs: 2, units: 164, sizes: [152, 12] },
    { label: 'UCS2 70 fits one', text: zh(70), enc: 'ucs2', segs: 1, units: 70, sizes: [140] },
    { label: 'UCS2 71 → 2 (67 + 4)', text: zh(71), enc: 'ucs2', segs: 2, units: 71, sizes: [134, 8] },
    { label: 'UCS2 201 → 3', text: zh(201), enc: 'ucs2', segs: 3, units: 201, sizes: [134, 134, 134] },
    { label: 'one Chinese char makes it all UCS2', text: a(60) + '你', enc: 'ucs2', segs: 1, units: 61 },
    { label: 'emoji at the 67 boundary is not split', text: zh(66) + '😀' + zh(10), enc: 'ucs2', segs: 2, units: 78, sizes: [132, 24] },
    { label: 'emoji exactly fits 70', text: zh(68) + '😀', enc: 'ucs2', segs: 1, units: 70 },
    { label: 'backtick forces UCS2', text: 'a`b', enc: 'ucs2', segs: 1, units: 3 },
    { label: 'decomposed é (NFC) stays GSM', text: 'Cafe\u0301', enc: 'gsm7', segs: 1, units: 4 },
    { label: '5,000 Chinese chars', text: zh(5000), max: 255, enc: 'ucs2', segs: 75, units: 5000 },
    { label: '5,000 ASCII chars', text: a(5000), max: 255, enc: 'gsm7', segs: 33, units: 5000 },
  ];
  it.each(cases)('$label', ({ text, max, enc, segs, units, sizes }) => {
    const plan = planMt(text, { maxSegments: max ?? 10, ref: 0x42 });
    expect(plan.encoding).toBe(enc);
    expect(plan.dataCoding).toBe(enc === 'gsm7' ? 0 : 8);
    expect(plan.segments).toHaveLength(segs);
    expect(plan.units).toBe(units);
    if (sizes) expect(plan.segments.map((s) => s.payload.length)).toEqual(sizes);
    for (const s of plan.segments) {
      // SMPP short_message limit: GSM unpacked ≤ 160 septets incl. UDH septets; UCS2 ≤ 140 octets.
      if (enc === 'ucs2') expect((s.udh?.length ?? 0) + s.payload.length).toBeLessThanOrEqual(140);
      else expect(s.payload.length).toBeLessThanOrEqual(s.udh ? 153 : 160);
      // A segment never ends on a high surrogate or a bare ESC.
      const last = s.payload.length >= 2 ? s.payload.readUInt16BE(s.payload.length - 2) : 0;
      if (enc === 'ucs2') expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
      else expect(s.payload[s.payload.length - 1]).not.toBe(0x1b);
    }
    expect(roundTrip(plan)).toBe(text.normalize('NFC'));
    expect(measureText(text)).toEqual({ encoding: enc, units, segments: segs });
  });

  it('real bytes: short Chinese reply', () => {
    const plan = planMt('【96365】已受理', { maxSegments: 1 });
    expect(plan.segments[0].payload.toString('hex')).toBe('30100039003600330036003530115df253d77406');
  });

  it('real bytes: 2-part GSM with UDH 05 00 03 ref 02 0n and escape kept whole', () => {
    const plan = planMt(a(152) + '€' + 'b'.repeat(10), { maxSegments: 3, ref: 0xa7 });
    expect(plan.segments.map((s) => s.udh!.toString('hex'))).toEqual(['050003a70201', '050003a70202']);
    expect(plan.segments[1].payload.toString('hex')).toBe('1b65' + '62'.repeat(10));
    expect(plan.segments[0].payload.length).toBe(152);
  });

  it('16-bit reference: 152 septets / 66 units per part', () => {
    const g = planMt(a(305), { maxSegments: 3, ref: 0x1234, refBits: 16 });
    expect(g.segments.map((s) => s.payload.length)).toEqual([152, 152, 1]);
    expect(g.segments[0].udh!.toString('hex')).toBe('06080412340301');
    const u = planMt(zh(133), { maxSegments: 3, ref: 7, refBits: 16 });
    expect(u.segments.map((s) => s.payload.length / 2)).toEqual([66, 66, 1]);
    expect(roundTrip(u)).toBe(zh(133));
  });

  it('the caller-supplied ref is reused as given', () => {
    const p1 = planMt(zh(100), { maxSegments: 3, ref: 300 });
    const p2 = planMt(zh(100), { maxSegments: 3, ref: 300 });
    expect(p1.ref).toBe(300 & 0xff);
    expect(p1.segments.map((s) => s.udh!.toString('hex'))).toEqual(p2.segments.map((s) => s.udh!.toString('hex')));
  });

  it('too many segments → typed error', () => {
    let err: unknown;
    try { planMt(zh(5000), { maxSegments: 5 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MtTooLongError);
    expect((err as MtTooLongError).segmentsNeeded).toBe(75);
    expect((err as MtTooLongError).code).toBe('SMS_TOO_LONG');
  });

  const trunc = [
    { label: 'UCS2 5,000 → 3 segments ending in …', text: zh(5000), max: 3, enc: 'ucs2', end: '…', units: 201 },
    { label: 'GSM 5,000 → 2 segments ending in ...', text: a(5000), max: 2, enc: 'gsm7', end: '...', units: 306 },
    { label: 'UCS2 with emoji near the cut', text: '😀'.repeat(200), max: 1, enc: 'ucs2', end: '…', units: 69 },
    { label: 'GSM with € near the cut', text: '€'.repeat(200), max: 1, enc: 'gsm7', end: '...', units: 159 },
  ] as const;
  it.each(trunc)('truncate: $label', ({ text, max, enc, end, units }) => {
    const plan = planMt(text, { maxSegments: max, overflow: 'truncate' });
    expect(plan.truncated).toBe(true);
    expect(plan.encoding).toBe(enc);
    expect(plan.segments.length).toBeLessThanOrEqual(max);
    expect(plan.units).toBe(units);
    expect(plan.text.endsWith(end)).toBe(true);
    expect(roundTrip(plan)).toBe(plan.text);
    expect(plan.text).not.toMatch(LONE_SURROGATE);
  });

  it('rejects a bad maxSegments', () => {
    expect(() => planMt('x', { maxSegments: 0 })).toThrow(RangeError);
    expect(() => planMt('x', { maxSegments: 256 })).toThrow(RangeError);
  });

  it('plans 5,000 characters quickly', () => {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) planMt(zh(2500) + a(2500) + '😀', { maxSegments: 255 });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('planMessages: a long text as numbered messages, nothing cut', () => {
  const SIG = '【96365】';
  /** UCS2 text of exactly n UTF-16 units (no signature), sentences of 10 characters. */
  const zh = (n: number) => Array.from({ length: n }, (_, i) => (i % 10 === 9 ? '。' : '经核实该路段路灯已修复'[i % 10])).join('');
  /** Undo the numbering: the text as the citizen reads it, joined. */
  const joined = (msgs: Array<{ text: string }>, sig = '') => sig + msgs.map((m, i) => {
    const head = `${sig}(${i + 1}/${msgs.length})`;
    expect(m.text.startsWith(head), `message ${i + 1} starts with ${head}`).toBe(true);
    return m.text.slice(head.length);
  }).join('');

  const rows: Array<[label: string, text: string, max: number, messages: number, encoding: 'gsm7' | 'ucs2', segments: number[] | null]> = [
    ['69 UCS2 units: one single-segment SMS', zh(69), 6, 1, 'ucs2', [1]],
    ['70 UCS2 units: still one segment', zh(70), 6, 1, 'ucs2', [1]],
    ['71 UCS2 units: one 2-segment SMS', zh(71), 6, 1, 'ucs2', [2]],
    ['134 UCS2 units: one SMS (3 segments at the 16-bit UDH capacity of 66)', zh(134), 6, 1, 'ucs2', [3]],
    ['420 UCS2 units with the signature: 2 messages, each within 6 segments', SIG + zh(413), 6, 2, 'ucs2', [6, 1]],
    ['2,000 UCS2 units: 6 messages, each within 6 segments', SIG + zh(1993), 6, 6, 'ucs2', [6, 6, 6, 6, 6, 2]],
    ['GSM 7-bit 160 septets: one SMS', 'a'.repeat(160), 6, 1, 'gsm7', [1]],
    ['GSM 7-bit 1,007 septets, limit 2: numbered GSM messages', 'Your complaint was handled. '.repeat(36).trim(), 2, 4, 'gsm7', null],
    ['limit 1: 420 units as 9 single SMS', SIG + zh(413), 1, 9, 'ucs2', [1, 1, 1, 1, 1, 1, 1, 1, 1]],
  ];
  it.each(rows)('%s', (_l, text, max, messages, encoding, segments) => {
    const plan = planMessages(text, { maxSegments: max });
    expect(plan).toHaveLength(messages);
    for (const m of plan) {
      expect(m.encoding).toBe(encoding);
      expect(m.segments).toBeLessThanOrEqual(max);
      // Each message really fits: planMt (which would otherwise throw) with either UDH.
      expect(planMt(m.text, { maxSegments: max, refBits: 8 }).truncated).toBe(false);
      expect(planMt(m.text, { maxSegments: max, refBits: 16 }).truncated).toBe(false);
      expect(m).toEqual({ text: m.text, ...measureText(m.text, { refBits: 16 }) });
      expect(LONE_SURROGATE.test(m.text)).toBe(false);
    }
    if (segments) expect(plan.map((m) => m.segments)).toEqual(segments);
    if (messages === 1) expect(plan[0].text).toBe(text);
    else expect(joined(plan, text.startsWith(SIG) ? SIG : '')).toBe(text);
  });

  it('breaks after a sentence near the end of a message, not in the middle of one', () => {
    const text = SIG + '您反映的问题已转市城管局办理。'.repeat(40);
    const plan = planMessages(text, { maxSegments: 6 });
    expect(plan.length).toBeGreaterThan(1);
    for (const m of plan.slice(0, -1)) expect(m.text.endsWith('。')).toBe(true);
    expect(joined(plan, SIG)).toBe(text);
  });

  it('keeps the end of the text (the 回复TD退订 hint) and never splits an emoji', () => {
    const text = SIG + '答复如下：' + '已修复😀'.repeat(150) + '（回复TD退订）';
    const plan = planMessages(text, { maxSegments: 3 });
    expect(plan.at(-1)!.text.endsWith('（回复TD退订）')).toBe(true);
    for (const m of plan) expect(LONE_SURROGATE.test(m.text)).toBe(false);
    expect(joined(plan, SIG)).toBe(text);
  });

  it('10 or more messages: the numbering widens and still fits', () => {
    const text = SIG + zh(3000);
    const plan = planMessages(text, { maxSegments: 2 });
    expect(plan.length).toBeGreaterThanOrEqual(10);
    expect(plan[0].text.startsWith(`${SIG}(1/${plan.length})`)).toBe(true);
    for (const m of plan) expect(m.segments).toBeLessThanOrEqual(2);
    expect(joined(plan, SIG)).toBe(text);
  });

  it('NFC: the planned text is what is sent', () => {
    expect(planMessages('Cafe\u0301', { maxSegments: 1 })[0].text).toBe('Café');
  });
});

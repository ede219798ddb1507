/**
 * The SMSC simulator on its own terms: bind checks on the wire, message ids, receipts, fault modes
 * and the handset view. A raw TCP client is used where the link would hide the detail.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SmscSimulator, concatUdh, delaySampler, parseConcatUdh, splitUnits, startDemoSmsc, DEFAULT_SMSC_CREDENTIALS, type DelaySpec, type SmscSimulatorOptions,
} from '../../src/sim/smsc/index.js';
import { parseMessagePdu, SmppLink, TLV } from '../../src/sms/link/index.js';
import { memoryLogger } from '../../src/log.js';
import { FAST, rig, until, ucs2, waitState, type Rig } from '../sms/link/_helpers.js';

let r: Rig | null = null;
let sims: SmscSimulator[] = [];
afterEach(async () => {
  await r?.close(); r = null;
  for (const s of sims) await s.stop();
  sims = [];
});

const MSISDN = '8613800138000';

/** bind PDU octets, built by hand (independent of the smpp package). */
function bindPdu(id: number, seq: number, systemId: string, password: string, version: number): Buffer {
  const cs = (s: string) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])]);
  const body = Buffer.concat([cs(systemId), cs(password), cs(''), Buffer.from([version, 0, 0]), cs('')]);
  const h = Buffer.alloc(16);
  h.writeUInt32BE(16 + body.length, 0); h.writeUInt32BE(id, 4); h.writeUInt32BE(0, 8); h.writeUInt32BE(seq, 12);
  return Buffer.concat([h, body]);
}

/** Bind on a fresh socket that stays open (closed in afterEach); resolves with the bind_resp status. */
const openSockets: net.Socket[] = [];
afterEach(() => { for (const s of openSockets.splice(0)) s.destroy(); });
async function bindAndStay(port: number, pdu: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(pdu));
    openSockets.push(sock);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 16 && buf.length >= buf.readUInt32BE(0)) { sock.off('data', onData); resolve(buf.readUInt32BE(8)); }
    };
    sock.on('data', onData);
    sock.on('error', reject);
  });
}

/** Send one PDU on a fresh socket and return the first answer's header. */
async function rawExchange(port: number, pdu: Buffer): Promise<{ id: number; status: number; seq: number }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(pdu));
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 16 && buf.length >= buf.readUInt32BE(0)) {
        resolve({ id: buf.readUInt32BE(4), status: buf.readUInt32BE(8), seq: buf.readUInt32BE(12) });
        sock.destroy();
      }
    });
    sock.on('error', reject);
  });
}

async function sim(opts: SmscSimulatorOptions = {}) {
  const s = new SmscSimulator(opts);
  sims.push(s);
  const { port } = await s.start();
  return { s, port };
}

describe('SMSC simulator: binds on the wire', () => {
  const { systemId, password } = DEFAULT_SMSC_CREDENTIALS;
  it.each([
    ['correct credentials, 3.4', 0x09, systemId, password, 0x34, 0x80000009, 0x00],
    ['interface_version 0x50 (the package default) refused', 0x09, systemId, password, 0x50, 0x80000009, 0x0d],
    ['wrong password', 0x09, systemId, 'nope', 0x34, 0x80000009, 0x0e],
    ['unknown system id', 0x09, 'other', password, 0x34, 0x80000009, 0x0f],
    ['transmitter ok', 0x02, systemId, password, 0x34, 0x80000002, 0x00],
    ['receiver ok', 0x01, systemId, password, 0x34, 0x80000001, 0x00],
    ['3.3 ESME accepted', 0x01, systemId, password, 0x33, 0x80000001, 0x00],
  ])('%s', async (_l, cmd, sid, pw, ver, respId, status) => {
    const { port } = await sim();
    const resp = await rawExchange(port, bindPdu(cmd, 7, sid, pw, ver));
    expect(resp).toEqual({ id: respId, status, seq: 7 });
  });

  it('refuseBinds → ESME_RBINDFAIL; disabled mode → ESME_RBINDFAIL', async () => {
    const { s, port } = await sim({ bindModes: ['transceiver'] });
    expect((await rawExchange(port, bindPdu(0x02, 1, systemId, password, 0x34))).status).toBe(0x0d);
    s.options.refuseBinds = true;
    expect((await rawExchange(port, bindPdu(0x09, 2, systemId, password, 0x34))).status).toBe(0x0d);
  });

  it('answers enquire_link before bind, and generic_nack for an unknown command', async () => {
    const { port } = await sim();
    const h = (id: number) => { const b = Buffer.alloc(16); b.writeUInt32BE(16, 0); b.writeUInt32BE(id, 4); b.writeUInt32BE(3, 12); return b; };
    expect(await rawExchange(port, h(0x15))).toEqual({ id: 0x80000015, status: 0, seq: 3 });
    expect(await rawExchange(port, h(0x777))).toEqual({ id: 0x80000000, status: 0x03, seq: 3 });
  });

  it('submit_sm before bind → ESME_RINVBNDSTS', async () => {
    const { port } = await sim();
    const body = Buffer.from([0, 0, 0, 0, 0, 0, 0x31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const pdu = Buffer.concat([Buffer.alloc(16), body]);
    pdu.writeUInt32BE(pdu.length, 0); pdu.writeUInt32BE(0x04, 4); pdu.writeUInt32BE(9, 12);
    expect((await rawExchange(port, pdu)).status).toBe(0x04);
  });

  it('startDemoSmsc listens with the default credentials', async () => {
    const demo = await startDemoSmsc();
    sims.push(demo.sim);
    expect(demo).toMatchObject({ host: '127.0.0.1', systemId: 'hotline', password: 'secret' });
    expect((await rawExchange(demo.port, bindPdu(0x09, 1, demo.systemId, demo.password, 0x34))).status).toBe(0);
  });
});

describe('SMSC simulator: ids and receipts', () => {
  const submitText = (s: string, reg = 1) => ({ source: '96365', destination: MSISDN, dataCoding: 0, payload: Buffer.from(s, 'latin1'), registeredDelivery: reg });

  it.each([
    ['hex resp, same id in text', { messageIdStyle: 'hex', messageIdStart: 255 }, 'FF', /^id:FF /],
    ['decimal resp', { messageIdStyle: 'decimal', messageIdStart: 42 }, '42', /^id:42 /],
    ['hex resp, zero-padded decimal text', { messageIdStyle: 'hex', messageIdStart: 255, receiptIdForm: 'decimal', receiptIdPad: 10 }, 'FF', /^id:0000000255 /],
  ] as const)('%s', async (_l, simOpts, respId, textRe) => {
    r = await rig({ sim: simOpts });
    const out = await r.link.submit(submitText('hi'));
    expect(out).toEqual({ kind: 'ok', messageId: respId });
    await until(() => r!.delivers.length === 1, 2000, 'receipt');
    expect(r.delivers[0].shortMessage.toString('latin1')).toMatch(textRe);
    expect(r.delivers[0].tlvs.receipted_message_id).toBe(respId);
  });

  it('deliveredRatio 0.5: alternate DELIVRD / UNDELIV with message_state and network_error_code; handset gets only the delivered', async () => {
    r = await rig({ sim: { deliveredRatio: 0.5 } });
    for (let i = 0; i < 4; i++) expect((await r.link.submit(submitText(`m${i}`))).kind).toBe('ok');
    await until(() => r!.delivers.length === 4, 2000, 'receipts');
    const stats = r.delivers.map((d) => /stat:(\w+)/.exec(d.shortMessage.toString('latin1'))![1]);
    expect(stats.sort()).toEqual(['DELIVRD', 'DELIVRD', 'UNDELIV', 'UNDELIV']);
    const failed = r.delivers.filter((d) => d.tlvs.message_state === 5);
    expect(failed).toHaveLength(2);
    expect(failed[0].tlvs.network_error_code).toEqual(Buffer.from([3, 0, 1]));
    expect(failed[0].shortMessage.toString('latin1')).toContain('dlvrd:000');
    expect(r.sim.received(MSISDN)).toHaveLength(2);
  });

  it('registered_delivery 0 → no receipt; 2 → only failures; per-message outcome function', async () => {
    r = await rig({ sim: { dlrOutcome: (s) => (s.text === 'bad' ? { stat: 'EXPIRED', err: 27 } : 'DELIVRD') } });
    await r.link.submit(submitText('none', 0));
    await r.link.submit(submitText('good', 2));
    await r.link.submit(submitText('bad', 2));
    await until(() => r!.sim.submits.every((s) => s.dlr), 2000, 'outcomes');
    await new Promise((res) => setTimeout(res, 50));
    expect(r.delivers).toHaveLength(1);
    expect(r.delivers[0].tlvs.message_state).toBe(3);
    expect(r.delivers[0].shortMessage.toString('latin1')).toMatch(/stat:EXPIRED err:027 text:bad$/);
  });
});

describe('SMSC simulator: fault modes', () => {
  it('maxTps answers ESME_RTHROTTLED above the rate', async () => {
    r = await rig({ sim: { maxTps: 5 } });
    const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => r!.link.submit({ source: '96365', destination: MSISDN, dataCoding: 0, payload: Buffer.from(`t${i}`) })));
    expect(outs.filter((o) => o.kind === 'ok')).toHaveLength(5);
    expect(outs.filter((o) => o.kind === 'error' && o.status === 0x58)).toHaveLength(7);
    expect(r.sim.counts.throttled).toBe(7);
  });

  it('silent submits are recorded with status null and never delivered', async () => {
    r = await rig({ sim: { silentSubmits: (s) => s.destination.endsWith('0') }, link: { responseTimeoutMs: 100, lateResponseMaxMs: 300 } });
    const out = await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 0, payload: Buffer.from('x') });
    expect(out.kind).toBe('unknown');
    expect(r.sim.submits[0]).toMatchObject({ status: null, messageId: null });
    expect(r.sim.received(MSISDN)).toEqual([]);
  });

  it('submitResponseDelayMs answers late (accepted at once: delivered), bindStatus refuses chosen binds', async () => {
    r = await rig({ sim: { submitResponseDelayMs: 150, bindStatus: (n) => (n === 1 ? 0x08 : 0) }, link: { responseTimeoutMs: 1000 } });
    expect(r.sim.binds.map((b) => b.status)).toEqual([0x08, 0]);
    const t0 = Date.now();
    const out = await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 0, payload: Buffer.from('slow') });
    expect(out.kind).toBe('ok');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(r.sim.counts.lateAnswers).toBe(1);
    await until(() => r!.sim.received(MSISDN).length === 1, 2000, 'handset');
  });

  it('counts segments answered positively twice per handset (duplicates after a positive response)', async () => {
    r = await rig();
    const send = (dest: string, body: string, udh?: Buffer) => r!.link.submit({ source: '96365', destination: dest, dataCoding: 8, payload: ucs2(body), udh });
    await send(MSISDN, '甲');
    await send(MSISDN, '乙');
    await send(MSISDN, '甲'); // the same segment again
    await send('8613900000001', '甲');
    await send(MSISDN, '丙', concatUdh(5, 2, 1));
    await send(MSISDN, '丙', concatUdh(6, 2, 1)); // another message's part: not a duplicate
    expect(r.sim.answeredTwice()).toEqual({ segments: 5, duplicates: 1, handsets: [MSISDN], firstIds: [r.sim.submits[0].messageId] });
    expect(r.sim.counts.duplicatesAfterPositive).toBe(1);
    expect([...r.sim.answeredHandsets()].sort()).toEqual([MSISDN, '8613900000001'].sort());
  });

  it('a deliver_sm_resp lost at a link drop: the same octets are re-delivered after the next bind, with a new sequence number', async () => {
    r = await rig();
    r.sim.loseDeliverResps(1, { refuseBinds: true });
    const lost = new Promise((res) => r!.sim.once('deliver-resp-lost', res));
    const acked = r.sim.injectMo({ from: MSISDN, to: '96365', text: '投诉 路灯坏了', timeoutMs: 10_000 });
    await lost;
    expect(r.delivers).toHaveLength(1);
    expect(r.sim.pendingDeliveries).toBe(1); // the SMSC never read the resp: it still holds the message
    // Binds are refused while the "SMSC" is in maintenance; nothing is re-delivered meanwhile.
    await until(() => r!.sim.binds.some((b) => b.status === 0x0d), 3000, 'a refused bind');
    expect(r.delivers).toHaveLength(1);
    r.sim.setRefuseBinds(false);
    await acked;
    expect(r.delivers).toHaveLength(2);
    const [a, b] = r.delivers;
    expect(b.sequence).not.toBe(a.sequence);
    expect(b.pduBody).toEqual(a.pduBody);
    expect(b.linkId).not.toBe(a.linkId);
    expect(r.sim.counts.redelivered).toBe(1);
  });

  it('waitFor rejects with a clear message on timeout', async () => {
    const { s } = await sim();
    await expect(s.waitFor(() => false, 50, 'nothing')).rejects.toThrow(/timed out after 50 ms waiting for nothing/);
  });

  it('records every PDU both ways with timestamps', async () => {
    r = await rig();
    await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 0, payload: Buffer.from('x') });
    const cmds = r.sim.pdus.map((p) => `${p.dir}:${p.command}`);
    expect(cmds.slice(0, 4)).toEqual(['in:bind_transceiver', 'out:bind_transceiver_resp', 'in:submit_sm', 'out:submit_sm_resp']);
    expect(r.sim.pdus.every((p) => typeof p.at === 'number' && p.at > 0)).toBe(true);
  });
});

describe('SMSC simulator: slow profile (delays drawn from a distribution, per-bind cap, bind limit)', () => {
  const MT = (i: number) => ({ source: '96365', destination: MSISDN, dataCoding: 0, payload: Buffer.from(`slow ${i}`, 'latin1'), registeredDelivery: 1 });
  /** Time of the first recorded PDU matching, by command and sequence number. */
  const at = (sim: SmscSimulator, dir: 'in' | 'out', command: string, sequence?: number) =>
    sim.pdus.find((p) => p.dir === dir && p.command === command && (sequence === undefined || p.sequence === sequence))?.at;

  it('each submit_sm_resp comes no earlier than its drawn delay (seeded: the same draws as delaySampler)', async () => {
    const spec: DelaySpec = { kind: 'uniform', minMs: 60, maxMs: 160 };
    r = await rig({ sim: { submitResponseDelay: spec, seed: 42, receiptDelay: 5 }, link: { responseTimeoutMs: 2000 } });
    const outs = await Promise.all(Array.from({ length: 5 }, (_, i) => r!.link.submit(MT(i))));
    expect(outs.every((o) => o.kind === 'ok')).toBe(true);
    const draw = delaySampler(spec, 42);
    const want = r.sim.submits.map(() => draw());
    for (const [i, sub] of r.sim.submits.entries()) {
      const tIn = at(r.sim, 'in', 'submit_sm', sub.sequence)!;
      const tOut = at(r.sim, 'out', 'submit_sm_resp', sub.sequence)!;
      expect(tOut - tIn).toBeGreaterThanOrEqual(Math.floor(want[i]) - 2);
    }
    expect(r.sim.counts.lateAnswers).toBe(5);
  });

  it('receipts follow their submit_sm_resp by the receipt delay, and only after it', async () => {
    r = await rig({ sim: { submitResponseDelay: { kind: 'fixed', ms: 30 }, receiptDelay: { kind: 'fixed', ms: 150 } }, link: { responseTimeoutMs: 2000 } });
    const out = await r.link.submit(MT(1));
    expect(out.kind).toBe('ok');
    expect(r.delivers).toHaveLength(0); // the resp came first; the receipt is still 150 ms away
    await until(() => r!.delivers.length === 1, 3000, 'receipt');
    const seq = r.sim.submits[0].sequence;
    const tIn = at(r.sim, 'in', 'submit_sm', seq)!;
    const tResp = at(r.sim, 'out', 'submit_sm_resp', seq)!;
    const tDlr = at(r.sim, 'out', 'deliver_sm')!;
    expect(tResp - tIn).toBeGreaterThanOrEqual(28);
    expect(tDlr - tResp).toBeGreaterThanOrEqual(148);
    expect(r.delivers[0].tlvs.receipted_message_id).toBe((out as { messageId: string }).messageId);
  });

  it('maxTpsPerBind throttles each bind on its own (ESME_RTHROTTLED 0x58)', async () => {
    r = await rig({ sim: { maxTpsPerBind: 3 } });
    const second = new SmppLink({ host: '127.0.0.1', port: r.sim.port, systemId: r.sim.options.systemId, password: r.sim.options.password, systemType: 'HOTLINE', ...FAST, logger: memoryLogger() });
    second.start();
    try {
      await waitState(second, 'bound');
      const burst = (link: SmppLink) => Promise.all(Array.from({ length: 5 }, (_, i) => link.submit(MT(i))));
      const [a, b] = await Promise.all([burst(r.link), burst(second)]);
      for (const outs of [a, b]) {
        expect(outs.filter((o) => o.kind === 'ok')).toHaveLength(3);
        expect(outs.filter((o) => o.kind === 'error' && o.status === 0x58)).toHaveLength(2);
      }
      expect(r.sim.counts.throttled).toBe(4);
    } finally { await second.stop(); }
  });

  it.each([
    ['ESME_RBINDFAIL by default', undefined, 0x0d],
    ['ESME_RALYBND when asked', 0x05, 0x05],
  ])('maxBinds: a bind beyond the limit per system_id → %s; a freed slot binds again', async (_l, maxBindsStatus, want) => {
    const { s, port } = await sim({ maxBinds: 2, maxBindsStatus, systemId: 'hotline' });
    const { systemId, password } = DEFAULT_SMSC_CREDENTIALS;
    expect(await bindAndStay(port, bindPdu(0x09, 1, systemId, password, 0x34))).toBe(0);
    expect(await bindAndStay(port, bindPdu(0x02, 1, systemId, password, 0x34))).toBe(0);
    expect(await bindAndStay(port, bindPdu(0x01, 1, systemId, password, 0x34))).toBe(want);
    expect(s.counts.bindsOverLimit).toBe(1);
    openSockets[0].destroy();
    await until(() => s.boundSessions().length === 1, 2000, 'the first session closed');
    expect(await bindAndStay(port, bindPdu(0x09, 2, systemId, password, 0x34))).toBe(0);
  });
});

describe('SMSC simulator: handset view', () => {
  it('reassembles concatenated MT in any order, ignores a duplicate part, keeps a resent whole message', async () => {
    r = await rig();
    const parts = ['第一部分，', '第二部分，', '第三部分。'];
    const send = (seq: number) => r!.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, udh: concatUdh(9, 3, seq), payload: ucs2(parts[seq - 1]) });
    for (const seq of [3, 1, 1, 2]) expect((await send(seq)).kind).toBe('ok');
    await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, payload: ucs2('单条') });
    await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, payload: ucs2('单条') });
    await until(() => r!.sim.received(MSISDN).length === 3, 2000, 'handset');
    expect(r.sim.received(MSISDN)).toEqual(['第一部分，第二部分，第三部分。', '单条', '单条']);
    expect(r.sim.received('8613900000000')).toEqual([]);
  });

  it('reassembles SAR-concatenated MT and 16-bit reference UDH', async () => {
    r = await rig();
    await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, payload: ucs2('乙'), sar: { ref: 300, total: 2, seq: 2 } });
    await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, payload: ucs2('甲'), sar: { ref: 300, total: 2, seq: 1 } });
    await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, udh: concatUdh(0x1234, 2, 1, true), payload: ucs2('丙') });
    await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, udh: concatUdh(0x1234, 2, 2, true), payload: ucs2('丁') });
    await until(() => r!.sim.received(MSISDN).length === 2, 2000, 'handset');
    expect(r.sim.received(MSISDN)).toEqual(['甲乙', '丙丁']);
  });
});

describe('simulator text helpers', () => {
  it.each([
    ['8-bit ref', concatUdh(7, 3, 2), { ref: 7, total: 3, seq: 2 }],
    ['16-bit ref', concatUdh(0xbeef, 4, 4, true), { ref: 0xbeef, total: 4, seq: 4 }],
    ['other IE first', Buffer.from([0x09, 0x24, 0x01, 0x00, 0x00, 0x03, 0x05, 0x02, 0x01]), { ref: 5, total: 2, seq: 1 }],
    ['no concat IE', Buffer.from([0x03, 0x24, 0x01, 0x00]), null],
    ['truncated', Buffer.from([0x05, 0x00, 0x03, 0x01]), null],
  ])('parseConcatUdh %s', (_l, udh, want) => {
    expect(parseConcatUdh(udh)).toEqual(want);
  });

  it.each([
    ['short', 'abc', 67, ['abc']],
    ['exact split', 'ab'.repeat(3), 2, ['ab', 'ab', 'ab']],
    ['surrogate pair not split', 'a😀b', 2, ['a', '😀', 'b']],
    ['empty', '', 67, ['']],
  ])('splitUnits %s', (_l, text, n, want) => {
    expect(splitUnits(text, n)).toEqual(want);
  });

  it('a deliver_sm answered with a temporary error (0x64) is delivered again later; a permanent one (0x65) is final', async () => {
    r = await rig({ sim: { deliverRetryMs: 50 }, autoAck: false });
    let refusals = 2;
    r.link.on('deliver', (ev: { ack(status?: number): boolean }) => { ev.ack(refusals-- > 0 ? 0x64 : 0); });
    await r.sim.injectMo({ from: MSISDN, to: '96365', text: 'CX', timeoutMs: 5000 }); // resolves on the final ack
    expect(r.delivers).toHaveLength(3);
    expect(r.sim.counts.deliverRetries).toBe(2);
    expect(r.delivers.map((d) => d.sequence).every((q, i, a) => i === 0 || q !== a[i - 1])).toBe(true); // a new deliver_sm each time
    refusals = 0;
    r.link.removeAllListeners('deliver');
    r.link.on('deliver', (ev: { ack(status?: number): boolean }) => { ev.ack(0x65); });
    await expect(r.sim.injectMo({ from: MSISDN, to: '96365', text: 'BZ', timeoutMs: 5000 })).rejects.toMatchObject({ status: 0x65 });
    expect(r.sim.counts.deliverRetries).toBe(2);
  });

  it('raw parser reads a PDU the simulator sends', async () => {
    r = await rig();
    await r.sim.injectMo({ from: MSISDN, to: '96365', text: '你好', sar: { ref: 1, total: 1, seq: 1 } });
    const deliver = r.sim.pdus.find((p) => p.dir === 'out' && p.command === 'deliver_sm')!;
    const m = parseMessagePdu(deliver.pdu!.toBuffer());
    expect(m).toMatchObject({ sourceAddr: MSISDN, destAddr: '96365', dataCoding: 8 });
    expect(m.shortMessage).toEqual(ucs2('你好'));
    expect(m.tlvs.map((t) => t.tag)).toEqual([TLV.sar_msg_ref_num, TLV.sar_total_segments, TLV.sar_segment_seqnum]);
  });
});

describe('SMSC simulator: addressing as an operator SMSC reads it', () => {
  const submitTo = (destination: string, destTon: number, destNpi = 1) => r!.link.submit({ source: '96365', destination, destTon, destNpi, dataCoding: 0, payload: Buffer.from(`to ${destination}/${destTon}`, 'latin1') });

  // destination, TON, NPI → accepted (status 0) or ESME_RINVDSTADR (0x0B)
  it.each([
    ['8613800138000', 1, 1, 0],
    ['13800138000', 1, 1, 0x0b], // +1 380 … (North America): the SMSC has no such route
    ['13800138000', 2, 1, 0],
    ['8613800138000', 2, 1, 0x0b], // 86… is not a national number
    ['13800138000', 0, 1, 0],
    ['8613800138000', 0, 1, 0],
    ['13800138000', 0, 0, 0],
    ['8613800138000', 1, 0, 0x0b], // international needs NPI 1 (E.164)
    ['8657982345678', 1, 1, 0],
    ['057982345678', 2, 1, 0],
    ['13800138000', 5, 0, 0x0b],
    ['96365', 0, 1, 0x0b],
  ] as const)('%s TON %i NPI %i → 0x%s', async (dest, ton, npi, status) => {
    r = await rig();
    const out = await submitTo(dest, ton, npi);
    if (status === 0) expect(out.kind).toBe('ok');
    else expect(out).toMatchObject({ kind: 'error', status, permanent: true });
    expect(r.sim.submits[0]).toMatchObject({ destination: dest, destTon: ton, destNpi: npi, msisdn: status === 0 ? expect.stringMatching(/^86/) : null });
  });

  it('one handset, whatever correct form reached it; received() takes any form', async () => {
    r = await rig();
    expect((await submitTo('8613800138000', 1)).kind).toBe('ok');
    expect((await submitTo('13800138000', 2)).kind).toBe('ok');
    expect((await submitTo('13800138000', 0)).kind).toBe('ok');
    await until(() => r!.sim.received('8613800138000').length === 3, 2000, 'handset');
    for (const form of ['13800138000', '+86 138 0013 8000', '008613800138000']) expect(r.sim.received(form)).toHaveLength(3);
  });

  it('MO from a handset arrive as 86… with TON 1 / NPI 1, alphanumeric ids with TON 5, short codes as given', async () => {
    r = await rig();
    await r.sim.injectMo({ from: '13800138000', to: '96365', text: 'a' });
    await r.sim.injectMo({ from: '+8613800138001', to: '96365', text: 'b' });
    await r.sim.injectMo({ from: 'CMCC', to: '96365', text: 'c' });
    await r.sim.injectMo({ from: '96365', to: '96365', text: 'd' });
    await r.sim.injectMo({ from: '13800138002', to: '96365', text: 'e', rawFrom: { ton: 2, npi: 1 } });
    await until(() => r!.delivers.length === 5, 2000, 'delivers');
    expect(r.delivers.map((d) => [d.sourceAddr, d.sourceTon, d.sourceNpi])).toEqual([
      ['8613800138000', 1, 1], ['8613800138001', 1, 1], ['CMCC', 5, 0], ['96365', 0, 1], ['13800138002', 2, 1],
    ]);
  });

  it('receipts come from the handset as 86… TON 1', async () => {
    r = await rig();
    await submitTo('13800138000', 2);
    await until(() => r!.delivers.length === 1, 2000, 'receipt');
    expect(r.delivers[0]).toMatchObject({ isReceipt: true, sourceAddr: '8613800138000', sourceTon: 1, destAddr: '96365' });
  });
});

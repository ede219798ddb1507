/**
 * SmppLink against the SMSC simulator over real TCP (127.0.0.1), one fault mode per test.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SmppLink, type DeliverEvent } from '../../../src/sms/link/index.js';
import { concatUdh } from '../../../src/sim/smsc/index.js';
import { rig, sleep, ucs2, until, waitState, type Rig } from './_helpers.js';

let r: Rig | null = null;
afterEach(async () => { await r?.close(); r = null; });

const MSISDN = '8613800138000';
const text = (s: string) => ({ source: '96365', destination: MSISDN, dataCoding: 0, payload: Buffer.from(s, 'latin1') });

describe('SmppLink bind', () => {
  it('binds as transceiver with interface_version 0x34 and system_type, on a TCP_NODELAY socket', async () => {
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    r = await rig();
    const port = r.sim.port;
    const clientCalls = noDelay.mock.contexts.filter((sock, i) => (sock as net.Socket).remotePort === port && noDelay.mock.calls[i][0] === true);
    noDelay.mockRestore();
    expect(clientCalls).toHaveLength(1);
    expect(r.link.state).toBe('bound');
    expect(r.states).toEqual(['binding', 'bound']);
    expect(r.sim.binds).toHaveLength(1);
    expect(r.sim.binds[0]).toMatchObject({ mode: 'transceiver', interfaceVersion: 0x34, systemType: 'HOTLINE', status: 0 });
    expect(r.link.stats()).toMatchObject({ binds: 1, connects: 1, state: 'bound', inFlight: 0 });
  });

  it("binds a transmitter + receiver pair: submits on the transmitter, MO on the receiver", async () => {
    r = await rig({ link: { bindMode: 'pair' } });
    const modes = r.sim.boundSessions().map((s) => s.mode).sort();
    expect(modes).toEqual(['receiver', 'transmitter']);
    const out = await r.link.submit(text('hello'));
    expect(out.kind).toBe('ok');
    const tx = r.sim.boundSessions().find((s) => s.mode === 'transmitter')!;
    expect(r.sim.submits[0].session).toBe(tx.id);
    await r.sim.injectMo({ from: MSISDN, to: '96365', text: 'CX 1' });
    expect(r.delivers.filter((d) => !d.isReceipt)).toHaveLength(1); // the receipt of 'hello' may come first under load
    const rx = r.sim.boundSessions().find((s) => s.mode === 'receiver')!;
    expect(r.sim.pdus.some((p) => p.dir === 'in' && p.command === 'deliver_sm_resp' && p.session === rx.id)).toBe(true);
  });

  it.each([
    ['bad password', { password: 'wrong' }, 'ESME_RINVPASWD'],
    ['unknown system id', { systemId: 'nobody' }, 'ESME_RINVSYSID'],
  ])('%s: logged once, retried slowly (no tight loop), binds when fixed', async (_l, bad, code) => {
    r = await rig({ link: bad, waitBound: false });
    await sleep(1000);
    expect(r.link.state).not.toBe('bound');
    const refused = r.sim.binds.filter((b) => b.status !== 0).length;
    // authRetryMs 300 → about 4 attempts in a second, never dozens
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(refused).toBeLessThanOrEqual(5);
    const errors = r.log.lines.filter((l) => l.includes('ERROR') && l.includes(code));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('拒绝登录');
    // the operator fixes the account on the SMSC side
    Object.assign(r.sim.options, { systemId: r.link.config.systemId, password: r.link.config.password });
    await waitState(r.link, 'bound', 2000);
    expect(r.log.lines.some((l) => l.includes('accepted the bind again'))).toBe(true);
  });

  it.each([
    ['ESME_RBINDFAIL (0x0D)', 0x0d],
    ['ESME_RSYSERR (0x08)', 0x08],
  ])('bind refused with the transient %s: retried quickly with back-off, not as refused credentials', async (name, status) => {
    // authRetryMs 5 s: a transient refusal handled like refused credentials would not bind within the test.
    r = await rig({ sim: { bindStatus: (attempt) => (attempt <= 3 ? status : 0) }, link: { authRetryMs: 5000 }, waitBound: false });
    await waitState(r.link, 'bound', 3000);
    expect(r.sim.binds.map((b) => b.status)).toEqual([status, status, status, 0]);
    expect(r.link.stats()).toMatchObject({ bindFailures: 3, lastBindStatus: 0 });
    expect(r.log.lines.some((l) => l.includes('拒绝登录'))).toBe(false);
    expect(r.log.lines.filter((l) => l.includes('transient')).length).toBeGreaterThanOrEqual(1);
    void name;
  });

  it('a bind mode the SMSC keeps refusing (ESME_RBINDFAIL) is retried with growing delays, never as an auth failure', async () => {
    r = await rig({ sim: { bindModes: ['transmitter', 'receiver'] }, link: { authRetryMs: 5000 }, waitBound: false });
    await until(() => r!.sim.binds.length >= 3, 3000, 'three quick bind attempts');
    expect(r.link.stats().lastBindStatus).toBe(0x0d);
    expect(r.log.lines.some((l) => l.includes('拒绝登录'))).toBe(false);
  });

  it('bind that is never answered times out and is retried', async () => {
    r = await rig({ waitBound: false });
    r.sim.setHalfDead(true);
    await until(() => r!.sim.binds.length === 0 && r!.sim.pdus.filter((p) => p.command === 'bind_transceiver').length >= 2, 3000, 'two bind attempts');
    r.sim.setHalfDead(false);
    await waitState(r.link, 'bound', 3000);
  });
});

describe('SmppLink keep-alive', () => {
  it("sends enquire_link on its interval and answers the SMSC's", async () => {
    r = await rig({ sim: { enquireLinkMs: 100 } });
    await r.sim.waitFor(() => r!.sim.pdus.filter((p) => p.dir === 'in' && p.command === 'enquire_link').length >= 2, 2000, 'link enquire_link');
    await r.sim.waitFor(() => r!.sim.pdus.some((p) => p.dir === 'in' && p.command === 'enquire_link_resp'), 2000, 'enquire_link_resp from link');
    const ours = r.sim.pdus.filter((p) => p.dir === 'out' && p.command === 'enquire_link_resp');
    expect(ours.length).toBeGreaterThanOrEqual(2);
    expect(r.link.stats().deadLinks).toBe(0);
    expect(r.link.state).toBe('bound');
  });

  it('a silent link with a submit in flight is noticed within responseTimeout + enquireTimeout (not the enquire interval), written once', async () => {
    // The ratio of the defaults (enquire every 30 s, response 10 s, enquire timeout 5 s), scaled down.
    r = await rig({ link: { enquireLinkMs: 6000, responseTimeoutMs: 400, enquireTimeoutMs: 200 } });
    r.sim.setHalfDead(true);
    const t0 = Date.now();
    const out = r.link.submit(text('into the void'));
    await waitState(r.link, (s) => s !== 'bound', 3000);
    const noticedMs = Date.now() - t0;
    expect(noticedMs).toBeLessThan(400 + 200 + 1000); // responseTimeout + enquireTimeout (+ slack for a loaded machine)
    expect(await out).toEqual({ kind: 'unknown', reason: 'link-lost', written: true });
    expect(r.sim.pdus.filter((p) => p.command === 'submit_sm')).toHaveLength(1);
    expect(r.link.stats().deadLinks).toBe(1);
    r.sim.setHalfDead(false);
    await waitState(r.link, 'bound', 3000);
  });

  it('detects a half-dead SMSC (socket open, no answers) and reconnects when it recovers', async () => {
    r = await rig();
    r.sim.setHalfDead(true);
    await waitState(r.link, (s) => s !== 'bound', 2000); // ≤ enquireLinkMs + responseTimeoutMs
    expect(r.link.stats().deadLinks).toBe(1);
    expect(r.log.lines.some((l) => l.includes('link dead'))).toBe(true);
    r.sim.setHalfDead(false);
    await waitState(r.link, 'bound', 3000);
    const out = await r.link.submit(text('after recovery'));
    expect(out.kind).toBe('ok');
  });

  it('answers an SMSC-initiated unbind, closes and binds again', async () => {
    r = await rig();
    r.sim.unbindSessions();
    await r.sim.waitFor(() => r!.sim.pdus.some((p) => p.dir === 'in' && p.command === 'unbind_resp'), 2000, 'unbind_resp');
    await until(() => r!.sim.binds.length === 2 && r!.link.state === 'bound', 3000, 'rebind');
  });

  it('stop() unbinds gracefully and leaves the link stopped', async () => {
    r = await rig();
    await r.link.stop();
    expect(r.link.state).toBe('stopped');
    expect(r.sim.pdus.some((p) => p.dir === 'in' && p.command === 'unbind')).toBe(true);
    expect(r.sim.pdus.some((p) => p.dir === 'out' && p.command === 'unbind_resp')).toBe(true);
    expect(await r.link.submit(text('late'))).toEqual({ kind: 'unknown', reason: 'link-lost', written: false });
    await sleep(100);
    expect(r.sim.binds).toHaveLength(1); // no reconnect after stop
  });
});

describe('SmppLink submit outcomes', () => {
  it('ok with the SMSC message id; the PDU carries our data_coding, UDH, registered_delivery and raw octets', async () => {
    r = await rig();
    const udh = concatUdh(0x42, 2, 1);
    const out = await r.link.submit({ source: '96365', destination: MSISDN, dataCoding: 8, udh, payload: ucs2('您的办件') });
    expect(out).toEqual({ kind: 'ok', messageId: r.sim.submits[0].messageId });
    const s = r.sim.submits[0];
    expect(s).toMatchObject({ dataCoding: 8, registeredDelivery: 1, esmClass: 0x40, text: '您的办件', concat: { ref: 0x42, total: 2, seq: 1 } });
    expect(s.udh).toEqual(udh);
  });

  it('slow SMSC: a submit_sm_resp after responseTimeoutMs on a live link is accepted with its message id (not lost, not resent)', async () => {
    r = await rig({ sim: { submitResponseDelayMs: (_s, i) => (i === 1 ? 700 : 0) }, link: { responseTimeoutMs: 300, enquireTimeoutMs: 200 } });
    const out = await r.link.submit(text('slow'));
    expect(out).toEqual({ kind: 'ok', messageId: r.sim.submits[0].messageId });
    expect(r.link.state).toBe('bound');
    expect(r.sim.binds).toHaveLength(1); // never re-bound
    expect(r.sim.pdus.filter((p) => p.command === 'submit_sm')).toHaveLength(1);
    expect(r.link.stats()).toMatchObject({ lateResponses: 1, submitTimeouts: 1, deadLinks: 0 });
    // the overdue submit made the link probe itself, and the SMSC answered the probe
    expect(r.sim.pdus.some((p) => p.dir === 'out' && p.command === 'enquire_link_resp')).toBe(true);
    expect(r.sim.counts.lateAnswers).toBe(1);
    expect((await r.link.submit(text('next'))).kind).toBe('ok');
  });

  it('a submit the SMSC never answers on a live link: no resend on that link; after lateResponseMaxMs the link re-binds and it is settled link-lost', async () => {
    r = await rig({ sim: { silentSubmits: (_s, i) => i === 1 }, link: { responseTimeoutMs: 200, enquireTimeoutMs: 200, lateResponseMaxMs: 800, enquireLinkMs: 100 } });
    const t0 = Date.now();
    const out = await r.link.submit(text('lost'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
    expect(out).toEqual({ kind: 'unknown', reason: 'link-lost', written: true });
    expect(r.link.stats().deadLinks).toBe(0); // the link answered every probe: retired, not dead
    expect(r.sim.pdus.some((p) => p.dir === 'in' && p.command === 'unbind')).toBe(true);
    await until(() => r!.sim.binds.length === 2 && r!.link.state === 'bound', 3000, 'rebind');
    expect(r.link.inFlight).toBe(0);
    expect((await r.link.submit(text('next'))).kind).toBe('ok');
  });

  it('a dropped connection mid-window settles every pending submit as link-lost, then reconnects', async () => {
    r = await rig({ sim: { silentSubmits: () => true }, link: { responseTimeoutMs: 5000, enquireLinkMs: 5000 } });
    const pending = Array.from({ length: 10 }, (_, i) => r!.link.submit(text(`m${i}`)));
    await r.sim.waitFor(() => r!.sim.submits.length === 10, 2000, '10 submits');
    expect(r.link.inFlight).toBe(10);
    const t0 = Date.now();
    r.sim.dropConnections();
    const outs = await Promise.all(pending);
    expect(Date.now() - t0).toBeLessThan(1000); // settled by the close, not by the 5 s timers
    expect(outs).toEqual(Array(10).fill({ kind: 'unknown', reason: 'link-lost', written: true }));
    expect(r.link.inFlight).toBe(0);
    await until(() => r!.sim.binds.length === 2 && r!.link.state === 'bound', 3000, 'rebind');
  });

  it('submit while the link is down answers link-lost at once, never written', async () => {
    r = await rig();
    r.sim.setHalfDead(true);
    r.sim.dropConnections();
    await waitState(r.link, (s) => s !== 'bound');
    const t0 = Date.now();
    expect(await r.link.submit(text('x'))).toEqual({ kind: 'unknown', reason: 'link-lost', written: false });
    expect(Date.now() - t0).toBeLessThan(50);
  });

  it('ESME_RTHROTTLED → retryable error and a short throttled state', async () => {
    r = await rig({ sim: { throttleEveryN: 2 } });
    const a = await r.link.submit(text('a'));
    const b = await r.link.submit(text('b'));
    expect(a.kind).toBe('ok');
    expect(b).toEqual({ kind: 'error', status: 0x58, statusName: 'ESME_RTHROTTLED', permanent: false });
    expect(r.link.state).toBe('throttled');
    await waitState(r.link, 'bound', 1000);
    expect(r.states.slice(-2)).toEqual(['throttled', 'bound']);
    expect(r.link.stats().throttled).toBe(1);
  });

  it.each([
    ['invalid destination', { rejectDestinations: /^999/ }, '999000', 0x0b, 'ESME_RINVDSTADR', true],
    ['message too long for the SMSC', { maxShortMessage: 10 }, MSISDN, 0x01, 'ESME_RINVMSGLEN', true],
  ])('%s → permanent error', async (_l, simOpts, dest, status, name, permanent) => {
    r = await rig({ sim: simOpts });
    const out = await r.link.submit({ ...text('0123456789AB'), destination: dest });
    expect(out).toEqual({ kind: 'error', status, statusName: name, permanent });
  });

  it('user data over 254 octets is refused locally (the package would throw)', async () => {
    r = await rig();
    const out = await r.link.submit({ ...text(''), payload: Buffer.alloc(300, 0x41) });
    expect(out).toMatchObject({ kind: 'error', status: 0x01, permanent: true, local: true });
    expect(r.sim.submits).toHaveLength(0);
    // … unless sent in message_payload
    const big = await r.link.submit({ ...text(''), payload: Buffer.alloc(300, 0x41), usePayloadTlv: true });
    expect(big.kind).toBe('ok');
    expect(r.sim.submits[0].payload.length).toBe(300);
  });
});

describe('SmppLink incoming', () => {
  it.each([
    ['UCS2 Chinese', { text: '查询 A123' }, 8, ucs2('查询 A123')],
    ['GSM with @_$ (no string round trip)', { text: '@_$ cx' }, 0, Buffer.from([0x00, 0x11, 0x02, 0x20, 0x63, 0x78])],
    ['odd-length UCS2 kept as sent', { bytes: Buffer.from([0x4f, 0x60, 0x59]), dataCoding: 8 }, 8, Buffer.from([0x4f, 0x60, 0x59])],
    ['IA5 with bytes a GSM decoder would change', { bytes: Buffer.from('_{}', 'latin1'), dataCoding: 1 }, 1, Buffer.from('_{}', 'latin1')],
  ])('MO %s arrives as raw octets', async (_l, mo, dc, bytes) => {
    r = await rig();
    await r.sim.injectMo({ from: MSISDN, to: '96365', ...mo });
    expect(r.delivers).toHaveLength(1);
    const ev = r.delivers[0];
    expect(ev).toMatchObject({ command: 'deliver_sm', sourceAddr: MSISDN, destAddr: '96365', dataCoding: dc, isReceipt: false, udh: null });
    expect(ev.shortMessage).toEqual(bytes);
    expect(ev.payload).toEqual(bytes);
  });

  it('long MO: UDH parts in any order, UDH split from the octets', async () => {
    r = await rig();
    const long = '我要投诉：小区门口的路灯已经坏了三个星期，晚上出行很不方便，老人孩子都容易摔倒，多次向物业反映没有结果，请相关部门尽快处理，谢谢！'.repeat(3);
    expect(long.length).toBeGreaterThan(134); // three parts of ≤ 67 UCS2 units
    expect(long.length).toBeLessThanOrEqual(201);
    await r.sim.injectLongMo({ from: MSISDN, to: '96365', text: long, order: [2, 3, 1], ref: 7 });
    expect(r.delivers.map((d) => d.udh?.toString('hex'))).toEqual(['050003070302', '050003070303', '050003070301']);
    const byseq = [...r.delivers].sort((a, b) => a.udh![5] - b.udh![5]);
    const joined = Buffer.concat(byseq.map((d) => d.shortMessage));
    expect(joined).toEqual(ucs2(long));
    expect(r.delivers.every((d) => (d.esmClass & 0x40) === 0x40 && d.dataCoding === 8)).toBe(true);
  });

  it('long MO via SAR TLVs and via message_payload', async () => {
    r = await rig();
    await r.sim.injectLongMo({ from: MSISDN, to: '96365', text: '办'.repeat(100), via: 'sar', ref: 0x1234 });
    expect(r.delivers.map((d) => [d.tlvs.sar_msg_ref_num, d.tlvs.sar_total_segments, d.tlvs.sar_segment_seqnum])).toEqual([[0x1234, 2, 1], [0x1234, 2, 2]]);
    await r.sim.injectMo({ from: MSISDN, to: '96365', bytes: ucs2('长'.repeat(150)), dataCoding: 8, payload: true });
    const last = r.delivers[2];
    expect(last.shortMessage.length).toBe(0);
    expect(last.payload).toEqual(ucs2('长'.repeat(150)));
    expect(last.tlvs.message_payload).toEqual(ucs2('长'.repeat(150)));
  });

  it('receipts arrive as deliver events with text and TLVs (hex id in resp, decimal in text)', async () => {
    r = await rig({ sim: { messageIdStyle: 'hex', receiptIdForm: 'decimal', receiptIdPad: 10, messageIdStart: 0x1a2b } });
    const out = await r.link.submit(text('hello'));
    expect(out).toEqual({ kind: 'ok', messageId: '1A2B' });
    await until(() => r!.delivers.length === 1, 2000, 'receipt');
    const ev = r.delivers[0];
    expect(ev.isReceipt).toBe(true);
    expect(ev.esmClass & 0x3c).toBe(0x04);
    expect(ev.tlvs.receipted_message_id).toBe('1A2B');
    expect(ev.tlvs.message_state).toBe(2);
    expect(ev.sourceAddr).toBe(MSISDN);
    expect(ev.shortMessage.toString('latin1')).toMatch(/^id:0000006699 sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:hello$/);
  });

  it('an unacknowledged deliver_sm is re-delivered after a reconnect', async () => {
    r = await rig({ autoAck: false });
    const acked = r.sim.injectMo({ from: MSISDN, to: '96365', text: '订阅 A1', timeoutMs: 5000 });
    await until(() => r!.delivers.length === 1, 2000, 'first delivery');
    // The consumer never acks the first copy (e.g. crashed before persisting); the link drops.
    r.sim.dropConnections();
    await until(() => r!.delivers.length === 2, 3000, 're-delivery');
    expect(r.delivers[0].ack()).toBe(false); // the old connection is gone
    expect(r.delivers[1].shortMessage).toEqual(r.delivers[0].shortMessage);
    expect(r.delivers[1].ack()).toBe(true);
    await acked;
    expect(r.sim.counts.redelivered).toBe(1);
    expect(r.sim.pendingDeliveries).toBe(0);
  });

  it('an ack is confirmed once the SMSC answers a request written after it; an ack lost at a link drop never is', async () => {
    r = await rig({ autoAck: false, link: { enquireLinkMs: 60_000 } });
    const hi = { ...text('hi'), registeredDelivery: 0 }; // no receipts in this test
    const confirmed: string[] = [];
    r.link.on('deliver', (ev: DeliverEvent) => { ev.ack(0, () => confirmed.push(ev.payload.toString('latin1'))); });
    await r.sim.injectMo({ from: MSISDN, to: '96365', text: 'one' });
    await sleep(50);
    expect(confirmed).toEqual([]); // nothing written after the resp yet
    expect((await r.link.submit(hi)).kind).toBe('ok');
    expect(confirmed).toEqual(['one']);
    // The next resp is lost at a link drop: never confirmed, and the message comes again on the new link.
    r.sim.loseDeliverResps(1);
    const acked = r.sim.injectMo({ from: MSISDN, to: '96365', text: 'two', timeoutMs: 5000 });
    await acked;
    expect(r.delivers.map((d) => d.payload.toString('latin1'))).toEqual(['one', 'two', 'two']);
    expect(r.delivers[1].linkId).not.toBe(r.delivers[2].linkId);
    expect(r.delivers[1].pduBody).toEqual(r.delivers[2].pduBody);
    expect(r.delivers[1].sequence).not.toBe(r.delivers[2].sequence);
    expect((await r.link.submit(hi)).kind).toBe('ok');
    expect(confirmed).toEqual(['one', 'two']); // only the copy whose resp was read
  });

  it.each(['transceiver', 'pair'] as const)('%s: with nothing else written after an ack, one enquire_link soon confirms it', async (bindMode) => {
    r = await rig({ autoAck: false, link: { enquireLinkMs: 60_000, bindMode } });
    let confirmed = 0;
    r.link.on('deliver', (ev: DeliverEvent) => { ev.ack(0, () => { confirmed++; }); });
    const before = r.link.stats().enquireSent;
    await Promise.all([1, 2, 3].map((i) => r!.sim.injectMo({ from: MSISDN, to: '96365', text: `m${i}` })));
    await until(() => confirmed === 3, 3000, 'acks confirmed');
    expect(r.link.stats().enquireSent - before).toBe(1);
  });

  it('a deliver never acked by the consumer is abandoned after deliverAckTimeoutMs (not acked)', async () => {
    r = await rig({ autoAck: false, link: { deliverAckTimeoutMs: 100 } });
    const p = r.sim.injectMo({ from: MSISDN, to: '96365', text: 'TD', timeoutMs: 400 });
    await expect(p).rejects.toThrow(/not acknowledged/);
    expect(r.link.stats().ackTimeouts).toBe(1);
    expect(r.delivers[0].ack()).toBe(false);
    expect(r.sim.pendingDeliveries).toBe(1); // the SMSC still holds it
    expect(r.sim.pdus.some((x) => x.command === 'deliver_sm_resp')).toBe(false);
  });

  it('a consumer that acks with an error status sends that status', async () => {
    r = await rig({ autoAck: false });
    // 0x65 (ESME_RX_P_APPN, permanent): the simulator gives up; a temporary status (0x08, 0x64) is retried.
    r.link.on('deliver', (ev) => ev.ack(0x65));
    await expect(r.sim.injectMo({ from: MSISDN, to: '96365', text: 'x' })).rejects.toThrow(/status 0x65/);
  });
});

describe('SmppLink malformed PDUs', () => {
  it.each([
    ['oversize', true, null],
    ['short-length', true, null],
    ['bad-tlv', true, { command: 'deliver_sm_resp', status: 0x65 }],
    ['truncated-body', false, { command: 'deliver_sm_resp', status: 0x02 }],
    ['unknown-command', false, { command: 'generic_nack', status: 0x03 }],
  ] as const)('%s: defined answer, reconnect=%s, never a crash', async (kind, reconnects, answer) => {
    r = await rig();
    const seq = r.sim.sendMalformed(kind);
    expect(seq).not.toBeNull();
    if (answer) {
      await r.sim.waitFor(() => r!.sim.pdus.find((p) => p.dir === 'in' && p.sequence === seq && p.command === answer.command), 2000, `${answer.command}`)
        .then((p) => expect(p.status).toBe(answer.status));
    }
    if (reconnects) {
      await until(() => r!.sim.binds.length === 2 && r!.link.state === 'bound', 3000, 'rebind');
      expect(r.link.stats().parseErrors).toBe(1);
    } else {
      await sleep(100);
      expect(r.sim.binds).toHaveLength(1);
    }
    await r.sim.injectMo({ from: MSISDN, to: '96365', text: 'still works' });
    expect(r.delivers.at(-1)!.shortMessage.toString('latin1')).toBe('still works');
  });
});

describe('SmppLink reconnect back-off', () => {
  it('retries a refused TCP connect with growing delays (no tight loop)', async () => {
    const link = new SmppLink({ host: '127.0.0.1', port: 1, systemId: 'a', password: 'b', reconnectMinMs: 50, reconnectMaxMs: 400, reconnectJitter: 0 });
    const states: string[] = [];
    link.on('state', (s) => states.push(s));
    link.start();
    await sleep(800);
    await link.stop();
    // 50 + 100 + 200 + 400 → at most 5 connects in 0.8 s
    const connects = states.filter((s) => s === 'binding').length;
    expect(connects).toBeGreaterThanOrEqual(3);
    expect(connects).toBeLessThanOrEqual(5);
    expect(link.state).toBe('stopped');
  });
});

/**
 * The outbox dispatcher over the real SmppLink against the SMSC simulator (no HTTP, no other channel):
 * slow and silent SMSCs, slow start after a bind, answers persisted in the turn they arrive, fair order
 * across recipients, concatenation references on the wire.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLogger, silentLogger } from '../../../src/log.js';
import { SmppLink, type SmppLinkConfig, type SubmitOutcome, type SubmitParams } from '../../../src/sms/link/index.js';
import { SmscSimulator, type SmscSimulatorOptions } from '../../../src/sim/smsc/index.js';
import { Store } from '../../../src/store/index.js';
import type { SqliteSmsRepo } from '../../../src/store/repos/sms.js';
import { Outbox, type OutboxSettings } from '../../../src/sms/outbox/outbox.js';
import { Dispatcher, type DispatcherOptions } from '../../../src/sms/outbox/dispatcher.js';
import { decodeShortMessage, parseReceipt } from '../../../src/sms/codec/index.js';
import { tempDir } from '../../helpers/context.js';
import { until } from '../../helpers/wait.js';
import { FAST } from '../link/_helpers.js';

interface DRig {
  /** repo: the synchronous repository of the store, for inspection (the dispatcher and the outbox use the async store). */
  sim: SmscSimulator; link: SmppLink; store: Store; repo: SqliteSmsRepo; outbox: Outbox; dispatcher: Dispatcher;
  log: ReturnType<typeof memoryLogger>;
  /** Bind and start sending (what the channel's ready() does). */
  go(): Promise<void>;
  unknowns(): number;
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => { for (const c of open.splice(0).reverse()) await c(); });

const OUTBOX: OutboxSettings = { maxSegments: 6, quietStart: '00:00', quietEnd: '00:00', timeZone: 'Asia/Shanghai', pushValidityHours: 48 };

async function drig(o: { sim?: SmscSimulatorOptions; link?: Partial<SmppLinkConfig>; dispatcher?: Partial<DispatcherOptions>; outbox?: Partial<OutboxSettings> } = {}): Promise<DRig> {
  const sim = new SmscSimulator({ dlrDelayMs: 10, ...o.sim });
  const { port } = await sim.start();
  const store = Store.open(join(tempDir(), 'hotline.db'));
  const repo = store.sync.sms;
  const outbox = new Outbox(store, { ...OUTBOX, ...o.outbox });
  const log = memoryLogger();
  const link = new SmppLink({ host: '127.0.0.1', port, systemId: sim.options.systemId, password: sim.options.password, ...FAST, ...o.link, logger: log });
  const dispatcher = new Dispatcher(store, link, { sourceAddr: '96365', window: 10, tps: 0, maxSegments: 6, maxAttempts: 8, log: silentLogger, pollMs: 50, ...o.dispatcher });
  outbox.onQueued = () => dispatcher.kick();
  link.on('deliver', (ev) => {
    if (!ev.isReceipt) { ev.ack(0); return; }
    const text = decodeShortMessage(ev.payload, 1).text;
    const r = parseReceipt({ shortMessage: text, tlvs: ev.tlvs as never });
    if (r) dispatcher.onReceipt(r, text, () => ev.ack(0)); else ev.ack(0);
  });
  open.push(async () => { await dispatcher.stop(); await link.stop(); await sim.stop(); await store.close(); });
  return {
    sim, link, store, repo, outbox, dispatcher, log,
    async go() { await dispatcher.start(); link.start(); await until(() => link.state === 'bound', 3000, 'bound'); },
    unknowns: () => (store.db.prepare('SELECT COALESCE(SUM(unknown_outcomes), 0) FROM sms_outbox').pluck().get() as number),
  };
}

const LONG = '您好，您反映的小区路灯问题已转市政管理处办理，工作人员将在三个工作日内到现场核查并维修，办理结果将短信告知您，感谢您对城市管理工作的支持。'.repeat(2);

/** A link the test answers by hand (it decides in which turn an answer arrives). */
class HandAnsweredLink extends EventEmitter {
  state = 'bound';
  calls: Array<{ p: SubmitParams; resolve: (o: SubmitOutcome) => void }> = [];
  submit(p: SubmitParams): Promise<SubmitOutcome> { return new Promise((resolve) => this.calls.push({ p, resolve })); }
}

/** One reply queued and submitted (window 10) on a HandAnsweredLink; the answer is the test's to give. */
async function oneReplyOnFakeLink(phone: string) {
  const store = Store.open(join(tempDir(), 'hotline.db'));
  const repo = store.sync.sms;
  const outbox = new Outbox(store, OUTBOX);
  const link = new HandAnsweredLink();
  const d = new Dispatcher(store, link, { sourceAddr: '96365', window: 10, tps: 0, maxSegments: 6, maxAttempts: 8, log: silentLogger });
  open.push(async () => { await d.stop(); await store.close(); });
  const { id } = await outbox.queue({ phone, text: '回复', reason: 'reply' });
  await d.start();
  await until(() => link.calls.length === 1, 2000, 'submit');
  return { repo, d, link, id };
}

describe('dispatcher against a slow SMSC (answers after the response timeout on a live link)', () => {
  it('each segment is written once and the late answers are kept: the handset gets the message once, no unknown outcome', async () => {
    // 12 s answers with a 10 s timeout, scaled: 450 ms answers, 300 ms timeout.
    const r = await drig({ sim: { submitResponseDelayMs: 450 }, link: { responseTimeoutMs: 300, enquireTimeoutMs: 200 } });
    const { id } = await r.outbox.queue({ phone: '13900000001', text: LONG, reason: 'answer' });
    expect(r.repo.byId(id)!.segments).toBe(3);
    await r.go();
    await until(() => r.repo.byId(id)!.status === 'delivered', 10_000, 'delivered');
    expect(r.sim.submits.map((s) => s.concat?.seq)).toEqual([1, 2, 3]);
    expect(r.sim.answeredTwice().duplicates).toBe(0);
    expect(r.sim.received('13900000001')).toHaveLength(1);
    expect(r.unknowns()).toBe(0);
    expect(r.link.stats()).toMatchObject({ lateResponses: 3, deadLinks: 0, binds: 1 });
  });
});

describe('dispatcher against a silent (half-dead) link', () => {
  it('noticed within responseTimeout + enquireTimeout; the segment is written once into it, resent after the re-bind and counted', async () => {
    // The ratio of the defaults (enquire every 30 s, response 10 s, enquire timeout 5 s), scaled down.
    const r = await drig({ link: { enquireLinkMs: 6000, responseTimeoutMs: 400, enquireTimeoutMs: 200 } });
    await r.go();
    r.sim.setHalfDead(true);
    const t0 = Date.now();
    const { id } = await r.outbox.queue({ phone: '13900000002', text: '您的申报已受理。', reason: 'push' });
    await until(() => r.link.state !== 'bound', 3000, 'silent link noticed');
    expect(Date.now() - t0).toBeLessThan(400 + 200 + 1000);
    expect(r.sim.pdus.filter((p) => p.command === 'submit_sm')).toHaveLength(1);
    r.sim.setHalfDead(false);
    await until(() => r.repo.byId(id)!.status === 'delivered', 8000, 'delivered after the re-bind');
    expect(r.sim.received('13900000002')).toHaveLength(1);
    expect(r.unknowns()).toBe(1); // at-least-once, counted
  });
});

describe('dispatcher right after a bind', () => {
  it('slow start: one segment in flight until its answer is saved, then the window opens up to its size', async () => {
    const r = await drig({ sim: { submitResponseDelayMs: 40 }, dispatcher: { window: 10 } });
    await r.outbox.queueAll(Array.from({ length: 60 }, (_, i) => ({ phone: `1390001${String(i).padStart(4, '0')}`, text: `通知 ${i}`, reason: 'push' as const })));
    await r.go();
    await until(() => r.repo.countsByStatus().delivered === 60, 10_000, 'all delivered');
    const timeline = r.sim.pdus.filter((p) => p.command === 'submit_sm' || p.command === 'submit_sm_resp');
    const firstResp = timeline.findIndex((p) => p.command === 'submit_sm_resp');
    expect(timeline.slice(0, firstResp).filter((p) => p.command === 'submit_sm')).toHaveLength(1);
    let inFlight = 0;
    let max = 0;
    for (const p of timeline) { inFlight += p.command === 'submit_sm' ? 1 : -1; max = Math.max(max, inFlight); }
    expect(max).toBe(10);
  });

  it('a submit_sm_resp is committed in the event-loop turn it arrives in (no later turn, no timer)', async () => {
    // A fake link: the test decides when the answer "arrives" (inside one macrotask).
    // window 10, one message: nothing else (no claim of a next message) flushes the batch meanwhile.
    const { repo, link, id } = await oneReplyOnFakeLink('13900000003');
    const seen = await new Promise<string | null>((resolve) => {
      setTimeout(() => {
        // Anything the event loop runs after this turn (an immediate, a timer) must already see the id.
        setImmediate(() => resolve(repo.segments(id)[0].messageIdRaw));
        link.calls[0].resolve({ kind: 'ok', messageId: 'A1B2' });
      }, 0);
    });
    expect(seen).toBe('A1B2');
  });
});

describe('claims', () => {
  /** A dispatcher on a HandAnsweredLink whose poll never fires: only kicks and releases make it claim. */
  async function noPollRig() {
    const store = Store.open(join(tempDir(), 'hotline.db'));
    const outbox = new Outbox(store, OUTBOX);
    const link = new HandAnsweredLink();
    const d = new Dispatcher(store, link, { sourceAddr: '96365', window: 10, tps: 0, maxSegments: 6, maxAttempts: 8, log: silentLogger, pollMs: 3_600_000 });
    outbox.onQueued = () => d.kick();
    const claimDue = store.sms.claimDue.bind(store.sms);
    const claims: number[] = [];
    store.sms.claimDue = async (...a: Parameters<typeof claimDue>) => { const r = await claimDue(...a); claims.push(r.length); return r; };
    open.push(async () => { await d.stop(); await store.close(); });
    await d.start();
    return { outbox, link, d, claims };
  }

  it('after handing out what it claimed, the pump does not claim again (no empty claim transaction per reply); a new row is claimed at once', async () => {
    const { outbox, link, claims } = await noPollRig();
    await until(() => claims.length === 1, 2000, 'the start-up claim');
    await outbox.queue({ phone: '13900000011', text: '回复一', reason: 'reply' });
    await until(() => link.calls.length === 1, 2000, 'first submit');
    link.calls[0].resolve({ kind: 'ok', messageId: 'D1' });
    await new Promise((r) => setTimeout(r, 50));
    expect(claims).toEqual([0, 1]);
    await outbox.queue({ phone: '13900000012', text: '回复二', reason: 'reply' });
    await until(() => link.calls.length === 2, 2000, 'second submit');
    await new Promise((r) => setTimeout(r, 50));
    expect(claims).toEqual([0, 1, 1]);
  });

  it("a recipient's next message, passed over while the first was in flight, is claimed as soon as the first is answered (not at the next poll)", async () => {
    const { outbox, link, claims } = await noPollRig();
    // One answered message first: slow start opens the window to 2, so the pump claims while one is in flight.
    await outbox.queue({ phone: '13900000014', text: '开窗', reason: 'reply' });
    await until(() => link.calls.length === 1, 2000, 'first submit');
    link.calls[0].resolve({ kind: 'ok', messageId: 'E0' });
    await outbox.queue({ phone: '13900000013', text: '第一条', reason: 'reply' });
    await until(() => link.calls.length === 2, 2000, 'second submit');
    const before = claims.length;
    await outbox.queue({ phone: '13900000013', text: '第二条', reason: 'reply' });
    await until(() => claims.length > before && claims.at(-1) === 0, 2000, 'the next message passed over');
    link.calls[1].resolve({ kind: 'ok', messageId: 'E1' });
    await until(() => link.calls.length === 3, 2000, 'its submit after the first answer');
    expect(decodeShortMessage(link.calls[2].p.payload, 8).text).toBe('第二条');
  });
});

describe('answers and their receipts', () => {
  it('a submit_sm_resp and its receipt read in one turn share one commit, receipt after the answer (matched, not kept as unmatched)', async () => {
    const { repo, d, link, id } = await oneReplyOnFakeLink('13900000004');
    const receipt = parseReceipt({ shortMessage: 'id:C3D4 sub:001 dlvrd:001 submit date:2612020101 done date:2612020101 stat:DELIVRD err:000 text:x' })!;
    let acked = false;
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        // As one socket read delivers them: the answer, then the receipt (the SMSC was quick).
        link.calls[0].resolve({ kind: 'ok', messageId: 'C3D4' });
        d.onReceipt(receipt, 'raw', () => { acked = true; });
        setImmediate(resolve);
      }, 0);
    });
    expect(acked).toBe(true);
    expect(d.counters.receiptsUnmatched).toBe(0);
    expect(repo.byId(id)!.status).toBe('delivered');
  });
});

describe('fair order across recipients', () => {
  it("a flood of replies to one sender does not hold up another citizen's reply", async () => {
    const r = await drig({ dispatcher: { window: 20 } });
    await r.outbox.queueAll(Array.from({ length: 5000 }, (_, i) => ({ phone: '13911110000', text: `自动回复 ${i}`, reason: 'reply' as const })));
    await r.outbox.queue({ phone: '13922220000', text: '您的投诉已登记。', reason: 'reply' });
    await r.go();
    const sub = await r.sim.waitFor(() => r.sim.submits.find((s) => s.destination === '8613922220000'), 20_000, "the other citizen's reply");
    expect(sub.index).toBeLessThanOrEqual(3);
  });

  it('claims round robin by recipient within a priority, priorities first', async () => {
    const store = Store.open(join(tempDir(), 'hotline.db'));
    open.push(async () => store.close());
    const outbox = new Outbox(store, OUTBOX);
    // Pushes (replies additionally keep strict per-recipient order across claims: one of a phone at a time).
    const q = (phone: string, tag: string, reason: 'reply' | 'push' = 'push') => outbox.queue({ phone, text: tag, reason });
    await q('13900000001', 'A1'); await q('13900000001', 'A2'); await q('13900000001', 'A3');
    await q('13900000002', 'B1');
    await q('13900000003', 'C1'); await q('13900000003', 'C2');
    await q('13900000001', 'A4');
    await q('13900000004', 'R1', 'reply');
    const order = (await store.sms.claimDue(new Date(Date.now() + 1000).toISOString(), 100)).map((c) => c.msg.text);
    expect(order).toEqual(['R1', 'A1', 'B1', 'C1', 'A2', 'C2', 'A3', 'A4']);
  });
});

describe('concatenation references', () => {
  it('per recipient and persisted: 300 long messages to one phone use consecutive references, a restart continues, other phones have their own', async () => {
    const dir = tempDir();
    let store = Store.open(join(dir, 'hotline.db'));
    let outbox = new Outbox(store, OUTBOX);
    const refOf = (s: Store, id: number) => s.db.prepare('SELECT ref_num FROM sms_outbox WHERE id = ?').pluck().get(id) as number;
    const longs = (n: number) => Array.from({ length: n }, () => ({ phone: '13900000009', text: LONG, reason: 'push' as const }));
    const ids = (await outbox.queueAll(longs(200))).map((r) => r.id);
    const other = (await outbox.queue({ phone: '13900000010', text: LONG, reason: 'push' })).id;
    const short = (await outbox.queue({ phone: '13900000009', text: '短信', reason: 'push' })).id;
    const refs = ids.map((id) => refOf(store, id));
    expect(new Set(refs).size).toBe(200);
    expect(refs.slice(0, 3)).toEqual([0, 1, 2]);
    expect(refOf(store, other)).toBe(0);
    expect(refOf(store, short)).toBe(0); // single segment: no reference, the counter does not move
    await store.close();
    // restart
    store = Store.open(join(dir, 'hotline.db'));
    outbox = new Outbox(store, OUTBOX);
    const after = (await outbox.queueAll(longs(56))).map((r) => r.id);
    const all = [...refs, ...after.map((id) => refOf(store, id))];
    expect(new Set(all).size).toBe(256); // every 8-bit reference once before any is reused
    await store.close();
  });

  it('16-bit references (sms.concat_ref_bits = 16) go out as IEI 08 and the segmentation follows them', async () => {
    const r = await drig({ outbox: { concatRefBits: 16 } });
    const text = '办'.repeat(134); // 2 × 67 fits 8-bit parts; 16-bit parts hold 66 → 3 parts
    const { id } = await r.outbox.queue({ phone: '13900000011', text, reason: 'answer' });
    expect(r.repo.byId(id)!.segments).toBe(3);
    await r.go();
    await until(() => r.repo.byId(id)!.status === 'delivered', 5000, 'delivered');
    expect(r.sim.submits.map((s) => s.udh!.subarray(0, 3).toString('hex'))).toEqual(['060804', '060804', '060804']);
    expect(r.sim.received('13900000011')).toEqual([text]);
  });
});

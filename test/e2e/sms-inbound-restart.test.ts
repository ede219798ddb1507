/**
 * Inbound SMS across link drops and restarts: nothing processed twice, nothing lost, a citizen's
 * repeated text still answered, long messages never reassembled into phantoms, gaps shown.
 * Each "server" is a new context and SMS channel on the same data directory, bound to one SMSC
 * simulator that keeps what it has not seen acknowledged (as an operator SMSC does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/services.js';
import { createSmsChannel, type SmsChannel, type SmsChannelOptions } from '../../src/sms/channel.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../../src/sim/smsc/index.js';
import { silentLogger } from '../../src/log.js';
import type { AppContext } from '../../src/context.js';
import { testConfig, tempDir } from '../helpers/context.js';
import { until } from '../helpers/wait.js';
import { Store } from '../../src/store/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

const ENV = { HOTLINE_SMPP_TPS: '0', HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00', HOTLINE_SMS_REASSEMBLY_TIMEOUT_SEC: '1' };

interface Server { ctx: AppContext; sms: SmsChannel; stop(): Promise<void> }

async function serverOn(dir: string, sim: SmscSimulator, opts: Partial<SmsChannelOptions> = {}, env: Record<string, string> = {}): Promise<Server> {
  const ctx = createContext(testConfig({ ...ENV, ...env }, dir), { log: silentLogger });
  const sms = createSmsChannel(ctx, { simulator: sim, ...opts });
  await sms.start();
  await sms.ready?.(); // start-up complete: the channel binds and sends only now
  let stopped = false;
  const server = {
    ctx, sms,
    async stop() { if (stopped) return; stopped = true; await sms.stop(); await ctx.store.close(); },
  };
  cleanups.push(() => server.stop());
  await sim.waitFor(() => sms.link.state === 'bound', 10_000, 'bound');
  return server;
}

async function simulator(): Promise<SmscSimulator> {
  const sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 5 });
  await sim.start({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => sim.stop());
  return sim;
}

function dataDir(): string {
  const dir = tempDir();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Phone numbers are compared by their last 11 digits: this test is about counting, not about the stored form.
const national = (phone: string) => phone.slice(-11);
/** The SQLite store's file and synchronous repositories, for inspection in polling predicates. */
const sqlite = (s: Server) => s.ctx.store as Store;
const count = (s: Server, sql: string, ...args: unknown[]) => (sqlite(s).db.prepare(sql).pluck().get(...args) as number);
const outboxTo = (s: Server, phone: string) => count(s, 'SELECT COUNT(*) FROM sms_outbox WHERE substr(phone, -11) = ?', national(phone));
const complaints = (s: Server, phone: string) => sqlite(s).sync.feedback.list({ limit: 1000 }).filter((f) => f.phone && national(f.phone) === national(phone));
/** What the handset received, whichever form the server addressed it by. */
const handset = (sim: SmscSimulator, phone: string) => sim.received(phone); // the simulator keys handsets by MSISDN: any form finds it
/** Everything inbound processed and everything outbound delivered. */
const settled = (s: Server) => until(() => {
  const repo = sqlite(s).sync.sms;
  const c = repo.countsByStatus();
  return repo.pendingInbound().length === 0 && !c.queued && !c.submitting && !c.submitted;
}, 15_000, 'inbound processed and outbox delivered');

describe('inbound SMS: restart-safe de-duplication', () => {
  it('an MO whose deliver_sm_resp was lost at a link drop, server restarted before the re-bind: one complaint, one reply', async () => {
    const sim = await simulator();
    const dir = dataDir();
    const phone = '8613811110001';
    const a = await serverOn(dir, sim);
    sim.loseDeliverResps(1, { refuseBinds: true });
    const lost = once(sim, 'deliver-resp-lost');
    const delivered = sim.injectMo({ from: phone, to: '96365', text: '投诉 小区门口的路灯坏了一个月了', timeoutMs: 20_000 });
    await lost;
    await a.stop();
    sim.setRefuseBinds(false);
    const b = await serverOn(dir, sim);
    await delivered; // the SMSC re-delivered it (new sequence number) and got its resp this time
    expect(sim.counts.redelivered).toBe(1);
    await settled(b);
    expect(complaints(b, phone)).toHaveLength(1);
    expect(outboxTo(b, phone)).toBe(1);
    expect(handset(sim, phone)).toHaveLength(1);
    expect(count(b, `SELECT COUNT(*) FROM sms_mo_parts WHERE source = ? AND state = 'duplicate'`, phone)).toBe(1);
  });

  it('the same text twice from a citizen, with a link drop and a restart between: answered every time', async () => {
    const sim = await simulator();
    const dir = dataDir();
    const phone = '8613811110002';
    const text = '投诉 垃圾桶三天没人清运';
    const a = await serverOn(dir, sim);
    const confirmedAll = (s: Server) => until(() => count(s, 'SELECT COUNT(*) FROM sms_mo_parts WHERE source = ? AND ack_confirmed_at IS NULL', phone) === 0, 10_000, 'acks seen read by the SMSC');
    await sim.injectMo({ from: phone, to: '96365', text });
    await sim.waitFor(() => handset(sim, phone).length >= 1, 10_000, 'first reply');
    await confirmedAll(a);
    const before = a.sms.link.stats().connects;
    sim.dropConnections();
    await sim.waitFor(() => a.sms.link.state === 'bound' && a.sms.link.stats().connects > before, 10_000, 're-bound');
    await sim.injectMo({ from: phone, to: '96365', text });
    await sim.waitFor(() => handset(sim, phone).length >= 2, 10_000, 'second reply');
    await confirmedAll(a);
    await a.stop();
    const b = await serverOn(dir, sim);
    await sim.injectMo({ from: phone, to: '96365', text });
    await sim.waitFor(() => handset(sim, phone).length >= 3, 10_000, 'third reply');
    await settled(b);
    expect(complaints(b, phone)).toHaveLength(3);
    expect(outboxTo(b, phone)).toBe(3);
    expect(handset(sim, phone)).toHaveLength(3);
  });

  it.each([
    ['after persisting, before the resp (the SMSC re-delivers)', 'persisted', 'single'],
    ['after persisting the last part, before the resp', 'persisted', 'long'],
    ['after the resp, before processing', 'acked', 'single'],
    ['after the resp of the last part, before processing', 'acked', 'long'],
  ] as const)('a crash %s, restart: processed exactly once', async (_l, at, shape) => {
    const sim = await simulator();
    const dir = dataDir();
    const phone = `86138111100${at === 'persisted' ? 1 : 2}${shape === 'long' ? 1 : 0}`;
    let crashed = false;
    const a = await serverOn(dir, sim, {
      inboundStep: (step, info) => {
        if (step !== at || info.inboundId === null || crashed) return;
        crashed = true;
        throw new Error(`simulated crash ${step}`);
      },
    });
    const text = shape === 'long' ? '投诉' + '市民中心办证窗口排队时间太长，希望增加窗口。'.repeat(5) : '投诉 路口红绿灯不亮';
    const delivered = shape === 'long'
      ? sim.injectLongMo({ from: phone, to: '96365', text, timeoutMs: 20_000 })
      : sim.injectMo({ from: phone, to: '96365', text, timeoutMs: 20_000 });
    delivered.catch(() => undefined);
    await until(() => crashed, 10_000, 'the crash point');
    await a.stop();
    const b = await serverOn(dir, sim);
    await delivered;
    await settled(b);
    expect(complaints(b, phone)).toHaveLength(1);
    expect(complaints(b, phone)[0].text).toBe(text.slice(2).trim());
    expect(outboxTo(b, phone)).toBe(1);
    expect(handset(sim, phone)).toHaveLength(1);
    expect(count(b, 'SELECT COUNT(*) FROM sms_inbound WHERE substr(phone, -11) = ?', national(phone))).toBe(1);
    if (at === 'persisted') expect(sim.counts.redelivered).toBeGreaterThanOrEqual(1);
  });
});

describe('inbound SMS: long messages', () => {
  it('a repeated part, while the set is open or after it was consumed, is closed for good: no phantom after a restart', async () => {
    const sim = await simulator();
    const dir = dataDir();
    const phone = '8613811110003';
    const text = '投诉' + '小区地下车库积水严重，物业一直不处理，车辆无法进出。'.repeat(6);
    const a = await serverOn(dir, sim);
    // A part arrives twice while its message is still open …
    await sim.injectLongMo({ from: phone, to: '96365', text, ref: 77, order: [1, 2, 2, 3] });
    await sim.waitFor(() => handset(sim, phone).length >= 1, 10_000, 'the reply');
    // … and again after the message was processed (the network or the SMSC repeats it).
    await sim.injectLongMo({ from: phone, to: '96365', text, ref: 77, order: [2] });
    await settled(a);
    expect(complaints(a, phone)).toHaveLength(1);
    expect(count(a, `SELECT COUNT(*) FROM sms_mo_parts WHERE source = ? AND state = 'duplicate'`, phone)).toBe(2);
    await a.stop();
    const b = await serverOn(dir, sim);
    expect(await b.sms.repo.openParts()).toEqual([]); // nothing left to reassemble into a phantom
    // Once more after the restart: recognised from the store alone.
    await sim.injectLongMo({ from: phone, to: '96365', text, ref: 77, order: [3] });
    expect(await b.sms.repo.openParts()).toEqual([]);
    await settled(b);
    expect(complaints(b, phone)).toHaveLength(1);
    expect(complaints(b, phone)[0].text).toBe(text.slice(2));
    expect(outboxTo(b, phone)).toBe(1);
    expect(count(b, `SELECT COUNT(*) FROM sms_mo_parts WHERE source = ? AND state = 'duplicate'`, phone)).toBe(3);
  });

  it('a long message with a missing part: the gap is marked in the text, staff see 收到 2/3 段 (also across a restart)', async () => {
    const sim = await simulator();
    const dir = dataDir();
    const phone = '8613811110004';
    const text = '投诉：我家楼下的餐馆每天晚上十一点以后还在营业，油烟和噪音很大，老人孩子都睡不着觉，已经向物业和社区反映过很多次，'
      + '但是一直没有人来处理，也没有任何回复和说明，希望有关部门尽快派人来现场查看，依法处理，谢谢！';
    const slow = { HOTLINE_SMS_REASSEMBLY_TIMEOUT_SEC: '3' }; // the restart comes before the timeout
    const a = await serverOn(dir, sim, {}, slow);
    await sim.injectLongMo({ from: phone, to: '96365', text, unitsPerPart: 40, ref: 9, order: [1, 3] });
    expect(await a.sms.repo.openParts()).toHaveLength(2);
    await a.stop(); // restart before the reassembly timeout
    const b = await serverOn(dir, sim, {}, slow);
    const [f] = await until(() => { const l = complaints(b, phone); return l.length ? l : null; }, 10_000, 'the incomplete complaint');
    const inbound = (await b.sms.repo.listInbound({ limit: 100 })).filter((r) => national(r.phone) === national(phone))[0];
    expect(inbound).toMatchObject({ parts: 2, partsExpected: 3, complete: false });
    expect(inbound.text).toBe(text.slice(0, 40) + '[…]' + text.slice(80));
    expect(f.text).toContain('[…]');
    expect(await b.ctx.store.feedback.smsParts(f.id)).toEqual({ received: 2, expected: 3 });
    expect([...(await b.ctx.store.feedback.smsPartsIncomplete([f.id])).values()]).toEqual([{ received: 2, expected: 3 }]);
    await settled(b);
    expect(outboxTo(b, phone)).toBe(1);
  });
});

describe('inbound SMS: kill -9', () => {
  it('kill -9 of the server in the middle of 300 complaints, restart: each one recorded and answered exactly once', async () => {
    const sim = await simulator();
    const dir = dataDir();
    const env = {
      ...process.env, HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'info', HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(sim.port),
      HOTLINE_SMPP_SYSTEM_ID: DEFAULT_SMSC_CREDENTIALS.systemId, HOTLINE_SMPP_PASSWORD: DEFAULT_SMSC_CREDENTIALS.password,
      HOTLINE_SMS_REPLIES_PER_HOUR: '1000', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_ARI_URL: '', ...ENV,
    };
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'src', 'cli.ts'), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      cleanups.push(() => { child.kill('SIGKILL'); });
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        const on = (d: Buffer) => { buf += d; if (/listening on http/.test(buf)) resolve(); };
        child.stdout!.on('data', on); child.stderr!.on('data', on);
        child.once('exit', (c) => reject(new Error(`server exited ${c}: ${buf.slice(-1500)}`)));
      });
      return child;
    };
    const phones = Array.from({ length: 300 }, (_, i) => `86137100${String(i).padStart(5, '0')}`);
    const first = await start();
    await sim.waitFor(() => sim.boundSessions().length > 0, 20_000, 'bound');
    // A steady stream (pacing only; nothing waits on time for correctness): the kill lands in the middle of it.
    const acked: Array<Promise<void>> = [];
    const stream = (async () => {
      for (const [i, p] of phones.entries()) {
        const a = sim.injectMo({ from: p, to: '96365', text: `投诉 第${i}号楼电梯又坏了`, timeoutMs: 90_000 });
        a.catch(() => undefined);
        acked.push(a);
        if (i % 3 === 2) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await sim.waitFor(() => sim.counts.moAcked >= 60, 30_000, '60 MO acknowledged');
    first.kill('SIGKILL');
    await once(first, 'exit');
    const killedAt = sim.counts.moAcked;
    expect(killedAt).toBeLessThan(300);
    const second = await start();
    await stream;
    await Promise.all(acked);
    await sim.waitFor(() => phones.every((p) => handset(sim, p).length >= 1) || null, 60_000, 'every citizen answered');
    second.kill('SIGKILL');
    await once(second, 'exit');
    const store = Store.open(join(dir, 'hotline.db'));
    try {
      const perPhone = (sql: string) => new Map((store.db.prepare(sql).all() as Array<{ p: string; n: number }>).map((r) => [r.p, r.n]));
      const feedback = perPhone(`SELECT substr(phone, -11) AS p, COUNT(*) AS n FROM feedback GROUP BY p`);
      const replies = perPhone(`SELECT substr(phone, -11) AS p, COUNT(*) AS n FROM sms_outbox WHERE reason = 'reply' GROUP BY p`);
      const inbound = perPhone(`SELECT substr(phone, -11) AS p, COUNT(*) AS n FROM sms_inbound GROUP BY p`);
      for (const p of phones) {
        expect([feedback.get(national(p)), replies.get(national(p)), inbound.get(national(p))], p).toEqual([1, 1, 1]);
      }
      expect(store.db.prepare(`SELECT COUNT(*) FROM sms_inbound WHERE status = 'received'`).pluck().get()).toBe(0);
    } finally { store.close(); }
  }, 120_000);
});

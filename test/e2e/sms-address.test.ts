/**
 * SMS addressing and the abuse / loop guard end to end: the real server against the SMSC simulator,
 * which reads TON/NPI as an operator SMSC does (a national 13… with TON 1 is refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS, type MoParams } from '../../src/sim/smsc/index.js';
import { testConfig } from '../helpers/context.js';
import { memoryLogger, silentLogger } from '../../src/log.js';
import { until } from '../helpers/wait.js';
import type { Store } from '../../src/store/index.js';

async function boot(env: Record<string, string>, log = silentLogger): Promise<{ server: RunningServer; sim: SmscSimulator }> {
  const sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 10 });
  await sim.start({ host: '127.0.0.1', port: 0 });
  const server = await startServer(testConfig({
    HOTLINE_SMPP_TPS: '0', HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00', ...env,
  }), { log, smscSimulator: sim });
  await until(() => server.channels.sms.link.state === 'bound', 10_000, 'bound');
  return { server, sim };
}

/** Inject an MO and wait until the server has processed it; returns its inbound row. */
async function text(server: RunningServer, sim: SmscSimulator, p: Omit<MoParams, 'to'>) {
  const repo = (server.ctx.store as Store).sync.sms; // synchronous reads, for the polling predicate
  const before = repo.listInbound({ limit: 1 })[0]?.id ?? 0;
  await sim.injectMo({ to: '96365', timeoutMs: 10_000, ...p });
  return until(() => {
    const row = repo.listInbound({ limit: 5 }).find((r) => r.id > before && r.text === p.text);
    return row && row.status !== 'received' ? row : null;
  }, 10_000, `inbound ${p.text} processed`);
}

describe('addressing: one canonical number, international by default', () => {
  let server: RunningServer;
  let sim: SmscSimulator;
  beforeAll(async () => ({ server, sim } = await boot({})));
  afterAll(async () => { await server?.stop(); await sim?.stop(); });

  it('a reply goes to 86… with TON 1 / NPI 1 from the short code with TON 0 / NPI 0, and reaches the handset', async () => {
    // The simulator presents the sender as an operator SMSC does: 8613811112222, TON 1.
    await text(server, sim, { from: '13811112222', text: 'BZ' });
    const [reply] = await sim.waitFor(() => { const r = sim.received('13811112222'); return r.length ? r : null; }, 10_000, 'reply');
    expect(reply).toContain('96365');
    const sub = sim.submits.find((s) => s.msisdn === '8613811112222')!;
    expect(sub).toMatchObject({ destination: '8613811112222', destTon: 1, destNpi: 1, source: '96365', sourceTon: 0, sourceNpi: 0, status: 0 });
    expect(sim.submits.filter((s) => s.status === 0x0b)).toEqual([]);
  });

  it('every table keeps the canonical form: inbound, outbox, complaint, subscription, opt-out', async () => {
    const d = (await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局', '0579-82345678')).department;
    expect((await server.ctx.store.departments.byCode('SCJG'))!.contactPhone).toBe('8657982345678');
    const code = (await server.ctx.declarations.upsert(d, 'SC-9', { itemName: '食品经营许可证新办', applicantPhone: '+86 139 0000 0009', timeLimitDays: 10 })).declaration.queryCode;
    expect((await server.ctx.store.declarations.byQueryCode(code))!.applicantPhone).toBe('8613900000009');
    const repo = server.channels.sms.repo;
    const complaint = await text(server, sim, { from: '13811113333', text: '投诉 路灯坏了' });
    const subscribe = await text(server, sim, { from: '13811113333', text: `DY ${code}`, rawFrom: { ton: 2, npi: 1 } }); // the national form with TON 2
    expect([complaint.phone, subscribe.phone]).toEqual(['8613811113333', '8613811113333']);
    expect((await server.ctx.store.feedback.byId(complaint.feedbackId!))!.phone).toBe('8613811113333');
    expect(await server.ctx.store.subscriptions.activeByPhone('8613811113333')).toHaveLength(1);
    expect((await repo.list({ phone: '8613811113333' })).map((m) => m.template)).toEqual(['reply.subscribed', 'reply.feedback_received.complaint']);
    await text(server, sim, { from: '+8613811113333', text: 'TD' });
    expect(await server.ctx.store.subscriptions.isOptedOut('8613811113333')).toBe(true);
    await sim.waitFor(() => sim.received('13811113333').length === 3 || null, 10_000, '3 replies');
  });
});

describe('addressing: smpp.dest_addr_format and the short code TON/NPI are configurable', () => {
  it.each([
    ['national', '13822224444', 2, 1],
    ['unknown', '13822224444', 0, 1],
    ['international', '8613822224444', 1, 1],
  ] as const)('%s → destination %s TON %i NPI %i', async (format, addr, ton, npi) => {
    const { server, sim } = await boot({ HOTLINE_SMPP_DEST_ADDR_FORMAT: format, HOTLINE_SMPP_SOURCE_ADDR_TON: '3', HOTLINE_SMPP_SOURCE_ADDR_NPI: '1' });
    try {
      await text(server, sim, { from: '13822224444', text: 'HELP' });
      await sim.waitFor(() => sim.received('8613822224444').length === 1 || null, 10_000, 'reply');
      expect(sim.submits[0]).toMatchObject({ destination: addr, destTon: ton, destNpi: npi, sourceTon: 3, sourceNpi: 1, msisdn: '8613822224444' });
      expect((await server.channels.sms.repo.list({ phone: '8613822224444' }))[0].status).toMatch(/submitted|delivered/);
    } finally { await server.stop(); await sim.stop(); }
  });
});

describe('abuse guard and loops', () => {
  let server: RunningServer;
  let sim: SmscSimulator;
  const log = memoryLogger();
  beforeAll(async () => ({ server, sim } = await boot({ HOTLINE_SMS_REPLIES_PER_HOUR: '3', HOTLINE_SMS_OWN_NUMBERS: '1065796365' }, log)));
  afterAll(async () => { await server?.stop(); await sim?.stop(); });

  it('the cap counts the canonical number (86… and 13… alike): 3 replies, one notice, then silence', async () => {
    const forms: Array<Omit<MoParams, 'to' | 'text'>> = [
      { from: '13833330001' }, { from: '8613833330001', rawFrom: { ton: 1, npi: 1 } }, { from: '13833330001', rawFrom: { ton: 2, npi: 1 } },
      { from: '13833330001' }, { from: '13833330001' }, { from: '13833330001', rawFrom: { ton: 0, npi: 1 } },
    ];
    const rows = [];
    for (const [i, f] of forms.entries()) rows.push(await text(server, sim, { ...f, text: `BZ${i}` }));
    expect(rows.map((r) => r.phone)).toEqual(Array(6).fill('8613833330001'));
    expect(rows.map((r) => r.outcome!.split(';')[1] ?? 'reply')).toEqual(['reply', 'reply', 'reply', 'rate-limit-notice', 'no-reply:rate-limit', 'no-reply:rate-limit']);
    const out = (await server.channels.sms.repo.list({ phone: '8613833330001' })).reverse();
    expect(out.map((m) => m.template)).toEqual(['reply.help', 'reply.help', 'reply.help', 'reply.lookup_limit']);
    const got = await sim.waitFor(() => { const r = sim.received('13833330001'); return r.length === 4 ? r : null; }, 10_000, '4 messages');
    expect(got[3]).toMatch(/过于频繁.*96365/);
    const warn = log.lines.filter((l) => l.includes('per-number limit reached'));
    expect(warn).toHaveLength(1);
    expect(warn[0]).toContain('138****0001');
    expect(warn[0]).not.toContain('13833330001');
  });

  // sender as the SMSC presents it → ignored (no complaint, no reply)
  it.each([
    ['the short code', '96365', 0],
    ['the short code with 86', '8696365', 1],
    ['the short code with +86', '+8696365', 1],
    ['a configured SP long number', '1065796365', 0],
    ['an SP long number carrying the short code', '106900096365001', 0],
    ['an alphanumeric sender', 'CMCC', 5],
  ] as const)('a TS from %s (%s) creates no complaint and gets no reply; stored and acknowledged', async (_l, from, ton) => {
    const row = await text(server, sim, { from, rawFrom: { ton, npi: ton === 5 ? 0 : 1 }, text: `TS 测试投诉${from}` });
    expect(row).toMatchObject({ status: 'ignored', feedbackId: null });
    expect(row.outcome).toMatch(/^ignored:(own-number|alphanumeric)$/);
    expect(await server.ctx.store.feedback.list({ q: `测试投诉${from}` })).toHaveLength(0);
    expect(await server.channels.sms.repo.list({ phone: row.phone })).toHaveLength(0);
    expect(log.lines.some((l) => l.includes('ignored (no complaint, no reply)'))).toBe(true);
  });

  it('no reply to service numbers or landlines either (the text still counts)', async () => {
    const r1 = await text(server, sim, { from: '10086', rawFrom: { ton: 0, npi: 1 }, text: 'BZ 10086' });
    const r2 = await text(server, sim, { from: '8657982345678', rawFrom: { ton: 1, npi: 1 }, text: '投诉 固话短信' });
    expect(r1.outcome).toBe('help;no-reply:sender');
    expect(r2.phone).toBe('8657982345678');
    expect(r2.outcome).toMatch(/^feedback:.*;no-reply:sender$/);
    expect(await server.channels.sms.repo.list({ phone: '10086' })).toHaveLength(0);
    expect(await server.channels.sms.repo.list({ phone: '8657982345678' })).toHaveLength(0);
  });
});

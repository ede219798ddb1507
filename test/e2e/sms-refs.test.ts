/**
 * SMS look-ups by department references (issue 10 §4): letters and hyphens survive, a reference two
 * departments use is resolved (named department, or the sender is the applicant) or answered with the
 * departments to choose from; bidi controls in citizen text are removed where it enters (§5).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../../src/sim/smsc/index.js';
import { testConfig } from '../helpers/context.js';
import { silentLogger } from '../../src/log.js';
import type { Store } from '../../src/store/index.js';

let server: RunningServer;
let sim: SmscSimulator;

beforeAll(async () => {
  sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 20 });
  await sim.start({ host: '127.0.0.1', port: 0 });
  server = await startServer(testConfig({ HOTLINE_SMPP_TPS: '0', HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00', HOTLINE_SMS_NOTIFY_APPLICANT: 'false' }), { log: silentLogger, smscSimulator: sim });
  const a = (await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局')).department;
  const b = (await addDepartment(server.ctx.store, 'RSJ', '市人力资源和社会保障局')).department;
  await server.ctx.declarations.upsert(a, 'RS2026-0107', { itemName: '食品经营许可证新办', applicantPhone: '13900000011', timeLimitDays: 10 });
  await server.ctx.declarations.upsert(b, 'RS2026-0107', { itemName: '社会保险关系转移', applicantPhone: '13900000022', timeLimitDays: 10 });
  await server.ctx.declarations.upsert(a, 'SC2026-0099', { itemName: '营业执照变更登记', timeLimitDays: 10 });
  await sim.waitFor(() => server.channels.sms.link.state === 'bound', 5000, 'bound');
});
afterAll(async () => { await server?.stop(); await sim?.stop(); });

const replies = async (phone: string, n = 1, ms = 8000) => (await sim.waitFor(() => { const r = sim.received(phone); return r.length >= n ? r : null; }, ms, `${n} messages to ${phone}`));

describe('SMS look-ups by department reference', () => {
  it('a reference with letters and a hyphen is found (CX SC2026-0099, also lower case and full-width)', async () => {
    await sim.injectMo({ from: '13811112001', to: '96365', text: 'CX SC2026-0099' });
    expect((await replies('13811112001'))[0]).toContain('营业执照变更登记');
    await sim.injectMo({ from: '13811112001', to: '96365', text: 'cx sc2026-0099' });
    expect((await replies('13811112001', 2))[1]).toContain('营业执照变更登记');
    await sim.injectMo({ from: '13811112001', to: '96365', text: '查询ＳＣ２０２６－００９９' });
    expect((await replies('13811112001', 3))[2]).toContain('营业执照变更登记');
  });

  it('a reference two departments use: the reply lists them; naming one, or being its applicant, finds it', async () => {
    await sim.injectMo({ from: '13811112002', to: '96365', text: 'CX RS2026-0107' });
    const [amb] = await replies('13811112002');
    expect(amb).toContain('对应多个部门');
    expect(amb).toContain('SCJG 市市场监督管理局');
    expect(amb).toContain('RSJ 市人力资源和社会保障局');
    expect(amb).not.toContain('食品经营许可证新办');
    await sim.injectMo({ from: '13811112002', to: '96365', text: 'CX RSJ RS2026-0107' });
    expect((await replies('13811112002', 2))[1]).toContain('社会保险关系转移');
    await sim.injectMo({ from: '13900000011', to: '96365', text: 'CX RS2026-0107' });
    expect((await replies('13900000011'))[0]).toContain('食品经营许可证新办');
  });

  it('bidi controls in an SMS are removed before it is stored and shown', async () => {
    await sim.injectMo({ from: '13811112003', to: '96365', text: 'TS 路灯坏了\u202E12\u202C，请修理' });
    await replies('13811112003');
    const f = await server.ctx.store.feedback.list({ q: '13811112003' });
    expect(f).toHaveLength(1);
    expect(f[0].text).toBe('路灯坏了12，请修理');
    const inbound = (server.ctx.store as Store).db.prepare('SELECT text FROM sms_inbound WHERE phone = ?').pluck().all('13811112003') as string[];
    expect(inbound.every((t) => !/[\u202A-\u202E\u2066-\u2069]/.test(t))).toBe(true);
  });
});

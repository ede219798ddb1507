/** SMS end to end: the real SmppLink over TCP against the SMSC simulator, through the whole server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../../src/sim/smsc/index.js';
import { testConfig } from '../helpers/context.js';
import { withCheckDigit } from '../../src/domain/query-code.js';
import { silentLogger } from '../../src/log.js';
import type { Department } from '../../src/domain/types.js';
import type { Store } from '../../src/store/index.js';

let server: RunningServer;
let sim: SmscSimulator;
let dept: Department;
let apiKey: string;
let code: string;

beforeAll(async () => {
  sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 20 });
  await sim.start({ host: '127.0.0.1', port: 0 });
  server = await startServer(testConfig({ HOTLINE_SMPP_WINDOW: '20', HOTLINE_SMPP_TPS: '0', HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' }), { log: silentLogger, smscSimulator: sim });
  const d = await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局');
  dept = d.department; apiKey = d.apiKey;
  code = (await server.ctx.declarations.upsert(dept, 'SC-1', { itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '13900000000', timeLimitDays: 10 })).declaration.queryCode;
  await sim.waitFor(() => server.channels.sms.link.state === 'bound', 5000, 'bound');
});
afterAll(async () => { await server?.stop(); await sim?.stop(); });

/** The SQLite repositories, for synchronous inspection in polling predicates. */
const sync = () => (server.ctx.store as Store).sync;
const lastTo = async (phone: string, n = 1, ms = 5000) => (await sim.waitFor(() => { const r = sim.received(phone); return r.length >= n ? r : null; }, ms, `${n} messages to ${phone}`));

describe('SMS channel end to end', () => {
  it('a Chinese query gets the status reply (UCS2, multi-part)', async () => {
    await sim.injectMo({ from: '13811110001', to: '96365', text: `查询 ${code}` });
    const [reply] = await lastTo('13811110001');
    expect(reply).toContain('食品经营许可证新办');
    expect(reply).toContain('市市场监督管理局');
    expect(reply).toContain('已受理');
    expect(reply).not.toContain('张晓明'); // masked
  });

  it('full-width, bare code and bad check digit', async () => {
    const fw = code.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    await sim.injectMo({ from: '13811110002', to: '96365', text: `ｃｘ：${fw}` });
    expect((await lastTo('13811110002'))[0]).toContain('食品经营许可证新办');
    const bad = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
    await sim.injectMo({ from: '13811110002', to: '96365', text: bad });
    const r = await lastTo('13811110002', 2);
    expect(r[1]).not.toContain('食品经营许可证新办');
    expect(r[1]).toContain('格式不对');
  });

  it('malformed codes (11 or 13 digits, failed check digit) get "格式不对", not "未查到"', async () => {
    const bad = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
    const texts = [`CX ${code.slice(0, 11)}`, `CX ${code}7`, `CX${bad}`, `DY ${code.slice(1)}`, 'CX'];
    for (const [i, t] of texts.entries()) await sim.injectMo({ from: `1381111010${i}`, to: '96365', text: t });
    for (const [i, t] of texts.entries()) {
      const [reply] = await lastTo(`1381111010${i}`);
      expect(reply, t).not.toContain('未查到');
      expect(reply, t).toMatch(i === texts.length - 1 ? /请在CX后写上办件回执上的12位查询码/ : /格式不对，请核对/);
    }
    // A well-formed code that does not exist is "not found".
    const other = [withCheckDigit('19999999999'), withCheckDigit('18888888888')].find((c) => c !== code)!;
    await sim.injectMo({ from: '13811110109', to: '96365', text: `CX ${other}` });
    expect((await lastTo('13811110109'))[0]).toContain('未查到');
  });

  it('citizens\' own words: 我要投诉：…, 举报, and a request without a keyword are recorded with a reference', async () => {
    const rows: Array<[from: string, text: string, kind: string, stored: string, reply: RegExp]> = [
      ['13811120001', '我要投诉：小区门口的垃圾三天没人清理', 'complaint', '小区门口的垃圾三天没人清理', /投诉已受理，编号(\d+)/],
      ['13811120002', '举报 无证经营', 'report', '无证经营', /举报已受理，编号(\d+)/],
      ['13811120003', '我想咨询一下社保卡补办要带什么', 'consultation', '社保卡补办要带什么', /咨询已受理，编号(\d+)/],
      ['13811120004', '小区路灯坏了好几天了', 'request', '小区路灯坏了好几天了', /诉求已登记，编号(\d+)/],
    ];
    for (const [from, text] of rows) await sim.injectMo({ from, to: '96365', text });
    for (const [from, text, kind, stored, reply] of rows) {
      const [msg] = await lastTo(from);
      const ref = reply.exec(msg)?.[1];
      expect(ref, `${text} → ${msg}`).toBeTruthy();
      const f = (await server.ctx.store.feedback.byRef(ref!))!;
      expect(f).toMatchObject({ kind, text: stored, channel: 'sms' });
    }
    // Short unknown text → help, nothing recorded.
    await sim.injectMo({ from: '13811120005', to: '96365', text: '你好' });
    expect((await lastTo('13811120005'))[0]).toContain('查办件回复');
    expect(await server.ctx.store.feedback.list({ q: '13811120005' })).toHaveLength(0);
  });

  it('a question starting with 取消 does not opt the sender out', async () => {
    const phone = '13811130001';
    await sim.injectMo({ from: phone, to: '96365', text: `DY ${code}` });
    await lastTo(phone, 1);
    await sim.injectMo({ from: phone, to: '96365', text: '取消营业执照的申请需要什么材料' });
    const [, reply] = await lastTo(phone, 2);
    expect(reply).toContain('诉求已登记');
    expect(await server.ctx.subscriptions.isOptedOut(phone)).toBe(false);
    const declId = (await server.ctx.store.declarations.byQueryCode(code))!.id;
    expect((await server.ctx.store.subscriptions.activeFor(declId)).some((x) => x.phone.endsWith(phone.slice(1)))).toBe(true);
    await sim.injectMo({ from: phone, to: '96365', text: '取消订阅' });
    expect((await lastTo(phone, 3))[2]).toContain('退订');
    expect(await server.ctx.subscriptions.isOptedOut(phone)).toBe(true);
  });

  it('a push with a very long reason keeps its 回复TD退订 ending: the reason is cut with …', async () => {
    const applicant = '13844440001';
    await server.ctx.declarations.upsert(dept, 'SC-LONG', { itemName: '食品经营许可证变更', applicantPhone: applicant, timeLimitDays: 10 });
    await lastTo(applicant, 1); // the accepted notice
    const reason = '经现场核查，' + '经营场所布局不符合食品安全要求，'.repeat(29);
    const res = await fetch(`${server.url}/api/v1/declarations/SC-LONG/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'long-1', stepName: '审查决定', status: 'rejected', occurredAt: new Date(Date.now() + 1000).toISOString(), details: { reason } }),
    });
    expect(res.status).toBe(201);
    const push = (await lastTo(applicant, 2)).at(-1)!;
    expect(push).toContain('经现场核查，经营场所布局');
    expect(push.endsWith('回复TD退订。'), push.slice(-20)).toBe(true);
    expect(push).toContain('…。如有疑问请拨打96365。');
    expect(sim.received(applicant)).toHaveLength(2); // one notice, not split
  });

  it('an answered request gets the satisfaction survey too', async () => {
    const phone = '13811120099';
    await sim.injectMo({ from: phone, to: '96365', text: '小区楼下的路灯坏了好几天了，晚上很黑' });
    await lastTo(phone);
    const f = (await server.ctx.store.feedback.list({ q: phone }))[0];
    expect(f.kind).toBe('request');
    await server.ctx.feedback.answer(f.id, '已安排维修，预计明天修复。', 'dept:SCJG');
    const msgs = await lastTo(phone, 3);
    expect(msgs[2]).toMatch(/回复1满意/);
  });

  it('a 420-character answer arrives in full, as numbered messages in order, then the survey', async () => {
    const phone = '13833330420';
    await sim.injectMo({ from: phone, to: '96365', text: 'TS 小区门口的垃圾三天没人清理' });
    await lastTo(phone);
    const f = (await server.ctx.store.feedback.list({ q: phone }))[0];
    await server.ctx.feedback.assign(f.id, dept.id, 'op');
    const sentence = '经核查，您反映的小区门口垃圾清运不及时问题属实。街道已责成物业公司每日早晚各清运一次，并安排城管队员跟踪督查；';
    const answer = sentence.repeat(10).slice(0, 419) + '。';
    expect(Array.from(answer)).toHaveLength(420);
    await server.ctx.feedback.answer(f.id, answer, 'dept:SCJG');
    const msgs = await lastTo(phone, 3, 10_000);
    // Before the fix the handset got one message of 402 characters ending "经核…".
    expect(msgs[1].endsWith('…'), 'the answer was cut').toBe(false);
    await lastTo(phone, 4, 10_000);
    const parts = sim.received(phone).slice(1, 3);
    expect(parts[0].startsWith('【96365】(1/2)')).toBe(true);
    expect(parts[1].startsWith('【96365】(2/2)')).toBe(true);
    const full = server.channels.sms.templates.render('push.answer', { ref: f.ref, answer, dept: dept.name });
    expect('【96365】' + parts.map((p) => p.replace(/^【96365】\(\d\/2\)/, '')).join('')).toBe(full);
    expect(parts[1].endsWith('（回复TD退订）')).toBe(true);
    expect(parts.join('')).toContain(answer.slice(-30));
    expect(sim.received(phone)[3]).toMatch(/满意/); // the survey after the whole answer
    // The panel's preview, the outbox and the handset agree, character for character.
    const rows = (await server.channels.sms.repo.list({ phone: (await server.ctx.store.feedback.byId(f.id))!.phone!, limit: 10 })).filter((r) => r.reason === 'answer').reverse();
    expect(rows.map((r) => r.text)).toEqual(parts);
    expect(server.channels.sms.previewAnswer({ ref: f.ref, departmentName: dept.name }, answer).map((p) => p.text)).toEqual(parts);
  });

  it('a 3-part Chinese complaint, parts out of order → one complaint, one reply', async () => {
    const text = '投诉' + '市民中心办证窗口排队时间太长，工作人员态度也不好，希望尽快改进。'.repeat(6);
    await sim.injectLongMo({ from: '13811110003', to: '96365', text, order: [3, 1, 2] });
    const [reply] = await lastTo('13811110003');
    const f = await server.ctx.store.feedback.list({ q: '13811110003' });
    expect(f).toHaveLength(1);
    expect(f[0].text).toBe(text.slice(2));
    expect(reply).toContain(f[0].ref);
  });

  it('status change from the department API → pushes to 3 subscribers, none to the opted-out one', async () => {
    const subs = ['13822220001', '13822220002', '13822220003', '13822220004'];
    for (const p of subs) await sim.injectMo({ from: p, to: '96365', text: `DY ${code}` });
    for (const p of subs) await lastTo(p, 1);
    await sim.injectMo({ from: '13822220004', to: '96365', text: 'TD' });
    await lastTo('13822220004', 2);
    const res = await fetch(`${server.url}/api/v1/declarations/SC-1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'e-fee', stepName: '核定费用', status: 'fee_due', occurredAt: new Date().toISOString(), details: { amount: '120元', how: '市民中心缴费窗口或“浙里办”' } }),
    });
    expect(res.status).toBe(201);
    for (const p of subs.slice(0, 3)) expect((await lastTo(p, 2)).at(-1)).toContain('120元');
    expect((await lastTo('13900000000', 2)).at(-1)).toContain('120元'); // the applicant
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.received('13822220004')).toHaveLength(2); // confirmation of DY and of TD only
    // the same event again: no second push
    await fetch(`${server.url}/api/v1/declarations/SC-1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'e-fee', stepName: '核定费用', status: 'fee_due', occurredAt: new Date().toISOString() }),
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.received('13822220001')).toHaveLength(2);
  });

  it('answer → SMS answer and survey; reply 3 reopens', async () => {
    await sim.injectMo({ from: '13833330001', to: '96365', text: '投诉 路灯坏了' });
    await lastTo('13833330001');
    const f = (await server.ctx.store.feedback.list({ q: '13833330001' }))[0];
    await server.ctx.feedback.assign(f.id, dept.id, 'op');
    await server.ctx.feedback.answer(f.id, '已安排维修。'.repeat(20), 'dept:SCJG'); // a long, multi-part answer
    const msgs = await lastTo('13833330001', 3);
    const answer = msgs.findIndex((m) => m.includes('已安排维修。已安排维修。'));
    const survey = msgs.findIndex((m, i) => i > 1 && /满意/.test(m) && !m.includes('已安排维修'));
    expect(answer).toBeGreaterThan(0);
    expect(survey, 'the survey comes after the answer it asks about').toBeGreaterThan(answer);
    await sim.injectMo({ from: '13833330001', to: '96365', text: '3' });
    await lastTo('13833330001', 4);
    expect(await server.ctx.store.feedback.byId(f.id)).toMatchObject({ satisfaction: 3, status: 'assigned', reopenCount: 1 });
  });

  it('receipts mark messages delivered', async () => {
    await sim.waitFor(() => {
      const c = sync().sms.countsByStatus();
      return (c.submitted ?? 0) === 0 && (c.queued ?? 0) === 0 && (c.submitting ?? 0) === 0 ? c : null;
    }, 5000, 'all delivered');
    const c = await server.channels.sms.repo.countsByStatus();
    expect(c.delivered).toBeGreaterThan(10);
  });

  it('no reply to alphanumeric senders or the short code', async () => {
    await sim.injectMo({ from: 'BANK', to: '96365', text: 'CX 123' });
    await sim.injectMo({ from: '96365', to: '96365', text: 'HELP' });
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.received('BANK')).toHaveLength(0);
    expect(sim.received('96365')).toHaveLength(0);
  });
});

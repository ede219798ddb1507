/**
 * The WHOLE work-order cycle of issue 12 in a real browser (playwright-core + Debian's chromium), through
 * the server's own SMSC simulator (SMPP over TCP) for the citizen's side: an SMS complaint → 派单 →
 * 签收 → 退单 → 改派 → 签收 → 申请延期 → 同意延期 → 阶段性答复 → 办结回复 → survey SMS, the citizen
 * replies 3 (不满意) → 重办 to the same department → 签收 → 办结回复 again → survey, the citizen replies
 * 1 (满意) → 已办结. Asserts the timeline on the page (step names in order), the texts the citizen's
 * handset received, and the 全程考核 figures of the department (API and page), computed from the
 * definitions in src/workorders/assessment.ts. Screenshots: test-artifacts/screenshots/cycle-*.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { FakeSms, FakeTestPhone, FakeVoice, loggedIn, startAdmin, type AdminServer } from './helpers.js';
import { addDepartment } from '../../src/departments.js';
import { localDate } from '../../src/domain/time.js';
import { CHROMIUM, hasChromium, launchChromium, panelSession, screenshot, SHOTS } from '../helpers/browser.js';
import { until } from '../helpers/wait.js';
import type { Feedback } from '../../src/domain/types.js';
import type { SmscSimulator } from '../../src/sim/smsc/index.js';

// Code passed to page.evaluate/waitForFunction runs in the browser; the project compiles without the DOM lib.
declare const document: any;

const PW = 'Wo-cycle-2026!';
const CITIZEN = '13912345679';
const COMPLAINT = '菜市场卖过期食品';
const INTERIM = '已立案调查，样品已送检。';
const ANSWER1 = '经检测属实，已没收并立案处罚。';
const ANSWER2 = '复查后已责令停业整顿并公示。';

if (!hasChromium) console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium; CI installs it)`);

describe.skipIf(!hasChromium)('the whole work-order cycle in chromium, the citizen by SMS', () => {
  let s: AdminServer;
  let sim: SmscSimulator;
  let browser: Browser;
  let order: Feedback;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Quiet hours off (the run may be at night in Asia/Shanghai), no throttle: the pushes go out now.
    s = await startAdmin({ HOTLINE_SMPP_TPS: '0', HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' },
      { sms: new FakeSms(), voice: new FakeVoice(), testPhone: new FakeTestPhone() });
    const { ctx } = s.server;
    sim = s.server.channels.simulators.smsc!;
    // Only this department and this order in the period: the assessment figures are this order's.
    await addDepartment(ctx.store, 'SCJG', '市市场监督管理局');
    await s.admin.auth.createUser({ username: 'disp', role: 'operator', password: PW, displayName: '李娜' });
    await s.admin.auth.createUser({ username: 'sup', role: 'supervisor', password: PW, displayName: '张班长' });
    await s.admin.auth.createUser({ username: 'scjg_wang', role: 'department', departmentCode: 'SCJG', password: PW, displayName: '王承办' });
    await until(() => s.server.channels.sms.link.state === 'bound', 10_000, 'SMPP bound to the simulator');
    // The complaint comes in by SMS, like a citizen's.
    await sim.injectMo({ from: CITIZEN, to: '96365', text: `我要投诉：${COMPLAINT}` });
    order = await until(async () => (await ctx.store.feedback.list({ q: CITIZEN })).find((f) => f.text?.includes(COMPLAINT)), 10_000, 'the complaint recorded');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.server.stop();
  });

  const session = (username: string, password: string) => panelSession(browser, s.url, username, password, problems, { timeoutMs: 15_000 });
  const shot = (page: Page, name: string) => screenshot(page, `cycle-${name}`);

  /** The queue page, the given tab, the order's row focused and opened with Enter. */
  async function openFromQueue(page: Page, queue: string): Promise<void> {
    await page.goto(`${s.url}/admin#/workorders`);
    await page.waitForSelector('#wo-tabs a[data-queue]');
    await page.click(`#wo-tabs a[data-queue="${queue}"]`);
    await page.locator(`#wo-table tr[data-id="${order.id}"]`).press('Enter');
    await page.waitForSelector('#wo-timeline');
  }
  /** The order's page afresh, once the given action is offered. */
  async function openWith(page: Page, action: string): Promise<void> {
    await page.goto(`${s.url}/admin#/workorders/${order.id}`);
    await page.reload();
    await page.waitForSelector(`#act-${action}`);
  }
  /** Open a step's form, fill it, submit, wait for the timeline to grow by `grow`. */
  async function step(page: Page, action: string, fill: Record<string, string> = {}, grow = 1): Promise<void> {
    const before = await page.locator('#wo-timeline li').count();
    await page.click(`#act-${action}`);
    await page.waitForSelector(`form.wo-step[data-step="${action}"]`);
    for (const [name, value] of Object.entries(fill)) {
      const sel = `#wo-f-${name}`;
      if (await page.$eval(sel, (e: any) => e.tagName === 'SELECT')) await page.selectOption(sel, value);
      else await page.fill(sel, value);
    }
    await page.click('#wo-submit');
    await page.waitForFunction((n) => document.querySelectorAll('#wo-timeline li').length >= n, before + grow);
  }
  const actions = (page: Page) => page.$$eval('#wo-actions button[data-action]', (bs) => bs.map((b) => b.getAttribute('data-action')));
  const labels = (page: Page) => page.$$eval('#wo-timeline li .step-name', (ls) => ls.map((l) => l.textContent));
  /** What the citizen's handset has received so far, once `pred` holds. */
  const handset = (pred: (msgs: string[]) => boolean, what: string) =>
    until(() => { const r = sim.received(CITIZEN); return pred(r) ? r : null; }, 15_000, what);
  const status = async () => (await s.server.ctx.store.workOrders.byId(order.id))!;

  it('dispatch → 签收 → 退单 → 改派 → 延期 → 阶段性答复 → 办结回复 → 不满意 → 重办 → 办结回复 → 满意 → 已办结, and its assessment', async () => {
    // The citizen's acknowledgement of the complaint.
    const ack = await handset((m) => m.some((t) => t.includes('已受理')), 'the acknowledgement');
    expect(ack.join('\n')).toContain(order.ref);

    // dispatcher: 派单
    const disp = await session('disp', PW);
    await disp.page.goto(`${s.url}/admin#/workorders`);
    await disp.page.waitForSelector(`#wo-table tr[data-id="${order.id}"]`);
    await openFromQueue(disp.page, 'to_dispatch');
    expect(await disp.page.textContent('#wo-text')).toContain(COMPLAINT);
    await step(disp.page, 'dispatch', { category: 'SCJG.FOOD', department: 'SCJG', instruction: '请核查该市场食品安全' });

    // department: 签收 → 退单
    const dept = await session('scjg_wang', PW);
    await openFromQueue(dept.page, 'to_sign');
    await step(dept.page, 'sign');
    await step(dept.page, 'return', { reason: 'not_ours', opinion: '经查该摊点属城管执法范围' });
    expect(await dept.page.textContent('#wo-status')).toContain('已退单');

    // dispatcher: 改派 to the same department
    await openWith(disp.page, 'dispatch');
    await step(disp.page, 'dispatch', { department: 'SCJG', instruction: '经核实属食品安全监管，请承办' });

    // department: 签收, 申请延期
    await openWith(dept.page, 'sign');
    await step(dept.page, 'sign');
    await step(dept.page, 'request_extension', { days: '3', reason: '需送检，检测结果约三个工作日' });
    await dept.page.waitForSelector('#wo-extension');

    // supervisor: 同意延期
    const sup = await session('sup', PW);
    await openWith(sup.page, 'decide_extension');
    await step(sup.page, 'decide_extension', { approve: 'yes', opinion: '同意延期' });
    await sup.page.waitForSelector('#wo-extension', { state: 'detached' });

    // department: 阶段性答复, 办结回复
    await openWith(dept.page, 'interim');
    await step(dept.page, 'interim', { answer: INTERIM });
    await step(dept.page, 'answer', { answer: ANSWER1 });
    expect(await dept.page.textContent('#wo-status')).toContain('已答复');
    expect(await status()).toMatchObject({ status: 'answered', answer: ANSWER1 });

    // The citizen: the interim answer, the answer, then the survey (1/2/3); replies 3 (不满意).
    const first = await handset((m) => m.some((t) => t.includes(ANSWER1)) && m.filter((t) => /回复1/.test(t)).length >= 1, 'answer 1 and the survey');
    const iInterim = first.findIndex((t) => t.includes(INTERIM));
    const iAnswer1 = first.findIndex((t) => t.includes(ANSWER1));
    const iSurvey1 = first.findIndex((t, i) => i > iAnswer1 && /回复1/.test(t) && /不满意/.test(t));
    expect(first[iInterim]).toContain('阶段性答复');
    expect(iInterim).toBeGreaterThan(-1);
    expect(iAnswer1, 'the final answer after the interim one').toBeGreaterThan(iInterim);
    expect(iSurvey1, 'the survey after the answer it asks about').toBeGreaterThan(iAnswer1);
    await sim.injectMo({ from: CITIZEN, to: '96365', text: '3' });
    await until(async () => (await status()).reopenCount === 1, 15_000, '重办 after 不满意');
    expect(await status()).toMatchObject({ status: 'assigned', reopenCount: 1, departmentName: '市市场监督管理局', satisfaction: 3 });
    const afterNo = await handset((m) => m.length > first.length, 'the reply to 3');
    expect(afterNo.slice(first.length).join('\n')).toContain(order.ref);

    // department: the order is back (重办 queue), 签收, 办结回复 again
    await dept.page.goto(`${s.url}/admin#/workorders`);
    await dept.page.waitForSelector('#wo-tabs a[data-queue="redo"]');
    await openFromQueue(dept.page, 'redo');
    await dept.page.waitForSelector('#act-sign');
    expect(await dept.page.textContent('#wo-status')).toContain('已分派'); // assigned again, to be signed
    expect(await actions(dept.page)).toEqual(expect.arrayContaining(['sign']));
    expect(await actions(dept.page)).not.toContain('answer'); // 签收 first
    await shot(dept.page, '01-redo');
    await step(dept.page, 'sign');
    await step(dept.page, 'answer', { answer: ANSWER2 });
    expect(await status()).toMatchObject({ status: 'answered', answer: ANSWER2 });

    // The citizen: the second answer, the survey again; replies 1 (满意) → closed.
    const second = await handset((m) => m.slice(afterNo.length).some((t) => t.includes(ANSWER2)) && m.slice(afterNo.length).some((t) => /回复1/.test(t)), 'answer 2 and the survey');
    const rest = second.slice(afterNo.length);
    expect(rest.findIndex((t) => /回复1/.test(t) && /不满意/.test(t)), 'the second survey after the second answer').toBeGreaterThan(rest.findIndex((t) => t.includes(ANSWER2)));
    await sim.injectMo({ from: CITIZEN, to: '96365', text: '1' });
    await until(async () => (await status()).status === 'closed', 15_000, 'closed after 满意');
    expect(await status()).toMatchObject({ status: 'closed', satisfaction: 1, reopenCount: 1, returnCount: 1, extensionCount: 1 });
    const all = await handset((m) => m.length > second.length, 'the thanks for 1');
    expect(all.slice(second.length).join('\n')).toContain(order.ref);
    // Everything the handset got, in order (one part each: the texts are short).
    const said = (t: string) => `【96365】您反映的问题（编号${order.ref}）市市场监督管理局答复如下：${t}（回复TD退订）`;
    const ask = `【96365】您反映的问题（编号${order.ref}）已答复，请评价办理结果：回复1满意，2基本满意，3不满意。`;
    expect(all).toEqual([
      `【96365】您的投诉已受理，编号${order.ref}。我们将在规定时限内办理并短信答复，请留意。`,
      said(`（阶段性答复）${INTERIM}`),
      said(ANSWER1),
      ask,
      `【96365】很抱歉未能让您满意，编号${order.ref}的问题已重新交办，我们将再次处理并答复您。`,
      said(ANSWER2),
      ask,
      `【96365】感谢您的评价（编号${order.ref}），我们将持续改进服务。`,
    ]);

    // The timeline on the page, in order.
    await dept.page.reload();
    await dept.page.waitForSelector('#wo-timeline li');
    await dept.page.waitForFunction(() => document.getElementById('wo-status')?.textContent?.includes('已办结'));
    expect(await actions(dept.page)).not.toEqual(expect.arrayContaining(['answer']));
    const steps = await labels(dept.page);
    const expected = ['登记', '派单', '签收', '退单', '改派', '签收', '申请延期', '同意延期', '阶段性答复', '办结回复', '回访', '重办', '签收', '办结回复', '回访', '办结'];
    expect(steps, `timeline: ${steps.join(' → ')}`).toEqual(expected);
    const tl = await dept.page.textContent('#wo-timeline');
    for (const t of ['经查该摊点属城管执法范围', '同意延期', INTERIM, ANSWER1, '不满意', ANSWER2, '满意', '张班长', '李娜']) expect(tl).toContain(t);
    expect(tl).not.toMatch(/null|undefined/);
    await shot(dept.page, '02-closed-timeline');

    // 全程考核 of SCJG on the day the order came in. Expected from the definitions (src/workorders/assessment.ts), not from output:
    // received 1 (the one order); returns / extensions: the order's counters 1 / 1; 重办率 = orders redone
    // ≥ once ÷ received = 100 %; satisfaction is the order's LAST survey (满意: the answer of the new cycle
    // cleared the 不满意) → 满意 100 %, 不满意 0 %; the last 签收 and answer were within their deadlines
    // (set now, on working time) → 100 % / 100 %; no 催办.
    // Score = (10·100 + 30·100 + 40·100 + 10·(100−100) + 5·(100−100) + 5·(100−0) + 0·…) ÷ 100 = 85.
    const day = localDate(new Date(order.createdAt), 'Asia/Shanghai');
    const api = await loggedIn(s.url, 'sup', PW);
    const r = await api.get(`/admin/api/assessment?from=${day}&to=${day}&department=SCJG`);
    expect(r.status).toBe(200);
    expect(r.json.departments).toHaveLength(1);
    expect(r.json.departments[0]).toMatchObject({
      name: '市市场监督管理局', received: 1, returns: 1, extensions: 1, urges: 0, redone: 1, redoCount: 1, redoRatePct: 100,
      surveyed: 1, satisfied: 1, basic: 0, dissatisfied: 0, satisfiedPct: 100, basicPct: 0, dissatisfiedPct: 0,
      signOnTimePct: 100, finishOnTimePct: 100, finished: 1, score: 85,
    });

    // …and on the 全程考核 page.
    await sup.page.goto(`${s.url}/admin#/assessment`);
    await sup.page.waitForSelector('#assessment-table tbody tr td a');
    // the day the order came in (not "this month": a run across midnight at a month's end), SCJG; a new table
    await sup.page.$eval('#assessment-table', (t: any) => { t.dataset.old = '1'; });
    await sup.page.fill('input[name=from]', day);
    await sup.page.fill('input[name=to]', day);
    await sup.page.fill('input[name=department]', 'SCJG');
    await sup.page.click('form.filters button.primary');
    await sup.page.waitForSelector('#assessment-table:not([data-old]) tbody tr td a');
    expect(await sup.page.inputValue('input[name=from]')).toBe(day);
    const heads = await sup.page.$$eval('#assessment-table thead th', (ths) => ths.map((t) => t.textContent));
    const rows = await sup.page.$$eval('#assessment-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td: any) => td.textContent)));
    expect(rows).toHaveLength(1);
    const cell = (zh: string) => rows[0][heads.findIndex((h) => h!.startsWith(zh))];
    expect(cell('名称')).toBe('市市场监督管理局');
    expect(cell('受理')).toBe('1');
    expect(cell('退单')).toBe('1');
    expect(cell('延期')).toBe('1');
    expect(cell('重办率')).toBe('100%');
    expect(cell('满意')).toBe('100%');
    expect(cell('不满意')).toBe('0%');
    expect(cell('综合得分')).toBe('85');
    await shot(sup.page, '03-assessment');
    // drill-down: the order behind the 重办 figure
    await sup.page.click(`#assessment-table tbody tr td:nth-child(${heads.findIndex((h) => h!.startsWith('重办率')) + 1}) a`);
    await sup.page.waitForSelector('#assessment-drill tbody tr td a');
    expect(await sup.page.textContent('#assessment-drill h2')).toContain('重办');
    expect(await sup.page.$$eval('#assessment-drill tbody tr td:first-child', (tds) => tds.map((t) => t.textContent))).toEqual([order.ref]);

    expect(problems).toEqual([]);
    for (const c of [disp, dept, sup]) await c.context.close();
  }, 120_000); // a long journey: room for a loaded machine (every wait is on a condition, none on time)
});

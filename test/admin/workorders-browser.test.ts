/**
 * The 工单 screens in a real browser (playwright-core + Debian's chromium), the cycle of issue 12
 * driven through the UI: an SMS complaint → the dispatcher dispatches it (keyboard: Enter opens the
 * row) → the department signs (签收) and returns it (退单) → the dispatcher re-dispatches (改派) → the
 * department signs, asks for more time (申请延期) → the supervisor approves → 阶段性答复 → 办结回复.
 * Checks the timeline on the page and the citizen's SMS in the outbox. Screenshots go to
 * test-artifacts/screenshots/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDemoPanel, type AdminServer } from './helpers.js';
import { CHROMIUM, hasChromium, launchChromium, panelSession, screenshot } from '../helpers/browser.js';
import type { Feedback } from '../../src/domain/types.js';

// Code passed to page.evaluate/waitForFunction runs in the browser; the project compiles without the DOM lib.
declare const document: any;

const PW = 'Wo-screens-2026!';
const CITIZEN = '13912345678';
const XSS = '<img src=x onerror=alert(1)> 菜市场卖过期食品';

if (!hasChromium) console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium; CI installs it)`);

describe.skipIf(!hasChromium)('work-order screens in chromium', () => {
  let s: AdminServer;
  let browser: Browser;
  let order: Feedback;
  const problems: string[] = [];

  beforeAll(async () => {
    s = await startDemoPanel();
    const { ctx } = s.server;
    await s.admin.auth.createUser({ username: 'disp', role: 'operator', password: PW, displayName: '李娜' });
    await s.admin.auth.createUser({ username: 'sup', role: 'supervisor', password: PW, displayName: '张班长' });
    await ctx.feedback.create({ kind: 'consultation', channel: 'sms', phone: CITIZEN, text: '上周咨询：营业执照怎么年报' });
    order = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: CITIZEN, text: XSS });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.server.stop();
  });

  const session = (username: string, password: string) => panelSession(browser, s.url, username, password, problems);
  const shot = (page: Page, name: string) => screenshot(page, name);

  /** The queue page, the given tab, the order's row focused and opened with Enter. */
  async function openFromQueue(page: Page, queue: string): Promise<void> {
    await page.goto(`${s.url}/admin#/workorders`);
    await page.waitForSelector('#wo-tabs a[data-queue]');
    await page.click(`#wo-tabs a[data-queue="${queue}"]`);
    const row = page.locator(`#wo-table tr[data-id="${order.id}"]`);
    await row.press('Enter'); // focuses the row (re-found if a live reload replaced it) and presses Enter
    await page.waitForSelector('#wo-timeline');
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

  it('the cycle through the screens: dispatch, sign, return, re-dispatch, extension, approval, interim and final answer', async () => {
    const { ctx } = s.server;
    // dispatcher
    const disp = await session('disp', PW);
    expect(await disp.page.$$eval('nav.nav a', (as) => as.map((a) => a.getAttribute('data-page')))).toContain('workorders');
    await disp.page.goto(`${s.url}/admin#/workorders`);
    await disp.page.waitForSelector(`#wo-table tr[data-id="${order.id}"]`);
    expect(await disp.page.textContent('#wo-tabs')).toContain('待派单');
    expect(await disp.page.locator('#content img').count()).toBe(0); // citizen text is text
    await shot(disp.page, '20-workorders-queue');
    await openFromQueue(disp.page, 'to_dispatch');
    expect(await disp.page.textContent('#wo-text')).toBe(XSS);
    expect(await disp.page.textContent('#wo-history')).toContain('营业执照怎么年报'); // the citizen's earlier item
    expect(await actions(disp.page)).toEqual(expect.arrayContaining(['dispatch', 'close', 'claim']));
    expect(await actions(disp.page)).not.toContain('sign');
    await step(disp.page, 'dispatch', { category: 'SCJG.FOOD', department: 'SCJG', instruction: '请核查该市场食品安全' });
    expect(await disp.page.textContent('#wo-dept')).toContain('市场');
    await shot(disp.page, '21-workorder-dispatched');

    // department: 签收 → 退单
    const dept = await session('dept_scjg', 'demo96365');
    expect(await dept.page.$$eval('nav.nav a', (as) => as.map((a) => a.getAttribute('data-page')))).toContain('workorders');
    await openFromQueue(dept.page, 'to_sign');
    expect(await actions(dept.page)).toEqual(expect.arrayContaining(['sign', 'return']));
    expect(await actions(dept.page)).not.toContain('dispatch');
    await step(dept.page, 'sign');
    expect(await actions(dept.page)).toEqual(expect.arrayContaining(['return', 'request_extension', 'interim', 'answer']));
    await step(dept.page, 'return', { reason: 'not_ours', opinion: '经查该摊点属城管执法范围' });
    expect(await dept.page.textContent('#wo-status')).toContain('已退单');

    // dispatcher re-dispatches to the same department
    await disp.page.reload();
    await disp.page.waitForSelector('#act-dispatch');
    await step(disp.page, 'dispatch', { department: 'SCJG', instruction: '经核实属食品安全监管，请承办' });

    // department: 签收 again, 申请延期
    await dept.page.reload();
    await dept.page.waitForSelector('#act-sign');
    await step(dept.page, 'sign');
    await step(dept.page, 'request_extension', { days: '3', reason: '需送检，检测结果约三个工作日' });
    await dept.page.waitForSelector('#wo-extension');
    expect(await actions(dept.page)).not.toContain('request_extension');

    // supervisor approves
    const sup = await session('sup', PW);
    await sup.page.goto(`${s.url}/admin#/workorders/${order.id}`);
    await sup.page.waitForSelector('#act-decide_extension');
    await shot(sup.page, '22-workorder-extension-pending');
    await step(sup.page, 'decide_extension', { approve: 'yes', opinion: '同意延期' });
    await sup.page.waitForSelector('#wo-extension', { state: 'detached' });

    // department: 阶段性答复, 办结回复 (with the count and the SMS preview)
    await dept.page.reload();
    await dept.page.waitForSelector('#act-interim');
    await step(dept.page, 'interim', { answer: '已立案调查，样品已送检，结果出来后答复您。' });
    await dept.page.click('#act-answer');
    await dept.page.fill('#wo-f-answer', '经检测该商户销售过期食品属实，已没收并立案处罚，感谢您的监督。');
    await dept.page.waitForSelector('#sms-preview-summary');
    expect(await dept.page.textContent('#wo-count')).toMatch(/^\d+ 字/);
    expect(await dept.page.textContent('#sms-preview-summary')).toContain('条短信');
    await shot(dept.page, '23-workorder-answer-form');
    const before = await dept.page.locator('#wo-timeline li').count();
    await dept.page.click('#wo-submit');
    await dept.page.waitForFunction((n) => document.querySelectorAll('#wo-timeline li').length > n, before);
    expect(await dept.page.textContent('#wo-status')).toContain('已答复');
    await shot(dept.page, '24-workorder-answered');

    const steps = await labels(dept.page);
    for (const l of ['派单', '签收', '退单', '改派', '申请延期', '同意延期', '阶段性答复', '办结回复']) expect(steps).toContain(l);
    expect(steps.filter((l) => l === '签收')).toHaveLength(2);
    const tl = await dept.page.textContent('#wo-timeline');
    expect(tl).toContain('经查该摊点属城管执法范围');
    expect(tl).toContain('张班长');
    expect(tl).toContain('李娜');
    expect(tl).toContain('派至 市市场监督管理局');
    expect(tl).toContain('3 个工作日');
    expect(tl).not.toMatch(/null|undefined/);

    const o = (await ctx.store.workOrders.byId(order.id))!;
    expect(o).toMatchObject({ status: 'answered', answer: '经检测该商户销售过期食品属实，已没收并立案处罚，感谢您的监督。', returnCount: 1, extensionCount: 1 });
    const texts = (await ctx.store.sms.list({ phone: CITIZEN, limit: 20 })).map((r) => r.text);
    expect(texts.some((t) => t.includes('（阶段性答复）已立案调查'))).toBe(true);
    expect(texts.some((t) => t.includes('已没收并立案处罚'))).toBe(true);
    expect(problems).toEqual([]);
    for (const c of [disp, dept, sup]) await c.context.close();
  });

  it('a department user does not see another department\'s order', async () => {
    const { ctx } = s.server;
    const other = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13712345678', text: '拖欠工资' });
    await ctx.workOrders.dispatch(other.id, { type: 'dispatch', category: 'SB.WAGES', departmentCode: 'RSJ' }, { role: 'admin', id: 'staff:test', name: '测试', departmentId: null, departmentName: null });
    const { context, page } = await session('dept_scjg', 'demo96365');
    await page.goto(`${s.url}/admin#/workorders/${other.id}`);
    await page.waitForSelector('.notice.warn');
    expect(await page.textContent('.notice.warn')).toContain('不存在');
    await page.goto(`${s.url}/admin#/workorders`);
    await page.waitForSelector('#wo-tabs a.active');
    expect(await page.getAttribute('#wo-tabs a.active', 'data-queue')).toBe('to_sign');
    expect(await page.locator(`#wo-table tr[data-id="${other.id}"]`).count()).toBe(0);
    await shot(page, '25-workorders-department-queue');
    // Time passes (the server's clock): an unsigned order of ours shows red 已超时 in the queues
    const late = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13611112222', text: '夜市摊位缺斤短两' });
    await ctx.workOrders.dispatch(late.id, { type: 'dispatch', category: 'SCJG.FOOD', departmentCode: 'SCJG' }, { role: 'admin', id: 'staff:test', name: '测试', departmentId: null, departmentName: null });
    await context.close();
    s.clock.offsetMs = 3 * 86400_000; // (sessions expire meanwhile: log in again)
    const { context: c2, page: p2 } = await session('dept_scjg', 'demo96365');
    await overdueQueue(p2, late.id);
    s.clock.offsetMs = 0;
    expect(problems).toEqual([]);
    await c2.close();
  });

  async function overdueQueue(page: Page, lateId: number): Promise<void> {
    await page.goto(`${s.url}/admin#/workorders`);
    await page.waitForSelector('#wo-tabs a[data-queue]');
    await page.click('#wo-tabs a[data-queue="overdue"]');
    const cell = await page.waitForSelector(`#wo-table tr[data-id="${lateId}"] td[data-level="overdue"]`);
    expect(await cell.textContent()).toContain('超时');
    expect(Number(await page.getAttribute('#wo-tabs a[data-queue="overdue"] .badge-count', 'data-count'))).toBeGreaterThanOrEqual(1);
    await shot(page, '26-workorders-overdue');
  }
});

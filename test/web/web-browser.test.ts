/**
 * The public web window in a phone-sized chromium (390×844, no JavaScript needed by the pages — run
 * with JavaScript off): query with a good code / a bad check digit / an unknown code; complaint form →
 * reference → staff answer in the panel → the follow-up shows the answer; subscribe with the SMS code
 * read from the SMSC simulator. Screenshots in test-artifacts/screenshots/web-*.png.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../../src/sim/smsc/index.js';
import { withCheckDigit } from '../../src/domain/query-code.js';
import { silentLogger } from '../../src/log.js';
import { testConfig } from '../helpers/context.js';
import { hasChromium, launchChromium, panelSession, screenshot, SHOTS } from '../helpers/browser.js';
import { loggedIn } from '../admin/helpers.js';

const PW = 'correct-horse-battery-9';
let server: RunningServer;
let sim: SmscSimulator;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let code: string;
let answeredRef = '';

/** The text of the first element matching selector (after the navigation the click caused). */
const text = async (selector: string) => { await page.waitForLoadState(); return (await page.locator(selector).first().textContent()) ?? ''; };

describe.skipIf(!hasChromium)('public web window in a phone browser', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 20 });
    await sim.start({ host: '127.0.0.1', port: 0 });
    server = await startServer(testConfig({ HOTLINE_SMPP_TPS: '0', HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' }), { log: silentLogger, smscSimulator: sim, voice: false });
    const { department } = await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局');
    code = (await server.ctx.declarations.upsert(department, 'SC-2026-0001', { itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '13900000000', timeLimitDays: 10 })).declaration.queryCode;
    await server.ctx.declarations.applyStatusEvent(department, code, { eventId: 'e1', stepName: '材料审查', status: 'in_progress', handlerName: '李娜', handlerTitle: '科员', opinion: '材料齐全，进入现场核查', occurredAt: new Date().toISOString() });
    await server.ctx.store.web.upsertGuide(department.id, { itemCode: 'SP-01', name: '食品经营许可证新办', basis: '《中华人民共和国食品安全法》第三十五条', procedure: '申请 → 受理 → 审查 → 决定 → 发证', fees: '不收费', timeLimit: '10个工作日', complaintChannel: '拨打 96365，或在本网站“投诉咨询建议”提交' }, 'test', new Date().toISOString());
    await server.channels.admin.auth.createUser({ username: 'admin1', role: 'admin', password: PW });
    await sim.waitFor(() => server.channels.sms.link.state === 'bound', 5000, 'bound');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', javaScriptEnabled: false });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => { await browser?.close(); await server?.stop(); await sim?.stop(); });

  it('home page: the window, small', async () => {
    const res = await page.goto(server.url + '/');
    expect(page.url()).toBe(server.url + '/web/');
    expect((await res!.body()).length).toBeLessThan(50 * 1024);
    expect((await text('h1')).trim()).toBe('网上办事窗口');
    await screenshot(page, 'web-home');
    // nothing wider than the phone
    expect(await page.evaluate('document.documentElement.scrollWidth') as number).toBeLessThanOrEqual(390);
  });

  it('query: good code, bad check digit, unknown code', async () => {
    const bad = code.slice(0, 11) + String((Number(code[11]) + 1) % 10);
    const cases: Array<[string, string, string]> = [
      ['good', code, '材料审查'], ['bad check digit', bad, '查询码有误'], ['unknown', withCheckDigit('98765432109'), '未找到'],
    ];
    for (const [label, c, want] of cases) {
      await page.goto(server.url + '/web/query');
      await page.fill('#code', c);
      await page.click('form[action="/web/query/result"] button');
      expect(await text('main'), label).toContain(want);
      if (label === 'good') {
        expect(await text('main')).toContain('李娜（科员）');
        expect(await text('main')).toContain('张*明');
        await screenshot(page, 'web-query-result');
      }
      if (label === 'bad check digit') await screenshot(page, 'web-query-bad');
    }
  });

  it('complaint → reference → staff answers in the panel → follow-up shows the answer; the answer SMS goes out', async () => {
    await page.goto(server.url + '/web/feedback');
    await screenshot(page, 'web-feedback-form');
    await page.check('input[name=kind][value=complaint]');
    await page.fill('#text', '人民路夜间施工噪音扰民，凌晨仍在施工。');
    await page.selectOption('#category', { index: 1 });
    await page.fill('#address', '人民路88号');
    await page.fill('#phone', '13911112222');
    await page.click('form[action="/web/feedback"] button');
    const ref = (await page.locator('#ref').textContent())!.trim();
    expect(ref).toMatch(/^\d{10,}$/);
    await screenshot(page, 'web-feedback-done');
    const fb = (await server.ctx.store.feedback.byRef(ref))!;
    expect(fb.channel).toBe('web');
    expect((await server.ctx.workOrders.get(fb.id))).toMatchObject({ address: '人民路88号', category: expect.any(String) });
    const admin = await loggedIn(server.url, 'admin1', PW);
    // the panel's work-order cycle: 派单 → 签收 → 办结回复
    for (const [step, body] of [['dispatch', { department: 'SCJG' }], ['sign', {}], ['answer', { answer: '已联系施工单位，夜间22时后停止施工。' }]] as const) {
      const r = await admin.post(`/admin/api/work-orders/${fb.id}/${step}`, body);
      expect(r.status, `${step}: ${r.text}`).toBe(200);
    }
    await page.goto(server.url + '/web/track');
    await page.fill('#ref', ref);
    await page.fill('#phone', '139 1111 2222');
    await page.click('form[action="/web/track"] button');
    answeredRef = ref;
    expect(await text('#answer')).toContain('夜间22时后停止施工');
    await screenshot(page, 'web-track-answer');
    await sim.waitFor(() => sim.received('8613911112222').some((t) => t.includes('22时后停止施工')) || sim.received('13911112222').some((t) => t.includes('22时后停止施工')) || null, 10_000, 'answer SMS');
  });

  it('subscribe with the code sent by SMS (taken from the SMSC simulator)', async () => {
    await page.goto(server.url + `/web/subscribe?code=${code}`);
    await page.fill('#phone', '13933334444');
    await page.click('form[action="/web/subscribe"] button');
    expect(await text('main')).toContain('139****4444');
    const texts = await sim.waitFor(() => { const r = [...sim.received('8613933334444'), ...sim.received('13933334444')]; return r.length ? r : null; }, 10_000, 'code SMS');
    const otp = /验证码：(\d{6})/.exec(texts.at(-1)!)![1];
    await page.fill('#otp', otp);
    await screenshot(page, 'web-subscribe-code');
    await page.click('form[action="/web/subscribe/confirm"] button');
    expect(await text('main')).toContain('已订阅');
    const decl = (await server.ctx.store.declarations.byQueryCode(code))!;
    expect((await server.ctx.subscriptions.activeFor(decl.id)).map((s) => s.phone)).toContain('8613933334444');
  });

  it('the panel: an admin keeps 办事指南, publishes the answered complaint and gives a title; the web pages show them', async () => {
    const problems: string[] = [];
    const { context: panel, page: p } = await panelSession(browser, server.url, 'admin1', PW, problems);
    try {
      await p.goto(`${server.url}/admin#/guide`);
      await p.waitForSelector('#guide-form');
      await p.selectOption('#guide-form-dept', 'SCJG');
      await p.fill('#guide-item-code', 'SP-02');
      await p.fill('#guide-name', '食品经营许可证变更');
      await p.fill('#guide-timeLimit', '5个工作日');
      await p.fill('#guide-fees', '不收费');
      await p.click('#guide-form button[type=submit]');
      await p.waitForSelector('#guide-table td:text("SP-02")');
      await screenshot(p, 'web-panel-guide');
      const fb = (await server.ctx.store.feedback.byRef(answeredRef))!;
      await p.goto(`${server.url}/admin#/feedback/${fb.id}`);
      await p.click('#publish-toggle');
      await p.waitForSelector('#fb-publish :text("已在网站公开栏展示")');
      const u = (await server.ctx.store.staff.byUsername('admin1'))!;
      await p.goto(`${server.url}/admin#/admin/users`);
      await p.fill('input[data-title="admin1"]', '热线受理科科长');
      await p.click('input[data-title="admin1"] + button');
      for (let i = 0; i < 50 && await server.ctx.store.web.title(u.id) !== '热线受理科科长'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await server.ctx.store.web.title(u.id)).toBe('热线受理科科长');
      expect(problems).toEqual([]);
    } finally { await panel.close(); }
    await page.goto(server.url + '/web/guide/SCJG');
    expect(await text('main')).toContain('食品经营许可证变更');
    await page.goto(server.url + '/web/board');
    const board = await text('main');
    expect(board).toContain('夜间22时后停止施工');
    expect(board).toContain('热线受理科科长');
    expect(board).not.toContain('13911112222');
    await screenshot(page, 'web-board-published');
  });

  it('guide and board pages render on the phone', async () => {
    await page.goto(server.url + '/web/guide/SCJG');
    expect(await text('main')).toContain('10个工作日');
    await screenshot(page, 'web-guide');
    await page.goto(server.url + '/web/board');
    expect((await text('h1')).trim()).toBe('公开栏');
    await screenshot(page, 'web-board');
    expect(await page.evaluate('document.documentElement.scrollWidth') as number).toBeLessThanOrEqual(390);
  });
});

/**
 * The panel in a real browser (playwright-core + Debian's chromium): log in, transcribe and answer a
 * voice complaint, department scoping, the XSS string shown as text, the live page updating without
 * reload. Screenshots of every page go to test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDemoPanel, writeRecording, type AdminServer } from './helpers.js';
import { CHROMIUM, hasChromium, launchChromium, panelSession, screenshot } from '../helpers/browser.js';
import type { Feedback } from '../../src/domain/types.js';

// Code passed to page.evaluate/waitForFunction runs in the browser; the project compiles without the DOM lib.
declare const document: any;
declare const window: any;

const XSS = '<img src=x onerror=alert(1)> 测试转义';

if (!hasChromium) console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium; CI installs it)`);

describe.skipIf(!hasChromium)('admin panel in chromium', () => {
  let s: AdminServer;
  let browser: Browser;
  let voice: Feedback;
  let other: Feedback;
  const dialogs: string[] = [];

  beforeAll(async () => {
    s = await startDemoPanel();
    const { ctx } = s.server;
    const rec = writeRecording(ctx.config.data.dir, 'voice-1.wav', 3000);
    voice = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '13812341234', text: null, recordingPath: rec, recordingDuration: 3, callId: 'sim-1', flowPath: 'menu>complaint>record' });
    other = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13712345678', text: '人社局的投诉（部门用户不可见）' });
    await ctx.feedback.assign(other.id, (await ctx.store.departments.byCode('RSJ'))!.id, 'test');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.server.stop();
  });

  const session = (username: string, password: string) => panelSession(browser, s.url, username, password, dialogs, { height: 860 });
  const shot = (page: Page, name: string) => screenshot(page, name);

  it('login page, then the inbox; the XSS complaint shows as text', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const p = await context.newPage();
    await p.goto(`${s.url}/admin`);
    await p.waitForSelector('form.login');
    await p.fill('input[name=username]', 'demo');
    await p.fill('input[name=password]', 'wrong-password');
    await p.click('form.login button[type=submit]');
    await p.waitForFunction(() => document.getElementById('login-error')?.textContent?.includes('用户名或密码错误'));
    await shot(p, '00-login');
    await context.close();

    const { context: c2, page } = await session('demo', 'demo96365');
    await page.waitForSelector(`#feedback-table tr[data-id="${voice.id}"]`);
    const cell = page.getByText(XSS, { exact: true });
    await expect(cell.first().isVisible()).resolves.toBe(true);
    expect(await page.locator('#content img').count()).toBe(0);
    await shot(page, '01-feedback-inbox');
    const xss = (await s.server.ctx.store.feedback.list({ q: '测试转义' }))[0];
    await page.goto(`${s.url}/admin#/feedback/${xss.id}`);
    await page.waitForSelector('#fb-text');
    expect(await page.textContent('#fb-text')).toBe(XSS);
    expect(dialogs).toEqual([]);
    await c2.close();
  });

  it('opens a voice complaint, transcribes, assigns and answers it', async () => {
    const { context, page } = await session('demo', 'demo96365');
    await page.click(`#feedback-table tr[data-id="${voice.id}"]`);
    await page.waitForSelector('#fb-transcript');
    expect(await page.getAttribute('#fb-audio', 'src')).toBe(`/admin/api/feedback/${voice.id}/recording`);
    // The browser can load and decode the recording.
    const duration = await page.evaluate(async () => {
      const a = document.getElementById('fb-audio') as any;
      a.preload = 'auto'; a.load();
      await new Promise((r, j) => { a.onloadedmetadata = r; a.onerror = () => j(new Error('audio error')); setTimeout(() => j(new Error('audio timeout')), 5000); });
      return a.duration;
    });
    expect(duration).toBeGreaterThan(2.5);
    await page.fill('#fb-transcript', '市民反映：市场里的秤不准，希望加强检查。');
    await page.click('#save-transcript');
    await page.waitForFunction(() => document.querySelectorAll('#fb-timeline li').length >= 2);
    await page.selectOption('#assign-dept', 'SCJG');
    await page.click('#assign');
    await page.waitForFunction(() => document.querySelectorAll('#fb-timeline li').length >= 3);
    await page.fill('#fb-answer', '您好，已安排市场监管所核查计量器具，谢谢反映。');
    await page.click('#send-answer');
    await page.waitForFunction(() => document.querySelectorAll('#fb-timeline li').length >= 4);
    const f = (await s.server.ctx.feedback.byId(voice.id))!;
    expect(f).toMatchObject({ status: 'answered', transcript: '市民反映：市场里的秤不准，希望加强检查。', answer: '您好，已安排市场监管所核查计量器具，谢谢反映。', answeredBy: 'staff:demo' });
    expect(await page.textContent('#fb-timeline')).toContain('办结回复') // the answer button is 签收 + 办结回复 of the cycle;
    await shot(page, '02-feedback-detail');
    await context.close();
  });

  it('a department user sees only their department', async () => {
    const { context, page } = await session('dept_scjg', 'demo96365');
    await page.waitForSelector('#feedback-table tbody tr');
    const ids = await page.$$eval('#feedback-table tbody tr[data-id]', (rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
    expect(ids).toContain(voice.id); // assigned to SCJG in the previous test
    expect(ids).not.toContain(other.id);
    const nav = await page.$$eval('nav.nav a', (as) => as.map((a) => a.getAttribute('data-page')));
    expect(nav).toEqual(['feedback', 'workorders', 'declarations', 'live', 'assessment']); // 全程考核: their own department's
    expect(await page.textContent('#content')).not.toMatch(/null|undefined/);
    await shot(page, '03-department-inbox');
    await page.goto(`${s.url}/admin#/feedback/${other.id}`);
    await page.waitForSelector('.notice.warn');
    expect(await page.textContent('.notice.warn')).toContain('不存在');
    await context.close();
  });

  it('the live page shows new feedback without reload', async () => {
    const { context, page } = await session('demo', 'demo96365');
    await page.goto(`${s.url}/admin#/live`);
    await page.waitForSelector('.live-dot.on');
    const marker = await page.evaluate(() => { window.marker = 42; return 42; });
    s.server.ctx.bus.emit('call.updated', { callId: 'sim-7', caller: '13912345678', node: 'lookup', startedAt: new Date(Date.now() - 65_000).toISOString(), state: 'up' });
    s.server.ctx.bus.emit('sms.link', { state: 'bound' });
    s.server.ctx.bus.emit('sms.outbox', { queued: 4, sent: 120, perSecond: 2.5 });
    const f = await s.server.ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13698765432', text: '实时推送测试：路灯不亮' });
    await page.waitForSelector(`#live-feed li[data-ref="${f.ref}"]`);
    await page.waitForSelector('#live-calls tr[data-call="sim-7"]');
    expect(await page.textContent('#live-calls')).toContain('139****5678');
    expect(await page.evaluate(() => window.marker)).toBe(marker); // same document: no reload
    expect(await page.textContent('#content')).not.toMatch(/null|undefined/);
    await shot(page, '04-live');
    s.server.ctx.bus.emit('call.ended', { callId: 'sim-7', caller: '13912345678', node: 'end', startedAt: new Date().toISOString(), state: 'ended' });
    await page.waitForSelector('#live-calls tr[data-call="sim-7"]', { state: 'detached' });
    await context.close();
  });

  it('a voided step shows struck through and marked 已撤销; a locked-out user gets a working unlock button', async () => {
    const { ctx } = s.server;
    const dept = (await ctx.store.departments.byCode('SCJG'))!;
    const d = (await ctx.declarations.upsert(dept, 'BR-VOID-1', { itemName: '撤销演示事项', timeLimitDays: 5 })).declaration;
    await ctx.declarations.applyStatusEvent(dept, d.queryCode, { eventId: 'br-wrong', stepName: '错误环节', status: 'rejected', occurredAt: new Date().toISOString() });
    await ctx.declarations.voidEvent(dept, d.queryCode, 'br-wrong', '误操作', 'dept:SCJG');
    for (let i = 0; i < 5; i++) await s.admin.auth.login('dept_scjg', `wrong-${i}-xxxx`, { ip: '10.9.9.9' });
    expect((await s.admin.auth.lockState()).has('dept_scjg')).toBe(true);
    const { context, page } = await session('demo', 'demo96365');
    await page.goto(`${s.url}/admin#/declarations/${d.queryCode}`);
    const li = await page.waitForSelector('#decl-timeline li.voided');
    expect(await li.textContent()).toContain('已撤销');
    expect(await li.textContent()).toContain('误操作');
    expect(await li.$eval('.step-name', (e) => (globalThis as any).getComputedStyle(e).textDecorationLine as string)).toBe('line-through');
    await shot(page, '16-declaration-voided-step');
    await page.goto(`${s.url}/admin#/admin/users`);
    const row = page.locator('#users-table tbody tr', { hasText: 'dept_scjg' });
    await row.locator('button.unlock').click();
    await page.waitForFunction(() => ![...document.querySelectorAll('#users-table tbody tr')].some((tr) => tr.textContent?.includes('dept_scjg') && tr.querySelector('button.unlock')));
    expect((await s.admin.auth.lockState()).has('dept_scjg')).toBe(false);
    expect((await ctx.store.audit.list(10)).some((e) => e.action === 'user.unlock' && e.target === 'dept_scjg')).toBe(true);
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('the live page shows 存储空间不足 storage full while writes fail (snapshot and live event), and clears by itself', async () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const { storage } = s.server.ctx;
    const { context, page } = await session('demo', 'demo96365'); // (a login is a write: it would end the incident)
    expect(storage.failure(full, 'test')).toBe(true);
    await page.goto(`${s.url}/admin#/live`);
    await page.waitForSelector('#live-storage:not([hidden])');
    expect(await page.textContent('#live-storage')).toContain('存储空间不足 storage full');
    await shot(page, '04-live-storage-full');
    storage.success(); // space is back (the test store has room): the banner goes without a reload
    await page.waitForSelector('#live-storage', { state: 'hidden' });
    storage.failure(full, 'test');
    await page.waitForSelector('#live-storage:not([hidden])');
    storage.success();
    await page.waitForSelector('#live-storage', { state: 'hidden' });
    await context.close();
  });

  it('every other page renders (screenshots)', async () => {
    const { context, page } = await session('demo', 'demo96365');
    const pages: Array<[string, string, string]> = [
      ['05-declarations', '#/declarations', 'tbody tr.click'],
      ['06-declaration-detail', `#/declarations/${(await import('../../src/demo/demo-data.js')).DEMO_CODES.inProgress}`, '#decl-timeline li'],
      ['07-sms-outbox', '#/sms/outbox', 'tbody tr td'],
      ['08-sms-subscriptions', '#/sms/subs', 'table'],
      ['09-supervision', '#/supervision', '#stats-chart rect'],
      ['10-audit', '#/audit', 'tbody tr td'],
      ['11-admin-users', '#/admin/users', '#users-table tbody tr'],
      ['12-admin-departments', '#/admin/departments', 'tbody tr td'],
      ['13-settings', '#/admin/settings', '#settings-json'],
      ['14-testphone', '#/testphone', '#tp-dial'],
    ];
    for (const [name, hash, sel] of pages) {
      await page.goto(`${s.url}/admin${hash}`);
      await page.waitForSelector(sel);
      await page.waitForTimeout(150);
      await shot(page, name);
    }
    // The test phone: dial, get a caption, press a key.
    await page.click('#tp-dial');
    await page.waitForFunction(() => document.getElementById('tp-captions')?.textContent?.includes('96365'));
    await page.click('.pad button[data-key="1"]');
    await page.fill('#tp-sms-text', 'CX 963650000011');
    await page.click('#tp-sms-text + button');
    await page.waitForSelector('.bubble.in');
    await shot(page, '15-testphone-in-call');
    expect(dialogs).toEqual([]);
    await context.close();
  });
});

/**
 * The 工单 intake in a real browser (playwright-core + Debian's chromium): a voice item's recording
 * plays in the order view with keyboard shortcuts, the operator fills in 登记信息 (transcript,
 * category, 事发地址, urgency, reply channel) and dispatches in the same save (POST …/details); the
 * department picks a 常用语 into its answer. Screenshots go to test-artifacts/screenshots/ (git-ignored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDemoPanel, writeRecording, type AdminServer } from './helpers.js';
import { CHROMIUM, hasChromium, launchChromium, panelSession, screenshot } from '../helpers/browser.js';
import type { Feedback } from '../../src/domain/types.js';

// Code passed to page.evaluate/waitForFunction runs in the browser; the project compiles without the DOM lib.
declare const document: any;

const PW = 'Wo-intake-2026!';
const TRANSCRIPT = '市民来电反映：幸福路菜市场有摊位卖过期熟食，希望尽快查处。';

if (!hasChromium) console.warn(`browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium; CI installs it)`);

describe.skipIf(!hasChromium)('work-order intake in chromium', () => {
  let s: AdminServer;
  let browser: Browser;
  let voice: Feedback;
  const problems: string[] = [];

  beforeAll(async () => {
    s = await startDemoPanel();
    const { ctx } = s.server;
    await s.admin.auth.createUser({ username: 'op', role: 'operator', password: PW, displayName: '王芳' });
    const rec = writeRecording(ctx.config.data.dir, 'intake-1.wav', 12000);
    voice = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '13812345670', text: null, recordingPath: rec, recordingDuration: 12, callId: 'sim-intake-1', flowPath: 'menu>complaint>record' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.server.stop();
  });

  const session = (username: string, password: string) => panelSession(browser, s.url, username, password, problems);
  const shot = (page: Page, name: string) => screenshot(page, name);
  const audio = <T>(page: Page, f: (a: any) => T) => page.evaluate(f, undefined as never) as Promise<T>;

  it('a voice item: the recording with shortcuts, 登记信息 saved with the dispatch in one save', async () => {
    const { ctx } = s.server;
    const { context, page } = await session('op', PW);
    await page.goto(`${s.url}/admin#/workorders/${voice.id}`);
    await page.waitForSelector('#wo-intake');
    expect(await page.getAttribute('#wo-audio', 'src')).toBe(`/admin/api/feedback/${voice.id}/recording`);
    // the browser loads the recording (role-checked route), then the shortcuts drive it
    const duration = await page.evaluate(async () => {
      const a = document.getElementById('wo-audio');
      a.preload = 'auto'; a.muted = true; a.load();
      await new Promise((r, j) => { a.onloadedmetadata = r; a.onerror = () => j(new Error('audio error')); setTimeout(() => j(new Error('audio timeout')), 5000); });
      return a.duration;
    });
    expect(duration).toBeGreaterThan(11);
    await page.focus('#wo-i-transcript');
    await page.keyboard.press('Alt+Digit4');
    expect(await audio(page, () => document.getElementById('wo-audio').playbackRate)).toBe(1.5);
    expect(await page.getAttribute('#wo-audio-speed button[data-speed="1.5"]', 'class')).toContain('primary');
    await page.keyboard.press('Alt+ArrowRight');
    await page.keyboard.press('Alt+ArrowRight');
    expect(await audio(page, () => document.getElementById('wo-audio').currentTime)).toBeGreaterThanOrEqual(10);
    await page.keyboard.press('Alt+ArrowLeft');
    const t = await audio(page, () => document.getElementById('wo-audio').currentTime);
    expect(t).toBeGreaterThanOrEqual(5);
    expect(t).toBeLessThan(10);
    await page.keyboard.press('Alt+KeyP');
    await page.waitForFunction(() => !document.getElementById('wo-audio').paused);
    await page.keyboard.press('Alt+KeyP');
    await page.waitForFunction(() => document.getElementById('wo-audio').paused);
    await page.keyboard.press('Alt+Digit2');
    expect(await audio(page, () => document.getElementById('wo-audio').playbackRate)).toBe(1);

    // 登记信息 + 派单, one save
    await page.fill('#wo-i-transcript', TRANSCRIPT);
    await page.selectOption('#wo-i-category', 'SCJG.FOOD');
    expect(await page.inputValue('#wo-i-department')).toBe('SCJG'); // the category's default department
    await page.fill('#wo-i-address', '幸福区幸福路 88 号菜市场');
    await page.selectOption('#wo-i-urgency', 'urgent');
    await page.selectOption('#wo-i-replyBy', 'call');
    await page.check('#wo-i-dispatch');
    await page.fill('#wo-i-instruction', '请今日内到场核查');
    await shot(page, '30-workorder-intake-form');
    const before = await page.locator('#wo-timeline li').count();
    await page.click('#wo-i-save');
    await page.waitForFunction((n) => document.querySelectorAll('#wo-timeline li').length > n, before);
    await page.waitForSelector('#wo-status');
    expect(await page.textContent('#wo-dept')).toContain('市场');

    const o = (await ctx.store.workOrders.byId(voice.id))!;
    expect(o).toMatchObject({ transcript: TRANSCRIPT, category: 'SCJG.FOOD', address: '幸福区幸福路 88 号菜市场', urgency: 'urgent', replyBy: 'call', status: 'assigned', instruction: '请今日内到场核查' });
    expect(o.departmentName).toContain('市场');
    const steps = await page.$$eval('#wo-timeline li .step-name', (ls) => ls.map((l) => l.textContent));
    expect(steps).toContain('派单');
    const tl = await page.textContent('#wo-timeline');
    expect(tl).toContain('王芳');
    expect(tl).toContain('派至 市市场监督管理局');
    expect(tl).not.toMatch(/null|undefined/);
    // actors by display name, never the login id (the 转写 entry comes from the older feedback path)
    expect(tl).not.toMatch(/staff:/);
    // the saved fields show again in the form
    expect(await page.inputValue('#wo-i-transcript')).toBe(TRANSCRIPT);
    expect(await page.inputValue('#wo-i-address')).toBe('幸福区幸福路 88 号菜市场');
    await shot(page, '31-workorder-intake-saved');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('常用语 follow the category chosen in 登记信息 before it is saved (直办)', async () => {
    const { ctx } = s.server;
    const sms = await ctx.feedback.create({ kind: 'consultation', channel: 'sms', phone: '13812345671', text: '请问幸福路菜市场几点开门？', recordingPath: null, recordingDuration: null, callId: null, flowPath: null });
    const { context, page } = await session('op', PW);
    await page.goto(`${s.url}/admin#/workorders/${sms.id}`);
    await page.waitForSelector('#wo-i-category');
    await page.click('#act-direct');
    await page.waitForSelector('#wo-f-template');
    const groups = () => page.$$eval('#wo-f-template optgroup', (gs) => gs.map((g) => g.getAttribute('label')));
    expect(await groups()).toEqual(['通用']); // no category yet
    await page.selectOption('#wo-i-category', 'SCJG.FOOD'); // not saved
    expect(await groups()).toEqual(['市场监管', '通用']);
    await page.selectOption('#wo-i-category', 'CSGL.ROAD');
    expect(await groups()).toEqual(['城市管理', '通用']);
    expect(await ctx.store.workOrders.byId(sms.id)).toMatchObject({ category: null }); // still unsaved
    expect(problems).toEqual([]);
    await context.close();
  });

  it('常用语: the department picks a phrase of the order\'s category into 办结回复 (count and preview follow)', async () => {
    const { ctx } = s.server;
    // the operator keeps the order open: its saved 登记信息 (not being edited) follows others' steps live
    const op = await session('op', PW);
    await op.page.goto(`${s.url}/admin#/workorders/${voice.id}`);
    await op.page.waitForSelector('#wo-intake');
    const { context, page } = await session('dept_scjg', 'demo96365');
    await page.goto(`${s.url}/admin#/workorders/${voice.id}`);
    await page.waitForSelector('#act-sign');
    expect(await page.locator('#wo-intake').count()).toBe(0); // 登记信息 is the centre's
    const before = await page.locator('#wo-timeline li').count();
    await page.click('#act-sign');
    await page.click('#wo-submit');
    await page.waitForFunction((n) => document.querySelectorAll('#wo-timeline li').length > n, before);
    await op.page.waitForFunction(() => document.querySelector('#wo-status')?.textContent.includes('办理中'));
    expect(await op.page.locator('#wo-stale').count()).toBe(0);
    await op.context.close();
    await page.click('#act-answer');
    await page.waitForSelector('#wo-f-template');
    const groups = await page.$$eval('#wo-f-template optgroup', (gs) => gs.map((g) => g.getAttribute('label')));
    expect(groups).toEqual(['市场监管', '通用']);
    await page.fill('#wo-f-answer', '您好，');
    const phrase = '执法人员已到现场检查，对涉事商户依法立案调查。';
    const value = await page.$eval('#wo-f-template', (sel, p) => [...sel.querySelectorAll('option')].find((o) => o.textContent === p)?.value, phrase);
    expect(value).toBeTruthy();
    await page.selectOption('#wo-f-template', value!);
    expect(await page.inputValue('#wo-f-answer')).toBe(`您好，${phrase}`);
    expect(await page.inputValue('#wo-f-template')).toBe(''); // ready for the next phrase
    expect(await page.textContent('#wo-count')).toContain(`${[...`您好，${phrase}`].length} 字`);
    await page.waitForFunction((p) => document.querySelector('.sms-preview')?.textContent.includes(p), phrase);
    // a general one at the end
    await page.selectOption('#wo-f-template', { label: '感谢您对我们工作的理解和支持，如有疑问请再次拨打 96365。' });
    expect(await page.inputValue('#wo-f-answer')).toBe(`您好，${phrase}感谢您对我们工作的理解和支持，如有疑问请再次拨打 96365。`);
    await page.waitForFunction(() => document.querySelector('.sms-preview')?.textContent.includes('再次拨打'));
    await shot(page, '32-workorder-answer-template');
    const n = await page.locator('#wo-timeline li').count();
    await page.click('#wo-submit');
    await page.waitForFunction((k) => document.querySelectorAll('#wo-timeline li').length > k, n);
    const o = (await ctx.store.workOrders.byId(voice.id))!;
    expect(o).toMatchObject({ status: 'answered', answer: `您好，${phrase}感谢您对我们工作的理解和支持，如有疑问请再次拨打 96365。` });
    expect(problems).toEqual([]);
    await context.close();
  });
});

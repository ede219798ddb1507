/**
 * The "try it now" journey in a real browser (playwright-core + Debian's chromium), through the real
 * simulators: the server starts its own SMSC simulator (SMPP over TCP) and runs the voice channel on
 * the ARI simulator (ari-client over HTTP + WebSocket), with demo data and demo logins. Nothing is
 * faked: the test phone texts and calls through those simulators into the real command parser and
 * IVR flow, and the answer goes out through the real outbox to the simulated handset.
 *
 * Steps (one chromium, one session for the admin; a second context for the department user):
 *  1 log in · 2 test phone SMS query · 3 test phone call: status query · 4 test phone call: complaint,
 *  seen live (call appears and ends, feedback arrives) · 5 inbox: play, transcribe, assign, answer →
 *  SMS outbox + handset (answer, survey) · 6 XSS shown as text · 7 department user scoping.
 * Screenshots: test-artifacts/screenshots/journey-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/app.js';
import { silentLogger } from '../../src/log.js';
import { AriSimulator } from '../../src/sim/ari/index.js';
import { DEMO_CODES } from '../../src/demo/demo-data.js';
import { testConfig } from '../helpers/context.js';
import { CHROMIUM, hasChromium, launchChromium, SHOTS } from '../helpers/browser.js';
import { until } from '../helpers/wait.js';
import { SHARED_TTS_DIR } from '../voice/calls/helpers.js';

// Code passed to page.evaluate/waitForFunction runs in the browser; the project compiles without the DOM lib.
declare const document: any;
declare const window: any;

const XSS = '<img src=x onerror=alert(1)> 测试转义';

/**
 * Simulated media (prompts, recordings) run SPEED× real time. Engine timers (menu and digit
 * timeouts) are not scaled (TIME_SCALE 1): the happy path never waits on one, and a browser driven
 * through playwright on a busy machine reacts in about half a second, like a person would.
 */
const SPEED = 20;
const TIME_SCALE = 1;
/** The newcomer's phone (a mobile number, so answers go back by SMS). */
const PHONE = '13900007788';
const ANSWER = '您好，市场监管所已于今日核查该摊位的电子秤，已责令整改，谢谢您的反映。';
const TRANSCRIPT = '市民反映：农贸市场东门摊位电子秤不准，希望加强检查。';

if (!hasChromium) console.warn(`browser journey skipped: no chromium at ${CHROMIUM} (apt-get install chromium; CI installs it)`);

describe.skipIf(!hasChromium)('try-it-now journey in chromium (real SMSC and ARI simulators)', () => {
  let server: RunningServer;
  let sim: AriSimulator;
  let browser: Browser;
  let admin: BrowserContext;
  let watcher: BrowserContext;
  let phone: Page;
  let live: Page;
  const problems: string[] = [];
  let complaint: { id: number; ref: string } | null = null;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = new AriSimulator({ speed: SPEED });
    server = await startServer(testConfig({
      HOTLINE_ADMIN_DEMO: 'on', HOTLINE_VOICE_TTS: 'espeak-ng', HOTLINE_SMPP_TPS: '0',
      HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00',
    }), { log: silentLogger, voice: { simulator: sim, timeScale: TIME_SCALE, ttsDir: SHARED_TTS_DIR } });
    [browser] = await Promise.all([
      launchChromium(['--mute-audio']),
      server.channels.voice!.promptsReady, // captions need the rendered prompts (cached across runs)
      until(() => server.channels.sms.link.state === 'bound', 5000, 'SMPP bound to the simulator'),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await sim?.stop();
  });

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `journey-${name}.png`), fullPage: true });

  async function login(context: BrowserContext, username: string, password: string, shotName?: string): Promise<Page> {
    const page = await context.newPage();
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
    page.on('pageerror', (e) => { problems.push(`pageerror: ${e.message}`); });
    await page.goto(`${server.url}/admin`);
    await page.waitForSelector('form.login');
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    if (shotName) await shot(page, shotName);
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('nav.nav a');
    return page;
  }
  const newContext = async () => {
    const c = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    c.setDefaultTimeout(10_000); // fail with playwright's own message before the test's timeout
    return c;
  };

  /** Wait until the test phone's captions contain this text. */
  const caption = async (text: string, timeout = 10_000) => {
    try {
      await phone.waitForFunction((t: string) => document.getElementById('tp-captions')?.textContent?.includes(t), text, { timeout });
    } catch (e) {
      const seen = await phone.$$eval('#tp-captions li', (lis) => lis.map((li) => li.textContent)).catch(() => []);
      throw new Error(`no caption "${text}" within ${timeout} ms; the test phone showed:\n  ${seen.join('\n  ')}`, { cause: e });
    }
  };
  const pressKeys = async (keys: string) => { for (const k of keys) await phone.click(`.pad button[data-key="${k}"]`); };
  const hungUp = () => phone.waitForFunction(() => document.getElementById('tp-dial') && !document.getElementById('tp-dial').disabled
    && document.getElementById('tp-captions')?.textContent?.includes('通话结束'), null, { timeout: 10_000 });

  it('1. logs in as the demo admin', async () => {
    admin = await newContext();
    phone = await login(admin, 'demo', 'demo96365', '01-login');
    expect(await phone.textContent('header.top')).toContain('演示模式');
    const nav = await phone.$$eval('nav.nav a', (as) => as.map((a) => a.getAttribute('data-page')));
    expect(nav).toContain('testphone');
    await phone.waitForSelector('#feedback-table tbody tr[data-id]');
    await shot(phone, '01-inbox');
  });

  it('2. test phone SMS: CX <code> gets the status reply', async () => {
    await phone.goto(`${server.url}/admin#/testphone`);
    await phone.waitForSelector('#tp-dial');
    await phone.fill('#tp-number', PHONE);
    await phone.dispatchEvent('#tp-number', 'change');
    await phone.fill('#tp-sms-text', `CX ${DEMO_CODES.inProgress}`);
    await phone.click('#tp-sms-text + button');
    await phone.waitForSelector('.bubble.out');
    const reply = phone.locator('.bubble.in', { hasText: '食品经营许可证新办' });
    await reply.first().waitFor({ timeout: 10_000 });
    expect(await reply.first().textContent()).toContain('市市场监督管理局');
    // The same reply reached the simulated handset over SMPP.
    expect(server.channels.simulators.smsc!.received(PHONE).some((t) => t.includes('食品经营许可证新办'))).toBe(true);
    await shot(phone, '02-testphone-sms');
  });

  it('3. test phone call: 1, query code, # → the status is read back', async () => {
    await phone.click('#tp-dial');
    await caption('办件查询按1');
    await pressKeys('1');
    await caption('请输入12位查询码');
    await pressKeys(`${DEMO_CODES.inProgress}#`);
    await caption('食品经营许可证新办');
    await caption('市市场监督管理局');
    await caption('订阅短信提醒请按1'); // the whole read-back was played, the status menu follows
    // Each label and the value read after it make one caption line; dates read digit by digit join up.
    const lines = await phone.$$eval('#tp-captions li', (lis) => lis.map((li) => li.textContent));
    expect(lines).toEqual(expect.arrayContaining(['办理事项：食品经营许可证新办', '承办部门：市市场监督管理局', '当前状态：办理中']));
    expect(lines.find((l) => l?.startsWith('最近办理日期：'))).toMatch(/^最近办理日期：[〇零一二三四五六七八九十]+年[一二三四五六七八九十]+月[一二三四五六七八九十]+日$/);
    await shot(phone, '03-testphone-status-query');
    await phone.click('#tp-hangup');
    await hungUp();
  });

  it('4. test phone call: a recorded complaint; the live page shows the call and the new feedback without reload', async () => {
    // The live page in its own window (a second browser context, same demo login): a second tab of
    // the phone's window would hide the phone, and chromium then draws its frames once a second.
    watcher = await newContext();
    live = await login(watcher, 'demo', 'demo96365');
    await live.goto(`${server.url}/admin#/live`);
    await live.waitForSelector('.live-dot.on');
    await live.evaluate(() => { window.journeyMarker = 'no-reload'; });

    await phone.click('#tp-dial');
    // The call shows on the live page, caller masked, with the flow node it is in.
    await live.waitForSelector('#live-calls tr[data-call]');
    const callId = await live.getAttribute('#live-calls tr[data-call]', 'data-call');
    expect(sim.getCall(callId!)?.from).toBe(PHONE);
    const row = live.locator(`#live-calls tr[data-call="${callId}"]`);
    expect(await row.textContent()).toContain('139****7788');
    await caption('投诉按2');
    await pressKeys('2');
    // "Speak" straight away: the test phone waits for the tone, then the caller talks for 5
    // (simulated) seconds and presses # — no race against the recording's silence limit.
    await phone.click('#tp-record');
    await caption('提示音后请说明事由');
    await caption('开始录音');
    await caption('录音结束');
    await caption('提交请按3');
    expect(await phone.textContent('#tp-captions')).not.toContain('没有听清');
    await pressKeys('3');
    await caption('您的诉求已受理');

    // The new voice feedback arrives on the live page.
    const item = live.locator('#live-feed li', { hasText: '电话' });
    await item.first().waitFor();
    complaint = await item.first().evaluate((li: any) => ({
      ref: li.getAttribute('data-ref'), id: Number(li.querySelector('a').getAttribute('href').split('/').pop()),
    }));
    expect(complaint.ref).toMatch(/\S/);
    await shot(live, '04-live-call-and-feedback');
    // The caller hears goodbye and the flow hangs up: the call leaves the live page.
    await hungUp();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await live.locator('#live-recent tr', { hasText: '139****7788' }).first().waitFor();
    expect(await live.evaluate(() => window.journeyMarker)).toBe('no-reload');
    await shot(phone, '04-testphone-complaint');
    await shot(live, '04-live-after-call');

    const f = (await server.ctx.feedback.byId(complaint.id))!;
    expect(f).toMatchObject({ kind: 'complaint', channel: 'voice', phone: `86${PHONE}`, ref: complaint.ref, status: 'new' });
    expect(f.recordingPath).toBeTruthy();
    expect(f.recordingDuration).toBeGreaterThanOrEqual(2);
  });

  it('5. inbox: play the recording, transcribe, assign to SCJG, answer → SMS outbox and the handset', async () => {
    const { id, ref } = complaint!;
    // From the live feed's link into the item.
    await live.click(`#live-feed li[data-ref="${ref}"] a`);
    await live.waitForSelector('#fb-audio');
    const src = (await live.getAttribute('#fb-audio', 'src'))!;
    expect(src).toBe(`/admin/api/feedback/${id}/recording`);
    // The recording is a WAV the browser can load and decode.
    const wav = await live.evaluate(async (u: string) => {
      const r = await fetch(u);
      const b = new Uint8Array(await r.arrayBuffer());
      const ascii = (o: number) => String.fromCharCode(...b.slice(o, o + 4));
      return { status: r.status, type: r.headers.get('content-type'), riff: ascii(0), wave: ascii(8), bytes: b.length };
    }, src);
    expect(wav).toMatchObject({ status: 200, riff: 'RIFF', wave: 'WAVE' });
    expect(wav.type).toContain('audio/');
    expect(wav.bytes).toBeGreaterThan(8000 * 2); // > 1 s of 8 kHz 16-bit
    const duration = await live.evaluate(async () => {
      const a = document.getElementById('fb-audio');
      a.preload = 'auto'; a.load();
      await new Promise((ok, fail) => { a.onloadedmetadata = ok; a.onerror = () => fail(new Error('audio error')); setTimeout(() => fail(new Error('audio timeout')), 5000); });
      return a.duration;
    });
    expect(duration).toBeGreaterThan(1.5);

    const timelineAtLeast = (n: number) => live.waitForFunction((k: number) => document.querySelectorAll('#fb-timeline li').length >= k, n);
    await live.fill('#fb-transcript', TRANSCRIPT);
    await live.click('#save-transcript');
    await timelineAtLeast(2);
    await live.selectOption('#assign-dept', 'SCJG');
    await live.click('#assign');
    await timelineAtLeast(3);
    await live.fill('#fb-answer', ANSWER);
    await live.click('#send-answer');
    await timelineAtLeast(4);
    expect(await live.textContent('#fb-timeline')).toContain('办结回复');
    expect(await server.ctx.feedback.byId(id)).toMatchObject({ status: 'answered', transcript: TRANSCRIPT, answer: ANSWER, departmentName: '市市场监督管理局' });
    await shot(live, '05-feedback-answered');

    // The answer and the survey in the SMS outbox, delivered…
    await live.goto(`${server.url}/admin#/sms/outbox`);
    const outRow = (text: string) => live.locator('#content tbody tr', { hasText: text }).filter({ hasText: '已送达' }).first();
    await outRow(ANSWER.slice(0, 12)).waitFor({ timeout: 10_000 });
    await outRow(`编号${ref}）已答复，请评价`).waitFor({ timeout: 10_000 });
    await shot(live, '05-sms-outbox');
    // …received by the simulated handset over SMPP. (Not asserted in order: the one-part survey is
    // submitted alongside the two-part answer and usually overtakes it — see the report.)
    const handset = await until(() => {
      const r = server.channels.simulators.smsc!.received(PHONE);
      return r.some((t) => t.includes(ANSWER)) && r.some((t) => t.includes(`编号${ref}）已答复，请评价办理结果`)) ? r : null;
    }, 10_000, 'answer and survey on the handset');
    expect(handset.some((t) => t.includes(ref) && t.includes('投诉已登记'))).toBe(true); // the call's confirmation SMS
    // …and shown on the test phone without reload.
    await phone.locator('.bubble.in', { hasText: ANSWER.slice(0, 12) }).first().waitFor();
    await phone.locator('.bubble.in', { hasText: '请评价办理结果' }).first().waitFor();
    await shot(phone, '05-testphone-answer-and-survey');
  });

  it('6. the XSS complaint renders as literal text', async () => {
    await live.goto(`${server.url}/admin#/feedback`);
    await live.waitForSelector('#feedback-table tbody tr[data-id]');
    const cell = live.getByText(XSS, { exact: true });
    expect(await cell.first().isVisible()).toBe(true);
    expect(await live.locator('#content img').count()).toBe(0);
    await cell.first().click();
    await live.waitForSelector('#fb-text');
    expect(await live.textContent('#fb-text')).toBe(XSS);
    expect(await live.locator('#content img').count()).toBe(0);
    await shot(live, '06-xss-as-text');
    expect(problems).toEqual([]);
  });

  it('7. the SCJG department user sees only SCJG items; another department’s item is 404', async () => {
    // Another department's complaint (set up behind the scenes).
    const rsj = (await server.ctx.store.departments.byCode('RSJ'))!;
    const other = await server.ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13712340000', text: '人社局的投诉：社保卡迟迟未寄到' });
    await server.ctx.feedback.assign(other.id, rsj.id, 'test');

    const dept = await newContext();
    const page = await login(dept, 'dept_scjg', 'demo96365');
    await page.waitForSelector('#feedback-table tbody tr[data-id]');
    const rows = await page.$$eval('#feedback-table tbody tr[data-id]', (trs) => trs.map((tr) => ({
      id: Number(tr.getAttribute('data-id')), dept: tr.children[6]?.textContent ?? '',
    })));
    expect(rows.map((r) => r.id)).toContain(complaint!.id);
    expect(rows.map((r) => r.id)).not.toContain(other.id);
    for (const r of rows) expect(r.dept).toBe('市市场监督管理局');
    const nav = await page.$$eval('nav.nav a', (as) => as.map((a) => a.getAttribute('data-page')));
    expect(nav).not.toContain('testphone');
    await shot(page, '07-dept-inbox');

    // By URL: the page says not found, and so does the API.
    await page.goto(`${server.url}/admin#/feedback/${other.id}`);
    await page.waitForSelector('.notice.warn');
    expect(await page.textContent('.notice.warn')).toContain('不存在');
    const status = await page.evaluate(async (i: number) => (await fetch(`/admin/api/feedback/${i}`)).status, other.id);
    expect(status).toBe(404);
    const rec = await page.evaluate(async (i: number) => (await fetch(`/admin/api/feedback/${i}/recording`)).status, other.id);
    expect([403, 404]).toContain(rec);
    await shot(page, '07-dept-other-404');
    // Their own item opens.
    await page.goto(`${server.url}/admin#/feedback/${complaint!.id}`);
    await page.waitForSelector('#fb-audio');
    await dept.close();
    expect(problems).toEqual([]);
  });

  it('8. test mailbox: a mail to 96365 becomes a work order and the auto-reply with its reference shows', async () => {
    await phone.goto(`${server.url}/admin#/testphone`);
    await phone.waitForSelector('#tp-mailbox:not([hidden])');
    await phone.fill('#tp-mail-from', 'newcomer@example.cn');
    await phone.dispatchEvent('#tp-mail-from', 'change');
    await phone.fill('#tp-mail-subject', '投诉：小区门口占道经营');
    await phone.fill('#tp-mail-text', '幸福小区东门每天早上有摊贩占道经营，影响通行。');
    await phone.click('#tp-mail-send');
    const reply = phone.locator('#tp-mail-list .bubble', { hasText: '您的来信已受理' });
    await reply.first().waitFor({ timeout: 15_000 });
    const ref = /96365-(\d{10})/.exec((await reply.first().textContent()) ?? '')?.[1];
    expect(ref).toBeTruthy();
    expect((await server.ctx.feedback.get(ref!)).channel).toBe('mail');
    await shot(phone, '08-testphone-mailbox');
    expect(problems).toEqual([]);
  });
});


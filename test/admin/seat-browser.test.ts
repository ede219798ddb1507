/**
 * The operator's seat in a real browser (playwright-core + chromium): the operator signs in (签入), the
 * test emits a `seat.offer` on the bus, the screen pop (来电弹屏) shows the caller's number and history
 * (a work order and a call of that phone seeded), citizen text stays text, and saving the pre-filled
 * work order creates one with channel voice, the phone and the call. The wallboard follows queue.stats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDemoPanel, type AdminServer } from './helpers.js';
import { CHROMIUM, hasChromium, launchChromium, panelSession, screenshot } from '../helpers/browser.js';
import type { QueueStats } from '../../src/domain/events.js';

declare const document: any;

const PW = 'Seat-pop-2026!';
const PHONE = '8613812349999';
const EARLIER = '<img src=x onerror=alert(1)>楼道灯坏了一个月';

if (!hasChromium) console.warn(`browser tests skipped: no chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium)('operator seat and screen pop in chromium', () => {
  let s: AdminServer;
  let browser: Browser;
  let opId = 0;
  let earlierRef = '';
  const problems: string[] = [];

  beforeAll(async () => {
    s = await startDemoPanel();
    const { ctx } = s.server;
    opId = (await s.admin.auth.createUser({ username: 'seat1', role: 'operator', password: PW, displayName: '李娜' })).id;
    await ctx.store.callQueue.setEndpoint(opId, 'PJSIP/8101', new Date().toISOString());
    earlierRef = (await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: PHONE, text: EARLIER })).ref;
    const t0 = new Date(Date.now() - 86_400_000).toISOString();
    await ctx.store.calls.write({ calls: [{ callId: 'old-call-1', direction: 'inbound', flowId: 'main', caller: PHONE, called: '96365', startedAt: t0, answeredAt: t0, endedAt: t0,
      durationSec: 95, outcome: 'feedback', outcomes: null, endReason: 'hangup', lastNode: 'record', path: 'menu>record', feedbackRef: earlierRef, recovered: false }], steps: [], counters: [] });
    browser = await launchChromium();
  });
  afterAll(async () => { await browser?.close(); await s?.server.stop(); });

  it('签入, the pop with the history, the work order saved with channel voice and the phone', async () => {
    const { ctx } = s.server;
    const { context, page } = await session();
    await page.goto(`${s.url}/admin#/live`);
    await page.waitForSelector('#seat-bar:not([hidden])');
    // 签入 changes the queue: the ACD publishes its own (empty) stats within a second. The stats below
    // are sent after that, so they are the latest the page gets (not overwritten by the ACD's, under load).
    const acdStats = new Promise<void>((resolve) => { const off = ctx.bus.on('queue.stats', () => { off(); resolve(); }); setTimeout(resolve, 4000); });
    await page.click('#seat-bar button[data-seat="ready"]');
    await page.waitForFunction(() => document.getElementById('seat-bar').dataset.state === 'ready');
    await acdStats;
    expect((await ctx.store.callQueue.seat(opId))!.seatState).toBe('ready');
    const stats: QueueStats = { at: new Date().toISOString(), waiting: 3, longestWaitSec: 42, callbacksPending: 2, operators: { ready: 1, break: 0, loggedOut: 2, ringing: 1, busy: 4, wrapUp: 0 },
      answeredToday: 40, answeredWithin15sToday: 38, abandonedToday: 2, callbacksDoneToday: 5, callbacksFailedToday: 0, avgHandlingSec: 185 };
    ctx.bus.emit('queue.stats', stats);
    await page.waitForSelector('#live-wallboard:not([hidden])');
    expect(await page.textContent('#wb-sl')).toBe('95%');
    expect(await page.textContent('#wb-waiting')).toBe('3');

    ctx.bus.emit('seat.changed', { staffId: String(opId), state: 'ringing', source: 'queue', callId: 'ch-77', at: new Date().toISOString(), name: '李娜' });
    // The live feed names the operator and the state in Chinese (not "坐席 3 → ringing").
    await page.waitForFunction(() => document.body.textContent!.includes('坐席 李娜 → 振铃中'));
    ctx.bus.emit('seat.offer', { staffId: String(opId), callId: 'ch-77', callbackRequestId: null, phone: PHONE, flow: 'main', waitedSec: 18, at: new Date().toISOString() });
    await page.waitForSelector('#seat-pop');
    expect(await page.textContent('#pop-phone')).toContain('13812349999');
    await page.waitForSelector(`#pop-history li[data-ref="${earlierRef}"]`);
    expect(await page.textContent('#pop-history')).toContain(EARLIER); // as text, not markup
    expect(await page.$('#pop-history img')).toBeNull();
    await page.waitForSelector('#pop-history li[data-call="old-call-1"]');
    await page.fill('#pop-summary', '路灯不亮');
    await page.fill('#pop-text', '市民来电：幸福小区3号楼楼道灯不亮，已一个月。');
    await screenshot(page, 'seat-screen-pop');
    await page.click('#pop-save');
    await page.waitForSelector('#pop-order-ref');
    const ref = (await page.textContent('#pop-order-ref'))!;
    const o = (await ctx.store.workOrders.byRef(ref))!;
    expect(o).toMatchObject({ channel: 'voice', phone: PHONE, summary: '路灯不亮' });
    expect((await ctx.store.feedback.byId(o.id))!.callId).toBe('ch-77');
    await screenshot(page, 'seat-screen-pop-saved');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the admin edits an operator\'s seat endpoint in the users page (checked, unique)', async () => {
    const { ctx } = s.server;
    await s.admin.auth.createUser({ username: 'boss', role: 'admin', password: PW });
    const seat2 = (await s.admin.auth.createUser({ username: 'seat2', role: 'operator', password: PW })).id;
    const { context, page } = await panelSession(browser, s.url, 'boss', PW, problems);
    await page.goto(`${s.url}/admin#/admin/users`);
    await page.waitForSelector('input[data-endpoint="seat2"]');
    expect(await page.inputValue('input[data-endpoint="seat1"]')).toBe('PJSIP/8101');
    await page.fill('input[data-endpoint="seat2"]', 'PJSIP/8101'); // taken by seat1: refused
    await page.click('input[data-endpoint="seat2"] + button');
    await page.waitForTimeout(300);
    expect(await ctx.store.callQueue.seat(seat2)).toBeUndefined();
    await page.fill('input[data-endpoint="seat2"]', 'PJSIP/8102');
    await page.click('input[data-endpoint="seat2"] + button');
    await expect.poll(async () => (await ctx.store.callQueue.seat(seat2))?.endpoint).toBe('PJSIP/8102');
    await context.close();
  });

  const session = () => panelSession(browser, s.url, 'seat1', PW, problems);
});

/** The 全程考核 page in chromium: the table (sortable), the score chart, a drill-down, hot spots; no page errors. */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startAdmin, type AdminServer } from './helpers.js';
import { CHROMIUM, hasChromium, launchChromium, panelSession, screenshot, SHOTS } from '../helpers/browser.js';
import { addDepartment } from '../../src/departments.js';
import { WorkOrderService } from '../../src/workorders/service.js';

if (!hasChromium) console.warn(`browser tests skipped: no chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium)('全程考核 page in chromium', () => {
  let s: AdminServer;
  let browser: Browser;
  const errors: string[] = [];
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startAdmin();
    const { ctx } = s.server;
    const admin = { role: 'admin' as const, id: 'staff:test', name: '测试', departmentId: null, departmentName: null };
    for (const [code, name, n] of [['SCJG', '市市场监督管理局', 3], ['CGJ', '市城市管理局', 1]] as const) {
      const d = (await addDepartment(ctx.store, code, name)).department;
      for (let i = 0; i < n; i++) {
        const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345678', text: `${name} 诉求 ${i}` });
        await ctx.workOrders.apply(f.id, { type: 'edit', address: `人民路 ${i} 号` }, admin);
        await ctx.workOrders.dispatch(f.id, { type: 'dispatch', category: 'SCJG.FOOD', departmentCode: code }, admin);
        const actor = WorkOrderService.departmentActor(d, '李四');
        await ctx.workOrders.apply(f.id, { type: 'sign' }, actor);
        if (i === 0) await ctx.workOrders.apply(f.id, { type: 'urge', opinion: '请加快' }, admin);
      }
    }
    await s.admin.auth.createUser({ username: 'sup', role: 'supervisor', password: 'assess-pass-1' });
    browser = await launchChromium();
  });
  afterAll(async () => { await browser?.close(); await s?.server.stop(); });

  it('table, chart, sort, drill-down, hot spots', async () => {
    const { context, page } = await panelSession(browser, s.url, 'sup', 'assess-pass-1', errors, { height: 860 });
    expect(await page.textContent('nav.nav')).toContain('全程考核');
    await page.goto(`${s.url}/admin#/assessment`);
    await page.waitForSelector('#assessment-table tbody tr td a');
    expect(await page.$$eval('#assessment-chart rect', (r: unknown[]) => r.length)).toBe(2);
    const names = () => page.$$eval('#assessment-table tbody tr td:first-child', (tds: any[]) => tds.map((t) => t.textContent));
    await page.click('#assessment-table thead th:nth-child(2)'); // 受理, descending
    expect(await names()).toEqual(['市市场监督管理局', '市城市管理局']);
    await page.click('#assessment-table thead th:nth-child(2)'); // ascending
    expect(await names()).toEqual(['市城市管理局', '市市场监督管理局']);
    // drill-down: 市市场监督管理局's 催办 (column 9)
    await page.click('#assessment-table tbody tr:nth-child(2) td:nth-child(9) a');
    await page.waitForSelector('#assessment-drill tbody tr td a');
    expect(await page.$$eval('#assessment-drill tbody tr', (r: unknown[]) => r.length)).toBe(1);
    expect(await page.textContent('#assessment-drill h2')).toContain('催办');
    expect(await page.textContent('body')).toContain('热点分类');
    expect(await page.getAttribute('#assessment-csv', 'href')).toContain('/admin/api/assessment.csv');
    await screenshot(page, '20-assessment');
    expect(errors).toEqual([]);
    await context.close();
  });
});

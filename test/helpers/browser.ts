/**
 * Headless Debian chromium for the browser tests (playwright-core, never a downloaded browser).
 * The flags keep it off this machine's closed network; `hasChromium` lets a suite skip with a message.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage', ...extraArgs],
  });
}

/**
 * A staff member logged in to the panel at `baseUrl` in a new context (zh-CN, Asia/Shanghai). Dialogs
 * (dismissed) and page errors are pushed to `problems`, for the suite to assert there were none.
 */
export async function panelSession(browser: Browser, baseUrl: string, username: string, password: string,
  problems: string[], o: { height?: number; timeoutMs?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: o.height ?? 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  if (o.timeoutMs) context.setDefaultTimeout(o.timeoutMs);
  const page = await context.newPage();
  page.on('dialog', (d) => { problems.push(d.message()); void d.dismiss(); });
  page.on('pageerror', (e) => { problems.push(`pageerror: ${e.message}`); });
  await page.goto(`${baseUrl}/admin`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('nav.nav a');
  return { context, page };
}

/** A full-page screenshot into test-artifacts/screenshots/<name>.png (look at them). */
export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

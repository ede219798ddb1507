/**
 * Headless Debian chromium for the browser tests (playwright-core, never a downloaded browser).
 * The flags keep it off this machine's closed network; `hasChromium` lets a suite skip with a message.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage', ...extraArgs],
  });
}

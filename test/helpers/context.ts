/** Test helpers: a fresh AppContext on a temp data dir, departments with keys. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createContext } from '../../src/services.js';
import { silentLogger } from '../../src/log.js';
import type { AppContext } from '../../src/context.js';

export function tempDir(prefix = 'hotline-test-'): string { return mkdtempSync(join(tmpdir(), prefix)); }

export function testConfig(env: Record<string, string> = {}, dataDir = tempDir()): Config {
  return loadConfig({ env: { HOTLINE_DATA_DIR: dataDir, HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'silent', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_VOICE_TTS: 'none', ...env }, file: null });
}

export function testContext(env: Record<string, string> = {}, opts: { now?: () => Date } = {}): AppContext & { cleanup(): void } {
  const dir = tempDir();
  const config = testConfig(env, dir);
  const ctx = createContext(config, { log: silentLogger, now: opts.now });
  return Object.assign(ctx, { cleanup: () => { ctx.store.close(); rmSync(dir, { recursive: true, force: true }); } });
}

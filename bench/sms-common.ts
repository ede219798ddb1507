/** Shared pieces of the SMS benchmarks: server config against an SMSC process, seeding the outbox. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../src/config/index.js';
import { DEFAULT_SMSC_CREDENTIALS } from '../src/sim/smsc/index.js';
import { Outbox } from '../src/sms/outbox/outbox.js';
import { Store } from '../src/store/index.js';
import type { Reason } from '../src/sms/outbox/state.js';

/** Quiet hours off (start = end), so pushes are never held while a benchmark runs at night. */
export const QUIET_OFF = { HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' } as const;

/**
 * Environment for a server bound to an SMSC at 127.0.0.1:port.
 * HOTLINE_VOICE_TTS=none: on a fresh data directory the voice channel renders its whole prompt
 * catalogue with TTS at start (cached on disk afterwards), resampling on the main thread in 50–190 ms
 * slices for ~20 s; that is a one-time start-up cost of the voice channel, not of the SMS path, and it
 * is kept out of these figures unless BENCH_WITH_TTS=1.
 */
export function smsServerEnv(dataDir: string, smscPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOTLINE_DATA_DIR: dataDir, HOTLINE_HTTP_PORT: '0', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_ARI_URL: '',
    ...(process.env.BENCH_WITH_TTS === '1' ? {} : { HOTLINE_VOICE_TTS: 'none' }),
    HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(smscPort),
    HOTLINE_SMPP_SYSTEM_ID: DEFAULT_SMSC_CREDENTIALS.systemId, HOTLINE_SMPP_PASSWORD: DEFAULT_SMSC_CREDENTIALS.password,
    ...QUIET_OFF, ...extra,
  };
}

export function smsServerConfig(dataDir: string, smscPort: number, extra: Record<string, string> = {}): Config {
  return loadConfig({ env: { HOTLINE_LOG_LEVEL: 'warn', ...smsServerEnv(dataDir, smscPort, extra) }, file: null });
}

/** A one-segment Chinese push (UCS2, ≤ 70 units) that differs per row. */
export function pushText(i: number): string {
  return `【96365】您的申报（编号${String(100000 + (i % 900000))}）已办结，请凭身份证到市民中心三号窗口领取证照。`;
}

/**
 * Seed in a child process (so the server process under test starts fresh, as after a restart, and the
 * seeding's WAL is checkpointed when that process closes the store). Returns the seeding time in ms.
 */
export function seedOutboxInChild(dataDir: string, n: number, reason: Reason = 'push'): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'seed', dataDir, String(n), reason], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`seeding failed (${r.status})`);
  return Number(r.stdout.toString().trim());
}

/** Queue `n` messages through the Outbox (same code path as the server) in big transactions. */
export async function seedOutbox(dataDir: string, n: number, opts: { reason?: Reason; text?: (i: number) => string; firstPhone?: number } = {}): Promise<number> {
  const t = performance.now();
  const store = Store.open(join(dataDir, 'hotline.db'));
  const outbox = new Outbox(store, { maxSegments: 6, quietStart: '00:00', quietEnd: '00:00', timeZone: 'Asia/Shanghai', pushValidityHours: 48 });
  const text = opts.text ?? pushText;
  const first = opts.firstPhone ?? 13900000000;
  const chunk = 20_000;
  for (let i = 0; i < n; i += chunk) {
    await store.transaction(async () => {
      for (let j = i; j < Math.min(n, i + chunk); j++) await outbox.queue({ phone: String(first + j), text: text(j), reason: opts.reason ?? 'push' });
    });
  }
  await store.close();
  return performance.now() - t;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(pred: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(stepMs);
  }
  return !!(await pred());
}

// `node --import tsx bench/sms-common.ts seed <dir> <n> [reason]` (used by seedOutboxInChild).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'seed') {
  process.stdout.write(String(Math.round(await seedOutbox(process.argv[3], Number(process.argv[4]), { reason: (process.argv[5] ?? 'push') as Reason }))) + '\n');
}

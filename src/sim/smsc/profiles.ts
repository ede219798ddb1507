/**
 * SMSC simulator profiles: `fast` (the simulator as it always was: answers at once, receipts after
 * dlrDelayMs) and `slow` (what an operator SMSC looks like from an ESME: a submit_sm_resp after a
 * lognormal delay with a long tail, receipts hundreds of ms to seconds later, a limit on binds per
 * system_id). `throttled` is `slow` with a per-bind cap of 500 submits/s answered ESME_RTHROTTLED.
 *
 * Benchmarks pick a profile by env: SMSC_PROFILE=fast|slow|throttled, and override single knobs with
 * SMSC_RESP_DELAY / SMSC_DLR_DELAY (see parseDelaySpec), SMSC_TPS_PER_BIND, SMSC_MAX_BINDS, SMSC_SEED.
 */
import { describeDelay, parseDelaySpec } from './delay.js';
import type { SmscSimulatorOptions } from './simulator.js';

export type SmscProfileName = 'fast' | 'slow' | 'throttled';

const SLOW: SmscSimulatorOptions = {
  submitResponseDelay: { kind: 'lognormal', medianMs: 15, p99Ms: 150, maxMs: 1000 },
  receiptDelay: { kind: 'lognormal', medianMs: 300, p99Ms: 2000, maxMs: 5000 },
  maxBinds: 2,
  seed: 96365,
};

export const SMSC_PROFILES: Record<SmscProfileName, SmscSimulatorOptions> = {
  fast: {},
  slow: SLOW,
  throttled: { ...SLOW, maxTpsPerBind: 500 },
};

export function isSmscProfile(name: string): name is SmscProfileName {
  return Object.hasOwn(SMSC_PROFILES, name);
}

/** Simulator options for a profile name plus the SMSC_* overrides in `env`. Throws on an unknown profile. */
export function smscProfileOptions(name: string, env: Record<string, string | undefined> = {}): SmscSimulatorOptions {
  if (!isSmscProfile(name)) throw new Error(`unknown SMSC profile '${name}' (${Object.keys(SMSC_PROFILES).join(', ')})`);
  const o: SmscSimulatorOptions = { ...SMSC_PROFILES[name] };
  if (env.SMSC_RESP_DELAY) o.submitResponseDelay = parseDelaySpec(env.SMSC_RESP_DELAY);
  if (env.SMSC_DLR_DELAY) o.receiptDelay = parseDelaySpec(env.SMSC_DLR_DELAY);
  if (env.SMSC_TPS_PER_BIND) o.maxTpsPerBind = Number(env.SMSC_TPS_PER_BIND) || undefined;
  if (env.SMSC_MAX_BINDS) o.maxBinds = Number(env.SMSC_MAX_BINDS) || undefined;
  if (env.SMSC_SEED) o.seed = Number(env.SMSC_SEED);
  return o;
}

/** One line describing what a profile does (for benchmark headers). */
export function describeSmscOptions(o: SmscSimulatorOptions): string {
  const parts = [
    `submit_sm_resp ${o.submitResponseDelay !== undefined ? describeDelay(o.submitResponseDelay) : typeof o.submitResponseDelayMs === 'number' ? `${o.submitResponseDelayMs} ms` : 'at once'}`,
    `receipt ${o.receiptDelay !== undefined ? describeDelay(o.receiptDelay) : `${o.dlrDelayMs ?? 20} ms`} after it`,
  ];
  if (o.maxTpsPerBind) parts.push(`${o.maxTpsPerBind} submits/s per bind (0x58 above)`);
  if (o.maxTps) parts.push(`${o.maxTps} submits/s in all (0x58 above)`);
  if (o.maxBinds) parts.push(`≤ ${o.maxBinds} binds per system_id`);
  return parts.join(', ');
}

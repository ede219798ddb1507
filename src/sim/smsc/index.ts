/**
 * SMSC simulator entry points. `startDemoSmsc()` is what the app uses for the demo when no SMSC is
 * configured: a simulator on 127.0.0.1 with the default credentials, receipts after 200 ms.
 */
import { DEFAULT_SMSC_CREDENTIALS, SmscSimulator, type SmscSimulatorOptions } from './simulator.js';

export * from './simulator.js';
export { concatUdh, parseConcatUdh, ucs2Encode, ucs2Decode, gsmEncode, gsmDecode, decodeText, splitUnits, dlrText, MESSAGE_STATE } from './text.js';

export interface DemoSmsc {
  sim: SmscSimulator;
  host: string;
  port: number;
  systemId: string;
  password: string;
}

export async function startDemoSmsc(opts: { port?: number; host?: string } & SmscSimulatorOptions = {}): Promise<DemoSmsc> {
  const { port: wantPort, host: wantHost, ...simOpts } = opts;
  const sim = new SmscSimulator({ dlrDelayMs: 200, ...DEFAULT_SMSC_CREDENTIALS, ...simOpts });
  const { port, host } = await sim.start({ port: wantPort ?? 0, host: wantHost ?? '127.0.0.1' });
  return { sim, host, port, systemId: sim.options.systemId, password: sim.options.password };
}
export { handsetKey, moSource, resolveDestination } from './address.js';
export { delayAt, delaySampler, describeDelay, normalQuantile, parseDelaySpec, seededRandom, type DelaySpec } from './delay.js';
export { SMSC_PROFILES, describeSmscOptions, isSmscProfile, smscProfileOptions, type SmscProfileName } from './profiles.js';

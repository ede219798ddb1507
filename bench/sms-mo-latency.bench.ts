/**
 * MO → reply latency: the SMSC simulator (its own process) injects status queries (`查询 <code>`,
 * `cx<code>`, `<code>`) at a fixed rate, each from its own number, into the server (`hotline start` in
 * its own process, SMPP window 50, no TPS cap); the time runs from handing the deliver_sm to the SMSC's
 * socket to the arrival of the reply's first submit_sm at the SMSC (both loopback hops included).
 * Receipts for the replies flow back at the same time. Run once per SMSC profile (fast: the simulator
 * answers at once, receipts after 20 ms; slow: a real SMSC's delays, see src/sim/smsc/profiles.ts),
 * printed side by side with the server's CPU per MO (its own process only, reply and receipt
 * included) and its peak RSS. Targets (issue 15): p99 < 10 ms, ≤ 0.5 ms CPU per MO.
 *
 * Env: BENCH_MO_RATE (default 200), BENCH_MO_SECONDS (default 20), SMSC_PROFILES (default "fast,slow"),
 * SMSC_* overrides (profiles.ts), BENCH_VERBOSE=1 prints sample replies.
 */
import { describeSmscOptions, smscProfileOptions } from '../src/sim/smsc/index.js';
import { profilesFromEnv, projectMo, table, type Row } from './sms-scenarios.js';

const RATE = Number(process.env.BENCH_MO_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_MO_SECONDS ?? 20);
const rows: Row[] = [];
for (const profile of profilesFromEnv()) {
  console.log(`SMSC profile ${profile}: ${describeSmscOptions({ dlrDelayMs: 20, ...smscProfileOptions(profile, process.env) })}`);
  rows.push(await projectMo({ profile, rate: RATE, seconds: SECONDS }));
}
console.log(table(rows));

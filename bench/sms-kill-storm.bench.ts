/**
 * kill -9 storm (issue 10 §1): 100 SIGKILLs at random moments during a push to 10,000 subscribers on
 * the SMSC simulator, the server restarted at once each time. Prints lost, duplicated after a positive
 * response (counted by the simulator — the peer, a separate process from the server) and the unknown
 * outcomes the server counted itself. Target: 0 lost, ≤ 1 duplicate per 10,000.
 *
 * Env: BENCH_STORM_KILLS (default 100), BENCH_STORM_RECIPIENTS (10000), BENCH_STORM_TPS (the server's
 * smpp.tps, default 100 = the configured default), BENCH_STORM_WINDOW (smpp.window, default 10),
 * BENCH_STORM_MAX_DELAY_MS (each kill lands uniformly within this after the server is up; default 1500).
 */
import { rmSync } from 'node:fs';
import { SmscSimulator, DEFAULT_SMSC_CREDENTIALS } from '../src/sim/smsc/index.js';
import { tempDataDir } from './lib.js';
import { runKillStorm } from './kill-storm.js';

const KILLS = Number(process.env.BENCH_STORM_KILLS ?? 100);
const RECIPIENTS = Number(process.env.BENCH_STORM_RECIPIENTS ?? 10_000);
const TPS = Number(process.env.BENCH_STORM_TPS ?? 100);
const WINDOW = Number(process.env.BENCH_STORM_WINDOW ?? 10);
const MAX_DELAY = Number(process.env.BENCH_STORM_MAX_DELAY_MS ?? 1500);

const sim = new SmscSimulator({ ...DEFAULT_SMSC_CREDENTIALS, dlrDelayMs: 5, record: false, trackAnswers: true });
await sim.start({ host: '127.0.0.1', port: 0 });
const dir = tempDataDir();
console.log(`kill -9 storm: ${KILLS} kills during a push to ${RECIPIENTS.toLocaleString()} subscribers (server tps ${TPS}, window ${WINDOW}, each kill within ${MAX_DELAY} ms after start-up; SMSC simulator in this process, server in its own)`);
try {
  const r = await runKillStorm({ sim, dir, recipients: RECIPIENTS, kills: KILLS, tps: TPS, window: WINDOW, maxKillDelayMs: MAX_DELAY, progress: (l) => console.log(`  ${l}`) });
  console.log(`kills ${r.kills} (${r.killsDuringPush} during the push) · lost ${r.lost} · duplicated after a positive response ${r.duplicatesAfterPositive} (${r.duplicateHandsets} handsets; ${(r.duplicatesAfterPositive / r.recipients * 10_000).toFixed(1)} per 10,000; of answers the server had stored: ${r.duplicatesOfStoredAnswers}) · unknowns counted by the server ${r.unknownsCounted} · rows delivered ${r.rowsDelivered.toLocaleString()} / ${r.recipients.toLocaleString()} · submits seen by the SMSC ${r.submits.toLocaleString()} · ${r.seconds.toFixed(0)} s`);
} finally {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * MT throughput, per SMSC profile (fast and slow, side by side; src/sim/smsc/profiles.ts), the server
 * (`hotline start`) and the SMSC simulator each in their own process:
 *  - drained: the outbox is seeded, then the link drains it at window 50, 10 and 1; rate = messages /
 *    (first submit accepted → last receipt recorded in the store);
 *  - with intake: one HTTP request per message to the panel's send API, 50 in flight, window 50;
 *    rate to the last receipt recorded, p50/p99 request → receipt recorded, intake rate alone.
 * CPU ms per message is the server process's own (/proc), RSS its peak during the run.
 *
 * Env: SMSC_PROFILES (default "fast,slow"), BENCH_MT_N (window 50 drained and intake, default 20000),
 * BENCH_MT_N10 (default 10000), BENCH_MT_N1 (default 2000; 500 on a slow profile), BENCH_WINDOWS
 * (default "50,10,1"), BENCH_INTAKE_N (default 5000).
 *
 * BENCH_SUSTAINED=1 runs the older sustained-rate measurement instead (server in this process, its
 * counters read directly, issue 3's ≥ 5,000 segments/s for 60 s): the server's outbox → dispatcher → SmppLink → SMSC simulator (its own process) over
 * loopback, no TPS cap, every message persisted, its submit_sm_resp and its delivery receipt recorded.
 * Target (issue 3): ≥ 5,000 segments/s sustained for 60 s with window 50; windows 1 and 10 reported.
 *
 * The outbox is pre-seeded (one-segment Chinese pushes, UCS2) so the dispatcher is the bottleneck.
 * The server runs in this process (its counters are read directly); the SMSC runs in a child process.
 * At the end the dispatcher stops, the last receipts are waited for and the store is counted.
 *
 * Env: BENCH_SECONDS (window 50 run, default 60), BENCH_SHORT_SECONDS (windows 1 and 10, default 10),
 * BENCH_WINDOWS (default "50,1,10"), BENCH_ROWS (rows seeded for the window-50 run, default 700000),
 * BENCH_DLR_DELAY_MS (simulator receipt delay, default 5), BENCH_SMSC_MAX_TPS (the simulator answers
 * ESME_RTHROTTLED above this rate; default none: shows the dispatcher's adaptive rate under throttling).
 * Receipts are acknowledged after the dispatcher's batched commit that records them (as the channel is wired).
 */
import { rmSync } from 'node:fs';
import { startServer, type RunningServer } from '../src/app.js';
import { createLogger } from '../src/log.js';
import type { Store } from '../src/store/index.js';
import { rssMb, tempDataDir } from './lib.js';
import { startSmscProcess } from './smsc-process.js';
import { seedOutboxInChild, sleep, smsServerConfig, until } from './sms-common.js';
import { describeSmscOptions, smscProfileOptions } from '../src/sim/smsc/index.js';
import { profilesFromEnv, projectMtDrained, projectMtIntake, table, type Row } from './sms-scenarios.js';

const LONG = Number(process.env.BENCH_SECONDS ?? 60);
const SHORT = Number(process.env.BENCH_SHORT_SECONDS ?? 10);
const WINDOWS = (process.env.BENCH_WINDOWS ?? '50,1,10').split(',').map(Number);
const ROWS = Number(process.env.BENCH_ROWS ?? 700_000);
const DLR_DELAY = Number(process.env.BENCH_DLR_DELAY_MS ?? 5);
const SMSC_MAX_TPS = process.env.BENCH_SMSC_MAX_TPS ? Number(process.env.BENCH_SMSC_MAX_TPS) : undefined;

/**
 * Bench-only wiring of the proposed channel change: the channel calls `dispatcher.onReceipt(r, text)`
 * and then `ev.ack(0)`; here the receipt's real ack is handed to the dispatcher (called after its
 * batched commit) and the channel's own ack call becomes a no-op.
 */
async function run(window: number, seconds: number, rows: number): Promise<void> {
  const dir = tempDataDir();
  const seedMs = seedOutboxInChild(dir, rows);
  console.log(`window ${window}: seeded ${rows.toLocaleString()} one-segment UCS2 messages in ${(seedMs / 1000).toFixed(1)} s`);
  const smsc = await startSmscProcess({ systemId: 'hotline', password: 'secret', record: false, dlrDelayMs: DLR_DELAY, maxTps: SMSC_MAX_TPS });
  let server: RunningServer | null = null;
  try {
    server = await startServer(smsServerConfig(dir, smsc.port, { HOTLINE_SMPP_WINDOW: String(window), HOTLINE_SMPP_TPS: '0' }), { log: createLogger('warn') });
    const sms = server.channels.sms;
    const d = sms.dispatcher;
    await until(() => sms.link.state === 'bound', 10_000);
    // Per-second samples of submit_sm_resp OK (dispatcher) and receipts processed.
    const t0 = performance.now();
    const cpu0 = process.cpuUsage(); // this process: the server (the SMSC is a child process)
    const base = { ok: d.counters.segmentsOk, rc: d.counters.receipts };
    const perSecond: number[] = [];
    let last = base.ok;
    for (let s = 0; s < seconds; s++) {
      await sleep(Math.max(0, t0 + (s + 1) * 1000 - performance.now()));
      perSecond.push(d.counters.segmentsOk - last);
      last = d.counters.segmentsOk;
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const ok = d.counters.segmentsOk - base.ok;
    const receiptsDuring = d.counters.receipts - base.rc;
    const rss = rssMb();
    // Stop submitting; wait for the receipts of what was accepted.
    await d.stop();
    const accepted = (await smsc.counts()).accepted;
    // Every accepted segment gets a receipt (registered_delivery 1): wait for all of them.
    const drained = await until(() => d.counters.receipts >= accepted, 10_000, 50);
    if (!drained) console.log(`window ${window}: receipts still missing after 10 s: link ${JSON.stringify(sms.link.stats())} dispatcher ${JSON.stringify(d.counters)} smsc ${JSON.stringify(await smsc.counts())}`);
    const db = (server.ctx.store as Store).db; // counted in the file (SQLite)
    const one = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
    const segIds = one('SELECT COUNT(*) FROM sms_segments WHERE message_id IS NOT NULL');
    const segDelivered = one("SELECT COUNT(*) FROM sms_segments WHERE status = 'delivered'");
    const rowsDelivered = one("SELECT COUNT(*) FROM sms_outbox WHERE status = 'delivered'");
    const rowsOpen = one("SELECT COUNT(*) FROM sms_outbox WHERE status IN ('submitting', 'submitted')");
    const c = await smsc.counts();
    const sorted = [...perSecond].sort((a, b) => a - b);
    const steady = perSecond.slice(Math.min(2, perSecond.length - 1));
    const buckets: string[] = [];
    for (let i = 0; i < perSecond.length; i += 10) {
      const b = perSecond.slice(i, i + 10);
      buckets.push(String(Math.round(b.reduce((a, x) => a + x, 0) / b.length)));
    }
    console.log(`window ${window}: ${Math.round(ok / elapsed).toLocaleString()} segments/s sustained over ${elapsed.toFixed(0)} s `
      + `(after 2 s warm-up ${Math.round(steady.reduce((a, x) => a + x, 0) / steady.length).toLocaleString()}/s; per-second min ${sorted[0]} median ${sorted[Math.floor(sorted.length / 2)]} max ${sorted[sorted.length - 1]}; `
      + `10 s averages [${buckets.join(', ')}]); receipts processed during the run ${receiptsDuring.toLocaleString()}; RSS ${rss.toFixed(0)} MB; `
      + `server CPU ${((cpu.user + cpu.system) / 1e4 / elapsed).toFixed(0)} % of a core, ${((cpu.user + cpu.system) / Math.max(1, ok)).toFixed(0)} µs per segment (its submit, answer and receipt)`);
    console.log(`window ${window}: end counts — SMSC accepted ${accepted.toLocaleString()} (after stop ${c.accepted.toLocaleString()}), segments with message id ${segIds.toLocaleString()}, `
      + `receipts sent ${c.receipts.toLocaleString()} / matched ${(d.counters.receipts - d.counters.receiptsUnmatched).toLocaleString()} (unmatched ${d.counters.receiptsUnmatched}), `
      + `segments delivered ${segDelivered.toLocaleString()}, rows delivered ${rowsDelivered.toLocaleString()}, rows still open ${rowsOpen}, `
      + `throttled ${d.counters.throttled}, errors ${d.counters.segmentsError}, unknown ${d.counters.segmentsUnknown}`
      + (c.accepted !== segIds ? '  ** MISMATCH accepted vs stored ids **' : ''));
    if (ok >= rows * 0.98) console.log(`window ${window}: ** the outbox ran dry: raise BENCH_ROWS **`);
  } finally {
    await server?.stop();
    await smsc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_SUSTAINED === '1') {
  console.log(`SMS MT throughput (SMSC simulator in a child process, dlrDelayMs ${DLR_DELAY}, record off${SMSC_MAX_TPS ? `, throttling above ${SMSC_MAX_TPS}/s` : ''}; server in this process; receipts acked after the batched commit that records them)`);
  for (const w of WINDOWS) {
    const seconds = w === 50 ? LONG : SHORT;
    // Enough rows for the run (window 1 is latency-bound: a few thousand per second at most).
    const rows = w === 50 ? ROWS : Math.min(ROWS, Math.max(20_000, seconds * (w === 1 ? 4000 : 9000)));
    await run(w, seconds, rows);
  }
} else {
  const n50 = Number(process.env.BENCH_MT_N ?? 20_000);
  const n10 = Number(process.env.BENCH_MT_N10 ?? 10_000);
  const nIntake = Number(process.env.BENCH_INTAKE_N ?? 5_000);
  const windows = (process.env.BENCH_WINDOWS ?? '50,10,1').split(',').map(Number);
  const rows: Row[] = [];
  for (const profile of profilesFromEnv()) {
    const opts = smscProfileOptions(profile, process.env);
    console.log(`SMSC profile ${profile}: ${describeSmscOptions({ dlrDelayMs: 5, ...opts })}`);
    const slow = opts.submitResponseDelay !== undefined;
    const n1 = Number(process.env.BENCH_MT_N1 ?? (slow ? 500 : 2000));
    for (const w of windows) rows.push(await projectMtDrained({ profile, window: w, messages: w >= 50 ? n50 : w >= 10 ? n10 : n1 }));
    rows.push(await projectMtIntake({ profile, window: 50, messages: nIntake }));
    console.log(table(rows.slice(-windows.length - 1)));
  }
  console.log('\nall runs:');
  console.log(table(rows));
}

/**
 * MO → reply latency: the SMSC simulator (its own process) injects `CX <code>` queries at 200 MO/s,
 * each from its own number, into the server (`hotline start` in its own process, SMPP window 50, no
 * TPS cap); the time runs from handing the deliver_sm to the SMSC's socket to the arrival of the
 * reply's first submit_sm at the SMSC (both loopback hops included, so it is a little more than
 * "deliver_sm received → reply submit_sm written"). Target (issue 3): p99 < 25 ms.
 * Receipts for the replies flow back at the same time (dlrDelayMs 20).
 *
 * Env: BENCH_MO_RATE (default 200), BENCH_MO_SECONDS (default 20); BENCH_SQL_COUNT=1 also prints the
 * server's SQLite statements and commits per MO (bench/sql-count.ts).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../src/store/index.js';
import { addDepartment } from '../src/departments.js';
import { createContext } from '../src/services.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log.js';
import { cpuSeconds, rssMb, startServerProcess, summary, tempDataDir } from './lib.js';
import { startSmscProcess } from './smsc-process.js';
import { sqlPerMessage } from './sql-count.js';
import { sleep, smsServerEnv } from './sms-common.js';

const RATE = Number(process.env.BENCH_MO_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_MO_SECONDS ?? 20);
const dir = tempDataDir();

// Seed 500 declarations to query.
const store = Store.open(join(dir, 'hotline.db'));
const ctx = createContext(loadConfig({ env: { HOTLINE_DATA_DIR: dir }, file: null }), { log: silentLogger, store });
const { department } = await addDepartment(store, 'SCJG', '市市场监督管理局');
const codes: string[] = [];
await store.transaction(async () => {
  for (let i = 0; i < 500; i++) {
    codes.push((await ctx.declarations.upsert(department, `MO-${i}`, { itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '', timeLimitDays: 10 })).declaration.queryCode);
  }
});
await store.close();

const smsc = await startSmscProcess({ systemId: 'hotline', password: 'secret', record: false, dlrDelayMs: 20 });
const server = await startServerProcess({ ...smsServerEnv(dir, smsc.port, { HOTLINE_SMPP_WINDOW: '50', HOTLINE_SMPP_TPS: '0' }), HOTLINE_LOG_LEVEL: 'warn' });
try {
  // Wait for the bind: a first query must come back.
  for (let i = 0; i < 100; i++) {
    const r = await smsc.moLoad({ rate: 1, seconds: 1, texts: [`CX ${codes[0]}`], to: '96365', firstPhone: String(13700000000 + i), drainMs: 200 });
    if (r.replied) break;
    await sleep(100);
  }
  // Warm-up (JIT, caches), then the measured load.
  await smsc.moLoad({ rate: RATE, seconds: 2, texts: codes.map((c) => `CX ${c}`), to: '96365', firstPhone: '13710000000', drainMs: 2000 });
  const texts = codes.map((c, i) => (i % 3 === 0 ? `查询 ${c}` : i % 3 === 1 ? `cx${c}` : c));
  server.sqlCount.start();
  const cpu0 = cpuSeconds(server.child.pid!);
  const r = await smsc.moLoad({ rate: RATE, seconds: SECONDS, texts, to: '96365', firstPhone: '13800000000', drainMs: 5000 });
  const cpu = cpuSeconds(server.child.pid!) - cpu0;
  const sql = await server.sqlCount.take();
  console.log(`MO load: ${r.injected} MOs in ${SECONDS} s (achieved ${r.achievedRate.toFixed(0)}/s), acked ${r.acked}, replied ${r.replied}`);
  console.log(summary('MO → first reply submit_sm (measured in the SMSC process)', r.latencies));
  console.log(summary('MO → deliver_sm_resp (persisted, acked)', r.ackLatencies));
  for (const x of r.samples) console.log(`  sample: ${JSON.stringify(x.mo)} → ${JSON.stringify(x.reply)}…`);
  console.log(`server CPU during the load: ${cpu.toFixed(2)} s = ${((cpu * 1000) / Math.max(1, r.injected)).toFixed(2)} ms per MO (its reply's submit and receipt included)`);
  if (sql) console.log(sqlPerMessage(sql, r.injected));
  console.log(`server RSS after load: ${rssMb(server.child.pid).toFixed(1)} MB`);
} finally {
  await server.stop();
  await smsc.stop();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Status events through the department API (keep-alive, 50 connections) on a store of 1,000,000
 * declarations; lookupStatus latency in-process on the same store; server RSS after the load.
 * Targets (issue 2): ≥ 5,000 events/s with p99 < 20 ms; lookupStatus p99 < 0.2 ms; RSS < 150 MB.
 * Env: BENCH_DECLARATIONS (default 1000000), BENCH_SECONDS (default 20).
 */
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Store } from '../src/store/index.js';
import { bulkInsertDeclarations } from '../src/store/bulk.js';
import { addDepartment } from '../src/departments.js';
import { withCheckDigit } from '../src/domain/query-code.js';
import { createContext } from '../src/services.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log.js';
import { cpuSeconds, rssMb, startServerProcess, summary, tempDataDir } from './lib.js';

const N = Number(process.env.BENCH_DECLARATIONS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const dir = tempDataDir();
const env = { HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_ADMIN_DEMO: 'off' };

const codeOf = (i: number) => withCheckDigit('1' + String(i).padStart(10, '0'));

// 1. Seed
const t = performance.now();
const store = Store.open(join(dir, 'hotline.db'));
const { department, apiKey } = await addDepartment(store, 'BENCH', '基准测试局');
const now = new Date().toISOString();
const due = new Date(Date.now() + 30 * 86400_000).toISOString();
bulkInsertDeclarations(store.db, department.id, (function* () {
  for (let i = 0; i < N; i++) yield { queryCode: codeOf(i), deptRef: `B${i}`, itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '', acceptedAt: now, dueAt: due };
})());
console.log(`seeded ${N.toLocaleString()} declarations in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// 2. lookupStatus in-process
const ctx = createContext(loadConfig({ env, file: null }), { log: silentLogger, store });
const lat: number[] = [];
for (let i = 0; i < 50_000; i++) {
  const code = codeOf(Math.floor(Math.random() * N));
  const s = performance.now();
  const r = await ctx.declarations.lookupStatus(code);
  lat.push(performance.now() - s);
  if (!r.found) throw new Error('lookup failed for ' + code);
}
console.log(summary('lookupStatus (in-process, platform code)', lat.slice(5000)));
await store.close();

// 3. Events over HTTP against a server process
const server = await startServerProcess(env);
let seq = 0;
const base = Date.now();
const cpu0 = cpuSeconds(server.child.pid!);
const result = await autocannon({
  url: server.url, connections: 50, duration: SECONDS, pipelining: 1,
  requests: [{
    method: 'POST',
    setupRequest: (req: any) => {
      const i = seq++;
      const d = Math.floor(Math.random() * N);
      req.path = `/api/v1/declarations/B${d}/events`;
      req.headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
      req.body = JSON.stringify({ eventId: `ev-${i}`, stepName: '审核', status: i % 2 ? 'in_progress' : 'supplement_needed', handlerName: '李娜', handlerTitle: '科员', opinion: '同意', occurredAt: new Date(base + i).toISOString() });
      return req;
    },
  }],
});
const non2xx = result.non2xx;
console.log(`events: ${Math.round(result.requests.average).toLocaleString()} req/s avg over ${SECONDS} s, latency p50=${result.latency.p50} ms p99=${result.latency.p99} ms max=${result.latency.max} ms, non-2xx=${non2xx}, errors=${result.errors}, total=${result.requests.total.toLocaleString()}`);
const cpuUsed = cpuSeconds(server.child.pid!) - cpu0;
const perEvent = (cpuUsed / result.requests.total) * 1e6;
console.log(`server CPU: ${cpuUsed.toFixed(1)} s for ${result.requests.total.toLocaleString()} events = ${perEvent.toFixed(0)} µs per event → one core could take ~${Math.round(1e6 / perEvent).toLocaleString()} events/s (the load generator shares this 2-core machine)`);
console.log(`server RSS after load: ${rssMb(server.child.pid).toFixed(1)} MB`);
await server.stop();

/**
 * The public query page (GET /web/query/result?code=…, server-rendered HTML with the whole timeline)
 * on a store of 1,000,000 declarations, keep-alive, against a server process. Target (issue 14):
 * 2,000 requests/s with p99 < 20 ms. The per-address rate limit is raised for the run (one load
 * generator = one address). Env: BENCH_DECLARATIONS (default 1000000), BENCH_SECONDS (default 20),
 * BENCH_CONNECTIONS (default 20), BENCH_RATE (the steady-rate run, default 2000/s).
 */
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Store } from '../src/store/index.js';
import { bulkInsertDeclarations } from '../src/store/bulk.js';
import { addDepartment } from '../src/departments.js';
import { withCheckDigit } from '../src/domain/query-code.js';
import { cpuSeconds, rssMb, startServerProcess, tempDataDir } from './lib.js';

const N = Number(process.env.BENCH_DECLARATIONS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const dir = tempDataDir();
const env = { HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_WEB_QUERY_PER_MINUTE: '10000000' };
const codeOf = (i: number) => withCheckDigit('1' + String(i).padStart(10, '0'));

const t = performance.now();
const store = Store.open(join(dir, 'hotline.db'));
const { department } = await addDepartment(store, 'BENCH', '基准测试局');
const now = new Date().toISOString();
const due = new Date(Date.now() + 30 * 86400_000).toISOString();
bulkInsertDeclarations(store.db, department.id, (function* () {
  for (let i = 0; i < N; i++) yield { queryCode: codeOf(i), deptRef: `B${i}`, itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '8613900000000', acceptedAt: now, dueAt: due };
})());
// Every declaration has its acceptance step (the timeline the page shows).
store.db.exec(`INSERT INTO declaration_events (declaration_id, department_id, event_id, step_name, status, occurred_at, received_at, applied)
  SELECT id, department_id, 'accept:' || query_code, '受理', 'accepted', accepted_at, accepted_at, 1 FROM declarations`);
console.log(`seeded ${N.toLocaleString()} declarations with their acceptance step in ${((performance.now() - t) / 1000).toFixed(1)} s`);
await store.close();

const server = await startServerProcess(env);
// A sample page, to know it is the result page (not the form or the challenge).
const sample = await fetch(`${server.url}/web/query/result?code=${codeOf(42)}`);
const body = await sample.text();
if (sample.status !== 200 || !body.includes('办理过程')) throw new Error(`query page answered ${sample.status}: ${body.slice(0, 300)}`);
console.log(`result page: ${Buffer.byteLength(body)} bytes`);
const cpu0 = cpuSeconds(server.child.pid!);
const result = await autocannon({
  url: server.url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1,
  requests: [{ method: 'GET', setupRequest: (req: any) => { req.path = `/web/query/result?code=${codeOf(Math.floor(Math.random() * N))}`; return req; } }],
});
console.log(`web query page: ${Math.round(result.requests.average).toLocaleString()} req/s avg over ${SECONDS} s (${CONNECTIONS} connections), latency p50=${result.latency.p50} ms p99=${result.latency.p99} ms max=${result.latency.max} ms, non-2xx=${result.non2xx}, errors=${result.errors}, total=${result.requests.total.toLocaleString()}`);
// The target's own question: at a steady 2,000 requests/s (BENCH_RATE), what is p99?
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const steady = await autocannon({
  url: server.url, connections: CONNECTIONS, duration: SECONDS, pipelining: 1, overallRate: RATE,
  requests: [{ method: 'GET', setupRequest: (req: any) => { req.path = `/web/query/result?code=${codeOf(Math.floor(Math.random() * N))}`; return req; } }],
});
console.log(`at a steady ${RATE.toLocaleString()} req/s: ${Math.round(steady.requests.average).toLocaleString()} req/s served, latency p50=${steady.latency.p50} ms p99=${steady.latency.p99} ms max=${steady.latency.max} ms, non-2xx=${steady.non2xx}, errors=${steady.errors}`);
const cpuUsed = cpuSeconds(server.child.pid!) - cpu0;
const per = (cpuUsed / (result.requests.total + steady.requests.total)) * 1e6;
console.log(`server CPU: ${cpuUsed.toFixed(1)} s = ${per.toFixed(0)} µs per page → one core ~${Math.round(1e6 / per).toLocaleString()} pages/s (the load generator shares this 2-core machine)`);
console.log(`server RSS after load: ${rssMb(server.child.pid).toFixed(1)} MB`);
await server.stop();

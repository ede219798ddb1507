/**
 * Send intake (issue 15): how fast the server ACCEPTS messages into the persisted outbox, one HTTP
 * request per message, and what that does to MT sending. The server (`hotline start`) runs in its own
 * process; the load generator (autocannon: keep-alive, N connections, one request in flight each) and
 * the SMSC simulator in others. Every 2xx means the row is committed in the outbox.
 *
 *  1. panel intake, link down: POST /admin/api/sms/send (session cookie + CSRF, as the browser sends),
 *     BENCH_INTAKE_N messages with BENCH_CONNECTIONS clients; the SMPP link points at a closed port so
 *     only intake runs. Prints accepted/s, request p50/p99, server CPU per message, server peak RSS,
 *     and checks the outbox holds exactly the accepted rows.
 *  2. department bulk notice: POST /api/v1/notices, BENCH_BULK_SIZE recipients per request, link down:
 *     recipients accepted/s.
 *  3. MT with intake (link attached and draining, window 50, fast SMSC simulator profile): the same
 *     one-request-per-message intake, rate to the last receipt recorded (bench/sms-scenarios.ts), once
 *     with node fetch (the client the Kannel anchor uses for sendsms) and once with autocannon (a cheaper
 *     client: on the shared 2-core machine the load generator's own CPU limits the fetch run).
 *     Kannel 1.4.5 on this machine (issue 15): intake 1,925–2,033/s, MT with intake 1,060–1,166/s;
 *     the goal is ≥ 1.5× Kannel (≥ 1,600–1,750/s).
 *
 * Env: BENCH_INTAKE_N (default 20000), BENCH_CONNECTIONS (default 50), BENCH_BULK_SIZE (default 1000),
 * BENCH_BULK_REQUESTS (default 20), BENCH_MT_INTAKE_N (default 10000; 0 skips phase 3),
 * SMSC_PROFILES (phase 3, default "fast").
 * Figures on the shared 2-core machine are indicative only.
 */
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { Store } from '../src/store/index.js';
import { addDepartment } from '../src/departments.js';
import { cpuSeconds, startServerProcess, tempDataDir } from './lib.js';
import { QUIET_OFF } from './sms-common.js';
import { addAdminUser, fmt, MT_TEXT, projectMtIntake, rssPeak, table } from './sms-scenarios.js';

const N = Number(process.env.BENCH_INTAKE_N ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const BULK_SIZE = Number(process.env.BENCH_BULK_SIZE ?? 1000);
const BULK_REQUESTS = Number(process.env.BENCH_BULK_REQUESTS ?? 20);
const MT_N = Number(process.env.BENCH_MT_INTAKE_N ?? 10_000);
const PROFILES = (process.env.SMSC_PROFILES ?? 'fast').split(',').map((s) => s.trim()).filter(Boolean);

/** A TCP port nothing listens on (the SMPP link stays down: intake alone). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function outboxCount(dir: string): number {
  const db = new Database(join(dir, 'hotline.db'), { readonly: true });
  try { return (db.prepare('SELECT COUNT(*) AS n FROM sms_outbox').get() as { n: number }).n; } finally { db.close(); }
}

async function linkDownServer(dir: string) {
  return startServerProcess({
    HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_ARI_URL: '', HOTLINE_VOICE_TTS: 'none',
    HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(await closedPort()), HOTLINE_LOG_LEVEL: 'warn', ...QUIET_OFF,
  });
}

interface Load { accepted: number; non2xx: number; errors: number; seconds: number; p50: number; p99: number; cpuMs: number; rssMb: number }

async function load(url: string, pid: number, amount: number, connections: number, request: (i: number) => { path: string; headers: Record<string, string>; body: string }): Promise<Load> {
  let seq = 0;
  const rss = rssPeak([pid]);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const r = await autocannon({
    url, connections, amount, pipelining: 1,
    requests: [{ method: 'POST', setupRequest: (req: any) => Object.assign(req, request(seq++)) }],
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  return { accepted: r['2xx'], non2xx: r.non2xx, errors: r.errors, seconds, p50: r.latency.p50, p99: r.latency.p99, cpuMs: (cpu * 1000) / Math.max(1, r['2xx']), rssMb: rss.stop() };
}

async function panelIntake(): Promise<void> {
  const dir = tempDataDir();
  addAdminUser(dir, 'bench', 'bench-pass-1');
  const server = await linkDownServer(dir);
  try {
    const login = await fetch(`${server.url}/admin/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ username: 'bench', password: 'bench-pass-1' }) });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const cookie = `hotline_sid=${/hotline_sid=([^;]*)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''}`;
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
    const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf, origin: server.url };
    // warm-up (JIT, statement cache)
    await load(server.url, server.child.pid!, 2000, CONNECTIONS, (i) => ({ path: '/admin/api/sms/send', headers, body: JSON.stringify({ phone: String(13500000000 + i), text: MT_TEXT(i) }) }));
    const before = outboxCount(dir);
    const r = await load(server.url, server.child.pid!, N, CONNECTIONS, (i) => ({ path: '/admin/api/sms/send', headers, body: JSON.stringify({ phone: String(13900000000 + i), text: MT_TEXT(i) }) }));
    const rows = outboxCount(dir) - before;
    console.log(`panel intake (link down), ${N} × POST /admin/api/sms/send, ${CONNECTIONS} keep-alive clients:`);
    console.log(`  accepted ${Math.round(r.accepted / r.seconds).toLocaleString()}/s (${r.accepted} in ${r.seconds.toFixed(1)} s; non-2xx ${r.non2xx}, errors ${r.errors}), request p50 ${r.p50} ms p99 ${r.p99} ms, server CPU ${fmt(r.cpuMs, 3)} ms per message, peak RSS ${fmt(r.rssMb)} MB; outbox rows added ${rows}${rows === r.accepted ? ' (= accepted)' : ' (≠ accepted!)'}`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bulkNotice(): Promise<void> {
  const dir = tempDataDir();
  const store = Store.open(join(dir, 'hotline.db'));
  const { apiKey } = await addDepartment(store, 'BENCH', '基准测试局');
  await store.close();
  const server = await linkDownServer(dir);
  try {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
    const body = (i: number) => JSON.stringify({
      eventId: `bulk-${i}`, text: '【96365】市民中心本周六正常办公，欢迎前来办理业务。',
      recipients: Array.from({ length: BULK_SIZE }, (_, j) => String(13000000000 + i * BULK_SIZE + j)),
    });
    const r = await load(server.url, server.child.pid!, BULK_REQUESTS, Math.min(4, BULK_REQUESTS), (i) => ({ path: '/api/v1/notices', headers, body: body(i) }));
    const rows = outboxCount(dir);
    const n = r.accepted * BULK_SIZE;
    console.log(`department bulk notice (link down), ${BULK_REQUESTS} × POST /api/v1/notices with ${BULK_SIZE} recipients:`);
    console.log(`  ${Math.round(n / r.seconds).toLocaleString()} recipients/s (${r.accepted} requests 2xx, non-2xx ${r.non2xx}), request p50 ${r.p50} ms p99 ${r.p99} ms, server CPU ${fmt((r.cpuMs / BULK_SIZE), 4)} ms per recipient, peak RSS ${fmt(r.rssMb)} MB; outbox rows ${rows}`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await panelIntake();
if (BULK_REQUESTS > 0) await bulkNotice();
if (MT_N > 0) {
  const rows = [];
  for (const profile of PROFILES) {
    rows.push(await projectMtIntake({ profile, window: 50, messages: MT_N, concurrency: CONNECTIONS }));
    rows.push(await projectMtIntake({ profile, window: 50, messages: MT_N, concurrency: CONNECTIONS, client: 'autocannon' }));
  }
  console.log('\nMT with intake (link attached and draining; Kannel on this machine: 1,060–1,166/s, intake 1,925–2,033/s):');
  console.log(table(rows));
}
console.log('(shared 2-core machine: figures indicative only)');

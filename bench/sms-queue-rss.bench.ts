/**
 * Server RSS with 100,000 queued messages and the SMSC unreachable (a closed port: nothing is sent).
 * The messages are queued by the server itself: 10 status changes (department API) to declarations
 * with 10,000 subscribers each. Then the server is restarted on the same store (a backlog after a
 * restart) and measured again. Target (issue 3): < 200 MB.
 *
 * Asterisk is configured to a closed port as well, so the process runs no simulator (as in production);
 * BENCH_WITH_ARI_SIMULATOR=1 keeps the built-in ARI simulator in the process instead.
 *
 * Env: BENCH_DECLARATIONS (default 10), BENCH_SUBSCRIBERS (per declaration, default 10000),
 * BENCH_SETTLE_SECONDS (sampling after queueing, default 40).
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../src/store/index.js';
import { addDepartment } from '../src/departments.js';
import { rssMb, startServerProcess, tempDataDir } from './lib.js';
import { sleep, smsServerEnv } from './sms-common.js';

const DECLS = Number(process.env.BENCH_DECLARATIONS ?? 10);
const SUBS = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
const SETTLE_S = Number(process.env.BENCH_SETTLE_SECONDS ?? 40);
const dir = tempDataDir();
const dbFile = join(dir, 'hotline.db');

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

// Seed: DECLS declarations with SUBS subscribers each (distinct phones).
const store = Store.open(dbFile);
const { department, apiKey } = await addDepartment(store, 'SCJG', '市市场监督管理局');
const now = new Date().toISOString();
await store.transaction(async () => {
  for (let d = 0; d < DECLS; d++) {
    const code = String(200000000000 + d);
    store.db.prepare(`INSERT INTO declarations (query_code, department_id, dept_ref, item_name, status, status_at, accepted_at, created_at, updated_at)
      VALUES (?, ?, ?, '食品经营许可证新办', 'accepted', ?, ?, ?, ?)`).run(code, department.id, `R-${d}`, now, now, now, now);
    const id = (store.db.prepare('SELECT id FROM declarations WHERE dept_ref = ?').get(`R-${d}`) as { id: number }).id;
    for (let i = 0; i < SUBS; i++) await store.subscriptions.insert(String(13500000000 + d * SUBS + i), id, 'sms', now);
  }
});
await store.close();

const ari: Record<string, string> = process.env.BENCH_WITH_ARI_SIMULATOR === '1' ? {} : { HOTLINE_ARI_URL: `http://127.0.0.1:${await closedPort()}`, HOTLINE_ARI_PASSWORD: 'unused' };
const env = { ...smsServerEnv(dir, await closedPort(), { HOTLINE_SMS_NOTIFY_APPLICANT: 'false', ...ari }), HOTLINE_LOG_LEVEL: 'error' };
const queued = () => {
  const db = new Database(dbFile, { readonly: true });
  try { return db.prepare(`SELECT COUNT(*) FROM sms_outbox WHERE status = 'queued'`).pluck().get() as number; } finally { db.close(); }
};

let server = await startServerProcess(env);
try {
  await sleep(1000);
  const idle = rssMb(server.child.pid);
  const t0 = performance.now();
  for (let d = 0; d < DECLS; d++) {
    const res = await fetch(`${server.url}/api/v1/declarations/R-${d}/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: `rss-${d}`, stepName: '审批', status: 'approved', occurredAt: new Date().toISOString() }),
    });
    if (res.status !== 201) throw new Error(`event ${d}: HTTP ${res.status}`);
  }
  const queueMs = performance.now() - t0;
  const after = rssMb(server.child.pid);
  // Sample for SETTLE_S seconds: the fan-outs' garbage stays in the V8 heap (and SQLite's page cache,
  // 32 MB at most, fills) until the idle-time memory reducer returns it.
  const samples: number[] = [];
  for (let i = 0; i < SETTLE_S; i++) { await sleep(1000); samples.push(rssMb(server.child.pid)); }
  console.log(`link down; ${queued().toLocaleString()} messages queued by ${DECLS} status changes in ${(queueMs / 1000).toFixed(1)} s; `
    + `server RSS: idle ${idle.toFixed(0)} MB, right after queueing ${after.toFixed(0)} MB, max over the next ${SETTLE_S} s ${Math.max(...samples).toFixed(0)} MB, `
    + `after ${SETTLE_S} s ${samples[samples.length - 1].toFixed(0)} MB`);
  await server.stop();
  server = await startServerProcess(env);
  await sleep(5000);
  console.log(`restarted on the backlog (${queued().toLocaleString()} queued, link down): server RSS ${rssMb(server.child.pid).toFixed(0)} MB after 5 s`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Fan-out: one status change (department API POST …/events) to a declaration with 10,000 subscribers.
 * The server (`hotline start`, its own process) queues one push per subscriber inside the request, so
 * the figure is the request's latency; the bench then checks in the store that all rows are there and
 * reports the outbox state: with the default SMPP settings (window 10, 100 segments/s) the pushes
 * trickle out and at most a claim batch plus the window may be 'submitting' (the rest stays queued).
 * With BENCH_TPS=0 (no cap, window 50) it also reports how long the SMSC (its own process) took to
 * accept them all. Target (issue 3): all queued in < 1 s. Three status changes are measured (the
 * later ones while the earlier pushes are still being sent; the first includes the JIT warm-up).
 *
 * Env: BENCH_SUBSCRIBERS (default 10000), BENCH_TPS (default 100, the config default).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../src/store/index.js';
import { addDepartment } from '../src/departments.js';
import { rssMb, startServerProcess, tempDataDir } from './lib.js';
import { startSmscProcess } from './smsc-process.js';
import { sleep, smsServerEnv, until } from './sms-common.js';

const SUBS = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
const TPS = process.env.BENCH_TPS ?? '100';
const dir = tempDataDir();
const dbFile = join(dir, 'hotline.db');

// Seed: a declaration with SUBS active subscribers.
const store = Store.open(dbFile);
const { department, apiKey } = await addDepartment(store, 'SCJG', '市市场监督管理局');
const now = new Date().toISOString();
store.db.prepare(`INSERT INTO declarations (query_code, department_id, dept_ref, item_name, status, status_at, accepted_at, created_at, updated_at)
  VALUES ('100000000019', ?, 'F-1', '食品经营许可证新办', 'accepted', ?, ?, ?, ?)`).run(department.id, now, now, now, now);
const declId = (store.db.prepare(`SELECT id FROM declarations WHERE dept_ref = 'F-1'`).get() as { id: number }).id;
await store.transaction(async () => { for (let i = 0; i < SUBS; i++) await store.subscriptions.insert(String(13600000000 + i), declId, 'sms', now); });
await store.close();

const smsc = await startSmscProcess({ systemId: 'hotline', password: 'secret', record: false, dlrDelayMs: 20 });
const server = await startServerProcess({
  ...smsServerEnv(dir, smsc.port, { HOTLINE_SMPP_WINDOW: TPS === '0' ? '50' : '10', HOTLINE_SMPP_TPS: TPS, HOTLINE_SMS_NOTIFY_APPLICANT: 'false' }), HOTLINE_LOG_LEVEL: 'warn',
});
const reader = new Database(dbFile, { readonly: true });
const pushRows = reader.prepare(`SELECT COUNT(*) FROM sms_outbox WHERE reason = 'push' AND template = ?`).pluck();
const byStatus = reader.prepare(`SELECT status, COUNT(*) AS n FROM sms_outbox GROUP BY status`);
const statusText = () => (byStatus.all() as Array<{ status: string; n: number }>).map((r) => `${r.status} ${r.n}`).join(', ');
try {
  await sleep(500);
  const steps: Array<[string, string, Record<string, string>]> = [
    ['supplement_needed', 'push.supplement_needed', { missing: '营业执照复印件' }],
    ['fee_due', 'push.fee_due', { amount: '120元', how: '市民中心缴费窗口' }],
    ['approved', 'push.approved', {}],
  ];
  for (const [i, [status, template, details]] of steps.entries()) {
    const acceptedBefore = (await smsc.counts()).accepted;
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/declarations/F-1/events`, {
      method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: `fan-${i}`, stepName: '审核', status, occurredAt: new Date().toISOString(), details }),
    });
    const reqMs = performance.now() - t0;
    const atResponse = pushRows.get(template) as number;
    await until(() => (pushRows.get(template) as number) >= SUBS, 30_000, 5);
    const queuedMs = performance.now() - t0;
    const state = statusText();
    let sent = '';
    if (TPS === '0') {
      const ok = await until(async () => (await smsc.counts()).accepted - acceptedBefore >= SUBS, 60_000, 20);
      sent = `; ${ok ? 'all accepted by the SMSC' : 'NOT all accepted by the SMSC'} after ${((performance.now() - t0) / 1000).toFixed(2)} s`;
    }
    console.log(`status change ${i + 1} (${status}) → ${SUBS.toLocaleString()} subscribers (SMPP window ${TPS === '0' ? 50 : 10}, TPS ${TPS === '0' ? 'no cap' : TPS}): HTTP ${res.status} in ${reqMs.toFixed(0)} ms; `
      + `push rows in the store at the response ${atResponse.toLocaleString()}, all ${SUBS.toLocaleString()} queued after ${queuedMs.toFixed(0)} ms; `
      + `outbox then: ${state}${sent}; server RSS ${rssMb(server.child.pid).toFixed(0)} MB`);
  }
} finally {
  reader.close();
  await server.stop();
  await smsc.stop();
  rmSync(dir, { recursive: true, force: true });
}

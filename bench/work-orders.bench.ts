/**
 * Work-order inbox queues (issue 12): the first page (50) of every queue and the queue counts on a
 * SQLite store of BENCH_WORK_ORDERS (default 1,000,000) orders — central (all departments) and one
 * department's view. Target: first page p99 < 50 ms. Rows are seeded straight into the file (the service
 * would take hours); the distribution: 70 % closed, 10 % handling, 5 % each to-dispatch / to-sign /
 * answered, the rest returned, escalated, merged; deadlines spread around now; 1 % with an assisting part.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../src/store/index.js';
import { QUEUES } from '../src/store/work-order-sql.js';
import { summary, tempDataDir } from './lib.js';

const N = Number(process.env.BENCH_WORK_ORDERS ?? 1_000_000);
const dir = tempDataDir();
const store = Store.open(join(dir, 'hotline.db'));
const db = store.db;
const t0 = Date.now();
const now = new Date('2026-03-02T04:00:00Z');
const depts: number[] = [];
for (let i = 0; i < 20; i++) depts.push((await store.departments.insert(`D${i}`, `部门${i}`, null, null, null, now.toISOString())).id);
const ins = db.prepare(`INSERT INTO feedback (ref, kind, channel, phone, text, status, department_id, category, urgency, dispatched_at, due_at, warn_at, reopen_count, claimed_by, answered_at, created_at, updated_at)
  VALUES (@ref, 'complaint', 'sms', @phone, @text, @status, @dept, 'SCJG.FOOD', 'normal', @dispatched, @due, @warn, @reopen, @claimed, @answered, @at, @at)`);
const part = db.prepare(`INSERT INTO work_order_parts (order_id, department_id, department_name, status, created_at, updated_at) VALUES (?, ?, 'x', 'open', ?, ?)`);
// A seeded generator: status, department and deadline independent of each other (no stripes).
let seed = 12345; // mulberry32
const rand = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pick = (): string => {
  const r = Math.floor(rand() * 100);
  return r < 70 ? 'closed' : r < 80 ? 'handling' : r < 83 ? 'new' : r < 85 ? 'transcribed' : r < 90 ? 'assigned' : r < 95 ? 'answered' : r < 97 ? 'returned' : r < 98 ? 'escalated' : 'merged';
};
db.transaction(() => {
  const base = now.getTime() - N * 30_000;
  for (let i = 0; i < N; i++) {
    const status = pick();
    const at = new Date(base + i * 30_000).toISOString();
    const clock = status === 'assigned' || status === 'handling';
    const due = clock ? new Date(now.getTime() + (rand() * 200 - 50) * 3600_000) : null;
    const info = ins.run({
      ref: `W${i}`, phone: `86139${String(i % 5_000_000).padStart(8, '0')}`, text: `第 ${i} 条诉求`, status, dept: status === 'new' || status === 'transcribed' ? null : depts[Math.floor(rand() * depts.length)],
      dispatched: clock ? at : null, due: due?.toISOString() ?? null, warn: due ? new Date(due.getTime() - 8 * 3600_000).toISOString() : null,
      reopen: i % 50 === 0 ? 1 : 0, claimed: i % 1000 === 0 ? 'staff:op' : null, answered: status === 'answered' ? at : null, at,
    });
    if (clock && rand() < 0.01) part.run(info.lastInsertRowid, depts[Math.floor(rand() * depts.length)], at, at);
  }
})();
db.exec('ANALYZE');
console.log(`seeded ${N.toLocaleString()} work orders in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const time = async (fn: () => Promise<unknown>, n = 30) => {
  const out: number[] = [];
  await fn();
  for (let i = 0; i < n; i++) { const s = performance.now(); await fn(); out.push(performance.now() - s); }
  return out;
};
const iso = now.toISOString();
for (const [label, departmentId] of [['central', null], ['department D3', depts[3]]] as const) {
  for (const q of QUEUES) {
    const rows = await store.workOrders.queue(q, { now: iso, departmentId, claimedBy: 'staff:op', limit: 50 });
    console.log(summary(`${label.padEnd(13)} ${q.padEnd(11)} first page (${rows.length} rows)`, await time(() => store.workOrders.queue(q, { now: iso, departmentId, claimedBy: 'staff:op', limit: 50 }))));
  }
  console.log(summary(`${label.padEnd(13)} counts of all queues`, await time(() => store.workOrders.queueCounts({ now: iso, departmentId, claimedBy: 'staff:op' }), 5)));
}
await store.close();
rmSync(dir, { recursive: true, force: true });

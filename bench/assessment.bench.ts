/**
 * 全程考核 on BENCH_WORK_ORDERS (default 1,000,000) work orders on SQLite: a month's assessment (the facts
 * query + the pure computation: per department and handler, working hours, score) central and for one
 * department, the hot spots (two weeks), and a drill-down. Target: a month < 1 s. Measures, does not assert.
 * Rows are seeded straight into the file (one every 30 s: a month ≈ 86,000 orders), 20 departments,
 * 5 handlers each; 75 % finished, deadlines 4 working hours / 10 days, some late, counters and surveys spread.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../src/store/index.js';
import { WorkingCalendar, type CalendarData } from '../src/domain/calendar.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_ASSESSMENT, assess, drillDown, hotSpots, weekStartOf } from '../src/workorders/assessment.js';
import type { WorkClock } from '../src/workorders/time-limits.js';
import { summary, tempDataDir } from './lib.js';

const N = Number(process.env.BENCH_WORK_ORDERS ?? 1_000_000);
const TZ = 'Asia/Shanghai';
const clock: WorkClock = { calendar: new WorkingCalendar(JSON.parse(readFileSync('data/calendar.json', 'utf8')) as CalendarData), tz: TZ, hours: [[510, 720], [810, 1050]] };
const dir = tempDataDir();
const store = Store.open(join(dir, 'hotline.db'));
const db = store.db;
const t0 = Date.now();
const now = new Date('2026-11-30T04:00:00Z');
const depts: number[] = [];
for (let i = 0; i < 20; i++) depts.push((await store.departments.insert(`D${i}`, `部门${i}`, null, null, null, now.toISOString())).id);
const ins = db.prepare(`INSERT INTO feedback (ref, kind, channel, phone, text, status, department_id, category, urgency, address, dispatched_at, sign_due_at, signed_at, signed_by,
  finish_due_at, answered_at, answered_by, satisfaction, return_count, extension_count, urge_count, reopen_count, created_at, updated_at)
  VALUES (@ref, 'complaint', 'sms', @phone, @text, @status, @dept, @category, 'normal', @address, @dispatched, @signDue, @signed, @handler, @finishDue, @answered, @answeredBy, @sat,
  @ret, @ext, @urge, @redo, @at, @at)`);
let seed = 4242; // mulberry32
const rand = () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const CATS = ['SCJG.FOOD', 'SCJG.PRICE', 'CGGL', 'ZF', 'JT', 'HB', 'SB.WAGES', 'GA', 'JY', 'WSJK'];
const H = 3600_000;
db.transaction(() => {
  const base = now.getTime() - N * 30_000;
  for (let i = 0; i < N; i++) {
    const created = base + i * 30_000;
    const at = new Date(created).toISOString();
    const r = rand();
    const status = r < 0.03 ? 'new' : r < 0.08 ? 'assigned' : r < 0.2 ? 'handling' : r < 0.25 ? 'answered' : r < 0.26 ? 'merged' : 'closed';
    const dept = status === 'new' ? null : depts[Math.floor(rand() * depts.length)];
    const dispatched = dept === null ? null : created + 10 * 60_000;
    const signed = dispatched !== null && status !== 'assigned' ? dispatched + rand() * 8 * H : null;
    const finished = status === 'answered' || status === 'closed' ? dispatched! + rand() * 16 * 24 * H : null;
    const handler = dept === null ? null : `dept:D${depts.indexOf(dept)}:处理人${Math.floor(rand() * 5)}`;
    const s = rand();
    ins.run({
      ref: `A${i}`, phone: `86139${String(i % 5_000_000).padStart(8, '0')}`, text: `第 ${i} 条诉求`, status, dept, category: CATS[Math.floor(rand() * CATS.length)],
      address: rand() < 0.6 ? `人民路${Math.floor(rand() * 200)}号` : null,
      dispatched: dispatched === null ? null : new Date(dispatched).toISOString(), signDue: dispatched === null ? null : new Date(dispatched + 4 * H).toISOString(),
      signed: signed === null ? null : new Date(signed).toISOString(), handler: signed === null ? null : handler,
      finishDue: dispatched === null ? null : new Date(dispatched + 14 * 24 * H).toISOString(), answered: finished === null ? null : new Date(finished).toISOString(),
      answeredBy: finished === null ? null : handler, sat: status === 'closed' ? (s < 0.7 ? 1 : s < 0.9 ? 2 : s < 0.97 ? 3 : null) : null,
      ret: rand() < 0.05 ? 1 : 0, ext: rand() < 0.03 ? 1 : 0, urge: rand() < 0.04 ? 1 : 0, redo: rand() < 0.03 ? 1 : 0, at,
    });
  }
})();
db.exec('ANALYZE');
console.log(`seeded ${N.toLocaleString()} work orders in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const time = async (fn: () => Promise<unknown>, n = 10) => {
  const out: number[] = [];
  await fn();
  for (let i = 0; i < n; i++) { const s = performance.now(); await fn(); out.push(performance.now() - s); }
  return out;
};
const to = now.toISOString(), from = new Date(now.getTime() - 30 * 24 * H).toISOString();
for (const [label, departmentId] of [['central', null], ['department D3', depts[3]]] as const) {
  const facts = await store.workOrders.assessmentFacts(from, to, departmentId);
  const t = assess(facts, { clock, config: DEFAULT_ASSESSMENT, now });
  console.log(`${label}: ${facts.length.toLocaleString()} orders in the month, ${t.departments.length} departments, ${t.handlers.length} handlers`);
  console.log(summary(`${label.padEnd(13)} facts query (month)`, await time(() => store.workOrders.assessmentFacts(from, to, departmentId))));
  console.log(summary(`${label.padEnd(13)} compute (month)`, await time(async () => assess(facts, { clock, config: DEFAULT_ASSESSMENT, now }))));
  console.log(summary(`${label.padEnd(13)} month's assessment (query + compute)`, await time(async () => assess(await store.workOrders.assessmentFacts(from, to, departmentId), { clock, config: DEFAULT_ASSESSMENT, now }))));
  const ws = weekStartOf(now, TZ);
  console.log(summary(`${label.padEnd(13)} hot spots (two weeks)`, await time(async () => hotSpots(await store.workOrders.assessmentFacts(new Date(ws.getTime() - 7 * 24 * H).toISOString(), new Date(ws.getTime() + 7 * 24 * H).toISOString(), departmentId), ws))));
  console.log(summary(`${label.padEnd(13)} drill-down finish_late (month)`, await time(async () => drillDown(await store.workOrders.assessmentFacts(from, to, departmentId), 'finish_late', { departmentId }, clock, now))));
}
await store.close();
rmSync(dir, { recursive: true, force: true });

/**
 * Admin panel speed (issue 5): the inbox's first page on a 100,000-feedback store (< 200 ms server
 * time per filter), the supervision statistics, and the live feed: 1,000 events/s on the bus reaching
 * 20 WebSocket clients (p99 delay < 100 ms), measured with ws clients.
 */
import WebSocket from 'ws';
import { startAdmin, loggedIn } from '../test/admin/helpers.js';
import { addDepartment } from '../src/departments.js';
import type { Store } from '../src/store/index.js';
import { rssMb, summary } from './lib.js';

const N = Number(process.env.BENCH_FEEDBACK ?? 100_000);
const s = await startAdmin();
const { ctx } = s.server;
const ids: number[] = [];
for (const c of ['SCJG', 'RSJ', 'GAJ']) ids.push((await addDepartment(ctx.store, c, c)).department.id);
const db = (ctx.store as Store).db; // seeding straight into the SQLite file (the service would take minutes)
const ins = db.prepare(`INSERT INTO feedback (ref, kind, channel, phone, text, status, department_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const base = Date.now() - N * 60_000;
db.transaction(() => {
  for (let i = 0; i < N; i++) {
    const at = new Date(base + i * 60_000).toISOString();
    ins.run(`P${i}`, ['complaint', 'consultation', 'suggestion'][i % 3], ['voice', 'sms', 'web'][i % 3], `86139${String(i).padStart(8, '0')}`,
      `第 ${i} 条反馈内容`, ['new', 'transcribed', 'assigned', 'answered', 'closed'][i % 5], i % 7 === 0 ? null : ids[i % 3], at, at);
  }
})();
await s.admin.auth.createUser({ username: 'op', role: 'operator', password: 'bench-pass-1' });
await s.admin.auth.createUser({ username: 'dd', role: 'department', departmentCode: 'RSJ', password: 'bench-pass-1' });
await s.admin.auth.createUser({ username: 'sup', role: 'supervisor', password: 'bench-pass-1' });
const op = await loggedIn(s.url, 'op', 'bench-pass-1');
const dept = await loggedIn(s.url, 'dd', 'bench-pass-1');
const sup = await loggedIn(s.url, 'sup', 'bench-pass-1');

console.log(`inbox first page on ${N.toLocaleString()} feedback rows (server time reported by the API; 20 requests each):`);
const cases: Array<[string, typeof op, string]> = [
  ['no filter', op, ''], ['status', op, 'status=new'], ['department filter', op, 'department=GAJ'], ['department user', dept, ''],
  ['department user + status', dept, 'status=answered'], ['date range', op, 'since=2020-01-01&until=2099-12-31'],
  ['text search (scans)', op, 'q=99999'], ['phone search', op, 'q=13900000042'],
];
for (const [label, c, qs] of cases) {
  const server: number[] = [];
  const wall: number[] = [];
  await c.get(`/admin/api/feedback?${qs}`);
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const r = await c.get(`/admin/api/feedback?${qs}`);
    wall.push(performance.now() - t0);
    server.push(r.json.tookMs);
  }
  console.log('  ' + summary(`${label.padEnd(26)} server`, server) + ' | ' + summary('wall', wall).replace(/^wall: n=\d+ /, 'wall '));
}
const st: number[] = [];
for (let i = 0; i < 5; i++) { const t0 = performance.now(); await sup.get('/admin/api/stats'); st.push(performance.now() - t0); }
console.log('  ' + summary('supervision statistics (wall)', st));

// Live fan-out
const socks = await Promise.all(Array.from({ length: 20 }, () => new Promise<WebSocket>((resolve, reject) => {
  const ws = new WebSocket(s.url.replace('http', 'ws') + '/admin/live', { headers: { cookie: op.cookie!, origin: s.url } });
  ws.once('open', () => resolve(ws));
  ws.once('error', reject);
})));
const delays: number[] = [];
const total = 1000 * Number(process.env.BENCH_SECONDS ?? 5);
let done = 0;
const finished = new Promise<void>((resolve) => {
  for (const ws of socks) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.name !== 'sms.outbox' || typeof m.data?.t !== 'number') return;
      delays.push(performance.timeOrigin + performance.now() - m.data.t);
      if (++done === total * socks.length) resolve();
    });
  }
});
for (let i = 0; i < total / 10; i++) {
  for (let k = 0; k < 10; k++) ctx.bus.emit('sms.outbox', { queued: i, sent: k, perSecond: 1000, t: performance.timeOrigin + performance.now() });
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.race([finished, new Promise((r) => setTimeout(r, 30_000))]);
console.log(summary(`live feed: ${total} events at ~1,000/s to 20 sockets (delay bus → client), delivered ${delays.length.toLocaleString()}/${(total * 20).toLocaleString()}`, delays));
console.log(`process RSS: ${rssMb().toFixed(1)} MB (server and clients in one process)`);
for (const ws of socks) ws.close();
await s.server.stop();

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, startAdmin, type AdminServer, type Client } from './helpers.js';
import { addDepartment } from '../../src/departments.js';
import type { Store } from '../../src/store/index.js';

let s: AdminServer;
let op: Client;
let dept: Client;

beforeAll(async () => {
  s = await startAdmin();
  const { ctx } = s.server;
  const ids: number[] = [];
  for (const c of ['SCJG', 'RSJ', 'GAJ']) ids.push((await addDepartment(ctx.store, c, c)).department.id);
  // 100,000 feedback rows straight into the table (the service would take minutes).
  const db = (ctx.store as Store).db;
  const ins = db.prepare(`INSERT INTO feedback (ref, kind, channel, phone, text, status, department_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const base = Date.now() - 100_000 * 60_000;
  db.transaction(() => {
    for (let i = 0; i < 100_000; i++) {
      const at = new Date(base + i * 60_000).toISOString();
      ins.run(`P${i}`, ['complaint', 'consultation', 'suggestion'][i % 3], ['voice', 'sms', 'web'][i % 3], `86139${String(i).padStart(8, '0')}`, // stored canonical (E.164 digits)
        `第 ${i} 条反馈内容`, ['new', 'transcribed', 'assigned', 'answered', 'closed'][i % 5], i % 7 === 0 ? null : ids[i % 3], at, at);
    }
  })();
  await s.admin.auth.createUser({ username: 'op', role: 'operator', password: 'perf-pass-1' });
  await s.admin.auth.createUser({ username: 'dd', role: 'department', departmentCode: 'RSJ', password: 'perf-pass-1' });
  op = await loggedIn(s.url, 'op', 'perf-pass-1');
  dept = await loggedIn(s.url, 'dd', 'perf-pass-1');
});
afterAll(async () => { await s.server.stop(); });

describe('inbox on a 100,000-feedback store', () => {
  // Speed is measured in bench/admin-panel.bench.ts; this checks the queries are right on a big store.
  it('first pages answer with the right rows for every filter', async () => {
    const cases: Array<[string, Client, string]> = [
      ['no filter', op, ''],
      ['status', op, 'status=new'],
      ['department filter', op, 'department=GAJ'],
      ['department user', dept, ''],
      ['department user + status', dept, 'status=answered'],
      ['date range', op, 'since=2020-01-01&until=2099-12-31'],
      ['text search (scans)', op, 'q=99999'],
      ['phone search', op, 'q=13900000042'],
    ];
    for (const [label, c, qs] of cases) {
      const r = await c.get(`/admin/api/feedback?${qs}`);
      expect(r.status, label).toBe(200);
      expect(typeof r.json.tookMs, label).toBe('number');
      expect(r.json.items.length, label).toBeGreaterThan(0);
    }
  });

  it('the supervision statistics count every row', async () => {
    await s.admin.auth.createUser({ username: 'sup', role: 'supervisor', password: 'perf-pass-1' });
    const sup = await loggedIn(s.url, 'sup', 'perf-pass-1');
    const r = await sup.get('/admin/api/stats');
    expect(r.status).toBe(200);
    expect(r.json.rows.reduce((n: number, x: { received: number }) => n + x.received, 0)).toBe(100_000);
  });
});

import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, FakeSms, FakeTestPhone, FakeVoice, loggedIn, startAdmin, writeRecording, type AdminServer } from './helpers.js';
import { ROUTES, ALL_ROLES, type RouteSpec, type StaffRole } from '../../src/admin/routes-table.js';
import { addDepartment } from '../../src/departments.js';
import { csvCell, toCsv } from '../../src/admin/csv.js';
import { toPlayableWav } from '../../src/admin/recordings.js';
import type { Feedback } from '../../src/domain/types.js';
import type { Store } from '../../src/store/index.js';
import { WorkOrderService } from '../../src/workorders/service.js';

let s: AdminServer;
const sms = new FakeSms();
const PW = 'matrix-pass-1';
const clients = {} as Record<StaffRole, Client>;
let scjgCode = '';
let rsjDeclCode = '';
let fx: Record<string, Feedback> = {};
let victimId = 0;
/** Work orders per (route, role), each in the state its step starts from. */
const wo: Record<string, Record<string, { id: number; ref: string }>> = {};

beforeAll(async () => {
  s = await startAdmin({ HOTLINE_ADMIN_DEMO: 'on' }, { sms, voice: new FakeVoice(), testPhone: new FakeTestPhone() });
  const { ctx } = s.server;
  // Demo mode already loaded the demo departments; reuse them.
  const scjg = (await ctx.store.departments.byCode('SCJG')) ?? (await addDepartment(ctx.store, 'SCJG', '市市场监督管理局', '13800000001')).department;
  const rsj = (await ctx.store.departments.byCode('RSJ')) ?? (await addDepartment(ctx.store, 'RSJ', '市人社局')).department;
  scjgCode = (await ctx.declarations.upsert(scjg, 'SC-1', { itemName: '食品经营许可', applicantName: '张晓明', applicantPhone: '13912345678', timeLimitDays: 5 })).declaration.queryCode;
  rsjDeclCode = (await ctx.declarations.upsert(rsj, 'RS-1', { itemName: '社保卡补办', applicantPhone: '13712345678', timeLimitDays: 5 })).declaration.queryCode;
  const rec = writeRecording(ctx.config.data.dir, 'fb-1.wav');
  const mk = async (dept: number, extra: Partial<Parameters<typeof ctx.feedback.create>[0]> = {}) => {
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '13812341234', text: null, recordingPath: rec, recordingDuration: 1.5, ...extra });
    return ctx.feedback.assign(f.id, dept, 'test');
  };
  fx = { main: await mk(scjg.id), answer: await mk(scjg.id), close: await mk(scjg.id), assign: await mk(scjg.id), other: await mk(rsj.id, { text: 'RSJ only' }) };
  for (const role of ALL_ROLES) {
    await s.admin.auth.createUser({ username: `u_${role}`, role, password: PW, departmentCode: role === 'department' ? 'SCJG' : null });
    clients[role] = await loggedIn(s.url, `u_${role}`, PW);
  }
  victimId = (await s.admin.auth.createUser({ username: 'victim', role: 'operator', password: PW })).id;
  // Seats: the seat-taking roles get an endpoint and a screen pop of 13912345678 (the history's entitlement).
  for (const [role, ext] of [['admin', 'PJSIP/8090'], ['operator', 'PJSIP/8091']] as const) {
    const u = (await ctx.store.staff.all()).find((x) => x.username === `u_${role}`)!;
    await ctx.store.callQueue.setEndpoint(u.id, ext, new Date().toISOString());
    ctx.bus.emit('seat.offer', { staffId: String(u.id), callId: `ch-${role}`, callbackRequestId: null, phone: '13912345678', flow: 'main', waitedSec: 3, at: new Date().toISOString() });
  }
  // Work orders for the matrix: a fresh one per route and role, in the state its step starts from.
  const admin = { role: 'admin' as const, id: 'staff:test', name: '测试', departmentId: null, departmentName: null };
  const dept = WorkOrderService.departmentActor(scjg);
  const W = ctx.workOrders;
  const states: Record<string, (id: number) => Promise<void>> = {
    new: async () => undefined,
    assigned: async (id) => { await W.dispatch(id, { type: 'dispatch', category: 'SCJG.FOOD', departmentCode: 'SCJG' }, admin); },
    assistedHandling: async (id) => { await W.dispatch(id, { type: 'dispatch', category: 'SB.WAGES', departmentCode: 'RSJ', assists: [{ departmentCode: 'SCJG' }] }, admin); await W.apply(id, { type: 'sign' }, WorkOrderService.departmentActor(rsj)); },
    handling: async (id) => { await states.assigned(id); await W.apply(id, { type: 'sign' }, dept); },
    returned: async (id) => { await states.assigned(id); await W.apply(id, { type: 'return', reason: 'not_ours', opinion: '非我局' }, dept); },
    extension: async (id) => { await states.handling(id); await W.apply(id, { type: 'request_extension', days: 2, reason: '需检测' }, dept); },
    answered: async (id) => { await states.handling(id); await W.apply(id, { type: 'answer', answer: '已处理' }, dept); },
  };
  const start: Record<string, [keyof typeof states, 'complaint' | 'consultation']> = {
    dispatch: ['new', 'complaint'], direct: ['new', 'consultation'], uphold: ['returned', 'complaint'], assist: ['assigned', 'complaint'], merge: ['new', 'complaint'],
    close: ['new', 'complaint'], 'fb-answer': ['assigned', 'complaint'], 'fb-close': ['new', 'complaint'], claim: ['new', 'complaint'], survey: ['answered', 'complaint'], 'extension-decision': ['extension', 'complaint'], redo: ['answered', 'complaint'],
    urge: ['handling', 'complaint'], sign: ['assigned', 'complaint'], return: ['assigned', 'complaint'], extension: ['handling', 'complaint'], interim: ['handling', 'complaint'],
    answer: ['handling', 'complaint'], 'assist-answer': ['assistedHandling', 'complaint'], detail: ['assigned', 'complaint'], details: ['new', 'complaint'],
  };
  for (const [step, [state, kind]] of Object.entries(start)) {
    wo[step] = {};
    for (const role of ALL_ROLES) {
      const f = await ctx.feedback.create({ kind, channel: 'sms', phone: '13912345678', text: `工单 ${step} ${role}` });
      await states[state](f.id);
      wo[step][role] = { id: f.id, ref: f.ref };
    }
  }
  wo.parent = { any: { id: 0, ref: (await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345670', text: '主工单' })).ref } };
});
afterAll(async () => { await s.server.stop(); });

/** A concrete request for each table route (path parameters filled, a valid body). */
function sample(r: RouteSpec, role: StaffRole, i: number): { path: string; body?: unknown; ok?: number } {
  const byRoute: Record<string, { path?: string; body?: unknown; ok?: number }> = {
    'POST /api/me/password': { body: { current: 'not-my-password', password: 'whatever-123' }, ok: 422 },
    'GET /api/feedback/:id': { path: `/api/feedback/${fx.main.id}` },
    'GET /api/feedback/:id/recording': { path: `/api/feedback/${fx.main.id}/recording` },
    // No operator call recorded for this item: the entitled roles get 404, the others 403.
    'GET /api/feedback/:id/call-recording': { path: `/api/feedback/${fx.main.id}/call-recording`, ok: 404 },
    'POST /api/feedback/:id/transcript': { path: `/api/feedback/${fx.main.id}/transcript`, body: { transcript: '转写内容' } },
    'POST /api/feedback/:id/assign': { path: `/api/feedback/${fx.assign.id}/assign`, body: { department: 'SCJG' } },
    // The one-step buttons go through the cycle: each role answers / closes its own item.
    'POST /api/feedback/:id/answer': { path: `/api/feedback/${wo['fb-answer']?.[role]?.id ?? 0}/answer`, body: { answer: '已处理，谢谢。' } },
    'POST /api/feedback/:id/close': { path: `/api/feedback/${wo['fb-close']?.[role]?.id ?? 0}/close`, body: { reason: '市民来电撤回诉求' } },
    'POST /api/feedback/:id/answer-preview': { path: `/api/feedback/${fx.main.id}/answer-preview`, body: { answer: '已处理，谢谢。' } },
    'POST /api/feedback/:id/kind': { path: `/api/feedback/${fx.main.id}/kind`, body: { kind: 'complaint' } },
    'POST /api/feedback/:id/reveal-phone': { path: `/api/feedback/${fx.main.id}/reveal-phone` },
    'GET /api/declarations/:code': { path: `/api/declarations/${scjgCode}` },
    'POST /api/sms/:id/retry': { path: '/api/sms/2/retry' },
    'POST /api/sms/:id/cancel': { path: '/api/sms/1/cancel' },
    'POST /api/sms/send': { body: { phone: '13912345678', text: '人工短信' } },
    'POST /api/sms/bulk': { body: { eventId: `matrix-${role}-${i}`, text: '群发通知', recipients: ['13912345678'] } },
    'POST /api/sms/preview': { body: { text: '人工短信' } },
    'POST /api/users': { body: { username: `m_${role}_${i}`, role: 'operator', password: PW } },
    'POST /api/users/:id/password': { path: `/api/users/${victimId}/password`, body: {} },
    'POST /api/users/:id/disabled': { path: `/api/users/${victimId}/disabled`, body: { disabled: false } },
    'POST /api/users/:id/unlock': { path: `/api/users/${victimId}/unlock` },
    'POST /api/departments': { body: { code: `D${i}${role.slice(0, 3).toUpperCase()}`, name: '测试部门' } },
    'POST /api/departments/:code/rotate-key': { path: '/api/departments/RSJ/rotate-key' },
    'POST /api/testphone/call': { body: { from: '13900001234' } },
    'POST /api/testphone/call/:callId/press': { path: '/api/testphone/call/sim-1/press', body: { digits: '1' } },
    'POST /api/testphone/call/:callId/record': { path: '/api/testphone/call/sim-1/record', body: { seconds: 2 } },
    'POST /api/testphone/call/:callId/hangup': { path: '/api/testphone/call/sim-1/hangup' },
    'POST /api/testphone/sms': { body: { from: '13900001234', text: 'CX' } },
    'GET /api/testphone/sms': { path: '/api/testphone/sms?phone=13900001234' },
    'POST /api/testphone/mail': { body: { from: 'citizen@example.cn', subject: '投诉', text: '噪音' } },
    'GET /api/testphone/mail': { path: '/api/testphone/mail?address=citizen@example.cn' },
    // The fake test phone has no operator phone (404 for the entitled roles; tested in test/e2e/operator-phone.test.ts).
    'GET /api/testphone/operator': { ok: 404 },
    'POST /api/testphone/operator/:legId/answer': { path: '/api/testphone/operator/leg-1/answer', ok: 404 },
    'POST /api/testphone/operator/:legId/hangup': { path: '/api/testphone/operator/leg-1/hangup', ok: 404 },
    'GET /api/work-orders/:id': { path: `/api/work-orders/${wo.detail?.[role]?.id}` },
    'POST /api/work-orders': { body: { phone: '13912345678', text: '来电反映噪音扰民', callId: `ch-${role}` } },
    'POST /api/users/:id/endpoint': { path: `/api/users/${victimId}/endpoint`, body: { endpoint: 'PJSIP/8099' } },
    // the public web window (src/admin/routes/web): an unanswered item cannot be published (409 for the allowed roles)
    'POST /api/feedback/:id/publish': { path: `/api/feedback/${fx.main.id}/publish`, body: { publishable: true }, ok: 409 },
    'POST /api/users/:id/title': { path: `/api/users/${victimId}/title`, body: { title: '科员' } },
    'POST /api/guide': { body: { department: 'SCJG', itemCode: `M${i}`, name: '测试事项' } },
    'POST /api/guide/delete': { body: { department: 'SCJG', itemCode: 'NOPE' }, ok: 404 },
    'GET /api/feedback/:id/attachments': { path: `/api/feedback/${fx.main.id}/attachments` },
    'GET /api/feedback/:id/attachments/:aid': { path: `/api/feedback/${fx.main.id}/attachments/999`, ok: 404 },
    'POST /api/seat': { body: { state: 'ready' } },
    'GET /api/seat/history': { path: '/api/seat/history?phone=13912345678' },
  };
  const m = /^\/api\/work-orders\/:id\/(.+)$/.exec(r.url);
  if (m && r.method === 'POST') {
    const bodies: Record<string, unknown> = {
      dispatch: { category: 'SCJG.FOOD', department: 'SCJG', instruction: '请核查' }, direct: { answer: '工作日 9 点至 17 点' }, uphold: { opinion: '属本单位' },
      assist: { assists: [{ department: 'GAJ' }] }, merge: { parent: wo.parent.any.ref }, close: { reason: '重复件' }, claim: {}, survey: { score: 1 },
      'extension-decision': { approve: true, opinion: '同意' }, redo: { opinion: '请重办' }, urge: { opinion: '请加快' }, sign: {},
      return: { reason: 'not_ours', opinion: '非我局' }, extension: { days: 2, reason: '需检测' }, interim: { answer: '已立案' }, answer: { answer: '已查处' }, 'assist-answer': { answer: '已配合' },
      details: { transcript: '超市卖过期面包', category: 'SCJG.FOOD', address: '人民路 1 号', urgency: 'urgent', dispatch: { instruction: '请核查' } },
    };
    return { path: `/admin/api/work-orders/${wo[m[1]]?.[role]?.id ?? 0}/${m[1]}`, body: bodies[m[1]] };
  }
  const x = byRoute[`${r.method} ${r.url}`] ?? {};
  return { path: '/admin' + (x.path ?? r.url), body: x.body ?? (r.method === 'POST' ? {} : undefined), ok: x.ok };
}

describe('role × route matrix', () => {
  it('every table route refuses an anonymous request with 401', async () => {
    const anon = new Client(s.url);
    for (const r of ROUTES) {
      const { path, body } = sample(r, 'admin', 0);
      const res = await anon.req(r.method, path, body);
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('every route × every role: allowed → 200, otherwise 403', async () => {
    const failures: string[] = [];
    let i = 0;
    for (const r of ROUTES) {
      for (const role of ALL_ROLES) {
        const { path, body, ok } = sample(r, role, i++);
        const res = await clients[role].req(r.method, path, body);
        const expected = r.roles.includes(role) ? ok ?? 200 : 403;
        if (res.status !== expected) failures.push(`${role} ${r.method} ${path}: ${res.status} (expected ${expected}) ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(ROUTES.length).toBeGreaterThan(30);
  });
});

describe('department isolation', () => {
  it("a department user does not see another department's feedback, recording or declaration", async () => {
    const d = clients.department;
    const list = await d.get('/admin/api/feedback?limit=200');
    expect(list.status).toBe(200);
    const ids = list.json.items.map((x: { id: number }) => x.id);
    expect(ids).toContain(fx.main.id);
    expect(ids).not.toContain(fx.other.id);
    // Asking for another department by filter does not widen the scope.
    expect((await d.get('/admin/api/feedback?department=RSJ')).json.items.map((x: { id: number }) => x.id)).not.toContain(fx.other.id);
    const table: Array<[string, string, string, unknown, number]> = [
      ['detail by URL', 'GET', `/admin/api/feedback/${fx.other.id}`, undefined, 404],
      ['recording by URL', 'GET', `/admin/api/feedback/${fx.other.id}/recording`, undefined, 404],
      ['answer by URL', 'POST', `/admin/api/feedback/${fx.other.id}/answer`, { answer: 'x' }, 404],
      ['declaration by URL', 'GET', `/admin/api/declarations/${rsjDeclCode}`, undefined, 404],
      ['own declaration', 'GET', `/admin/api/declarations/${scjgCode}`, undefined, 200],
    ];
    for (const [label, method, path, body, status] of table) expect((await d.req(method, path, body)).status, label).toBe(status);
    const search = await d.get(`/admin/api/declarations?q=${rsjDeclCode}`);
    expect(search.json.items).toEqual([]);
    // central staff see it
    expect((await clients.operator.get(`/admin/api/feedback/${fx.other.id}`)).status).toBe(200);
  });
});

describe('work orders in the panel API', () => {
  it('queues with counts, the order with time left and timeline; department staff only see their own; steps audited in Chinese', async () => {
    const op = clients.operator;
    const list = await op.get('/admin/api/work-orders?queue=to_sign&limit=200');
    expect(list.status).toBe(200);
    expect(list.json.queues.map((q: { label: string }) => q.label)).toEqual(['待派单', '待签收', '办理中', '即将超时', '已超时', '待回访', '重办', '我的工单', '全部']);
    expect(list.json.items.map((i: { id: number }) => i.id)).toContain(wo.sign.operator.id);
    const d = await op.get(`/admin/api/work-orders/${wo.detail.operator.id}`);
    expect(d.json.order).toMatchObject({ statusZh: '待签收', categoryName: '市场监管/食品安全', department: '市市场监督管理局', timeLeft: { level: expect.any(String) } });
    expect(d.json.timeline.map((e: { label: string }) => e.label)).toEqual(['登记', '派单']);
    expect((await op.get('/admin/api/work-orders?queue=nope')).status).toBe(400);
    // an order of RSJ (SCJG only assisting is visible; a plain RSJ one is not)
    const rsjOnly = await s.server.ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13912345679', text: 'RSJ 工单' });
    await s.server.ctx.workOrders.dispatch(rsjOnly.id, { type: 'dispatch', category: 'SB.WAGES', departmentCode: 'RSJ' }, { role: 'admin', id: 'staff:test', name: '测试', departmentId: null, departmentName: null });
    const dep = clients.department;
    expect((await dep.get(`/admin/api/work-orders/${rsjOnly.id}`)).status).toBe(404);
    expect((await dep.post(`/admin/api/work-orders/${rsjOnly.id}/sign`, {})).status).toBe(404);
    expect((await dep.get(`/admin/api/work-orders/${wo['assist-answer'].operator.id}`)).status).toBe(200); // SCJG assists there
    expect((await dep.get('/admin/api/work-orders?queue=all&limit=200')).json.items.map((i: { id: number }) => i.id)).not.toContain(rsjOnly.id);
    // a step not allowed in the state: 409 in Chinese
    const again = await dep.post(`/admin/api/work-orders/${wo.sign.department.id}/sign`, {});
    expect(again).toMatchObject({ status: 409, json: { message: '工单当前状态为“办理中”，不能签收' } });
    // one save: transcript, intake fields and the dispatch
    const det = await op.get(`/admin/api/work-orders/${wo.details.operator.id}`);
    expect(det.json.order).toMatchObject({ status: 'assigned', category: 'SCJG.FOOD', urgency: 'urgent', address: '人民路 1 号', transcript: '超市卖过期面包', department: '市市场监督管理局' });
    expect(det.json.timeline.map((e: { label: string }) => e.label)).toEqual(['登记', '转写', '登记信息', '派单']);
    const audit = await clients.supervisor.get('/admin/api/audit?limit=500');
    expect(audit.json.items.some((a: { action: string; detail: unknown }) => a.action === 'workorder.sign' && String(a.detail).includes('签收（待签收 → 办理中）'))).toBe(true);
  });
});

describe('recordings', () => {
  it('streams audio/wav by feedback id, with ranges', async () => {
    const r = await fetch(`${s.url}/admin/api/feedback/${fx.main.id}/recording`, { headers: { cookie: clients.operator.cookie! } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('audio/wav');
    const buf = Buffer.from(await r.arrayBuffer());
    expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
    const part = await fetch(`${s.url}/admin/api/feedback/${fx.main.id}/recording`, { headers: { cookie: clients.operator.cookie!, range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${buf.length}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
  });

  it('refuses any stored path outside <data>/recordings', async () => {
    const { ctx } = s.server;
    const dir = join(ctx.config.data.dir, 'recordings');
    symlinkSync('/etc/hostname', join(dir, 'link.wav'));
    const bad = ['../hotline.db', '/etc/passwd', 'x/../../hotline.db', `${dir}/../hotline.db`, 'link.wav', 'missing.wav', '', '\0.wav'];
    for (const p of bad) {
      const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '13812341234', text: null, recordingPath: p });
      const r = await clients.admin.get(`/admin/api/feedback/${f.id}/recording`);
      expect(r.status, JSON.stringify(p)).toBe(404);
    }
    // the URL never names a path
    expect((await clients.admin.get('/admin/api/feedback/..%2F..%2Fetc%2Fpasswd/recording')).status).toBe(400);
  });

  it('μ-law WAV becomes 16-bit PCM', () => {
    const data = Buffer.from([0xff, 0x7f, 0x00, 0x80]);
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'ascii'); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8, 'ascii'); h.write('fmt ', 12, 'ascii');
    h.writeUInt32LE(16, 16); h.writeUInt16LE(7, 20); h.writeUInt16LE(1, 22); h.writeUInt32LE(8000, 24); h.writeUInt32LE(8000, 28);
    h.writeUInt16LE(1, 32); h.writeUInt16LE(8, 34); h.write('data', 36, 'ascii'); h.writeUInt32LE(data.length, 40);
    const out = toPlayableWav(Buffer.concat([h, data]));
    expect(out.readUInt16LE(20)).toBe(1);
    expect(out.readUInt16LE(34)).toBe(16);
    expect([0, 1, 2, 3].map((i) => out.readInt16LE(44 + i * 2))).toEqual([0, 0, -32124, 32124]);
  });
});

describe('XSS, audit, CSV, SMS, demo', () => {
  it('bidi controls: removed from citizen input, never in a masked number, phone displays isolated (bdi dir=ltr)', async () => {
    const { ctx } = s.server;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '0987\u202E654321', text: '路灯\u202E坏了' });
    expect(f.phone).toBe('0987654321');
    expect(f.text).toBe('路灯坏了');
    // A row stored before this release still carries the override: the mask drops it.
    (ctx.store as Store).db.prepare('UPDATE feedback SET phone = ? WHERE id = ?').run('0987\u202E654321', f.id);
    const r = await clients.admin.get(`/admin/api/feedback/${f.id}`);
    expect(r.json.phone).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/);
    expect(r.json.phone.endsWith('4321')).toBe(true);
    const dir = join(process.cwd(), 'src/admin/static');
    expect(readFileSync(join(dir, 'lib.js'), 'utf8')).toMatch(/phoneText = \(v\) => h\('bdi', \{ dir: 'ltr'/);
    for (const page of ['feedback.js', 'live.js', 'sms.js', 'declarations.js']) expect(readFileSync(join(dir, 'pages', page), 'utf8'), page).toContain('phoneText(');
  });

  it('citizen HTML comes back JSON-escaped; the page code never uses innerHTML', async () => {
    const { ctx } = s.server;
    const xss = '<img src=x onerror=alert(1)> 测试转义';
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'web', phone: '13612345678', text: xss });
    const r = await clients.admin.get(`/admin/api/feedback/${f.id}`);
    expect(r.text).not.toContain('<img');
    expect(r.text).toContain('\\u003cimg src=x onerror=alert(1)\\u003e');
    expect(r.json.text).toBe(xss);
    const dir = join(process.cwd(), 'src/admin/static');
    const files = [...readdirSync(dir).map((n) => join(dir, n)), ...readdirSync(join(dir, 'pages')).map((n) => join(dir, 'pages', n))].filter((p) => p.endsWith('.js'));
    expect(files.length).toBeGreaterThan(8);
    for (const p of files) {
      const code = readFileSync(p, 'utf8');
      expect(code, p).not.toMatch(/\.innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    }
    expect(readFileSync(join(dir, 'lib.js'), 'utf8')).toContain('document.createTextNode');
    const page = await fetch(`${s.url}/admin`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/admin/static/app.js');
    expect((await fetch(`${s.url}/admin/static/../index.ts`)).status).toBe(404); // a real file beside static/ (was api.ts before the routes split)
    expect((await fetch(`${s.url}/admin/static/pages/feedback.js`)).headers.get('content-type')).toContain('text/javascript');
  });

  it('staff actions are written to the audit log; the chain verifies', async () => {
    const { ctx } = s.server;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13812341234', text: '审计' });
    const a = clients.admin;
    expect((await a.post(`/admin/api/feedback/${f.id}/transcript`, { transcript: '审计转写' })).status).toBe(200);
    expect((await a.post(`/admin/api/feedback/${f.id}/assign`, { department: 'SCJG' })).status).toBe(200);
    expect((await a.post(`/admin/api/feedback/${f.id}/answer`, { answer: '已答复' })).status).toBe(200);
    expect((await a.post(`/admin/api/feedback/${f.id}/close`)).status).toBe(200);
    const entries = (await ctx.store.audit.list(200)).filter((e) => e.target === f.ref);
    expect(entries.map((e) => e.action).reverse()).toEqual(['feedback.transcribe', 'workorder.dispatch', 'feedback.assign', 'workorder.sign', 'workorder.answer', 'feedback.answer', 'workorder.close', 'feedback.close']);
    expect(entries.map((e) => e.action).filter((a) => a.startsWith('feedback.')).reverse()).toEqual(['feedback.transcribe', 'feedback.assign', 'feedback.answer', 'feedback.close']);
    expect(entries.every((e) => e.actor === 'staff:u_admin')).toBe(true);
    const log = await clients.supervisor.get('/admin/api/audit?limit=5&verify=1');
    expect(log.json.verify).toMatchObject({ ok: true });
    expect(log.json.items).toHaveLength(5);
    const timeline = (await a.get(`/admin/api/feedback/${f.id}`)).json.timeline.map((t: { action: string }) => t.action);
    expect(timeline).toEqual(['created', 'transcribed', 'dispatch', 'sign', 'answer', 'close']); // the one-step buttons are steps of the cycle
  });

  it('a request (诉求) is listed as such and staff classify it; audited, on the timeline', async () => {
    const { ctx } = s.server;
    const f = await ctx.feedback.create({ kind: 'request', channel: 'sms', phone: '13812345600', text: '小区路灯坏了好几天了' });
    const a = clients.operator;
    const list = await a.get('/admin/api/feedback?kind=request&limit=200');
    expect(list.status).toBe(200);
    expect(list.json.items.map((x: { id: number }) => x.id)).toContain(f.id);
    expect((await a.post(`/admin/api/feedback/${f.id}/kind`, { kind: 'nonsense' })).status).toBe(400);
    const r = await a.post(`/admin/api/feedback/${f.id}/kind`, { kind: 'complaint' });
    expect(r.status).toBe(200);
    expect(r.json.kind).toBe('complaint');
    expect((await ctx.store.audit.list(20)).find((e) => e.target === f.ref)).toMatchObject({ action: 'feedback.classify' });
    const timeline = (await a.get(`/admin/api/feedback/${f.id}`)).json.timeline;
    expect(timeline.at(-1)).toMatchObject({ action: 'classified', detail: 'request→complaint' });
    // the panel labels the kind
    expect(readFileSync(join(process.cwd(), 'src/admin/static/lib.js'), 'utf8')).toContain("request: '诉求(待分类)'");
  });

  it('answer preview: the exact SMS and their segment count before sending; landlines get a call-back', async () => {
    const { ctx } = s.server;
    const mobile = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13812345601', text: '路灯' });
    const landline = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '057982345678', text: null });
    const a = clients.admin;
    const r = await a.post(`/admin/api/feedback/${mobile.id}/answer-preview`, { answer: '已修复。' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ channel: 'sms', segments: 1, messages: [{ text: `【96365】${mobile.ref}：已修复。`, segments: 1 }] });
    expect((await a.post(`/admin/api/feedback/${mobile.id}/answer-preview`, { answer: '  ' })).json.messages).toEqual([]);
    expect((await a.post(`/admin/api/feedback/${landline.id}/answer-preview`, { answer: '已修复。' })).json).toMatchObject({ channel: 'voice', messages: [] });
    expect((await clients.admin.post('/admin/api/sms/preview', { text: '人工短信' })).json.messages[0].text).toBe('人工短信');
    // the answer form and the manual-send form use it
    expect(readFileSync(join(process.cwd(), 'src/admin/static/pages/feedback.js'), 'utf8')).toContain('/answer-preview');
    expect(readFileSync(join(process.cwd(), 'src/admin/static/pages/sms.js'), 'utf8')).toContain('/sms/preview');
  });

  it('CSV cells are quoted and guarded against formulas', () => {
    const cases: Array<[string, unknown, string]> = [
      ['plain', 'abc', 'abc'], ['number', 42, '42'], ['negative number stays a number', -3, '-3'], ['null', null, ''],
      ['comma', 'a,b', '"a,b"'], ['quote', 'say "hi"', '"say ""hi"""'], ['newline', 'a\nb', '"a\nb"'],
      ['formula =', '=1+1', "'=1+1"], ['formula +', '+1', "'+1"], ['formula -', '-1', "'-1"], ['formula @', '@SUM(A1)', "'@SUM(A1)"],
      ['formula with comma', '=HYPERLINK("x","y")', `"'=HYPERLINK(""x"",""y"")"`], ['tab start', '\tx', "'\tx"], ['chinese', '市场监管局', '市场监管局'],
    ];
    for (const [label, input, out] of cases) expect(csvCell(input), label).toBe(out);
    expect(toCsv([['a', 'b'], [1, 2]])).toBe('\uFEFFa,b\r\n1,2\r\n');
  });

  it('statistics per department and their CSV export', async () => {
    const { ctx } = s.server;
    await addDepartment(ctx.store, 'EVIL', '=HYPERLINK("http://evil","点我")');
    const st = await clients.supervisor.get('/admin/api/stats');
    expect(st.status).toBe(200);
    const scjg = st.json.rows.find((r: { department: string }) => r.department === 'SCJG');
    expect(scjg.received).toBeGreaterThanOrEqual(4);
    expect(scjg.answered).toBeGreaterThanOrEqual(1);
    expect(typeof scjg.medianAnswerHours).toBe('number');
    const csv = await clients.supervisor.get('/admin/api/stats.csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="96365-stats-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"",""点我"")"`);
    expect(csv.text.split('\r\n')[0]).toContain('部门代码');
  });

  it('SMS through the port: phones masked, manual send audited', async () => {
    const out = await clients.operator.get('/admin/api/sms/outbox');
    expect(out.json.items[0].phone).toBe('139****5678');
    const bad = await clients.admin.post('/admin/api/sms/send', { phone: '12345', text: 'x' });
    expect(bad.status).toBe(422);
    const r = await clients.admin.post('/admin/api/sms/send', { phone: '+86 139 1234 5678', text: '您好' });
    expect(r.status).toBe(200);
    expect(sms.manual.at(-1)).toEqual({ phone: '8613912345678', text: '您好', actor: 'staff:u_admin' }); // canonical
    expect((await s.server.ctx.store.audit.list(1))[0]).toMatchObject({ action: 'sms.send', target: '139****5678' });
    const reveal = await clients.operator.post(`/admin/api/feedback/${fx.main.id}/reveal-phone`);
    expect(reveal.json.phone).toBe('138 1234 1234'); // national display
    expect((await s.server.ctx.store.audit.list(1))[0]).toMatchObject({ action: 'feedback.reveal_phone', actor: 'staff:u_operator' });
  });

  it('phones are stored canonical, shown national and masked, and found by any form', async () => {
    const { ctx } = s.server;
    expect((await ctx.store.feedback.byId(fx.main.id))!.phone).toBe('8613812341234');
    expect((await ctx.store.declarations.search('8613912345678', 5)).map((d) => d.queryCode)).toContain(scjgCode);
    for (const form of ['13812341234', '+86 138 1234 1234', '008613812341234', '8613812341234', '138-1234-1234']) {
      const r = await clients.supervisor.get(`/admin/api/feedback?q=${encodeURIComponent(form)}`);
      expect(r.status, form).toBe(200);
      expect(r.json.items.map((f: { id: number }) => f.id), form).toContain(fx.main.id);
      expect(r.json.items[0].phone, form).toBe('138****1234');
    }
    for (const form of ['13912345678', '+86 139 1234 5678', '8613912345678']) {
      const r = await clients.supervisor.get(`/admin/api/declarations?q=${encodeURIComponent(form)}`);
      expect(r.json.items.map((d: { queryCode: string }) => d.queryCode), form).toContain(scjgCode);
      expect(r.json.items.find((d: { queryCode: string }) => d.queryCode === scjgCode).applicantPhone).toBe('139****5678');
    }
  });

  it('without an SMS port the SMS routes say the channel is not running', async () => {
    const s2 = await startAdmin();
    try {
      await s2.admin.auth.createUser({ username: 'adm', role: 'admin', password: PW });
      const c = await loggedIn(s2.url, 'adm', PW);
      const r = await c.get('/admin/api/sms/outbox');
      expect(r.status).toBe(503);
      expect(r.json.error).toBe('not_running');
      const sess = await c.get('/admin/api/session');
      expect(sess.json.features).toEqual({ sms: false, voice: false, testPhone: false, demo: false });
      expect((await c.post('/admin/api/testphone/call', { from: '13900001234' })).status).toBe(404);
    } finally { await s2.server.stop(); }
  });

  it('demo mode creates the demo logins', async () => {
    expect(s.admin.demo).toBe(true);
    // The server seeds the demo data (SCJG included) before it ensures the logins, so both exist at start.
    expect((await s.admin.auth.users.byUsername('demo'))?.role).toBe('admin');
    expect(await s.admin.ensureDemoLogins()).toEqual([]);
    expect((await new Client(s.url).login('dept_scjg', 'demo96365')).json.user).toMatchObject({ role: 'department', departmentCode: 'SCJG' });
  });
});

/** 办事指南 over the department API and the panel, the 公开栏 flag (supervisor/admin, audited), 挂牌上岗 titles, web attachments for entitled staff only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDepartment } from '../../src/departments.js';
import { loggedIn, startAdmin, type AdminServer, type Client } from '../admin/helpers.js';

const PW = 'correct-horse-battery-9';
let s: AdminServer;
let keyA: string;
let keyB: string;
const users: Record<string, Client> = {};

async function api(method: string, path: string, key: string, body?: unknown) {
  const res = await fetch(s.url + path, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, text };
}
const page = async (path: string) => { const r = await fetch(s.url + path); return { status: r.status, text: await r.text() }; };

beforeAll(async () => {
  s = await startAdmin();
  keyA = (await addDepartment(s.server.ctx.store, 'SCJG', '市市场监督管理局')).apiKey;
  keyB = (await addDepartment(s.server.ctx.store, 'RSJ', '市人社局')).apiKey;
  for (const role of ['admin', 'supervisor', 'operator', 'department'] as const) {
    await s.admin.auth.createUser({ username: `u_${role}`, role, password: PW, departmentCode: role === 'department' ? 'SCJG' : null, displayName: role === 'department' ? '王芳' : null });
    users[role] = await loggedIn(s.url, `u_${role}`, PW);
  }
});
afterAll(async () => { await s.server.stop(); });

describe('办事指南', () => {
  it('a department maintains its own items over the API; the public page shows them escaped', async () => {
    const item = { name: '食品经营许可<新办>', basis: '《食品经营许可管理办法》', procedure: '申请→受理→审查→决定', fees: '不收费', timeLimit: '10个工作日', complaintChannel: '96365' };
    expect((await api('PUT', '/api/v1/guide/SP-01', keyA, item)).status).toBe(201);
    expect((await api('PUT', '/api/v1/guide/SP-01', keyA, item)).status).toBe(200);
    expect((await api('PUT', '/api/v1/guide/bad code', keyA, item)).status).toBe(422);
    expect((await api('PUT', '/api/v1/guide/SP-02', keyA, { ...item, extra: 1 })).status).toBe(400);
    expect((await api('GET', '/api/v1/guide', keyA)).json.items.map((i: any) => i.itemCode)).toEqual(['SP-01']);
    expect((await api('GET', '/api/v1/guide', keyB)).json.items).toEqual([]);
    expect((await api('DELETE', '/api/v1/guide/SP-01', keyB)).status).toBe(404); // another department's item is out of reach
    const pub = await page('/web/guide/SCJG');
    expect(pub.status).toBe(200);
    expect(pub.text).toContain('食品经营许可&lt;新办&gt;');
    expect(pub.text).toContain('10个工作日');
    expect((await page('/web/guide')).text).toContain('市人社局');
    expect((await page('/web/guide/NOPE')).status).toBe(404);
  });

  it('admins maintain items in the panel; supervisors read; others may not', async () => {
    const body = { department: 'RSJ', itemCode: 'SB-1', name: '社保卡补办', timeLimit: '即办' };
    const table: Array<[string, string, string, unknown, number]> = [
      ['admin saves', 'admin', '/admin/api/guide', body, 200],
      ['supervisor may not save', 'supervisor', '/admin/api/guide', body, 403],
      ['department may not save', 'department', '/admin/api/guide', body, 403],
      ['unknown department', 'admin', '/admin/api/guide', { ...body, department: 'X' }, 404],
    ];
    for (const [label, who, path, b, status] of table) expect((await users[who].post(path, b)).status, label).toBe(status);
    expect((await users.supervisor.get('/admin/api/guide?department=RSJ')).json.items[0].name).toBe('社保卡补办');
    expect((await users.operator.get('/admin/api/guide')).status).toBe(403);
    expect((await page('/web/guide/RSJ')).text).toContain('社保卡补办');
    expect((await users.admin.post('/admin/api/guide/delete', { department: 'RSJ', itemCode: 'SB-1' })).status).toBe(200);
    expect((await page('/web/guide/RSJ')).text).not.toContain('社保卡补办');
  });
});

describe('公开栏', () => {
  it('only answered items marked publishable by a supervisor or admin appear, masked; audited', async () => {
    const ctx = s.server.ctx;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'web', phone: '13900005555', text: '噪音扰民，电话13900005555<script>' });
    expect((await users.supervisor.post(`/admin/api/feedback/${f.id}/publish`, { publishable: true })).status).toBe(409); // not answered yet
    await ctx.feedback.answer(f.id, '已责令整改<b>', 'staff:u_admin');
    expect((await page('/web/board')).text).not.toContain('噪音扰民');
    expect((await users.operator.post(`/admin/api/feedback/${f.id}/publish`, { publishable: true })).status).toBe(403);
    expect((await users.supervisor.post(`/admin/api/feedback/${f.id}/publish`, { publishable: true })).status).toBe(200);
    const board = (await page('/web/board')).text;
    expect(board).toContain('噪音扰民');
    expect(board).toContain('已责令整改&lt;b&gt;');
    expect(board).not.toContain('13900005555');
    expect(board).toContain('139******55');
    const audit = (await ctx.store.audit.list(20)).find((a: any) => a.action === 'feedback.publish' && a.target === f.ref) as any;
    expect(audit.actor).toBe('staff:u_supervisor');
    expect(String(audit.detail)).toContain('设为公开');
    expect((await users.admin.post(`/admin/api/feedback/${f.id}/publish`, { publishable: false })).status).toBe(200);
    expect((await page('/web/board')).text).not.toContain('噪音扰民');
  });

  it('挂牌上岗: staff with a title are listed by unit; admins set titles', async () => {
    const u = (await s.server.ctx.store.staff.byUsername('u_department'))!;
    expect((await users.supervisor.post(`/admin/api/users/${u.id}/title`, { title: '科长' })).status).toBe(403);
    expect((await users.admin.post(`/admin/api/users/${u.id}/title`, { title: '科长' })).status).toBe(200);
    const board = (await page('/web/board')).text;
    expect(board).toContain('市市场监督管理局');
    expect(board).toContain('科长');
    expect(board).toContain('王芳');
    expect(board).toMatch(/各部门办理情况/);
  });
});

describe('web attachments', () => {
  it('a multipart complaint keeps JPEG/PNG/PDF by content; staff who may see the item download it (audited), others get 404', async () => {
    const form = await fetch(s.url + '/web/feedback');
    const cookie = form.headers.get('set-cookie')!.split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1];
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const post = async (file: Buffer, name: string) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries({ csrf, kind: 'complaint', text: '占道经营，见附件', phone: '13900007777', notify: '1' })) fd.append(k, v);
      fd.append('files', new Blob([file], { type: 'image/png' }), name);
      const r = await fetch(s.url + '/web/feedback', { method: 'POST', body: fd, headers: { cookie } });
      return { status: r.status, text: await r.text() };
    };
    const refused = await post(Buffer.from('MZ not an image'), 'virus.png');
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('不是JPG、PNG或PDF文件');
    const ok = await post(png, '现场照片.png');
    expect(ok.status).toBe(201);
    const ref = /id="ref">(\d+)</.exec(ok.text)![1];
    const fb = (await s.server.ctx.store.feedback.byRef(ref))!;
    const list = await users.operator.get(`/admin/api/feedback/${fb.id}/attachments`);
    expect(list.json.items).toMatchObject([{ fileName: '现场照片.png', mime: 'image/png', size: png.length }]);
    const id = list.json.items[0].id;
    const dl = await fetch(`${s.url}/admin/api/feedback/${fb.id}/attachments/${id}`, { headers: { cookie: users.operator.cookie! } });
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer()).equals(png)).toBe(true);
    expect(dl.headers.get('content-type')).toBe('image/png');
    // department staff of SCJG: the item is not theirs (not dispatched to them) → 404, as for an unknown one
    expect((await users.department.get(`/admin/api/feedback/${fb.id}/attachments/${id}`)).status).toBe(404);
    expect((await fetch(`${s.url}/admin/api/feedback/${fb.id}/attachments/${id}`)).status).toBe(401);
    const audit = (await s.server.ctx.store.audit.list(50)).find((a: any) => a.action === 'feedback.attachment') as any;
    expect(audit.actor).toBe('staff:u_operator');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { testConfig } from '../helpers/context.js';
import { silentLogger } from '../../src/log.js';

let server: RunningServer;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  server = await startServer(testConfig(), { log: silentLogger });
  keyA = (await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局')).apiKey;
  keyB = (await addDepartment(server.ctx.store, 'RSJ', '市人社局')).apiKey;
});
afterAll(async () => { await server.stop(); });

async function call(method: string, path: string, body?: unknown, key: string | null = keyA, raw?: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not json */ }
  return { status: res.status, json, text };
}

const decl = { itemName: '食品经营许可', applicantName: '张晓明', applicantPhone: '13912345678', timeLimitDays: 5 };
const step = (eventId: string, extra: Record<string, unknown> = {}) => ({ eventId, stepName: '审核', status: 'in_progress', occurredAt: new Date().toISOString(), handlerName: '李娜', handlerTitle: '科员', opinion: '同意', ...extra });

describe('department API', () => {
  it('auth matrix', async () => {
    await call('PUT', '/api/v1/declarations/A-1', decl);
    const table: Array<[string, string | null, string, string, number]> = [
      ['no key', null, 'GET', '/api/v1/declarations/A-1', 401],
      ['wrong key', 'hk_nope', 'GET', '/api/v1/declarations/A-1', 401],
      ['own declaration', keyA, 'GET', '/api/v1/declarations/A-1', 200],
      ['other department by ref → 404 (no leak)', keyB, 'GET', '/api/v1/declarations/A-1', 404],
      ['own feedback list', keyA, 'GET', '/api/v1/feedback', 200],
    ];
    for (const [label, key, method, path, status] of table) {
      expect((await call(method, path, undefined, key)).status, label).toBe(status);
    }
    const code = (await call('GET', '/api/v1/declarations/A-1')).json.queryCode;
    // Another department's platform code answers exactly like an unknown one (no existence leak).
    const other = await call('GET', `/api/v1/declarations/${code}`, undefined, keyB);
    const unknown = await call('GET', '/api/v1/declarations/NOPE-404', undefined, keyB);
    expect(other.status).toBe(404);
    expect(other.json).toEqual(unknown.json);
    expect((await call('POST', `/api/v1/declarations/${code}/events`, step('z'), keyB)).status).toBe(404);
    expect((await call('POST', `/api/v1/declarations/${code}/events/z/void`, { reason: 'x' }, keyB)).status).toBe(404);
  });

  it('create, steps, idempotency, timeline', async () => {
    const c = await call('PUT', '/api/v1/declarations/A-2', decl);
    expect(c.status).toBe(201);
    expect(c.json.queryCode).toMatch(/^\d{12}$/);
    expect((await call('PUT', '/api/v1/declarations/A-2', decl)).status).toBe(200);
    const e1 = await call('POST', '/api/v1/declarations/A-2/events', step('ev-1'));
    expect(e1.status).toBe(201);
    expect(e1.json).toMatchObject({ duplicate: false, applied: true, declaration: { status: 'in_progress' } });
    const again = await call('POST', '/api/v1/declarations/A-2/events', step('ev-1', { occurredAt: e1.json.event.occurredAt }));
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    expect(again.json.event.receivedAt).toBe(e1.json.event.receivedAt);
    const conflict = await call('POST', '/api/v1/declarations/A-2/events', step('ev-1', { status: 'rejected' }));
    expect(conflict.status).toBe(409);
    const g = await call('GET', `/api/v1/declarations/${c.json.queryCode}`);
    expect(g.json.timeline.map((e: any) => e.eventId)).toEqual([`accept:${c.json.queryCode}`, 'ev-1']);
  });

  it('validation: errors are {error, message}', async () => {
    const table: Array<[string, string, string, unknown, string | undefined, number, string]> = [
      ['missing field', 'PUT', '/api/v1/declarations/A-3', { applicantName: 'x' }, undefined, 400, 'validation'],
      ['unknown field refused', 'PUT', '/api/v1/declarations/A-3', { ...decl, hacker: 1 }, undefined, 400, 'validation'],
      ['bad status', 'POST', '/api/v1/declarations/A-1/events', step('v1', { status: 'teleported' }), undefined, 400, 'validation'],
      ['bad time', 'POST', '/api/v1/declarations/A-1/events', step('v2', { occurredAt: 'yesterday' }), undefined, 400, 'validation'],
      ['broken JSON', 'PUT', '/api/v1/declarations/A-3', undefined, '{"itemName": "x",', 400, 'bad_json'],
      ['unknown declaration', 'POST', '/api/v1/declarations/NOPE-9/events', step('v3'), undefined, 404, 'not_found'],
      ['bad code in URL', 'GET', '/api/v1/declarations/%3Cscript%3E', undefined, undefined, 400, 'validation'],
      ['unknown route', 'GET', '/api/v1/nothing', undefined, undefined, 404, 'not_found'],
    ];
    for (const [label, method, path, body, raw, status, error] of table) {
      const r = await call(method, path, body, keyA, raw);
      expect(r.status, label).toBe(status);
      expect(r.json?.error, label).toBe(error);
      expect(typeof r.json?.message, label).toBe('string');
    }
  });

  it('refuses a 1 MB body with 413', async () => {
    const r = await call('PUT', '/api/v1/declarations/A-4', { ...decl, itemName: 'x'.repeat(1024 * 1024) });
    expect(r.status).toBe(413);
    expect(r.json.error).toBe('too_large');
  });

  it('unicode, emoji and HTML are stored verbatim and returned as JSON', async () => {
    const name = '<img src=x onerror=alert(1)>"\'&😀\tend'; // NUL is refused (department-data.test.ts)
    const c = await call('PUT', '/api/v1/declarations/A-5', { ...decl, itemName: name });
    expect(c.status).toBe(201);
    expect(c.text).not.toContain('<img');
    expect(c.text).toContain('\\u003cimg');
    expect(c.json.itemName).toBe(name);
    const g = await call('GET', '/api/v1/declarations/A-5');
    expect(g.json.itemName).toBe(name);
  });

  it('concurrent event posts for one declaration: no lost step', async () => {
    await call('PUT', '/api/v1/declarations/A-6', decl);
    const base = Date.now();
    const posts = Array.from({ length: 60 }, (_, i) => call('POST', '/api/v1/declarations/A-6/events', step(`c-${i}`, { occurredAt: new Date(base + i).toISOString() })));
    const results = await Promise.all(posts);
    expect(results.every((r) => r.status === 201)).toBe(true);
    const g = await call('GET', '/api/v1/declarations/A-6');
    expect(g.json.timeline).toHaveLength(61);
  });

  it('answers feedback of its own department only', async () => {
    const ctx = server.ctx;
    const dept = (await ctx.store.departments.byCode('SCJG'))!;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: '13812341234', text: '太慢' });
    await ctx.feedback.assign(f.id, dept.id, 'op');
    expect((await call('POST', `/api/v1/feedback/${f.ref}/answer`, { answer: '已处理' }, keyB)).status).toBe(404);
    const r = await call('POST', `/api/v1/feedback/${f.ref}/answer`, { answer: '已处理', answeredBy: '王科长' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'answered', phone: '138****1234' });
    const list = await call('GET', '/api/v1/feedback?status=answered');
    expect(list.json.items.map((i: any) => i.ref)).toContain(f.ref);
    expect((await ctx.store.audit.list(10))[0]).toMatchObject({ action: 'feedback.answer', target: f.ref });
  });

  it('health, metrics, OpenAPI', async () => {
    const h = await call('GET', '/health', undefined, null);
    expect(h.status).toBe(200);
    expect(h.json.components.store.ok).toBe(true);
    const m = await call('GET', '/metrics', undefined, null);
    expect(m.text).toContain('hotline_api_requests_total');
    const o = await call('GET', '/api/docs/openapi.json', undefined, null);
    expect(o.json.paths['/api/v1/declarations/{code}/events']).toBeDefined();
  });
});

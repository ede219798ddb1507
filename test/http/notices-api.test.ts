/** Department API bulk notices: POST /api/v1/notices and /api/v1/declarations/:code/notices. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { NOTICE_MAX_RECIPIENTS } from '../../src/sms/notices.js';
import { testConfig } from '../helpers/context.js';
import { silentLogger } from '../../src/log.js';

const QUIET_OFF = { HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' };

async function call(server: RunningServer, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(server.url + path, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not json */ }
  return { status: res.status, json, text };
}

/** Outbox rows of one notice key, read from the store right after the answer (no waiting). */
async function rowsOf(server: RunningServer, prefix: string) {
  const all = await server.ctx.store.sms.list({ limit: 100_000 });
  return all.filter((r) => (r.dedupeKey ?? '').startsWith(prefix));
}

describe('department API: bulk notices', () => {
  let server: RunningServer;
  let keyA: string, keyB: string;
  let deptA: number;
  beforeAll(async () => {
    server = await startServer(testConfig(QUIET_OFF), { log: silentLogger });
    const a = await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局');
    keyA = a.apiKey; deptA = a.department.id;
    keyB = (await addDepartment(server.ctx.store, 'RSJ', '市人社局')).apiKey;
  });
  afterAll(async () => { await server.stop(); });

  it('queues every valid number in one request; invalid ones are listed by position, repeats sent once; rows are committed when the answer comes', async () => {
    const r = await call(server, keyA, 'POST', '/api/v1/notices', {
      eventId: 'n-1', text: '本周六市民中心正常办公。', recipients: ['13900000001', '+86 139 0000 0002', 'abc', '', '0579-8888888', '13900000001'],
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ duplicate: false, accepted: 2, queued: 2, held: 0, messagesPerRecipient: 1, optedOut: [], repeated: 1 });
    expect(r.json.invalid.map((x: any) => x.index)).toEqual([2, 3, 4]);
    expect(r.json.invalid[0].reason).toMatch(/^不是手机号码/);
    const rows = await rowsOf(server, `notice:dept:${deptA}:n-1:`);
    expect(rows.map((x) => x.phone).sort()).toEqual(['8613900000001', '8613900000002']);
    expect(rows[0].text).toBe('【96365】市市场监督管理局通知：本周六市民中心正常办公。（回复TD退订）');
    expect(rows[0]).toMatchObject({ reason: 'push', createdBy: 'dept:SCJG' });
    const audit = (await server.ctx.store.audit.list(20)).find((a) => a.action === 'notice.send');
    expect(audit).toMatchObject({ actor: 'dept:SCJG' });
  });

  it('is idempotent on eventId: the same request again queues nothing and answers the same counts', async () => {
    const body = { eventId: 'n-2', text: '通知', recipients: ['13900000011', '13900000012'] };
    const first = await call(server, keyA, 'POST', '/api/v1/notices', body);
    const again = await call(server, keyA, 'POST', '/api/v1/notices', body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...first.json, duplicate: true, queued: 0 });
    expect(await rowsOf(server, `notice:dept:${deptA}:n-2:`)).toHaveLength(2);
    // another department's same eventId is its own notice
    expect((await call(server, keyB, 'POST', '/api/v1/notices', body)).status).toBe(201);
  });

  it('skips numbers that opted out (TD) and lists them', async () => {
    await server.ctx.store.subscriptions.setOptOut('8613900000021', new Date().toISOString());
    const r = await call(server, keyA, 'POST', '/api/v1/notices', { eventId: 'n-3', text: '通知', recipients: ['13900000021', '13900000022'] });
    expect(r.json).toMatchObject({ accepted: 1, queued: 1, optedOut: ['13900000021'] });
    expect((await rowsOf(server, `notice:dept:${deptA}:n-3:`)).map((x) => x.phone)).toEqual(['8613900000022']);
  });

  it('refuses more recipients than the cap (413), a bad body (400), no key (401)', async () => {
    const many = Array.from({ length: NOTICE_MAX_RECIPIENTS + 1 }, (_, i) => String(13000000000 + i));
    const table: Array<[string, string, unknown, number]> = [
      ['over the cap', keyA, { eventId: 'n-4', text: '通知', recipients: many }, 413],
      ['empty list', keyA, { eventId: 'n-5', text: '通知', recipients: [] }, 400],
      ['no text', keyA, { eventId: 'n-6', recipients: ['13900000001'] }, 400],
      ['unknown field', keyA, { eventId: 'n-7', text: '通知', recipients: ['13900000001'], foo: 1 }, 400],
      ['wrong key', 'hk_nope', { eventId: 'n-8', text: '通知', recipients: ['13900000001'] }, 401],
    ];
    for (const [label, key, body, status] of table) {
      const r = await call(server, key, 'POST', '/api/v1/notices', body);
      expect(r.status, label).toBe(status);
      expect(typeof r.json.message, label).toBe('string');
    }
    expect((await call(server, keyA, 'POST', '/api/v1/notices', { eventId: 'n-4', text: '通知', recipients: many })).json.message).toMatch(/^每次最多 10000 个号码/);
    expect(await rowsOf(server, `notice:dept:${deptA}:n-4:`)).toHaveLength(0);
  });

  it('declaration notices reach the applicant and the subscribers; another department\'s declaration is 404', async () => {
    const c = await call(server, keyA, 'PUT', '/api/v1/declarations/A-N1', { itemName: '食品经营许可', applicantPhone: '13900000031', timeLimitDays: 5 });
    const code = c.json.queryCode as string;
    const d = (await server.ctx.declarations.find(code))!;
    await server.ctx.store.subscriptions.insert('8613900000032', d.id, 'sms', new Date().toISOString());
    const r = await call(server, keyA, 'POST', `/api/v1/declarations/${code}/notices`, { eventId: 'dn-1', text: '请于明日前补交材料。' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ accepted: 2, queued: 2, declaration: code });
    const rows = await rowsOf(server, `notice:dept:${deptA}:dn-1:`);
    expect(rows.map((x) => x.phone).sort()).toEqual(['8613900000031', '8613900000032']);
    expect(rows[0].text).toBe(`【96365】办件${code}（食品经营许可）：市市场监督管理局通知：请于明日前补交材料。（回复TD退订）`);
    // by the department's own reference too; the same eventId again: nothing new
    expect((await call(server, keyA, 'POST', '/api/v1/declarations/A-N1/notices', { eventId: 'dn-1', text: '请于明日前补交材料。' })).json.duplicate).toBe(true);
    for (const path of [`/api/v1/declarations/${code}/notices`, '/api/v1/declarations/A-N1/notices', '/api/v1/declarations/NOPE-1/notices']) {
      const other = await call(server, keyB, 'POST', path, { eventId: 'dn-2', text: '通知' });
      expect(other.status, path).toBe(404);
      expect(other.json.message).toMatch(/^办件不存在/);
    }
  });

  it('the OpenAPI document shows the notice routes and their schemas', async () => {
    const doc = (await call(server, keyA, 'GET', '/api/docs/openapi.json')).json;
    expect(doc.paths['/api/v1/notices'].post.requestBody.content['application/json'].schema.properties.recipients.type).toBe('array');
    expect(doc.paths['/api/v1/declarations/{code}/notices'].post.responses['201']).toBeTruthy();
  });
});

describe('department API: bulk notices in quiet hours', () => {
  let server: RunningServer;
  let key: string;
  beforeAll(async () => {
    // 23:30 in Asia/Shanghai: inside the default quiet hours 22:00–07:00
    const now = () => new Date('2026-12-02T15:30:00.000Z');
    server = await startServer(testConfig({ HOTLINE_SMS_QUIET_START: '22:00', HOTLINE_SMS_QUIET_END: '07:00', HOTLINE_TIME_ZONE: 'Asia/Shanghai' }), { log: silentLogger, now });
    key = (await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局')).apiKey;
  });
  afterAll(async () => { await server.stop(); });

  it('holds the notices until quiet hours end (persisted as held, reported)', async () => {
    const r = await call(server, key, 'POST', '/api/v1/notices', { eventId: 'q-1', text: '通知', recipients: ['13900000041', '13900000042'] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ accepted: 2, queued: 2, held: 2 });
    const rows = (await server.ctx.store.sms.list({ limit: 100 })).filter((x) => x.dedupeKey?.includes(':q-1:'));
    expect(rows.map((x) => x.status)).toEqual(['held', 'held']);
    expect(rows[0].nextAttemptAt).toBe('2026-12-02T23:00:00.000Z'); // 07:00 local
  });
});

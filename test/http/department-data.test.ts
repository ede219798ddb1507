/**
 * A careless department cannot freeze a declaration (issue 10 §4): bad input is refused with 422
 * naming the field, a wrong step can be voided (status re-derived, audited, shown in the timeline),
 * and another department's code answers like an unknown one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { addDepartment } from '../../src/departments.js';
import { testConfig } from '../helpers/context.js';
import { silentLogger } from '../../src/log.js';
import type { DomainEvents } from '../../src/domain/events.js';

let server: RunningServer;
let keyA: string;
let keyB: string;
const clock = { offsetMs: 0 };

beforeAll(async () => {
  server = await startServer(testConfig(), { log: silentLogger, now: () => new Date(Date.now() + clock.offsetMs) });
  keyA = (await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局')).apiKey;
  keyB = (await addDepartment(server.ctx.store, 'RSJ', '市人力资源和社会保障局')).apiKey;
});
afterAll(async () => { await server.stop(); });

async function call(method: string, path: string, body?: unknown, key: string = keyA) {
  const res = await fetch(server.url + path, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not json */ }
  return { status: res.status, json, text };
}

const decl = { itemName: '食品经营许可', applicantName: '张晓明', applicantPhone: '13912345678', timeLimitDays: 5 };
const iso = (ms: number) => new Date(ms).toISOString();
const step = (eventId: string, extra: Record<string, unknown> = {}) => ({ eventId, stepName: '审核', status: 'in_progress', occurredAt: iso(Date.now()), ...extra });

describe('department input is checked (422 with the field named)', () => {
  it('refusal table', async () => {
    expect((await call('PUT', '/api/v1/declarations/V-1', decl)).status).toBe(201);
    const future = Date.now() + 3600_000;
    const table: Array<[label: string, method: string, path: string, body: unknown, status: number, field?: string]> = [
      ['step dated 2062', 'POST', '/api/v1/declarations/V-1/events', step('f1', { occurredAt: '2062-03-01T08:00:00+08:00' }), 422, 'occurredAt'],
      ['step an hour ahead', 'POST', '/api/v1/declarations/V-1/events', step('f2', { occurredAt: iso(future) }), 422, 'occurredAt'],
      ['step 5 minutes ahead (clock skew) is fine', 'POST', '/api/v1/declarations/V-1/events', step('f3', { occurredAt: iso(Date.now() + 5 * 60_000) }), 201],
      ['acceptedAt in the future', 'PUT', '/api/v1/declarations/V-2', { ...decl, acceptedAt: iso(future) }, 422, 'acceptedAt'],
      ['due before acceptance', 'PUT', '/api/v1/declarations/V-3', { ...decl, acceptedAt: '2026-11-20T09:00:00+08:00', dueAt: '2026-11-19T09:00:00+08:00' }, 422, 'dueAt'],
      ['due before acceptance on update', 'PUT', '/api/v1/declarations/V-1', { ...decl, dueAt: '2001-01-01T00:00:00Z' }, 422, 'dueAt'],
      ['NUL in itemName', 'PUT', '/api/v1/declarations/V-4', { ...decl, itemName: '许可\u0000证' }, 422, 'itemName'],
      ['lone surrogate in stepName', 'POST', '/api/v1/declarations/V-1/events', step('f4', { stepName: '审\uD800核' }), 422, 'stepName'],
      ['lone low surrogate in opinion', 'POST', '/api/v1/declarations/V-1/events', step('f5', { opinion: '同意\uDC00' }), 422, 'opinion'],
      ['NUL in a details value', 'POST', '/api/v1/declarations/V-1/events', step('f6', { details: { place: '窗口\u0000' } }), 422, 'details.place'],
      ['whitespace-only applicantName', 'PUT', '/api/v1/declarations/V-5', { ...decl, applicantName: '   ' }, 422, 'applicantName'],
      ['whitespace-only itemName', 'PUT', '/api/v1/declarations/V-5', { ...decl, itemName: ' \u3000 ' }, 422, 'itemName'],
      ['whitespace-only stepName', 'POST', '/api/v1/declarations/V-1/events', step('f7', { stepName: '  ' }), 422, 'stepName'],
      ['whitespace-only handlerName', 'POST', '/api/v1/declarations/V-1/events', step('f8', { handlerName: ' ' }), 422, 'handlerName'],
      ['phone "---"', 'PUT', '/api/v1/declarations/V-6', { ...decl, applicantPhone: '---' }, 422, 'applicantPhone'],
      ['phone "12345"', 'PUT', '/api/v1/declarations/V-6', { ...decl, applicantPhone: '12345' }, 422, 'applicantPhone'],
      ['phone 11 digits not a mobile', 'PUT', '/api/v1/declarations/V-6', { ...decl, applicantPhone: '12345678901' }, 422, 'applicantPhone'],
      ['landline with area code is fine', 'PUT', '/api/v1/declarations/V-7', { ...decl, applicantPhone: '0579-8888 8888' }, 201],
      ['+86 mobile is fine', 'PUT', '/api/v1/declarations/V-8', { ...decl, applicantPhone: '+86 139 1234 5678' }, 201],
    ];
    for (const [label, method, path, body, status, field] of table) {
      const r = await call(method, path, body);
      expect(r.status, `${label}: ${r.text}`).toBe(status);
      if (field) {
        expect(r.json.error, label).toBe('unprocessable');
        expect(r.json.field, label).toBe(field);
        expect(r.json.message, label).toContain(field);
      }
    }
    // Nothing of the refused ones was stored.
    expect((await call('GET', '/api/v1/declarations/V-2')).status).toBe(404);
    const tl = (await call('GET', '/api/v1/declarations/V-1')).json.timeline.map((e: any) => e.eventId);
    expect(tl).toEqual(['accept:' + (await call('GET', '/api/v1/declarations/V-1')).json.queryCode, 'f3']);
  });

  it('bidi controls in department strings are removed where they enter', async () => {
    const r = await call('PUT', '/api/v1/declarations/V-9', { ...decl, applicantName: '张\u202E晓明', itemName: '许可\u2066证\u2069' });
    expect(r.status).toBe(201);
    expect(r.json.applicantName).toBe('张晓明');
    expect(r.json.itemName).toBe('许可证');
  });
});

describe('voiding a wrong step', () => {
  it('a step dated 2062 froze the status; voiding it re-derives the status from the real steps', async () => {
    const c = await call('PUT', '/api/v1/declarations/FZ-1', decl);
    const code = c.json.queryCode;
    // The typo step got in while the server's clock was far ahead (before this release it was simply accepted).
    clock.offsetMs = 40 * 365 * 86400_000;
    try {
      expect((await call('POST', `/api/v1/declarations/${code}/events`, step('typo', { occurredAt: '2062-03-01T08:00:00+08:00' }))).status).toBe(201);
    } finally { clock.offsetMs = 0; }
    const t = Date.now();
    const approved = await call('POST', `/api/v1/declarations/${code}/events`, step('real-approve', { status: 'approved', stepName: '审批通过', occurredAt: iso(t) }));
    expect(approved.status).toBe(201);
    expect(approved.json.applied).toBe(false); // frozen
    expect(approved.json.declaration.status).toBe('in_progress');

    const changes: Array<DomainEvents['declaration.changed']> = [];
    const off = server.ctx.bus.on('declaration.changed', (ch) => { changes.push(ch); });
    try {
      const v = await call('POST', `/api/v1/declarations/${code}/events/typo/void`, { reason: '日期录入错误（2062年）', voidedBy: '王强' });
      expect(v.status, v.text).toBe(200);
      expect(v.json).toMatchObject({ alreadyVoided: false, statusChanged: true, event: { eventId: 'typo', voided: true, applied: false, voidReason: '日期录入错误（2062年）' } });
      expect(v.json.declaration.status).toBe('approved');
      expect(v.json.declaration.closedAt).toBe(iso(t));
      // The approval notice that was held back by the wrong step now goes out (once).
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ statusChanged: true, previousStatus: 'in_progress', event: { eventId: 'real-approve', applied: true } });
    } finally { off(); }

    // Idempotent; the timeline keeps the voided step, marked.
    const again = await call('POST', `/api/v1/declarations/${code}/events/typo/void`, { reason: '再次' });
    expect(again.status).toBe(200);
    expect(again.json.alreadyVoided).toBe(true);
    const g = await call('GET', `/api/v1/declarations/${code}`);
    const typo = g.json.timeline.find((e: any) => e.eventId === 'typo');
    expect(typo).toMatchObject({ voided: true, applied: false, voidReason: '日期录入错误（2062年）' });
    expect(g.json.timeline.find((e: any) => e.eventId === 'real-approve').applied).toBe(true);
    // A later real step applies normally again.
    const closed = await call('POST', `/api/v1/declarations/${code}/events`, step('real-close', { status: 'closed', stepName: '归档', occurredAt: iso(Date.now()) }));
    expect(closed.json.applied).toBe(true);
    expect(closed.json.declaration.status).toBe('closed');

    // Audited in Chinese.
    const row = (await server.ctx.store.audit.list(50)).find((e) => e.action === 'declaration.event_void');
    expect(row).toMatchObject({ actor: 'dept:SCJG:王强', target: code });
    expect(row!.detail).toContain('撤销办理环节');
    expect(row!.detail).toContain('已办结（准予许可）');
    expect((await server.ctx.store.audit.list(50)).filter((e) => e.action === 'declaration.event_void')).toHaveLength(1);
  });

  it('refusals: unknown event 404, the acceptance step 409, blank reason 422, another department 404', async () => {
    const c = await call('PUT', '/api/v1/declarations/FZ-2', decl);
    const code = c.json.queryCode;
    await call('POST', `/api/v1/declarations/${code}/events`, step('s1'));
    expect((await call('POST', `/api/v1/declarations/${code}/events/nope/void`, { reason: 'x' })).status).toBe(404);
    expect((await call('POST', `/api/v1/declarations/${code}/events/accept:${code}/void`, { reason: 'x' })).status).toBe(409);
    const blank = await call('POST', `/api/v1/declarations/${code}/events/s1/void`, { reason: '   ' });
    expect(blank.status).toBe(422);
    expect(blank.json.field).toBe('reason');
    expect((await call('POST', `/api/v1/declarations/${code}/events/s1/void`, { reason: 'x' }, keyB)).status).toBe(404);
    expect((await call('POST', `/api/v1/declarations/${code}/events/s1/void`, {})).status).toBe(400);
  });
});

describe('references several departments use', () => {
  it('B can use the same reference as A; look-ups resolve or say which departments', async () => {
    const a = await call('PUT', '/api/v1/declarations/RS2026-0107', { ...decl, applicantPhone: '13900000001' });
    const b = await call('PUT', '/api/v1/declarations/RS2026-0107', { ...decl, itemName: '社保转移', applicantPhone: '13900000002' }, keyB);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.json.queryCode).not.toBe(b.json.queryCode);
    // Each department sees its own.
    expect((await call('GET', '/api/v1/declarations/RS2026-0107', undefined, keyB)).json.itemName).toBe('社保转移');
    const svc = server.ctx.declarations;
    const amb = await svc.lookupStatus('RS2026-0107');
    expect(amb).toMatchObject({ found: false, reason: 'ambiguous' });
    expect(amb.found === false && amb.reason === 'ambiguous' ? amb.departments.map((d) => d.code).sort() : []).toEqual(['RSJ', 'SCJG']);
    expect(await svc.lookupStatus('RS2026-0107', { department: 'rsj' })).toMatchObject({ found: true, declaration: { itemName: '社保转移' } });
    expect(await svc.lookupStatus('RS2026-0107', { phone: '13900000001' })).toMatchObject({ found: true, declaration: { departmentCode: 'SCJG' } });
    expect(await svc.lookupStatus('rs2026-0107', { phone: '8613900000002' })).toMatchObject({ found: true, declaration: { departmentCode: 'RSJ' } });
    expect(await svc.lookupStatus('RS2026-0107', { department: 'GAJ' })).toMatchObject({ found: false, reason: 'not-found' });
  });

  it('a department cannot see or touch another department\'s declaration through its platform code', async () => {
    const a = await call('PUT', '/api/v1/declarations/OWN-1', decl);
    const code = a.json.queryCode;
    // PUT with A's platform code from B: taken as B's own reference (as for any unknown code) — A's stays untouched.
    const b = await call('PUT', `/api/v1/declarations/${code}`, { ...decl, itemName: 'B 的办件' }, keyB);
    expect(b.status).toBe(201);
    expect(b.json.queryCode).not.toBe(code);
    expect((await call('GET', `/api/v1/declarations/${code}`)).json.itemName).toBe('食品经营许可');
    expect(await server.ctx.declarations.lookupStatus(code)).toMatchObject({ found: true, declaration: { departmentCode: 'SCJG' } });
  });
});

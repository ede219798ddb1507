/**
 * The panel's send intake on the real SMS channel: manual sends (group-committed) and the bulk notice
 * route — roles, CSRF/Origin, and that a 2xx means the outbox rows (and their audit rows) are committed
 * when the answer arrives (read from the store right after the response, nothing awaited in between).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { ALL_ROLES, type StaffRole } from '../../src/admin/routes-table.js';
import { addDepartment } from '../../src/departments.js';
import { silentLogger } from '../../src/log.js';
import { testConfig } from '../helpers/context.js';
import { Client, loggedIn } from './helpers.js';

const PW = 'bulk-pass-1';
let server: RunningServer;
const clients = {} as Record<StaffRole, Client>;

beforeAll(async () => {
  server = await startServer(testConfig({ HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00' }), { log: silentLogger });
  await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局');
  for (const role of ALL_ROLES) {
    await server.channels.admin.auth.createUser({ username: `b_${role}`, role, password: PW, departmentCode: role === 'department' ? 'SCJG' : null });
    clients[role] = await loggedIn(server.url, `b_${role}`, PW);
  }
});
afterAll(async () => { await server.stop(); });

const outbox = async () => server.ctx.store.sms.list({ limit: 100_000 });

describe('panel bulk notice POST /admin/api/sms/bulk', () => {
  it('roles: admin and supervisor may, operator and department staff may not', async () => {
    const table: Array<[StaffRole, number]> = [['admin', 200], ['supervisor', 200], ['operator', 403], ['department', 403]];
    for (const [role, status] of table) {
      const r = await clients[role].post('/admin/api/sms/bulk', { eventId: `role-${role}`, text: '群发', recipients: ['13900000101'] });
      expect(r.status, role).toBe(status);
    }
  });

  it('CSRF token and Origin are checked; anonymous is 401', async () => {
    const body = { eventId: 'csrf-1', text: '群发', recipients: ['13900000102'] };
    const table: Array<[string, () => Promise<{ status: number }>, number]> = [
      ['no token', () => clients.admin.post('/admin/api/sms/bulk', body, { csrf: false }), 403],
      ['wrong token', () => clients.admin.post('/admin/api/sms/bulk', body, { csrf: false, headers: { 'x-csrf-token': 'nope' } }), 403],
      ['cross-origin', () => clients.admin.post('/admin/api/sms/bulk', body, { headers: { origin: 'https://evil.example' } }), 403],
      ['anonymous', () => new Client(server.url).post('/admin/api/sms/bulk', body), 401],
    ];
    for (const [label, run, status] of table) expect((await run()).status, label).toBe(status);
    expect((await outbox()).filter((x) => x.dedupeKey?.startsWith('notice:staff:csrf-1:'))).toHaveLength(0);
  });

  it('queues in one request, lists invalid numbers, skips opt-outs, is idempotent, is audited; rows are there when the answer is', async () => {
    await server.ctx.store.subscriptions.setOptOut('8613900000113', new Date().toISOString());
    const body = { eventId: 'bulk-1', text: '明日系统维护，暂停线上受理。', recipients: ['13900000111', '13900000112', '12345', '13900000113'] };
    const r = await clients.supervisor.post('/admin/api/sms/bulk', body);
    const rows = (await outbox()).filter((x) => x.dedupeKey?.startsWith('notice:staff:bulk-1:'));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, duplicate: false, accepted: 2, queued: 2 });
    expect(r.json.invalid).toEqual([{ index: 2, phone: '12345', reason: expect.stringMatching(/^不是手机号码/) }]);
    expect(r.json.optedOut).toHaveLength(1);
    expect(r.json.optedOut[0]).not.toContain('13900000113'); // masked in the panel
    expect(rows.map((x) => x.phone).sort()).toEqual(['8613900000111', '8613900000112']);
    expect(rows[0]).toMatchObject({ reason: 'push', createdBy: 'staff:b_supervisor' });
    const again = await clients.admin.post('/admin/api/sms/bulk', body);
    expect(again.json).toMatchObject({ duplicate: true, accepted: 2, queued: 0 });
    expect((await outbox()).filter((x) => x.dedupeKey?.startsWith('notice:staff:bulk-1:'))).toHaveLength(2);
    const audits = (await server.ctx.store.audit.list(200)).filter((a) => a.action === 'sms.bulk_send' && (a.detail ?? '').includes('bulk-1'));
    expect(audits).toHaveLength(1);
  });

  it('refuses more than 10,000 recipients (413) and nothing is queued', async () => {
    // written with the country code and spaces: more than the default 256 KB body, still read (1 MB for this route)
    const recipients = Array.from({ length: 10_001 }, (_, i) => `+86 ${String(13000000000 + i).replace(/^(\d{3})(\d{4})(\d{4})$/, '$1 $2 $3')}        `);
    expect(JSON.stringify(recipients).length).toBeGreaterThan(262_144);
    const r = await clients.admin.post('/admin/api/sms/bulk', { eventId: 'cap-1', text: '群发', recipients });
    expect(r.status).toBe(413);
    expect(r.json.message).toMatch(/^每次最多 10000 个号码/);
    expect((await outbox()).filter((x) => x.dedupeKey?.startsWith('notice:staff:cap-1:'))).toHaveLength(0);
  });
});

describe('panel manual send POST /admin/api/sms/send (group commit)', () => {
  it('concurrent sends: every 200 has its outbox row and its audit row committed when it arrives', async () => {
    const n = 40;
    const phones = Array.from({ length: n }, (_, i) => String(13900000200 + i));
    const checks = await Promise.all(phones.map(async (phone) => {
      const r = await clients.admin.post('/admin/api/sms/send', { phone, text: `人工短信 ${phone}` });
      // read at once, in the same turn as the answer
      const row = r.status === 200 ? await server.ctx.store.sms.byId(r.json.id) : undefined;
      return { status: r.status, row };
    }));
    for (const [i, c] of checks.entries()) {
      expect(c.status).toBe(200);
      expect(c.row).toMatchObject({ phone: '86' + phones[i], reason: 'manual', createdBy: 'staff:b_admin' });
    }
    const audits = (await server.ctx.store.audit.list(500)).filter((a) => a.action === 'sms.send');
    expect(audits.length).toBeGreaterThanOrEqual(n);
  });

  it('a number that is not a mobile number is 422 and queues nothing; operator is 403', async () => {
    const before = (await outbox()).length;
    expect((await clients.admin.post('/admin/api/sms/send', { phone: '0579-1234567', text: 'x' })).status).toBe(422);
    expect((await clients.operator.post('/admin/api/sms/send', { phone: '13900000299', text: 'x' })).status).toBe(403);
    expect((await outbox()).length).toBe(before);
  });
});

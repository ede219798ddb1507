/** The operator's seat (issue 13): state API, endpoint edit, screen pop only to its operator, caller history, work order from the seat. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loggedIn, startAdmin, FakeVoice, type AdminServer, type Client } from './helpers.js';
import type { SeatOffer } from '../../src/domain/events.js';

let s: AdminServer;
let wang: Client; let li: Client; let admin: Client;
let wangId = 0; let liId = 0;
const PW = 'seat-pass-12';
const PHONE = '8613900001111';

beforeAll(async () => {
  s = await startAdmin({}, { voice: new FakeVoice() });
  wangId = (await s.admin.auth.createUser({ username: 'wang', role: 'operator', password: PW })).id;
  liId = (await s.admin.auth.createUser({ username: 'li', role: 'operator', password: PW })).id;
  await s.admin.auth.createUser({ username: 'boss', role: 'admin', password: PW });
  wang = await loggedIn(s.url, 'wang', PW); li = await loggedIn(s.url, 'li', PW); admin = await loggedIn(s.url, 'boss', PW);
});
afterAll(async () => { await s.server.stop(); });

type Msg = { type: string; name?: string; data?: any };
function open(cookie: string): Promise<{ ws: WebSocket; msgs: Msg[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(s.url.replace('http', 'ws') + '/admin/live', { headers: { cookie, origin: s.url } });
    const msgs: Msg[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as Msg));
    ws.once('open', () => resolve({ ws, msgs }));
    ws.once('error', reject);
  });
}
const until = async (pred: () => boolean, ms = 2000) => { const end = Date.now() + ms; while (!pred()) { if (Date.now() > end) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 20)); } };
const offer = (staffId: number, o: Partial<SeatOffer> = {}): SeatOffer => ({ staffId: String(staffId), callId: 'ch-1', callbackRequestId: null, phone: PHONE, flow: 'main', waitedSec: 12, at: new Date().toISOString(), ...o });

describe('seat endpoint (users page)', () => {
  it.each([
    ['not an endpoint', () => wangId, 'PJSIP 8001', 422],
    ['set wang', () => wangId, 'PJSIP/8001', 200],
    ['the same again', () => wangId, 'PJSIP/8001', 200],
    ['taken by wang', () => liId, 'PJSIP/8001', 409],
    ['set li', () => liId, 'PJSIP/8002', 200],
  ])('%s', async (_n, id, endpoint, status) => {
    const r = await admin.post(`/admin/api/users/${id()}/endpoint`, { endpoint });
    expect(r.status, r.text).toBe(status);
  });
  it('the users list shows the endpoints; the change is audited', async () => {
    const items = (await admin.get('/admin/api/users')).json.items as Array<{ username: string; endpoint: string | null }>;
    expect(items.find((u) => u.username === 'wang')!.endpoint).toBe('PJSIP/8001');
    const audit = await s.server.ctx.store.audit.list(50);
    expect(JSON.stringify(audit)).toContain('设置坐席分机');
  });
});

describe('seat state', () => {
  it('签入 persists, emits seat.changed (panel), audits; a state asked for while busy is stored as wanted, not forced', async () => {
    const seen: unknown[] = [];
    const off = s.server.ctx.bus.on('seat.changed', (p) => seen.push(p));
    const r = await wang.post('/admin/api/seat', { state: 'ready' });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ seat: { endpoint: 'PJSIP/8001', state: 'ready' }, deferred: false });
    // The panel's own event (the ACD, when voice runs, answers with its 'queue' events: not this route's).
    expect(seen.filter((p) => (p as { source: string }).source === 'panel')).toEqual([expect.objectContaining({ staffId: String(wangId), state: 'ready', source: 'panel', name: 'wang' })]);
    await s.server.ctx.store.callQueue.setSeatState(wangId, 'busy', new Date().toISOString());
    const b = await wang.post('/admin/api/seat', { state: 'break' });
    expect(b.json).toMatchObject({ deferred: true, wanted: 'break' });
    expect(b.json.note).toContain('通话结束后生效');
    off();
    expect((await wang.get('/admin/api/seat')).json.seat.state).toBe('break');
  });
  it('a user without an endpoint: 409; a wrong state: 400', async () => {
    expect((await admin.post('/admin/api/seat', { state: 'ready' })).status).toBe(409);
    expect((await wang.post('/admin/api/seat', { state: 'busy' })).status).toBe(400);
  });
});

describe('screen pop (来电弹屏)', () => {
  it('seat.offer reaches only its operator, unmasked, audited once; seat.changed and queue.stats reach central staff', async () => {
    const a = await open(wang.cookie!); const b = await open(li.cookie!); const c = await open(admin.cookie!);
    await until(() => [a, b, c].every((x) => x.msgs.some((m) => m.type === 'snapshot')));
    expect(a.msgs[0]!.data ?? a.msgs[0]).toMatchObject({ seat: { endpoint: 'PJSIP/8001' } });
    s.server.ctx.bus.emit('seat.offer', offer(wangId));
    s.server.ctx.bus.emit('seat.changed', { staffId: String(wangId), state: 'ringing', source: 'queue', callId: 'ch-1', at: new Date().toISOString() });
    await until(() => b.msgs.some((m) => m.name === 'seat.changed') && c.msgs.some((m) => m.name === 'seat.changed'));
    s.server.ctx.bus.emit('queue.stats', { at: new Date().toISOString(), waiting: 1, longestWaitSec: 5, callbacksPending: 0, operators: { ready: 0, break: 0, loggedOut: 1, ringing: 1, busy: 0, wrapUp: 0 },
      answeredToday: 0, answeredWithin15sToday: 0, abandonedToday: 0, callbacksDoneToday: 0, callbacksFailedToday: 0, avgHandlingSec: null });
    await until(() => [a, b, c].every((x) => x.msgs.some((m) => m.name === 'queue.stats')));
    await until(() => a.msgs.some((m) => m.name === 'seat.offer'));
    expect(a.msgs.find((m) => m.name === 'seat.offer')!.data).toMatchObject({ phone: PHONE, callId: 'ch-1' });
    expect(b.msgs.some((m) => m.name === 'seat.offer')).toBe(false);
    expect(c.msgs.some((m) => m.name === 'seat.offer')).toBe(false);
    const all = JSON.stringify([b.msgs, c.msgs]);
    expect(all).not.toContain(PHONE);
    const rows = (await s.server.ctx.store.audit.list(100)) as Array<{ action: string; detail: unknown }>;
    expect(rows.filter((r) => r.action === 'seat.offer_reveal')).toHaveLength(1);
    expect(JSON.stringify(rows)).toContain('来电弹屏：向坐席显示来电号码');
    for (const x of [a, b, c]) x.ws.close();
  });
  it('the caller history is for the operator who got the offer only', async () => {
    await s.server.ctx.feedback.create({ kind: 'complaint', channel: 'sms', phone: PHONE, text: '上次反映的<b>噪音</b>' });
    const h = await wang.get(`/admin/api/seat/history?phone=${PHONE}`);
    expect(h.status, h.text).toBe(200);
    expect(h.json.workOrders[0].summary).toContain('噪音');
    expect((await li.get(`/admin/api/seat/history?phone=${PHONE}`)).status).toBe(403);
    expect((await wang.get('/admin/api/seat/history?phone=13700000000')).status).toBe(403);
  });
  it('a work order from the seat: channel voice, the phone, the call linked, audited', async () => {
    const r = await wang.post('/admin/api/work-orders', { phone: PHONE, text: '楼下夜间施工', callId: 'ch-1', summary: '夜间施工扰民', urgency: 'urgent' });
    expect(r.status, r.text).toBe(200);
    const o = (await s.server.ctx.store.workOrders.byId(r.json.order.id))!;
    expect(o).toMatchObject({ channel: 'voice', phone: PHONE, transcript: '楼下夜间施工', summary: '夜间施工扰民', urgency: 'urgent' });
    expect((o as unknown as { callId: string | null }).callId ?? (await s.server.ctx.store.feedback.byId(o.id))!.callId).toBe('ch-1');
  });
});

/**
 * The call queue (ACD) on the ARI simulator with the real store: the main flow's 0 人工 joins the
 * queue; operators (staff with the operator role and an endpoint) sign in through the panel's
 * `seat.changed` event; the simulator's far ends answer, ring out, decline or are unregistered.
 * Time: ring timeout 5 s and call-back back-off 30 s of queue time, at TIME_SCALE 20.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OriginateRequest } from '../../../src/sim/ari/simulator.js';
import type { SimCall } from '../../../src/sim/ari/call.js';
import { Acd } from '../../../src/voice/calls/acd.js';
import { EventBus } from '../../../src/domain/events.js';
import { silentLogger } from '../../../src/log.js';
import { queueConfigFrom } from '../../../src/voice/queue/config.js';
import type { OriginateOptions } from '../../../src/voice/ari/types.js';
import { promptDone, startVoiceServer, THURSDAY_10, until, waitPrompt, type VoiceTestServer } from './helpers.js';

let t: VoiceTestServer;
beforeAll(async () => {
  t = await startVoiceServer({
    HOTLINE_QUEUE_RING_TIMEOUT_SEC: '5', HOTLINE_QUEUE_WRAP_UP_SEC: '0', HOTLINE_QUEUE_CALLBACK_OFFER_AFTER_SEC: '600',
    HOTLINE_QUEUE_ANNOUNCE_INTERVAL_SEC: '0', HOTLINE_QUEUE_CALLBACK_BACKOFF_SEC: '30',
  }, { clockAt: THURSDAY_10 });
});
afterAll(async () => { await t?.stop(); });

type FarEnd = 'answer' | 'no-answer' | 'declined' | 'busy';
/** What each endpoint's phone does when rung, and the originates seen, in order. */
let phones: Record<string, FarEnd>;
let dialled: OriginateRequest[];
const seats = new Map<string, number>();
beforeEach(async () => {
  phones = {};
  dialled = [];
  t.sim.onOriginate((req) => {
    dialled.push(req);
    const what = phones[req.endpoint] ?? 'answer';
    return what === 'no-answer' ? { action: 'no-answer' } : { action: what, delayMs: 50 };
  });
  for (const name of seats.keys()) await panel(name, 'loggedOut');
});

const acd = () => t.voice.acd!;
const now = () => new Date(t.server.ctx.now()).toISOString();

/** The operator `name` (endpoint PJSIP/<ext>) exists; created on first use. */
async function seat(name: string, ext: string): Promise<number> {
  let id = seats.get(name);
  if (id === undefined) {
    const store = t.server.ctx.store;
    id = (await store.staff.insert({ username: name, displayName: name, role: 'operator', departmentId: null, passwordHash: 'x' }, now())).id;
    await store.callQueue.setEndpoint(id, `PJSIP/${ext}`, now());
    t.sim.setEndpoint(`PJSIP/${ext}`, 'online');
    seats.set(name, id);
  }
  return id;
}

/** The panel: the operator presses 签入/小休/签出 (seat_state written, then the event). */
async function panel(name: string, state: 'ready' | 'break' | 'loggedOut'): Promise<void> {
  const id = seats.get(name)!;
  await t.server.ctx.store.callQueue.setSeatState(id, state, now());
  t.server.ctx.bus.emit('seat.changed', { staffId: String(id), state, source: 'panel', callId: null, at: now() });
  // Ready with a caller waiting: the phone rings at once.
  const seen = (st: string | undefined) => st === state || (state === 'ready' && (st === 'ringing' || st === 'busy'));
  await until(() => seen(acd().state.operators.find((o) => o.id === String(id))?.state), 3000, `${name} ${state}`);
}

async function queueCall(from: string): Promise<SimCall> {
  const call = t.sim.startCall({ from });
  await promptDone(t.voice, call, 'main_menu');
  await call.press('0');
  await until(() => acd().state.entries.some((e) => e.key === call.id), 5000, 'caller in the queue');
  return call;
}

/** wang signs in, goes on break; a caller queues, presses 1 and hangs up after the booking: the persisted request. */
async function bookCallbackWhileOnBreak(from: string) {
  await seat('wang', '8001');
  await panel('wang', 'break');
  const call = await queueCall(from);
  await call.press('1');
  await waitPrompt(t.voice, call, 'queue_callback_booked', 5000);
  await call.ended;
  return (await t.server.ctx.store.callQueue.openCallbacks()).find((r) => r.reason === 'queue' && r.phone === `86${from}`)!;
}

const seatState = (name: string) => acd().state.operators.find((o) => o.id === String(seats.get(name)))?.state;
const opLegs = () => dialled.filter((d) => d.appArgs[0] === 'queue-op');

describe('call queue (ACD) on ARI', () => {
  it('one operator ready: music on hold, the operator rings (screen pop), answers, is bridged; caller hangs up → ready again', async () => {
    await seat('wang', '8001');
    await panel('wang', 'ready');
    const offers: unknown[] = [];
    const off = t.server.ctx.bus.on('seat.offer', (o) => offers.push(o));
    const call = await queueCall('13911110001');
    await call.waitFor('ChannelEnteredBridge', 5000);
    expect(call.heard.some((h) => h.kind === 'moh')).toBe(true);
    expect(opLegs().map((d) => d.endpoint)).toEqual(['PJSIP/8001']);
    expect(offers).toMatchObject([{ staffId: String(seats.get('wang')), callId: call.id, phone: '8613911110001' }]);
    expect(seatState('wang')).toBe('busy');
    // The operator heard the whisper (queue.whisper, on by default) before the caller was put through.
    const op = t.sim.getCall(opLegs()[0].channelId)!;
    const whisper = op.heard.findIndex((h) => h.kind === 'prompt' && t.voice.media?.describe(h.media ?? '')?.caption?.includes('96365来电'));
    expect(whisper).toBeGreaterThanOrEqual(0);
    expect(op.events.findIndex((e) => e.type === 'PlaybackFinished')).toBeLessThan(op.events.findIndex((e) => e.type === 'ChannelEnteredBridge'));
    expect(call.heard.some((h) => h.kind === 'prompt' && t.voice.media?.describe(h.media ?? '')?.caption?.includes('96365来电'))).toBe(false);
    await call.hangup();
    await until(() => seatState('wang') === 'ready', 3000, 'wang ready');
    expect(acd().stats()).toMatchObject({ waiting: 0 });
    expect(acd().stats().answeredToday).toBeGreaterThanOrEqual(1);
    off();
  });

  it('ring timeout → the next operator; a decline (cause 21) → the next', async () => {
    await seat('li', '8002'); await seat('zhao', '8003'); await seat('wang', '8001');
    phones = { 'PJSIP/8001': 'no-answer', 'PJSIP/8002': 'declined', 'PJSIP/8003': 'answer' };
    await panel('wang', 'ready'); await panel('li', 'ready'); await panel('zhao', 'ready');
    const call = await queueCall('13911110002');
    await call.waitFor('ChannelEnteredBridge', 8000);
    // Longest idle first: wang (ready first), then li, then zhao.
    expect(opLegs().map((d) => d.endpoint)).toEqual(['PJSIP/8001', 'PJSIP/8002', 'PJSIP/8003']);
    await call.hangup();
    await until(() => seatState('zhao') === 'ready', 3000);
  });

  it('operator phone unregistered (originate 500) → that seat goes on break, the next one rings', async () => {
    await seat('wang', '8001'); await seat('li', '8002');
    await panel('wang', 'ready'); await panel('li', 'ready');
    t.sim.setEndpoint('PJSIP/8001', 'offline');
    try {
      const call = await queueCall('13911110003');
      await call.waitFor('ChannelEnteredBridge', 5000);
      expect(seatState('wang')).toBe('break');
      expect(opLegs().map((d) => d.endpoint)).toEqual(['PJSIP/8002']);
      await call.hangup();
    } finally { t.sim.setEndpoint('PJSIP/8001', 'online'); }
  });

  it('operator hangs up a bridged call → the caller is hung up after the flow ends', async () => {
    await seat('wang', '8001');
    await panel('wang', 'ready');
    const call = await queueCall('13911110004');
    await call.waitFor('ChannelEnteredBridge', 5000);
    const leg = opLegs().at(-1)!;
    await t.sim.getCall(leg.channelId)!.hangup();
    await call.ended;
    await until(() => seatState('wang') === 'ready', 3000);
  });

  it('caller hangs up while the operator rings → the ring is cancelled, abandoned counted, seat ready', async () => {
    await seat('wang', '8001');
    phones = { 'PJSIP/8001': 'no-answer' };
    await panel('wang', 'ready');
    const before = acd().stats().abandonedToday;
    const call = await queueCall('13911110005');
    await until(() => seatState('wang') === 'ringing', 3000);
    await call.hangup();
    await until(() => seatState('wang') === 'ready', 3000);
    await until(() => t.sim.getCall(opLegs().at(-1)!.channelId)?.isEnded !== false, 3000, 'ring cancelled');
    expect(acd().stats().abandonedToday).toBe(before + 1);
  });

  it('two callers, one operator: FIFO', async () => {
    await seat('wang', '8001');
    await panel('wang', 'break');
    const a = await queueCall('13911110006');
    const b = await queueCall('13911110007');
    expect(acd().positionOf(a.id)).toBe(1);
    expect(acd().positionOf(b.id)).toBe(2);
    await panel('wang', 'ready');
    await a.waitFor('ChannelEnteredBridge', 5000);
    expect(acd().positionOf(b.id)).toBe(1);
    await a.hangup();
    await b.waitFor('ChannelEnteredBridge', 5000);
    expect(opLegs().map((d) => d.variables.HOTLINE_QUEUE_KEY)).toEqual([a.id, b.id]);
    await b.hangup();
  });

  it('all operators on break → call-back offer at once; 按1 → request persisted, caller told; operator back → rung first, then the citizen, bridged', async () => {
    await seat('wang', '8001');
    await panel('wang', 'break');
    const call = await queueCall('13911110008');
    await until(() => call.promptsHeard.some((u) => t.voice.media?.describe(u)?.caption?.includes('按1预约回拨')), 5000, 'offer heard');
    await call.press('1');
    await waitPrompt(t.voice, call, 'queue_callback_booked', 5000);
    await call.ended;
    const rows = (await t.server.ctx.store.callQueue.openCallbacks()).filter((r) => r.reason === 'queue' && r.phone === '8613911110008');
    expect(rows).toMatchObject([{ status: 'requested', callId: call.id }]);
    await panel('wang', 'ready');
    const citizen = await until(() => dialled.find((d) => d.appArgs[0] === 'queue-cb'), 5000, 'citizen dialled');
    expect(citizen.endpoint).toBe('Local/13911110008@hotline-callback');
    // Persisted as dialing while the citizen's phone rings (a crash now: the next start re-queues it).
    await until(async () => ['dialing', 'done'].includes((await t.server.ctx.store.callQueue.callback(rows[0].id))?.status ?? ''), 3000, 'dialing');
    expect(opLegs().at(-1)!.variables.HOTLINE_QUEUE_KEY).toBe(`cb:${rows[0].id}`);
    const cc = t.sim.getCall(citizen.channelId)!;
    await cc.waitFor('ChannelEnteredBridge', 5000);
    await until(async () => (await t.server.ctx.store.callQueue.callback(rows[0].id))?.status === 'done', 3000, 'call-back done');
    await cc.hangup();
    await until(() => seatState('wang') === 'ready', 3000);
  });

  it('call-back: the citizen is busy 3 times (back-off 30 s, 60 s) → failed finally, SMS with the reference', async () => {
    const row = await bookCallbackWhileOnBreak('13911110010');
    phones = { 'Local/13911110010@hotline-callback': 'busy' };
    await panel('wang', 'ready');
    await until(async () => (await t.server.ctx.store.callQueue.callback(row.id))?.status === 'failed', 12_000, 'call-back failed');
    expect(dialled.filter((d) => d.appArgs[0] === 'queue-cb').length).toBe(3);
    const sms = await until(async () => (await t.server.ctx.store.sms.list({ phone: '8613911110010' })).find((m) => m.text.includes(String(row.id))), 5000, 'failure SMS');
    expect(sms.text).toContain('多次未能接通');
    await until(() => seatState('wang') === 'ready', 3000);
  }, 20_000);

  it('a call-back request survives a restart: a new ACD on the same store restores it and rings the operator who is ready', async () => {
    const row = await bookCallbackWhileOnBreak('13911110009');
    expect(row).toMatchObject({ status: 'requested' });
    // The process goes away; the operator signs in meanwhile (seat_state in the store).
    t.voice.acd!.stop();
    await t.server.ctx.store.callQueue.setSeatState(seats.get('wang')!, 'ready', now());
    const originated: OriginateOptions[] = [];
    const fake = {
      originate: async (o: OriginateOptions) => { originated.push(o); return { id: o.channelId ?? 'x' } as never; },
      hangup: async () => undefined, createBridge: async () => undefined, addToBridge: async () => undefined, destroyBridge: async () => undefined,
      startMoh: async () => undefined, stopMoh: async () => undefined, play: async () => undefined, stopPlayback: async () => undefined,
    };
    const next = new Acd({
      ari: fake, store: t.server.ctx.store.callQueue, bus: new EventBus(), config: queueConfigFrom(t.server.ctx.config), app: 'hotline', log: silentLogger,
      // Started an hour later (the first ACD's clock ran TIME_SCALE times faster).
      now: () => t.server.ctx.now().getTime() + 3_600_000, speak: async () => [],
    });
    await next.start();
    try {
      expect(originated.map((o) => [o.endpoint, o.appArgs])).toEqual([['PJSIP/8001', ['queue-op', expect.any(String), String(seats.get('wang'))]]]);
      expect(next.stats().callbacksPending).toBe(1);
    } finally { next.stop(); }
  });
});

/**
 * Operator call recording (queue.record_calls) on the ARI simulator: the citizen hears that the call
 * may be recorded and the operator the whisper, both before the bridge; the bridge is recorded
 * (POST /bridges/{id}/record); when the call ends the recording is fetched into the data dir, noted on
 * the caller's call row, and the work order saved for that call plays it in the panel (audited).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginateRequest } from '../../../src/sim/ari/simulator.js';
import { hashPassword } from '../../../src/admin/passwords.js';
import { loggedIn } from '../../admin/helpers.js';
import { promptDone, startVoiceServer, THURSDAY_10, until, type VoiceTestServer } from './helpers.js';

let t: VoiceTestServer;
const dialled: OriginateRequest[] = [];
beforeAll(async () => {
  t = await startVoiceServer({ HOTLINE_QUEUE_RECORD_CALLS: 'true', HOTLINE_QUEUE_WRAP_UP_SEC: '0', HOTLINE_QUEUE_ANNOUNCE_INTERVAL_SEC: '0' }, { clockAt: THURSDAY_10 });
  t.sim.onOriginate((req) => { dialled.push(req); return { action: 'answer', delayMs: 50 }; });
});
afterAll(async () => { await t?.stop(); });

const caption = (u: string | undefined) => t.voice.media?.describe(u ?? '')?.caption ?? '';

describe('operator call recording', () => {
  it('notice to the citizen, whisper to the operator, bridge recorded, file linked to the call and its work order', async () => {
    const store = t.server.ctx.store;
    const at = new Date(t.server.ctx.now()).toISOString();
    const op = await store.staff.insert({ username: 'li', displayName: '李娜', role: 'operator', departmentId: null, passwordHash: await hashPassword('li-pass-1234') }, at);
    await store.callQueue.setEndpoint(op.id, 'PJSIP/8001', at);
    t.sim.setEndpoint('PJSIP/8001', 'online');
    await store.callQueue.setSeatState(op.id, 'ready', at);
    t.server.ctx.bus.emit('seat.changed', { staffId: String(op.id), state: 'ready', source: 'panel', callId: null, at });
    await until(() => t.voice.acd!.state.operators.some((o) => o.id === String(op.id) && o.state === 'ready'), 3000, 'seat ready');

    // The call log writes its rows every 500 ms; a short call may end (and its recording be saved)
    // before its row is written. Hold the periodic flush to make that the case here.
    clearInterval((t.voice.callLog as unknown as { timer: NodeJS.Timeout }).timer);
    const call = t.sim.startCall({ from: '13911112222' });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('0');
    await call.waitFor('ChannelEnteredBridge', 8000);
    const opCall = t.sim.getCall(dialled.find((d) => d.appArgs[0] === 'queue-op')!.channelId)!;
    // What each side heard before the bridge.
    const bridgedAt = call.heard.findIndex((h) => h.kind === 'bridged');
    const notice = call.heard.findIndex((h) => h.kind === 'prompt' && caption(h.media).includes('您的通话可能被录音'));
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(notice).toBeLessThan(bridgedAt);
    expect(opCall.heard.some((h) => h.kind === 'prompt' && caption(h.media).includes('96365来电'))).toBe(true);
    expect(opCall.heard.some((h) => h.kind === 'prompt' && caption(h.media).includes('录音'))).toBe(false);
    // The bridge is being recorded.
    await until(() => call.heard.some((h) => h.kind === 'recording'), 3000, 'bridge recording');

    await call.hangup();
    const row = await until(async () => (await store.calls.byId(call.id))?.operatorRecording, 8000, 'recording on the call row');
    expect(row).toMatch(/^operator\/operator-.*\.wav$/);
    expect(existsSync(join(t.server.ctx.config.data.dir, 'recordings', row))).toBe(true);
    // Asterisk's copy is removed once ours is safe.
    expect(t.sim.storedRecordingNames()).not.toContain(row.slice('operator/'.length, -'.wav'.length));

    // The work order saved for the call (screen pop) plays it; the listen is audited.
    const f = await t.server.ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '8613911112222', text: '坐席受理：占道经营', callId: call.id });
    const staff = await loggedIn(t.server.url, 'li', 'li-pass-1234');
    const detail = await staff.get(`/admin/api/work-orders/${f.id}`);
    expect(detail.json.order.hasCallRecording).toBe(true);
    const wav = await fetch(`${t.server.url}/admin/api/feedback/${f.id}/call-recording`, { headers: { cookie: staff.cookie! } });
    expect(wav.status).toBe(200);
    expect(wav.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await wav.arrayBuffer()).subarray(0, 4).toString()).toBe('RIFF');
    const audit = await store.audit.list(20, 0);
    expect(audit.some((e) => e.action === 'feedback.listen_call' && e.target === f.ref && e.detail === '收听坐席通话录音')).toBe(true);
    // Without a login: refused.
    expect((await fetch(`${t.server.url}/admin/api/feedback/${f.id}/call-recording`)).status).toBe(401);
  }, 30_000);
});

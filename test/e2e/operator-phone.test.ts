/**
 * The demo's operator phone (issue 13): on the simulators with demo mode on, the demo operator login
 * (zuoxi, seat PJSIP/8001) signs in from the panel's seat bar; a test-phone caller presses 0 (人工);
 * the seat's phone rings on the test phone page and waits — it does not answer by itself — until the
 * operator presses 接听; the operator hears the whisper and the caller is put through; 挂断 ends both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { silentLogger } from '../../src/log.js';
import { AriSimulator } from '../../src/sim/ari/index.js';
import { testConfig } from '../helpers/context.js';
import { until } from '../helpers/wait.js';
import { loggedIn, type Client } from '../admin/helpers.js';
import { promptDone, SHARED_TTS_DIR, SPEED, THURSDAY_10, TIME_SCALE } from '../voice/calls/helpers.js';

let server: RunningServer;
let sim: AriSimulator;
let op: Client;
beforeAll(async () => {
  sim = new AriSimulator({ speed: SPEED, hangupGapMs: 5 });
  const offset = THURSDAY_10 - Date.now();
  server = await startServer(testConfig({ HOTLINE_ADMIN_DEMO: 'on', HOTLINE_VOICE_TTS: 'espeak-ng', HOTLINE_QUEUE_RING_TIMEOUT_SEC: '60' }), {
    log: silentLogger, now: () => new Date(Date.now() + offset), voice: { simulator: sim, timeScale: TIME_SCALE, ttsDir: SHARED_TTS_DIR },
  });
  await server.channels.voice!.promptsReady;
  op = await loggedIn(server.url, 'zuoxi', 'demo96365');
});
afterAll(async () => { await server?.stop(); await sim?.stop(); });

describe('demo operator phone', () => {
  it('rings on the test phone page until 接听; whisper, bridge; 挂断 ends the call', async () => {
    expect((await op.get('/admin/api/testphone/operator')).json).toEqual({ endpoint: 'PJSIP/8001', calls: [] });
    expect((await op.post('/admin/api/seat', { state: 'ready' })).status).toBe(200);
    await until(() => server.channels.voice!.acd!.state.operators.some((o) => o.state === 'ready'), 3000, 'seat ready');

    const callId = (await op.post('/admin/api/testphone/call', { from: '13900001234' })).json.callId as string;
    const caller = sim.getCall(callId)!;
    await promptDone(server.channels.voice!, caller, 'main_menu');
    await op.post(`/admin/api/testphone/call/${callId}/press`, { digits: '0' });
    const ringing = await until(async () => (await op.get('/admin/api/testphone/operator')).json.calls.find((c: { state: string }) => c.state === 'ringing'), 5000, 'seat phone ringing');
    // It keeps ringing (ring timeout 60 s of queue time = 3 s here): nobody answers for the operator.
    await new Promise((r) => setTimeout(r, 500));
    expect((await op.get('/admin/api/testphone/operator')).json.calls).toMatchObject([{ id: ringing.id, state: 'ringing' }]);
    expect(caller.heard.some((h) => h.kind === 'bridged')).toBe(false);

    // Another user cannot answer it (no seat), nor a leg that is not on this seat.
    expect((await op.post('/admin/api/testphone/operator/not-a-leg/answer')).status).toBe(404);
    expect((await op.post(`/admin/api/testphone/operator/${ringing.id}/answer`)).status).toBe(200);
    await caller.waitFor('ChannelEnteredBridge', 8000);
    const talking = await until(async () => (await op.get('/admin/api/testphone/operator')).json.calls.find((c: { state: string; heard: string[] }) => c.state === 'talking' && c.heard.some((t) => t.includes('96365来电'))), 5000, 'whisper heard');
    expect(talking.id).toBe(ringing.id);

    expect((await op.post(`/admin/api/testphone/operator/${ringing.id}/hangup`)).status).toBe(200);
    await caller.ended;
    await until(async () => (await op.get('/admin/api/testphone/operator')).json.calls.length === 0, 3000, 'seat phone idle');
  }, 30_000);
});

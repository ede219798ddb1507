/**
 * Voice end to end, the hard parts: the ARI event WebSocket dropping mid-call, 50 concurrent calls
 * without cross-talk, the landline answer call-back (originate → flow → satisfaction), the test phone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPhoneEvent } from '../../src/admin/sms-port.js';
import type { WorkOrder } from '../../src/workorders/model.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { captions, promptDone, SHARED_TTS_DIR, startVoiceServer, THURSDAY_10, until, waitPrompt, type VoiceTestServer } from '../voice/calls/helpers.js';

let t: VoiceTestServer;
const codes: string[] = [];

beforeAll(async () => {
  t = await startVoiceServer({}, { clockAt: THURSDAY_10 });
  for (let i = 0; i < 50; i++) {
    codes.push((await t.server.ctx.declarations.upsert(t.dept, `CT-${i}`, { itemName: `事项${i}号`, acceptedAt: '2026-11-18T01:00:00Z', dueAt: null })).declaration.queryCode);
  }
});
afterAll(async () => { await t?.stop(); });

const linkEvents: string[] = [];

describe('ARI WebSocket drop', () => {
  it('mid-call: the link reconnects and the call goes on', async () => {
    const off = t.server.ctx.bus.on('ari.link', (p) => linkEvents.push(String(p.state)));
    const call = t.sim.startCall({ from: '13920000001' });
    await promptDone(t.voice, call, 'main_menu');
    t.sim.dropWebSockets();
    await until(() => t.voice.link!.stats.reconnects >= 1 && t.voice.link!.state === 'connected', 5000, 'reconnect');
    await call.press('1');
    await waitPrompt(t.voice, call, 'enter_query_code');
    await call.hangup();
    off();
    expect(linkEvents).toEqual(expect.arrayContaining(['reconnecting', 'connected']));
    const health = await (await fetch(`${t.server.url}/health`)).json() as { components: Record<string, { ok: boolean; state: string }> };
    expect(health.components.ari).toMatchObject({ ok: true, state: 'connected' });
  });

  it('a playback that finished while the socket was down is caught up after the reconnect', async () => {
    const call = t.sim.startCall({ from: '13920000002' });
    const pb = await waitPrompt(t.voice, call, 'main_menu');
    const before = t.voice.link!.stats.reconnects;
    t.sim.dropWebSockets(400); // the prompt ends during the outage: its PlaybackFinished is lost
    await pb.finished;
    await until(() => t.voice.link!.stats.reconnects > before && t.voice.link!.state === 'connected', 5000, 'reconnect');
    await until(() => t.voice.manager!.sessions.get(call.id)?.livePlaybacks.length === 0, 3000, 'playback caught up');
    await call.press('1');
    await waitPrompt(t.voice, call, 'enter_query_code');
    await call.hangup();
    const row = await until(async () => (await t.voice.recentCalls(50)).find((c) => c.callId === call.id && c.endedAt), 3000, 'call row');
    expect(row.outcome).toBe('abandoned');
    expect((await t.server.ctx.store.calls.byId(call.id))?.recovered).toBe(true);
  });

  it('a caller who hung up during the outage is ended after the reconnect', async () => {
    const call = t.sim.startCall({ from: '13920000003' });
    await promptDone(t.voice, call, 'main_menu');
    const before = t.voice.link!.stats.reconnects;
    t.sim.dropWebSockets(300);
    await call.hangup(); // StasisEnd goes nowhere
    expect(t.voice.manager!.sessions.has(call.id)).toBe(true);
    await until(() => t.voice.link!.stats.reconnects > before && t.voice.link!.state === 'connected', 5000, 'reconnect');
    await until(() => !t.voice.manager!.sessions.has(call.id), 3000, 'session ended');
    expect(t.voice.activeCalls().find((c) => c.callId === call.id)).toBeUndefined();
  });
});

describe('concurrency', () => {
  it('50 concurrent status calls, each hears only its own declaration', async () => {
    const calls = codes.map((_, i) => t.sim.startCall({ from: `1393000${String(i).padStart(4, '0')}` }));
    await Promise.all(calls.map(async (call, i) => {
      await promptDone(t.voice, call, 'main_menu', 15_000);
      await call.press('1');
      await promptDone(t.voice, call, 'enter_query_code', 15_000);
      await call.press(codes[i] + '#', 10);
      await waitPrompt(t.voice, call, 'status_menu', 20_000);
      await call.hangup();
    }));
    calls.forEach((call, i) => {
      const caps = captions(t.voice, call);
      const items = caps.filter((c) => /^事项\d+号$/.test(c));
      expect(items, `call ${i}`).toEqual([`事项${i}号`]);
    });
    const lat = t.voice.stats().latency;
    // every event that led to a request was measured: at least the start, the menu key and the code per call
    expect(lat.count).toBeGreaterThanOrEqual(calls.length * 3);
  }, 40_000);
});

describe('landline answer call-back', () => {
  it('staff answer a landline complaint → a call reads the answer and takes the satisfaction key', async () => {
    const { ctx } = t.server;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '05798886666', text: null, recordingPath: null });
    const originated: string[] = [];
    t.sim.onOriginate((req) => { originated.push(`${req.endpoint} ${req.appArgs.join(',')}`); return { action: 'answer', delayMs: 10 }; });
    await ctx.feedback.answer(f.id, '经核查，窗口已增加人手，排队时间已缩短。', 'staff1');
    const call = await until(() => t.sim.allCalls().find((c) => c.direction === 'outbound' && c.to.startsWith('05798886666')), 3000, 'call-back');
    expect(originated).toEqual([`Local/05798886666@hotline-callback callback,${f.id}`]);
    await call.waitForPlayback((p) => p.media.some((m) => t.voice.media!.describe(m)?.caption === '经核查，窗口已增加人手，排队时间已缩短。'), 5000);
    await call.waitForPlayback((p) => p.media.some((m) => (t.voice.media!.describe(m)?.caption ?? '').startsWith('对本次办理结果满意请按1')), 5000);
    await call.press('1');
    await call.ended;
    const after = await until(async () => { const x = (await ctx.feedback.byId(f.id))!; return x.satisfaction ? x : null; }, 3000, 'satisfaction');
    expect(after).toMatchObject({ satisfaction: 1, status: 'closed' });
    expect((await ctx.feedback.timeline(f.id)).some((e) => e.action === 'callback')).toBe(true);
    t.sim.onOriginate(undefined);
  });

  it('the answer is personal: rendered for that call only (signed /media/call URL, not the shared cache), deleted after the call', async () => {
    const { ctx } = t.server;
    const answer = `经核查，您反映的问题已于本周处理完毕，编号${Math.floor(Math.random() * 1e6)}。`;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '05798887777', text: null, recordingPath: null });
    t.sim.onOriginate(() => ({ action: 'answer', delayMs: 10 }));
    try {
      await ctx.feedback.answer(f.id, answer, 'staff1');
      const call = await until(() => t.sim.allCalls().find((c) => c.direction === 'outbound' && c.to.startsWith('05798887777')), 3000, 'call-back');
      const pb = await call.waitForPlayback((p) => p.media.some((m) => t.voice.media!.describe(m)?.caption === answer), 8000);
      const uri = pb.media.find((m) => t.voice.media!.describe(m)?.caption === answer)!;
      const m = /^sound:(http:\/\/[^/]+)(\/media\/call\/([0-9a-f]{64})\/\d+\/[0-9a-f]{64}\.wav)$/.exec(uri);
      expect(m, uri).not.toBeNull();
      const personalFile = join(ctx.config.data.dir, 'tts-personal', `${m![3]}.wav`);
      expect(existsSync(personalFile)).toBe(true);
      expect(existsSync(join(SHARED_TTS_DIR, `${m![3]}.wav`))).toBe(false); // never in the shared prompt cache
      expect((await fetch(`${m![1]}/media/tts/${m![3]}.wav`)).status).toBe(404); // no unsigned access
      await call.hangup();
      await until(() => !existsSync(personalFile), 5000, 'personal audio deleted after the call');
      expect(t.voice.media!.describe(uri)).toBeUndefined();
      expect((await fetch(m![1] + m![2])).status).toBe(404);
    } finally { t.sim.onOriginate(undefined); }
  });

  it('a work-order notice to a landline: the call reads it and hangs up, no satisfaction question', async () => {
    const { ctx } = t.server;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '05798885555', text: null, recordingPath: null });
    t.sim.onOriginate(() => ({ action: 'answer', delayMs: 10 }));
    try {
      await ctx.store.transaction(() => ctx.bus.emitTx('workorder.notice', {
        order: f as WorkOrder, notice: { to: 'citizen', kind: 'interim', text: '您反映的问题正在协调相关部门处理。' }, phone: f.phone, at: ctx.now().toISOString(),
      }));
      const call = await until(() => t.sim.allCalls().find((c) => c.direction === 'outbound' && c.to.startsWith('05798885555')), 3000, 'notice call');
      await call.waitForPlayback((p) => p.media.some((m) => t.voice.media!.describe(m)?.caption === '您反映的问题正在协调相关部门处理。'), 8000);
      await call.ended;
      const heard = captions(t.voice, call);
      expect(heard).toContain('阶段性答复如下。');
      expect(heard.some((c) => c.startsWith('对本次办理结果满意请按1'))).toBe(false);
      const rows = await until(async () => { const r = (await ctx.store.callQueue.openCallbacks()).filter((x) => x.feedbackId === f.id); return r.length === 0 ? true : null; }, 3000, 'request done');
      expect(rows).toBe(true);
      expect((await ctx.feedback.timeline(f.id)).map((e) => e.detail)).toContain('语音通知已接听 notice call answered');
    } finally { t.sim.onOriginate(undefined); }
  });

  it('a mobile number gets no call-back (the SMS channel answers it)', async () => {
    const { ctx } = t.server;
    const before = t.sim.allCalls().filter((c) => c.direction === 'outbound').length;
    const f = await ctx.feedback.create({ kind: 'complaint', channel: 'voice', phone: '13920009999', text: null });
    await ctx.feedback.answer(f.id, '已处理。', 'staff1');
    await new Promise((r) => setTimeout(r, 100));
    expect(t.sim.allCalls().filter((c) => c.direction === 'outbound').length).toBe(before);
  });
});

describe('test phone (simulator)', () => {
  it('places a call, shows captions with audio URLs, takes keys, hangs up', async () => {
    const phone = t.voice.testPhone!;
    const id = await phone.startCall('13920001234');
    const events: TestPhoneEvent[] = [];
    const off = phone.events(id, (e) => events.push(e));
    await until(() => events.find((e) => e.type === 'prompt' && e.text.startsWith('办件查询按1')), 5000, 'menu caption');
    const menu = events.find((e) => e.type === 'prompt' && e.text.startsWith('办件查询')) as Extract<TestPhoneEvent, { type: 'prompt' }>;
    expect(menu.audioUrl).toMatch(/^\/media\/tts\/[0-9a-f]{64}\/\d{10}\/[0-9a-f]{64}\.wav$/); // signed, same-origin
    expect((await fetch(t.server.url + menu.audioUrl)).status).toBe(200);
    await phone.press(id, '1');
    await until(() => events.find((e) => e.type === 'node' && e.node === 'query_enter'), 5000, 'node event');
    await phone.hangup(id);
    await until(() => events.find((e) => e.type === 'ended'), 3000, 'ended');
    off();
  });
});

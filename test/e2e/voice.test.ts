/**
 * Voice end to end: the whole server, the voice channel on the ARI simulator through the unmodified
 * ari-client over real sockets, TTS prompts served over HTTP and fetched by the simulator.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { MediaSigner } from '../../src/voice/media/signing.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../src/domain/query-code.js';
import { canonicalPhone } from '../../src/domain/phone.js';
import { captions, promptDone, startVoiceServer, THURSDAY_10, until, waitPrompt, type VoiceTestServer } from '../voice/calls/helpers.js';

let t: VoiceTestServer;
let code: string;
const CATALOGUE_TEXT = (name: string) => t.voice.media!.describe([...new Set(t.sim.allCalls().flatMap((c) => c.promptsHeard))].find((u) => t.voice.media!.describe(u)?.prompt === name) ?? '')?.caption;

beforeAll(async () => {
  t = await startVoiceServer({}, { clockAt: THURSDAY_10 });
  const { ctx } = t.server;
  const d = (await ctx.declarations.upsert(t.dept, 'SC-2026-001', {
    itemName: '食品经营许可证新办', applicantName: '张晓明', applicantPhone: '13900000000',
    acceptedAt: '2026-11-18T01:00:00Z', dueAt: '2026-12-31T09:00:00Z',
  })).declaration;
  code = d.queryCode;
  await ctx.declarations.applyStatusEvent(t.dept, code, { eventId: 'e1', stepName: '审查', status: 'in_progress', occurredAt: '2026-11-20T03:00:00Z' });
});
afterAll(async () => { await t?.stop(); });

describe('voice channel over the ARI simulator', () => {
  it('status query of a seeded declaration: the exact prompt sequence', async () => {
    const call = t.sim.startCall({ from: '13911112222' });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('1');
    await promptDone(t.voice, call, 'enter_query_code');
    await call.press(code + '#', 10);
    await promptDone(t.voice, call, 'status_menu', 8000);
    await call.hangup();
    const date = (s: string) => [...s];
    expect(captions(t.voice, call)).toEqual([
      '您好，欢迎致电96365政务服务便民热线。',
      '办件查询按1，投诉按2，咨询建议按3，人工服务按0，重听按星号键。',
      '请输入12位查询码，以井号键结束。',
      '办件信息如下。', '办理事项：', '食品经营许可证新办',
      '承办部门：', '市市场监督管理局',
      '当前状态：', '办理中',
      '最近办理日期：', ...date('二零二六年十一月二十日'),
      '承诺办结日期：', ...date('二零二六年十二月三十一日'),
      '订阅短信提醒请按1，重听请按2，返回主菜单请按0。',
    ]);
    // Every TTS prompt went to Asterisk as a long URL, and the simulator fetched and played it.
    const urls = call.promptsHeard.filter((m) => m.startsWith('sound:http'));
    expect(urls.length).toBeGreaterThan(20);
    for (const u of urls) {
      expect(u.length).toBeGreaterThanOrEqual(64);
      expect(u).toMatch(/^sound:http:\/\/127\.0\.0\.1:\d+\/media\/tts\/[0-9a-f]{64}\/\d+\/[0-9a-f]{64}\.wav$/);
    }
    const ends = call.heard.filter((h) => h.kind === 'prompt-end');
    expect(ends.filter((h) => h.state === 'failed')).toEqual([]);
    const row = await until(async () => (await t.voice.recentCalls(10)).find((c) => c.callId === call.id && c.endedAt), 3000, 'call row');
    expect(row.outcome).toBe('status_read');
    expect(row.path).toContain('query_enter>query_lookup>status_read');
  });

  it('the media route serves existing files by signed, unexpired URL only', async () => {
    const call = t.sim.allCalls()[0];
    const url = call.promptsHeard.find((m) => m.startsWith('sound:http'))!.slice(6);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('audio/wav');
    expect(ok.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(Buffer.from(await ok.arrayBuffer()).toString('latin1', 0, 4)).toBe('RIFF');
    // Content-addressed: the hash is the ETag; a revalidation (as res_http_media_cache makes) gets a 304.
    const etag = ok.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(url, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    const [, hash, exp, sig] = /\/media\/tts\/([0-9a-f]{64})\/(\d+)\/([0-9a-f]{64})\.wav$/.exec(url)!;
    const base = t.server.url;
    // An expired URL signed with this install's own key.
    const key = readFileSync(join(t.server.ctx.config.data.dir, 'media-url.key'), 'utf8').trim();
    const expired = new MediaSigner(Buffer.from(key, 'hex'), () => Date.now() - 3 * 86400_000).path('tts', hash, 60);
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');
    for (const p of [
      `/media/tts/${hash}.wav`, // the old unsigned form: served to anyone before
      `/media/tts/${hash}/${exp}/${flip(sig)}.wav`, `/media/tts/${hash}/${Number(exp) + 1}/${sig}.wav`, `/media/call/${hash}/${exp}/${sig}.wav`,
      expired, '/media/tts/', '/media/tts/abc.wav', `/media/tts/${'0'.repeat(64)}.wav`, '/media/tts/..%2F..%2Fhotline.db', `/media/tts/${'A'.repeat(64)}.wav`,
    ]) {
      expect((await fetch(base + p)).status, p).toBe(404);
    }
  });

  it('unknown code → not found, re-prompt', async () => {
    const call = t.sim.startCall({ from: '13911113333' });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('1');
    await promptDone(t.voice, call, 'enter_query_code');
    await call.press(withCheckDigit('98765432109') + '#', 10);
    await waitPrompt(t.voice, call, 'code_not_found');
    await waitPrompt(t.voice, call, 'enter_query_code');
    await call.hangup();
    const row = await until(async () => (await t.voice.recentCalls(20)).find((c) => c.callId === call.id && c.endedAt), 3000, 'call row');
    expect(row.outcome).toBe('abandoned');
  });

  it('timeouts → polite goodbye and hang-up', async () => {
    const call = t.sim.startCall({ from: '13911114444' });
    await waitPrompt(t.voice, call, 'goodbye_retries', 8000);
    const end = await call.ended;
    expect(end.by).toBe('app');
    const caps = captions(t.voice, call);
    expect(caps.filter((c) => c === CATALOGUE_TEXT('no_input'))).toHaveLength(2);
    const counters = t.server.ctx.metrics.render();
    expect(counters).toMatch(/hotline_ivr_node_total\{flow="main",node="main_menu",kind="timeout"\} [3-9]/);
  });

  it('subscribe by voice', async () => {
    const phone = '13911115555';
    const call = t.sim.startCall({ from: phone });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('1');
    await promptDone(t.voice, call, 'enter_query_code');
    await call.press(code + '#', 10);
    await waitPrompt(t.voice, call, 'status_menu', 8000);
    await call.press('1');
    await waitPrompt(t.voice, call, 'subscribe_ok');
    await call.hangup();
    const decl = (await t.server.ctx.store.declarations.byQueryCode(code))!;
    expect((await t.server.ctx.store.subscriptions.active(canonicalPhone(phone), decl.id))?.channel).toBe('voice'); // stored canonical: 8613911115555
  });

  it('complaint recorded: file on disk, feedback row, SMS confirmation', async () => {
    const phone = '13911116666';
    const call = t.sim.startCall({ from: phone });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('2');
    await call.waitFor('RecordingStarted');
    await new Promise((r) => setTimeout(r, 150)); // 15 s of speech at 100×
    await call.press('#');
    await promptDone(t.voice, call, 'review_menu');
    await call.press('3');
    await waitPrompt(t.voice, call, 'feedback_received');
    await call.ended;
    const f = await until(async () => (await t.server.ctx.store.feedback.list({ q: phone }))[0], 3000, 'feedback');
    expect(f).toMatchObject({ kind: 'complaint', channel: 'voice', phone: '8613911116666', callId: call.id }); // caller-id stored canonical
    expect(f.recordingDuration).toBeGreaterThanOrEqual(2);
    expect(f.flowPath).toContain('record_message>review_menu>submit_message');
    const file = join(t.server.ctx.config.data.dir, 'recordings', f.recordingPath!);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).size).toBeGreaterThan(8000);
    // The reference number was read back digit by digit, twice.
    const caps = captions(t.voice, call).join('');
    const spoken = [...f.ref].map((d) => '零幺二三四五六七八九'[Number(d)]).join('');
    expect(caps.split(spoken).length - 1).toBe(2);
    const smsc = t.server.channels.simulators.smsc!;
    const sms = await smsc.waitFor(() => smsc.received(phone).find((m) => m.includes(f.ref)), 5000, 'confirmation SMS');
    expect(sms).toContain('投诉');
    // Asterisk's copy was removed once ours was saved.
    expect(t.sim.storedRecordingNames()).not.toContain(f.recordingPath!.replace(/\.wav$/, ''));
  });

  it('hang-up during the recording keeps the message', async () => {
    const phone = '05798881234'; // a landline: no SMS
    const call = t.sim.startCall({ from: phone });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('3');
    await call.waitFor('RecordingStarted');
    await new Promise((r) => setTimeout(r, 200));
    await call.hangup();
    const f = await until(async () => (await t.server.ctx.store.feedback.list({ q: phone }))[0], 5000, 'feedback after hang-up');
    expect(f).toMatchObject({ kind: 'consultation', channel: 'voice', phone: '865798881234' }); // landline 0579-888 1234, canonical
    expect(existsSync(join(t.server.ctx.config.data.dir, 'recordings', f.recordingPath!))).toBe(true);
    expect(t.server.channels.simulators.smsc!.received(phone)).toEqual([]);
    const row = await until(async () => (await t.voice.recentCalls(50)).find((c) => c.callId === call.id && c.endedAt && c.feedbackRef), 3000, 'call row');
    expect(row.outcome).toBe('complaint_recorded');
  });

  it('transfer with no answer → fallback offer to leave a message', async () => {
    t.sim.onOriginate(() => ({ action: 'no-answer' }));
    const call = t.sim.startCall({ from: '13911117777' });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('0');
    await waitPrompt(t.voice, call, 'transferring');
    await waitPrompt(t.voice, call, 'operator_busy', 5000);
    await call.hangup();
    t.sim.onOriginate(undefined);
  });

  it('transfer answered → bridged with the operator; operator hangs up → call ends', async () => {
    let leg: string | undefined;
    t.sim.onOriginate((req) => { leg = req.channelId; expect(req.endpoint).toBe('PJSIP/operator'); return { action: 'answer', delayMs: 20 }; });
    const call = t.sim.startCall({ from: '13911118888' });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('0');
    await call.waitFor('ChannelEnteredBridge', 5000);
    expect(call.heard.some((h) => h.kind === 'bridged')).toBe(true);
    await t.sim.getCall(leg!)!.hangup();
    await call.ended;
    const row = await until(async () => (await t.voice.recentCalls(50)).find((c) => c.callId === call.id && c.endedAt), 3000, 'call row');
    expect(row.outcome).toBe('transferred');
    t.sim.onOriginate(undefined);
  });

  it('live events: call.updated with a masked caller and the node, call.ended with the outcome', async () => {
    const updates: Record<string, unknown>[] = [];
    const ended: Record<string, unknown>[] = [];
    const off1 = t.server.ctx.bus.on('call.updated', (p) => updates.push(p));
    const off2 = t.server.ctx.bus.on('call.ended', (p) => ended.push(p));
    const call = t.sim.startCall({ from: '13912345678' });
    await promptDone(t.voice, call, 'main_menu');
    expect(t.voice.activeCalls().find((c) => c.callId === call.id)).toMatchObject({ node: 'main_menu', caller: '8613912345678' }); // caller-id stored canonical
    await call.hangup();
    await until(() => ended.find((e) => e.callId === call.id), 3000, 'call.ended');
    off1(); off2();
    const mine = updates.filter((u) => u.callId === call.id);
    expect(mine.map((u) => u.node)).toContain('main_menu');
    expect(mine.every((u) => u.caller === '139****5678')).toBe(true);
    expect(ended.find((e) => e.callId === call.id)).toMatchObject({ outcome: 'abandoned' });
  });

  it('a right-to-left override in a caller id is removed where it enters (it would reorder the masked number)', async () => {
    const updates: Record<string, unknown>[] = [];
    const off = t.server.ctx.bus.on('call.updated', (p) => updates.push(p));
    const call = t.sim.startCall({ from: '0987\u202E654321' });
    await promptDone(t.voice, call, 'main_menu');
    expect(t.voice.activeCalls().find((c) => c.callId === call.id)?.caller).toBe('0987654321');
    await call.hangup();
    off();
    const mine = updates.filter((u) => u.callId === call.id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((u) => !String(u.caller).includes('\u202E'))).toBe(true);
    const row = await until(async () => (await t.voice.recentCalls(20)).find((c) => c.callId === call.id), 3000, 'call row');
    expect(JSON.stringify(row)).not.toContain('\u202E');
  });
});

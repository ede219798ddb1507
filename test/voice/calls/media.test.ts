/** Media items → ARI media URIs (table), with a real PromptCache and a tiny fake TTS engine. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaResolver } from '../../../src/voice/calls/media.js';
import { PersonalAudio, pruneSharedCache } from '../../../src/voice/calls/personal-audio.js';
import { PromptCache, encodeWavPcm16, NoneEngine, type TtsEngine } from '../../../src/voice/tts/index.js';
import { memoryLogger } from '../../../src/log.js';
import type { MediaItem } from '../../../src/voice/flow/index.js';

const dir = mkdtempSync(join(tmpdir(), 'voice-media-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Renders 10 ms of 8 kHz audio per character. */
const fakeEngine: TtsEngine = {
  name: 'fake', voice: 'v1',
  available: async () => true, probe: async () => ({ ok: true }),
  synthesize: async (text, out) => { writeFileSync(out, encodeWavPcm16(new Int16Array(80 * [...text].length).fill(500), 8000)); },
};
const sounds = join(dir, 'sounds');
mkdirSync(sounds);
writeFileSync(join(sounds, 'welcome.wav'), encodeWavPcm16(new Int16Array(800), 8000));
const catalogue = { welcome: '欢迎', main_menu: '请按1', digit_1: '幺', digit_2: '二', num_2: '二', num_0: '零', num_6: '六', num_10: '十', num_1: '一', date_year: '年', date_month: '月', date_day: '日' };
const log = memoryLogger();
const resolver = new MediaResolver({
  cache: new PromptCache({ engine: fakeEngine, dir: join(dir, 'tts'), soundsDir: sounds }), catalogue,
  publicUrl: () => 'http://10.0.0.5:8080', timeZone: 'Asia/Shanghai', log, recordingSeconds: (n) => (n === 'rec-1' ? 7 : undefined),
});
const URL = /^sound:http:\/\/10\.0\.0\.5:8080\/media\/tts\/[0-9a-f]{64}\/\d{10}\/[0-9a-f]{64}\.wav$/;

const CASES: Array<{ label: string; items: MediaItem[]; uris: Array<string | RegExp>; captions?: string[] }> = [
  { label: 'a professional recording replaces the rendered prompt', items: [{ prompt: 'welcome' }], uris: ['sound:welcome'], captions: ['欢迎'] },
  { label: 'a catalogue prompt is rendered and served as a long URL', items: [{ prompt: 'main_menu' }], uris: [URL], captions: ['请按1'] },
  { label: 'a name outside the catalogue is one of Asterisk\'s sounds', items: [{ prompt: 'beep' }], uris: ['sound:beep'] },
  { label: 'free text through TTS', items: [{ tts: '市市场监督管理局' }], uris: [URL], captions: ['市市场监督管理局'] },
  { label: 'digits as digit prompts (1 read 幺)', items: [{ digits: '12' }], uris: [URL, URL], captions: ['幺', '二'] },
  { label: 'a number as number prompts', items: [{ number: 20 }], uris: [URL, URL], captions: ['二', '十'] },
  { label: 'a date as number and date prompts', items: [{ date: '2026-01-02' }], uris: Array(9).fill(URL), captions: ['二', '零', '二', '六', '年', '一', '月', '二', '日'] },
  { label: 'a recording of this call', items: [{ recording: 'rec-1' }], uris: ['recording:rec-1'] },
];

describe('MediaResolver', () => {
  for (const c of CASES) {
    it(c.label, async () => {
      const r = await resolver.resolve(c.items);
      expect(r.uris).toHaveLength(c.uris.length);
      r.uris.forEach((u, i) => (typeof c.uris[i] === 'string' ? expect(u).toBe(c.uris[i]) : expect(u).toMatch(c.uris[i] as RegExp)));
      for (const u of r.uris) if (u.startsWith('sound:http')) expect(u.length).toBeGreaterThanOrEqual(64);
      if (c.captions) expect(r.uris.map((u) => resolver.describe(u)?.caption).slice(0, c.captions.length)).toEqual(c.captions);
    });
  }

  it('known media resolve without waiting; the test phone gets a same-origin audio URL', async () => {
    await resolver.resolve([{ prompt: 'main_menu' }, { tts: '已受理' }]);
    const sync = resolver.resolveSync([{ prompt: 'main_menu' }, { tts: '已受理' }]);
    expect(sync?.uris).toHaveLength(2);
    expect(sync!.expectedMs).toBeGreaterThan(0);
    expect(resolver.describe(sync!.uris[1])?.url).toMatch(/^\/media\/tts\/[0-9a-f]{64}\/\d{10}\/[0-9a-f]{64}\.wav$/);
    expect(resolver.resolveSync([{ tts: 'never rendered' }])).toBeNull();
  });

  it('personal text is rendered for the call only, never into the shared cache or the memo, and deleted on release', async () => {
    const personalDir = join(dir, 'tts-personal');
    const personal = new PersonalAudio({ cache: new PromptCache({ engine: fakeEngine, dir: personalDir }), log });
    const r2 = new MediaResolver({ cache: new PromptCache({ engine: fakeEngine, dir: join(dir, 'tts-shared') }), catalogue, publicUrl: () => 'http://10.0.0.5:8080', timeZone: 'Asia/Shanghai', log, personal });
    const answer = '经核查已处理完毕';
    const opts = { callId: 'cb-1', personal: [answer] };
    expect(r2.resolveSync([{ tts: answer }], opts)).toBeNull();
    const r = await r2.resolve([{ tts: '答复如下' }, { tts: answer }], opts);
    expect(r.uris[1]).toMatch(/^sound:http:\/\/10\.0\.0\.5:8080\/media\/call\/[0-9a-f]{64}\/\d{10}\/[0-9a-f]{64}\.wav$/);
    const hash = /\/media\/call\/([0-9a-f]{64})\//.exec(r.uris[1])![1];
    expect(existsSync(join(personalDir, `${hash}.wav`))).toBe(true);
    expect(existsSync(join(dir, 'tts-shared', `${hash}.wav`))).toBe(false);
    expect(readdirSync(join(dir, 'tts-shared'))).toHaveLength(1); // only '答复如下'
    expect(r2.describe(r.uris[1])?.caption).toBe(answer);
    expect(r2.resolveSync([{ tts: answer }], opts)).toBeNull(); // not memoised
    r2.release('cb-1');
    expect(existsSync(join(personalDir, `${hash}.wav`))).toBe(false);
    expect(r2.describe(r.uris[1])).toBeUndefined();
    // Without a personal store the text is dropped, never shared.
    const r3 = await resolver.resolve([{ tts: answer }], opts);
    expect(r3.uris).toEqual([]);
    expect(existsSync(join(dir, 'tts', `${hash}.wav`))).toBe(false);
  });

  it('the TTL sweep removes personal files left by a crash; pruning the shared cache keeps the prompts', async () => {
    const personalDir = join(dir, 'tts-sweep');
    let now = Date.now();
    const personal = new PersonalAudio({ cache: new PromptCache({ engine: fakeEngine, dir: personalDir }), log, ttlMs: 3600_000, now: () => now });
    await personal.render('c1', '一段答复');
    await personal.render('c2', '另一段答复');
    personal.release('c2');
    now += 2 * 3600_000;
    expect(personal.sweep()).toBe(0); // c1 is still in its call
    personal.release('c1');
    expect(readdirSync(personalDir).filter((f) => f.endsWith('.wav'))).toEqual([]);
    await personal.render('c3', '第三段答复');
    expect(personal.sweep()).toBe(0);
    (personal as unknown as { users: Map<string, unknown> }).users.clear(); // as after a crash: nobody holds it
    expect(personal.sweep()).toBe(1);
    const shared = new PromptCache({ engine: fakeEngine, dir: join(dir, 'tts-prune') });
    const keep = await shared.get('请按1');
    const other = await shared.get('旧的答复文本');
    expect(pruneSharedCache(shared.dir, new Set([keep.hash]), 0, Date.now() + 1000)).toBe(1);
    expect(existsSync(keep.path)).toBe(true);
    expect(existsSync(other.path)).toBe(false);
  });

  it('without a TTS engine, rendered items are dropped with one warning, recorded ones still play', async () => {
    const none = new MediaResolver({
      cache: new PromptCache({ engine: new NoneEngine(), dir: join(dir, 'tts-none'), soundsDir: sounds, log: { warn: () => undefined } }), catalogue,
      publicUrl: () => 'http://x', timeZone: 'Asia/Shanghai', log,
    });
    const r = await none.resolve([{ prompt: 'welcome' }, { prompt: 'main_menu' }, { tts: '文本' }, { tts: '文本' }]);
    expect(r.uris).toEqual(['sound:welcome']);
    expect(r.dropped).toBe(3);
    expect(log.lines.filter((l) => l.includes('文本'))).toHaveLength(1);
  });
});

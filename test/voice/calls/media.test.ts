/** Media items → ARI media URIs (table), with a real PromptCache and a tiny fake TTS engine. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaResolver } from '../../../src/voice/calls/media.js';
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
const URL = /^sound:http:\/\/10\.0\.0\.5:8080\/media\/tts\/[0-9a-f]{64}\.wav$/;

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
    expect(resolver.describe(sync!.uris[1])?.url).toMatch(/^\/media\/tts\/[0-9a-f]{64}\.wav$/);
    expect(resolver.resolveSync([{ tts: 'never rendered' }])).toBeNull();
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

/** TTS fallback: WAV conversion (pure), engines (espeak-ng, say, none), prompt cache. */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  EspeakNgEngine, NoneEngine, PromptCache, SayEngine, TtsUnavailableError, WavError,
  decodeWav, encodeWavPcm16, selectTtsEngine, toTelephonyWav, trimSilence, wavInfo, type TtsEngine,
} from '../../src/voice/tts/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'tts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ───────────────────────────── WAV helpers ─────────────────────────────

type Layout = { rate: number; channels: number; bits: number; float?: boolean; extensible?: boolean };

/** Build a WAV buffer from per-channel float samples in any layout. */
function makeWav(chans: Float32Array[], l: Layout, extraChunks: Buffer[] = [], dataSizeField?: number): Buffer {
  const frames = chans[0].length;
  const bytes = l.bits / 8;
  const data = Buffer.alloc(frames * l.channels * bytes);
  for (let f = 0; f < frames; f++) for (let c = 0; c < l.channels; c++) {
    const v = chans[c][f];
    const o = (f * l.channels + c) * bytes;
    if (l.float) { if (l.bits === 32) data.writeFloatLE(v, o); else data.writeDoubleLE(v, o); }
    else if (l.bits === 8) data[o] = Math.round(v * 127) + 128;
    else if (l.bits === 16) data.writeInt16LE(Math.round(v * 32767), o);
    else if (l.bits === 24) data.writeIntLE(Math.round(v * 8388607), o, 3);
    else data.writeInt32LE(Math.round(v * 2147483647), o);
  }
  const fmt = Buffer.alloc(l.extensible ? 40 : 16);
  fmt.writeUInt16LE(l.extensible ? 0xfffe : l.float ? 3 : 1, 0);
  fmt.writeUInt16LE(l.channels, 2);
  fmt.writeUInt32LE(l.rate, 4);
  fmt.writeUInt32LE(l.rate * l.channels * bytes, 8);
  fmt.writeUInt16LE(l.channels * bytes, 12);
  fmt.writeUInt16LE(l.bits, 14);
  if (l.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(l.bits, 18);
    fmt.writeUInt16LE(l.float ? 3 : 1, 24); // SubFormat GUID starts with the format code
  }
  const chunk = (id: string, body: Buffer, sizeField = body.length) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(sizeField, 4);
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), ...extraChunks, chunk('data', data, dataSizeField)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

const sine = (freq: number, rate: number, sec: number, amp = 0.5) =>
  Float32Array.from({ length: Math.round(rate * sec) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));

function rms(x: Float32Array, skip = 100): number {
  let s = 0, n = 0;
  for (let i = skip; i < x.length - skip; i++) { s += x[i] * x[i]; n++; }
  return Math.sqrt(s / Math.max(1, n));
}

/** Frequency estimate from rising zero crossings. */
function freqOf(x: Float32Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) crossings++;
  return (crossings * rate) / x.length;
}

function mono8k(buf: Buffer): Float32Array {
  const out = toTelephonyWav(buf);
  const info = wavInfo(out);
  expect({ rate: info.sampleRate, ch: info.channels, bits: info.bitsPerSample, enc: info.encoding }).toEqual({ rate: 8000, ch: 1, bits: 16, enc: 'pcm' });
  return decodeWav(out).channels[0];
}

describe('WAV conversion to 8 kHz mono 16-bit', () => {
  const layouts: Array<[string, Layout]> = [
    ['espeak-ng style 22050 Hz mono 16-bit', { rate: 22050, channels: 1, bits: 16 }],
    ['macOS say style 32 kHz float32', { rate: 32000, channels: 1, bits: 32, float: true }],
    ['44.1 kHz stereo 16-bit', { rate: 44100, channels: 2, bits: 16 }],
    ['48 kHz 24-bit extensible', { rate: 48000, channels: 2, bits: 24, extensible: true }],
    ['16 kHz 32-bit int', { rate: 16000, channels: 1, bits: 32 }],
    ['11025 Hz 8-bit unsigned', { rate: 11025, channels: 1, bits: 8 }],
    ['8 kHz float64 (no resampling)', { rate: 8000, channels: 1, bits: 64, float: true }],
    ['6 kHz 16-bit (upsampling)', { rate: 6000, channels: 1, bits: 16 }],
  ];
  it.each(layouts)('%s: a 440 Hz sine keeps its pitch, level and length', (_, l) => {
    const s = sine(440, l.rate, 1);
    const out = mono8k(makeWav(Array.from({ length: l.channels }, () => s), l));
    expect(out.length).toBeGreaterThanOrEqual(7990);
    expect(out.length).toBeLessThanOrEqual(8000);
    expect(freqOf(out, 8000)).toBeGreaterThan(430);
    expect(freqOf(out, 8000)).toBeLessThan(450);
    expect(rms(out)).toBeGreaterThan(0.33); // 0.5/√2 ≈ 0.354
    expect(rms(out)).toBeLessThan(0.37);
  });

  it('the low-pass removes what would alias: a 6 kHz tone at 22050 Hz does not become 2 kHz', () => {
    const out = mono8k(makeWav([sine(6000, 22050, 1)], { rate: 22050, channels: 1, bits: 16 }));
    expect(rms(out)).toBeLessThan(0.01);
  });

  it('speech-band tones pass: 3 kHz at 22050 Hz', () => {
    const out = mono8k(makeWav([sine(3000, 22050, 1)], { rate: 22050, channels: 1, bits: 16 }));
    expect(rms(out)).toBeGreaterThan(0.3);
  });

  it('channels are mixed down (opposite channels cancel)', () => {
    const s = sine(440, 16000, 0.5);
    const out = mono8k(makeWav([s, s.map((v) => -v)], { rate: 16000, channels: 2, bits: 16 }));
    expect(rms(out)).toBeLessThan(0.001);
  });

  it('skips other chunks (odd-sized LIST), reads streamed (0xFFFFFFFF) and truncated data', () => {
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx'), Buffer.alloc(1)]);
    const a = makeWav([sine(440, 8000, 0.5)], { rate: 8000, channels: 1, bits: 16 }, [list]);
    expect(wavInfo(a)).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames: 4000, durationSec: 0.5 });
    const streamed = makeWav([sine(440, 8000, 0.5)], { rate: 8000, channels: 1, bits: 16 }, [], 0xffffffff);
    expect(wavInfo(streamed).frames).toBe(4000);
    const truncated = a.subarray(0, a.length - 101); // cut mid-sample
    expect(wavInfo(truncated).frames).toBe(4000 - 51);
    expect(toTelephonyWav(truncated).length).toBe(44 + (4000 - 51) * 2);
  });

  it('an empty data chunk gives a valid empty WAV', () => {
    const out = toTelephonyWav(makeWav([new Float32Array(0)], { rate: 22050, channels: 1, bits: 16 }));
    expect(wavInfo(out)).toMatchObject({ sampleRate: 8000, frames: 0, durationSec: 0 });
  });

  it.each([
    // [label, lead silence s, sound s, tail silence s, → expected length s]
    ['espeak-ng style: 40 ms before, 300 ms after → 20 ms and 120 ms kept', 0.04, 0.5, 0.3, 0.02 + 0.5 + 0.12],
    ['no silence at all: unchanged', 0, 0.5, 0, 0.5],
    ['short silences are kept as they are', 0.01, 0.5, 0.05, 0.56],
    ['all silence: unchanged', 0.3, 0, 0.3, 0.6],
  ])('trimSilence: %s', (_, lead, sound, tail, want) => {
    const rate = 8000;
    const x = Float32Array.from([
      ...new Float32Array(Math.round(lead * rate)), ...sine(440, rate, sound).map((v, i) => (i === 0 ? 0.2 : v)), ...new Float32Array(Math.round(tail * rate)),
    ]);
    const out = trimSilence(x, rate);
    expect(out.length / rate).toBeCloseTo(want, 2);
  });

  it('toTelephonyWav with trim cuts espeak-ng\'s tail of silence', () => {
    const rate = 22050;
    const x = Float32Array.from([...sine(300, rate, 0.5), ...new Float32Array(Math.round(0.3 * rate))]);
    const plain = wavInfo(toTelephonyWav(makeWav([x], { rate, channels: 1, bits: 16 })));
    const trimmed = wavInfo(toTelephonyWav(makeWav([x], { rate, channels: 1, bits: 16 }), 8000, { trim: true }));
    expect(plain.durationSec).toBeCloseTo(0.8, 2);
    expect(trimmed.durationSec).toBeGreaterThan(0.6);
    expect(trimmed.durationSec).toBeLessThan(0.65);
  });

  const bad: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /not a RIFF/],
    ['text', Buffer.from('hello world, not audio'), /not a RIFF/],
    ['RIFF without fmt', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')]), /no fmt chunk/],
    ['A-law', (() => { const b = makeWav([sine(1, 8000, 0.01)], { rate: 8000, channels: 1, bits: 16 }); b.writeUInt16LE(6, 20); return b; })(), /unsupported sample format 6/],
    ['0 channels', (() => { const b = makeWav([sine(1, 8000, 0.01)], { rate: 8000, channels: 1, bits: 16 }); b.writeUInt16LE(0, 22); return b; })(), /channel count 0/],
    ['no data chunk', makeWav([sine(1, 8000, 0.01)], { rate: 8000, channels: 1, bits: 16 }).subarray(0, 36), /no data chunk/],
  ];
  it.each(bad)('malformed: %s → WavError', (_, buf, re) => {
    expect(() => toTelephonyWav(buf)).toThrow(WavError);
    expect(() => wavInfo(buf)).toThrow(re);
  });
});

// ───────────────────────────── engines ─────────────────────────────

const hasEspeak = (() => {
  try { execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();

/** Texts that would hurt if they reached a shell, an option parser or festival's Scheme reader. */
const NASTY = [
  `他说："你好" '单引号' $(touch ${join(tmp, 'pwned-subst')}) \`touch ${join(tmp, 'pwned-backtick')}\``,
  '") (system "touch /tmp/pwned-scheme") ("',
  '-w /tmp/pwned-option --version',
  'a; rm -rf / && echo $HOME | cat > /tmp/pwned-pipe\n第二行 <speak>不是 SSML</speak>',
];

/**
 * A stand-in espeak-ng that records its argv and stdin, and writes a small WAV. Its `-x -q` answers
 * are what espeak-ng 1.51 prints: `cmn` (and `zh`) read Chinese as English, `cmn-latn-pinyin` is
 * Mandarin; `mandarin` lists which voices are Mandarin (default: cmn-latn-pinyin only).
 */
function fakeEspeak(name = 'espeak-ng', mandarin = ['cmn-latn-pinyin']): string {
  const dir = join(tmp, 'fake-bin');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
const mandarin = ${JSON.stringify(mandarin)};
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  if (args[0] === '--version') { console.log('eSpeak NG text-to-speech: fake'); return; }
  if (args[0].startsWith('--voices')) {
    console.log('Pty Language       Age/Gender VoiceName          File                 Other Languages');
    console.log(' 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)');
    console.log(' 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin  (zh-cmn 5)(zh 5)');
    console.log(' 5  zh              --/M      chinese-mb-cn1     mb/mb-cn1');
    return;
  }
  const voice = args[args.indexOf('-v') + 1];
  if (args.includes('-x')) {
    console.log(mandarin.includes(voice) ? "n'i35_| X'Au214_|" : "(en)nI55Tr'i:55_| h,eI55@55Tr'i:55(cmn)_|");
    return;
  }
  const out = args[args.indexOf('-w') + 1];
  fs.writeFileSync(out + '.json', JSON.stringify({ args, input }));
  const n = 2205, b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(22050, 24); b.writeUInt32LE(44100, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin(i / 5)), 44 + i * 2);
  fs.writeFileSync(out, b);
});
`);
  chmodSync(path, 0o755);
  return path;
}

describe('EspeakNgEngine', () => {
  it('passes the text through stdin only, byte for byte (quotes, $(), backticks, Scheme, options)', async () => {
    const engine = new EspeakNgEngine({ command: fakeEspeak() });
    expect(await engine.probe()).toEqual({ ok: true });
    for (const [i, text] of NASTY.entries()) {
      const out = join(tmp, `fake-${i}.wav`);
      await engine.synthesize(text, out);
      const seen = JSON.parse(readFileSync(out + '.json', 'utf8')) as { args: string[]; input: string };
      expect(seen.input).toBe(text);
      expect(seen.args).toEqual(['-v', 'cmn-latn-pinyin', '-s', '200', '-b', '1', '-w', out, '--stdin']);
    }
    expect(readdirSync(tmp).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('a missing binary is reported, not thrown', async () => {
    const engine = new EspeakNgEngine({ command: join(tmp, 'no-such-espeak') });
    const p = await engine.probe();
    expect(p.ok).toBe(false);
    expect(p.reason).toMatch(/not found/);
    await expect(engine.synthesize('你好', join(tmp, 'x.wav'))).rejects.toThrow(/espeak-ng failed/);
  });

  it('rejects a voice name that is not a plain identifier, and a speed out of range', () => {
    expect(() => new EspeakNgEngine({ voice: 'cmn; rm -rf /' })).toThrow(/bad voice name/);
    expect(() => new EspeakNgEngine({ speed: 20 })).toThrow(/speed 20/);
  });

  it('verify(): the Mandarin sample\'s phonemes must not switch language', async () => {
    const command = fakeEspeak();
    expect(await new EspeakNgEngine({ command }).verify()).toMatchObject({ ok: true, detail: "n'i35_| X'Au214_|" });
    const bad = await new EspeakNgEngine({ command, voice: 'cmn' }).verify();
    expect(bad.ok).toBe(false);
    expect(bad.reason).toMatch(/voice "cmn" is not Mandarin.*\(en\).*English/);
    expect((await new EspeakNgEngine({ command, voice: 'yue' }).verify()).reason).toMatch(/voice "yue" not installed/);
  });

  // Real espeak-ng: skipped where it is not installed (CI installs it: apt-get install espeak-ng).
  it.skipIf(!hasEspeak)('real espeak-ng renders Mandarin, converted to 8 kHz mono 16-bit; nasty text stays text', async () => {
    const engine = new EspeakNgEngine();
    expect(await engine.available()).toBe(true);
    expect(await engine.verify()).toMatchObject({ ok: true });
    const cache = new PromptCache({ engine, dir: join(tmp, 'real') });
    const { path, hash } = await cache.get('欢迎致电96365政务服务便民热线');
    expect(basename(path)).toBe(`${hash}.wav`);
    const info = wavInfo(readFileSync(path));
    expect(info).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(info.durationSec).toBeGreaterThan(1);
    for (const text of NASTY) {
      const r = await cache.get(text);
      expect(wavInfo(readFileSync(r.path)).durationSec).toBeGreaterThan(0.2);
    }
    expect(readdirSync(tmp).filter((f) => f.startsWith('pwned'))).toEqual([]);
    expect(['/tmp/pwned-scheme', '/tmp/pwned-option', '/tmp/pwned-pipe'].filter((f) => existsSync(f))).toEqual([]);
  });
});

describe('SayEngine, NoneEngine, selection', () => {
  it('say on Linux is unavailable, with the reason (festival only, no export)', async () => {
    const say = new SayEngine({ platform: 'linux' });
    const p = await say.probe();
    expect(p.ok).toBe(false);
    expect(p.reason).toMatch(/festival/);
    expect(p.reason).toMatch(/export/);
    await expect(say.synthesize('你好', join(tmp, 's.wav'))).rejects.toBeInstanceOf(TtsUnavailableError);
  });

  it('say refuses a voice name that would be pasted into a PowerShell command', async () => {
    expect((await new SayEngine({ platform: 'win32', voice: "x'); Remove-Item C:\\ -Recurse; ('" }).probe()).ok).toBe(false);
  });

  it('none is never available and says why', async () => {
    const none = new NoneEngine();
    expect(await none.available()).toBe(false);
    await expect(none.synthesize()).rejects.toBeInstanceOf(TtsUnavailableError);
  });

  const missing = { command: join(tmp, 'no-such-espeak') };
  it.each([
    ['none', 'linux', {}, 'none', null],
    ['espeak-ng', 'linux', { espeak: { command: fakeEspeak() } }, 'espeak-ng', null],
    ['auto', 'linux', { espeak: { command: fakeEspeak() } }, 'espeak-ng', null],
    ['espeak-ng', 'linux', { espeak: missing }, 'none', /TTS fallback unavailable.*not found/],
    ['auto', 'linux', { espeak: missing }, 'none', /not found/],
    ['say', 'linux', {}, 'none', /festival/],
    ['auto', 'freebsd', { espeak: missing }, 'none', /not found/],
    ['festival', 'linux', { espeak: { command: fakeEspeak() } }, 'espeak-ng', /unknown tts engine "festival"/],
  ] as const)('%s on %s → %s', async (choice, platform, opts, name, warning) => {
    const r = await selectTtsEngine(choice, { platform, ...opts });
    expect(r.engine.name).toBe(name);
    if (warning) expect(r.warning).toMatch(warning);
    else expect(r.warning).toBeNull();
  });

  it('a configured voice that is not Mandarin is replaced at start-up by one that is, with a warning', async () => {
    const r = await selectTtsEngine('espeak-ng', { espeak: { command: fakeEspeak(), voice: 'cmn', speed: 200 } });
    expect(r.engine).toMatchObject({ name: 'espeak-ng', voice: 'cmn-latn-pinyin', cacheTag: 's200' });
    expect(r.warning).toMatch(/voice "cmn" is not Mandarin.*using Mandarin voice "cmn-latn-pinyin".*HOTLINE_VOICE_TTS_VOICE=cmn-latn-pinyin/);
  });

  it('no voice passes: TTS is off with a clear warning (captions and recordings only)', async () => {
    const r = await selectTtsEngine('auto', { platform: 'linux', espeak: { command: fakeEspeak('espeak-ng-english', []), voice: 'cmn' } });
    expect(r.engine.name).toBe('none');
    expect(r.warning).toMatch(/TTS fallback unavailable.*voice "cmn" is not Mandarin/);
  });

  it('verify: false only probes (tts check then verifies the configured voice itself)', async () => {
    const r = await selectTtsEngine('espeak-ng', { verify: false, espeak: { command: fakeEspeak(), voice: 'cmn' } });
    expect(r.engine.voice).toBe('cmn');
    expect(r.warning).toBeNull();
  });
});

// ───────────────────────────── prompt cache ─────────────────────────────

/** An in-process engine: counts calls and overlapping renders, can be told to fail. */
class FakeEngine implements TtsEngine {
  readonly name = 'fake';
  calls: string[] = [];
  running = 0;
  maxRunning = 0;
  fail = false;
  constructor(readonly voice = 'v1', private readonly ok = true) {}
  async probe() { return this.ok ? { ok: true } : { ok: false, reason: 'fake engine is off' }; }
  async available() { return this.ok; }
  async synthesize(text: string, out: string) {
    this.calls.push(text);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise((r) => setTimeout(r, 10));
    this.running--;
    if (this.fail) throw new Error('synthesis exploded');
    writeFileSync(out, encodeWavPcm16(sine(300, 16000, 0.2), 16000));
  }
}

let cacheN = 0;
const cacheDir = () => join(tmp, `cache${++cacheN}`);

describe('PromptCache', () => {
  it('renders once, stores 8 kHz mono under the 64-hex hash, and serves it from disk after', async () => {
    const engine = new FakeEngine();
    const cache = new PromptCache({ engine, dir: cacheDir() });
    const [a, b] = await Promise.all([cache.get('您好'), cache.get('  您好 ')]); // same text after normalisation
    expect(a).toEqual(b);
    expect(engine.calls).toEqual(['您好']);
    expect(basename(a.path)).toMatch(/^[0-9a-f]{64}\.wav$/); // long file name → long media URL (Asterisk 22 needs it)
    expect(wavInfo(readFileSync(a.path))).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames: 1600 });
    expect(await cache.get('您好')).toEqual(a);
    expect(engine.calls).toHaveLength(1);
    expect(readdirSync(cache.dir).filter((f) => f.startsWith('.'))).toEqual([]); // no temp files left
  });

  it('limits concurrent renders', async () => {
    const engine = new FakeEngine();
    const cache = new PromptCache({ engine, dir: cacheDir(), concurrency: 1 });
    await Promise.all(['一', '二', '三', '四', '五'].map((t) => cache.get(t)));
    expect(engine.calls).toHaveLength(5);
    expect(engine.maxRunning).toBe(1);
    const engine2 = new FakeEngine();
    const cache2 = new PromptCache({ engine: engine2, dir: cacheDir(), concurrency: 2 });
    await Promise.all(['一', '二', '三', '四', '五'].map((t) => cache2.get(t)));
    expect(engine2.maxRunning).toBe(2);
  });

  it('the hash depends on engine, voice and settings (speed) and on the text as spoken, not on whitespace', () => {
    const c1 = new PromptCache({ engine: new FakeEngine('v1'), dir: cacheDir() });
    const c2 = new PromptCache({ engine: new FakeEngine('v2'), dir: cacheDir() });
    const fast = Object.assign(new FakeEngine('v1'), { cacheTag: 's220' });
    const c3 = new PromptCache({ engine: fast, dir: cacheDir() });
    expect(c1.hashOf('a  b')).toBe(c1.hashOf(' a b '));
    expect(c1.hashOf('a b')).not.toBe(c2.hashOf('a b'));
    expect(c1.hashOf('a b')).not.toBe(c3.hashOf('a b'));
    expect(c1.hashOf('a b')).toMatch(/^[0-9a-f]{64}$/);
    expect(c1.hashOf('96365')).toBe(c1.hashOf('九六三六五')); // same words, same file
  });

  it('the engine is given the text as a caller should hear it (digits, dates, symbols in Chinese)', async () => {
    const engine = new FakeEngine();
    const cache = new PromptCache({ engine, dir: cacheDir() });
    await cache.get('欢迎致电96365，查询请按1，重听请按*。');
    expect(engine.calls).toEqual(['欢迎致电九六三六五，查询请按一，重听请按星号。']);
    expect(cache.spoken('2026年12月2日 8:30')).toBe('二〇二六年十二月二日 八点三十分');
  });

  it('rejects empty and oversized text', async () => {
    const cache = new PromptCache({ engine: new FakeEngine(), dir: cacheDir(), maxTextLength: 10 });
    await expect(cache.get('   ')).rejects.toThrow(/empty text/);
    await expect(cache.get('字'.repeat(11))).rejects.toThrow(/too long/);
  });

  it('a failed render leaves nothing behind and is retried next time', async () => {
    const engine = new FakeEngine();
    const cache = new PromptCache({ engine, dir: cacheDir() });
    engine.fail = true;
    await expect(cache.get('失败')).rejects.toThrow(/exploded/);
    expect(readdirSync(cache.dir)).toEqual([]);
    engine.fail = false;
    await expect(cache.get('失败')).resolves.toMatchObject({ hash: cache.hashOf('失败') });
    expect(engine.calls).toEqual(['失败', '失败']);
  });

  it('renderAll: renders the catalogue, skips professional recordings, then finds everything cached', async () => {
    const engine = new FakeEngine();
    const sounds = join(tmp, 'sounds');
    mkdirSync(sounds, { recursive: true });
    writeFileSync(join(sounds, 'welcome.wav'), encodeWavPcm16(sine(300, 8000, 0.1), 8000));
    const cache = new PromptCache({ engine, dir: cacheDir(), soundsDir: sounds });
    const prompts = { welcome: '欢迎致电96365', goodbye: '再见', digit_1: '幺' };
    expect(await cache.renderAll(prompts)).toEqual({ rendered: ['digit_1', 'goodbye'], cached: [], recorded: ['welcome'], failed: [], skipped: false });
    expect(await cache.renderAll(prompts)).toEqual({ rendered: [], cached: ['goodbye', 'digit_1'], recorded: ['welcome'], failed: [], skipped: false });
    expect(engine.calls.sort()).toEqual(['再见', '幺']);
    expect(await cache.resolvePrompt('welcome', '欢迎致电96365')).toEqual({ kind: 'recorded', name: 'welcome', path: join(sounds, 'welcome.wav') });
    expect(await cache.resolvePrompt('goodbye', '再见')).toMatchObject({ kind: 'tts', name: 'goodbye', hash: cache.hashOf('再见') });
    expect(cache.recordedPrompt('../etc/passwd')).toBeNull();
  });

  it('no engine: a clear warning, not a crash; recordings still resolve', async () => {
    const warnings: string[] = [];
    const sounds = join(tmp, 'sounds2');
    mkdirSync(sounds, { recursive: true });
    writeFileSync(join(sounds, 'goodbye.wav'), encodeWavPcm16(sine(300, 8000, 0.1), 8000));
    const cache = new PromptCache({ engine: new NoneEngine(), dir: cacheDir(), soundsDir: sounds, log: { warn: (m) => warnings.push(m) } });
    const r = await cache.renderAll({ welcome: '欢迎', goodbye: '再见' });
    expect(r).toMatchObject({ skipped: true, recorded: ['goodbye'], failed: [{ name: 'welcome', error: 'TTS unavailable' }] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/1 prompt\(s\) not rendered, TTS engine "none" unavailable/);
    await expect(cache.get('欢迎')).rejects.toBeInstanceOf(TtsUnavailableError);
    expect(await cache.resolvePrompt('goodbye', '再见')).toMatchObject({ kind: 'recorded' });
  });
});

/** `hotline tts check` and `hotline tts say` with the real espeak-ng (skipped only where it is missing; CI installs it). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerVoiceCommands, type VoiceCliCommand } from '../../src/voice/channel.js';
import { wavInfo } from '../../src/voice/tts/index.js';
import { testConfig } from '../helpers/context.js';

const hasEspeak = (() => {
  try { execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();
if (!hasEspeak) console.warn('SKIPPED: espeak-ng is not installed (apt-get install espeak-ng) — `hotline tts check/say` tests in test/voice/tts-cli.test.ts did not run');

const dir = mkdtempSync(join(tmpdir(), 'tts-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out = '';
let err = '';
beforeEach(() => {
  out = err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
});
afterEach(() => vi.restoreAllMocks());

const commands = new Map<string, VoiceCliCommand>();
registerVoiceCommands(commands);
const run = (name: string, args: string[], env: Record<string, string>) => commands.get(name)!(args, testConfig({ HOTLINE_VOICE_TTS: 'espeak-ng', ...env }, dir));

describe('hotline tts check', () => {
  it('with TTS off it fails with one line', async () => {
    expect(await run('tts check', [], { HOTLINE_VOICE_TTS: 'none' })).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/tts check 失败 failed/);
  });

  it.skipIf(!hasEspeak)('fails with the voice cmn (English) — one clear line, exit 1, naming the voice that works', async () => {
    expect(await run('tts check', [], { HOTLINE_VOICE_TTS_VOICE: 'cmn' })).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/tts check 失败 failed: .*voice "cmn" is not Mandarin.*\(en\).*English/);
    expect(err).toMatch(/HOTLINE_VOICE_TTS_VOICE=cmn-latn-pinyin/);
    expect(out).toBe('');
  });

  it.skipIf(!hasEspeak)('passes with the default voice', async () => {
    expect(await run('tts check', [], {})).toBe(0);
    expect(out).toMatch(/tts check ok: espeak-ng 语音 voice "cmn-latn-pinyin" \(speed 200\) 说普通话 speaks Mandarin — sample \d+\.\d s at 8 kHz/);
    expect(out).not.toMatch(/\(en\)/);
    expect(err).toBe('');
  });

  it.skipIf(!hasEspeak)('fails with Cantonese (yue) too', async () => {
    expect(await run('tts check', [], { HOTLINE_VOICE_TTS_VOICE: 'yue' })).toBe(1);
    expect(err).toMatch(/not Mandarin/);
  });
});

describe('hotline tts say', () => {
  it('needs a text', async () => {
    expect(await run('tts say', [], {})).toBe(2);
    expect(err).toMatch(/usage: hotline tts say/);
  });

  it.skipIf(!hasEspeak)('renders any text through the prompt pipeline into an 8 kHz WAV', async () => {
    const file = join(dir, 'preview.wav');
    expect(await run('tts say', ['请拨打96365，', '费用320元', '--out', file], {})).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(wavInfo(readFileSync(file))).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(wavInfo(readFileSync(file)).durationSec).toBeGreaterThan(1);
    expect(out).toContain('朗读 reads: 请拨打九六三六五，费用三百二十元');
    expect(err).toBe('');
  });

  it.skipIf(!hasEspeak)('at a configured voice that fails, says so and uses the one the server would use', async () => {
    const file = join(dir, 'fallback.wav');
    expect(await run('tts say', ['您好', '--out', file], { HOTLINE_VOICE_TTS_VOICE: 'cmn' })).toBe(0);
    expect(err).toMatch(/using Mandarin voice "cmn-latn-pinyin"/);
    expect(out).toMatch(/"cmn-latn-pinyin"/);
  });
});

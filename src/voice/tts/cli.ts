/**
 * `hotline tts check` and `hotline tts say`, and the engine options both share with start-up.
 *
 *  - tts check: the configured engine and voice (no fallback) render MANDARIN_SAMPLE through the
 *    prompt pipeline and must speak Mandarin (espeak-ng: no language switch in the phonemes).
 *    A voice that fails stops with one line on stderr and exit 1.
 *  - tts say <text> [--out file.wav]: any text through the same pipeline as the prompts (reading of
 *    numbers, engine, 8 kHz mono 16-bit), written to a WAV file so staff can listen to it.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/index.js';
import { EspeakNgEngine, ESPEAK_MANDARIN_VOICES, MANDARIN_SAMPLE, selectTtsEngine, type SelectOptions, type TtsChoice, type TtsEngine, type TtsVerdict } from './engines.js';
import { checkMandarinPhonemes } from './phonemes.js';
import { PromptCache } from './prompt-cache.js';
import { wavInfo } from './wav.js';

/** Engine options from the voice config (voice.tts_voice, voice.tts_speed). */
export function ttsSelectOptions(config: Config): SelectOptions {
  const voice = config.voice.tts_voice.trim() || undefined;
  const speed = config.voice.tts_speed;
  return { espeak: { voice, speed }, say: { voice, speed } };
}

/** Render one text through the prompt pipeline into a temp dir; returns the WAV bytes and what the engine was given. */
async function render(engine: TtsEngine, text: string): Promise<{ wav: Buffer; spoken: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-tts-'));
  try {
    const cache = new PromptCache({ engine, dir, log: { warn: () => undefined } });
    const { path } = await cache.get(text);
    return { wav: readFileSync(path), spoken: cache.spoken(text) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Cmd = (args: string[], config: Config) => Promise<number>;

export function registerTtsCommands(extra: Map<string, Cmd>): void {
  extra.set('tts check', async (_args, config) => {
    const choice = config.voice.tts as TtsChoice;
    const opts = ttsSelectOptions(config);
    // The installed engine the configuration names (probe only), then its configured voice, unreplaced.
    const picked = await selectTtsEngine(choice, { ...opts, verify: false });
    const engine = picked.engine;
    if (engine.name === 'none') {
      process.stderr.write(`tts check 失败 failed: ${picked.warning ?? 'TTS 已关闭 / TTS disabled (HOTLINE_VOICE_TTS=none)'}\n`);
      return 1;
    }
    const v: TtsVerdict = engine.verify ? await engine.verify() : await engine.probe();
    if (!v.ok) {
      let hint = '';
      if (engine instanceof EspeakNgEngine) {
        for (const voice of ESPEAK_MANDARIN_VOICES.filter((x) => x !== engine.voice)) {
          if ((await new EspeakNgEngine({ ...opts.espeak, voice }).verify()).ok) { hint = ` — 可用 use HOTLINE_VOICE_TTS_VOICE=${voice}`; break; }
        }
      }
      process.stderr.write(`tts check 失败 failed: ${v.reason ?? 'unavailable'}${v.detail ? ` (phonemes: ${v.detail.replace(/\s+/g, ' ').slice(0, 120)})` : ''}${hint}\n`);
      return 1;
    }
    let seconds: number;
    try { seconds = wavInfo((await render(engine, MANDARIN_SAMPLE)).wav).durationSec; } catch (e) {
      process.stderr.write(`tts check 失败 failed: ${engine.name} voice "${engine.voice}" could not render the sample: ${(e as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`tts check ok: ${engine.name} 语音 voice "${engine.voice}"${engine.cacheTag ? ` (${engine.cacheTag.replace(/^s/, 'speed ')})` : ''} 说普通话 speaks Mandarin — sample ${seconds.toFixed(1)} s at 8 kHz\n`);
    if (v.detail) process.stdout.write(`  ${v.detail.replace(/\s+/g, ' ')}\n`);
    return 0;
  });

  extra.set('tts say', async (args, config) => {
    const rest = [...args];
    let out = 'tts-say.wav';
    const i = rest.indexOf('--out');
    if (i >= 0) {
      if (!rest[i + 1]) { process.stderr.write('usage: hotline tts say <text> [--out file.wav]\n'); return 2; }
      out = rest[i + 1];
      rest.splice(i, 2);
    }
    const text = rest.join(' ').trim();
    if (!text) { process.stderr.write('usage: hotline tts say <text> [--out file.wav]\n'); return 2; }
    const picked = await selectTtsEngine(config.voice.tts as TtsChoice, ttsSelectOptions(config));
    if (picked.warning) process.stderr.write(`${picked.warning}\n`);
    if (picked.engine.name === 'none') return 1;
    let r: { wav: Buffer; spoken: string };
    const dir = mkdtempSync(join(tmpdir(), 'hotline-tts-say-'));
    try {
      const cache = new PromptCache({ engine: picked.engine, dir, log: { warn: () => undefined } });
      const c = await cache.get(text);
      copyFileSync(c.path, resolve(out));
      r = { wav: readFileSync(c.path), spoken: cache.spoken(text) };
    } catch (e) {
      process.stderr.write(`tts say 失败 failed: ${(e as Error).message}\n`);
      return 1;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const info = wavInfo(r.wav);
    process.stdout.write(`${resolve(out)}: ${info.durationSec.toFixed(1)} s, ${info.sampleRate} Hz mono — ${picked.engine.name} "${picked.engine.voice}"\n`);
    process.stdout.write(`  朗读 reads: ${r.spoken}\n`);
    if (picked.engine instanceof EspeakNgEngine) {
      const ph = await picked.engine.phonemes(r.spoken).catch(() => '');
      const v = checkMandarinPhonemes(ph);
      if (!v.ok) process.stderr.write(`  注意 warning: ${v.reason}\n`);
    }
    return 0;
  });
}

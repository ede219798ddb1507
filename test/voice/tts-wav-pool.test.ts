/** TTS WAV post-processing in a worker_threads worker: the same bytes as on the main thread, and the fallback. */
import { afterAll, describe, expect, it } from 'vitest';
import { WavConvertPool, WavError, inlineWavConverter, toTelephonyWav } from '../../src/voice/tts/index.js';

/** A fixed espeak-ng-like input: 22 050 Hz mono 16-bit, a chirp with a silent tail. */
function fixedWav(): Buffer {
  const rate = 22050;
  const n = Math.round(rate * 0.7);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const v = i < rate * 0.5 ? 0.4 * Math.sin(2 * Math.PI * (200 + 800 * t) * t) + 0.1 * Math.sin(2 * Math.PI * 3100 * t) : 0;
    data.writeInt16LE(Math.round(v * 32767), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1'); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1'); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1'); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const pools: WavConvertPool[] = [];
afterAll(async () => { await Promise.all(pools.map((p) => p.close())); });

describe('WavConvertPool', () => {
  it('a worker gives byte-for-byte the WAV the main thread gives (trimmed and not, 8 and 16 kHz)', async () => {
    const fallbacks: string[] = [];
    const pool = new WavConvertPool({ size: 1, onFallback: (r) => fallbacks.push(r) });
    pools.push(pool);
    const input = fixedWav();
    const before = Buffer.from(input);
    for (const [rate, trim] of [[8000, true], [8000, false], [16000, true]] as const) {
      const inWorker = await pool.convert(input, rate, { trim });
      const inline = await inlineWavConverter.convert(input, rate, { trim });
      expect(inline.equals(toTelephonyWav(input, rate, { trim }))).toBe(true);
      expect(inWorker.equals(inline)).toBe(true);
    }
    expect(input.equals(before)).toBe(true); // the caller's buffer is left alone
    expect(fallbacks).toEqual([]);
    expect(pool.fallbackReason).toBeNull(); // it really ran in the worker
  });

  it('concurrent jobs come back to their own callers; a bad WAV is a WavError, as inline', async () => {
    const pool = new WavConvertPool({ size: 2 });
    pools.push(pool);
    const input = fixedWav();
    const jobs = await Promise.all([8000, 11025, 16000, 8000].map((r) => pool.convert(input, r, { trim: true })));
    for (const [i, r] of [8000, 11025, 16000, 8000].entries()) expect(jobs[i].equals(toTelephonyWav(input, r, { trim: true }))).toBe(true);
    await expect(pool.convert(Buffer.from('not audio'), 8000)).rejects.toBeInstanceOf(WavError);
    expect(pool.fallbackReason).toBeNull();
  });

  it('size 0 (workers unavailable) converts on the main thread, same bytes', async () => {
    const pool = new WavConvertPool({ size: 0 });
    const input = fixedWav();
    expect((await pool.convert(input, 8000, { trim: true })).equals(toTelephonyWav(input, 8000, { trim: true }))).toBe(true);
    expect(pool.fallbackReason).toBe('workers: 0');
  });
});

/**
 * Worker thread body for WavConvertPool (./wav-pool.ts): converts espeak-ng's WAV output to
 * 8 kHz mono 16-bit (toTelephonyWav) off the main thread. One message in, one out:
 *   in  { id, wav: ArrayBuffer, rate, trim }   out { id, wav: ArrayBuffer } | { id, error, name }
 */
import { parentPort } from 'node:worker_threads';
import { toTelephonyWav, type TrimOptions } from './wav.js';

interface Job { id: number; wav: ArrayBuffer; rate: number; trim?: TrimOptions | boolean }

parentPort?.on('message', (job: Job) => {
  try {
    const out = toTelephonyWav(Buffer.from(job.wav), job.rate, { trim: job.trim });
    // Send the bytes without a copy when the Buffer owns its whole ArrayBuffer (Buffer.alloc does).
    const ab = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? out.buffer as ArrayBuffer
      : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer;
    parentPort!.postMessage({ id: job.id, wav: ab }, [ab]);
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ id: job.id, error: String(err?.message ?? err), name: String(err?.name ?? 'Error') });
  }
});
parentPort?.postMessage({ ready: true });

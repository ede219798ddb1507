/**
 * Recordings for the panel: the file named by a feedback row (never by the request) must lie under
 * <data dir>/recordings/ (after resolving symlinks); μ-law/A-law WAV is converted to 16-bit PCM,
 * which every browser plays.
 */
import { realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

/** The absolute path of a stored recording, or null when it would fall outside the recordings dir. */
export function resolveRecording(dataDir: string, recordingPath: string): string | null {
  if (!recordingPath || recordingPath.includes('\0')) return null;
  const base = resolve(dataDir, 'recordings');
  const p = isAbsolute(recordingPath) ? resolve(recordingPath) : resolve(base, recordingPath);
  if (!inside(base, p)) return null;
  try {
    const realBase = realpathSync(base);
    const real = realpathSync(p);
    return inside(realBase, real) ? real : null;
  } catch {
    return null; // missing file (or base)
  }
}

function inside(base: string, p: string): boolean {
  const rel = relative(base, p);
  return rel !== '' && rel.split(sep)[0] !== '..' && !isAbsolute(rel);
}

/** Read a recording as browser-playable WAV bytes (null when missing, too big or not a file). */
export async function loadPlayableWav(file: string): Promise<Buffer | null> {
  const st = await stat(file).catch(() => null);
  if (!st || !st.isFile() || st.size > MAX_RECORDING_BYTES) return null;
  return toPlayableWav(await readFile(file));
}

const ULAW_TABLE = (() => {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff;
    const sign = u & 0x80, exponent = (u >> 4) & 0x07, mantissa = u & 0x0f;
    let s = ((mantissa << 3) + 0x84) << exponent;
    s -= 0x84;
    t[i] = sign ? -s : s;
  }
  return t;
})();

const ALAW_TABLE = (() => {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) {
    const a = i ^ 0x55;
    const sign = a & 0x80, exponent = (a >> 4) & 0x07, mantissa = a & 0x0f;
    const s = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    t[i] = sign ? s : -s;
  }
  return t;
})();

/** PCM WAV passes through; G.711 WAV (format 6 A-law / 7 μ-law) becomes 16-bit PCM. Anything else unchanged. */
export function toPlayableWav(buf: Buffer): Buffer {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return buf;
  let off = 12, format = 0, channels = 1, rate = 8000, bits = 8;
  let data: Buffer | null = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = buf.subarray(off + 8, Math.min(buf.length, off + 8 + size));
    if (id === 'fmt ' && body.length >= 16) {
      format = body.readUInt16LE(0); channels = body.readUInt16LE(2); rate = body.readUInt32LE(4); bits = body.readUInt16LE(14);
    } else if (id === 'data') { data = body; break; }
    off += 8 + size + (size & 1);
  }
  if (!data || (format !== 6 && format !== 7) || bits !== 8) return buf;
  const table = format === 7 ? ULAW_TABLE : ALAW_TABLE;
  const pcm = Buffer.alloc(data.length * 2);
  for (let i = 0; i < data.length; i++) pcm.writeInt16LE(table[data[i]], i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii'); h.writeUInt32LE(36 + pcm.length, 4); h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii'); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * channels * 2, 28); h.writeUInt16LE(channels * 2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii'); h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

/**
 * Minimal RIFF/WAVE support for the simulator: write 8 kHz mono 16-bit PCM (what
 * Asterisk records with format=wav) and read the duration of any PCM WAV.
 */

export const SAMPLE_RATE = 8000;

/** One stretch of the caller's audio: talking (a quiet voice-like tone with noise) or silence. */
export interface AudioSegment {
  ms: number;
  talking: boolean;
}

/** Wrap little-endian 16-bit mono samples into a canonical 44-byte-header WAV. */
export function pcm16ToWav(pcm: Buffer, sampleRate = SAMPLE_RATE): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/**
 * Synthesize the caller's side of a recording: deterministic (seeded) so two runs
 * give the same bytes. Talking = 300 Hz + 450 Hz tones with a little noise, silence = zeros.
 */
export function synthesizePcm(segments: AudioSegment[], seed = 1): Buffer {
  const total = segments.reduce((n, s) => n + Math.max(0, Math.round((s.ms * SAMPLE_RATE) / 1000)), 0);
  const pcm = Buffer.alloc(total * 2);
  let i = 0;
  let rnd = seed >>> 0 || 1;
  for (const seg of segments) {
    const n = Math.max(0, Math.round((seg.ms * SAMPLE_RATE) / 1000));
    for (let k = 0; k < n; k++, i++) {
      let v = 0;
      if (seg.talking) {
        rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
        const noise = ((rnd >>> 16) & 0x3ff) - 512;
        const t = i / SAMPLE_RATE;
        v = Math.round(3000 * Math.sin(2 * Math.PI * 300 * t) + 1500 * Math.sin(2 * Math.PI * 450 * t) + noise);
      }
      pcm.writeInt16LE(Math.max(-32768, Math.min(32767, v)), i * 2);
    }
  }
  return pcm;
}

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataBytes: number;
  dataOffset: number;
  durationMs: number;
}

/** Parse a RIFF/WAVE header, walking the chunks; undefined when the bytes are not a usable WAV. */
export function parseWav(buf: Buffer): WavInfo | undefined {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let fmt: { sampleRate: number; channels: number; bitsPerSample: number; blockAlign: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && body + 16 <= buf.length) {
      fmt = {
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt || fmt.sampleRate === 0 || fmt.blockAlign === 0) return undefined;
      // A streaming writer may leave the size at 0 or 0xFFFFFFFF: trust the bytes present.
      const dataBytes = Math.min(size, buf.length - body);
      const frames = Math.floor(dataBytes / fmt.blockAlign);
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bitsPerSample,
        dataBytes,
        dataOffset: body,
        durationMs: (frames * 1000) / fmt.sampleRate,
      };
    }
    off = body + size + (size & 1);
  }
  return undefined;
}

/** G.711 µ-law encoder (for format=ulaw recordings). */
export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, sample));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** G.711 A-law encoder (for format=alaw recordings). */
export function linearToAlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, sample));
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  let out: number;
  if (s < 256) {
    out = s >> 4;
  } else {
    let exponent = 1;
    for (let v = s >> 8; v > 1 && exponent < 7; v >>= 1) exponent++;
    out = (exponent << 4) | ((s >> (exponent + 3)) & 0x0f);
  }
  return (out | sign) ^ 0x55;
}

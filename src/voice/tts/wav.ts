/**
 * WAV (RIFF) parsing and conversion to what Asterisk plays best: 8 kHz, mono, 16-bit PCM.
 *
 * Pure TypeScript, no sox: parse the RIFF chunks, decode any common PCM/float layout to floats,
 * mix down to mono, low-pass (windowed-sinc FIR) below the new Nyquist frequency, then resample
 * by linear interpolation and quantise to 16 bits.
 */

export class WavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavError';
  }
}

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 'pcm' (integer) or 'float' (IEEE). */
  encoding: 'pcm' | 'float';
  blockAlign: number;
  /** Byte offset and length of the sample data. */
  dataOffset: number;
  dataBytes: number;
  frames: number;
  durationSec: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Read the header of a WAV buffer. Throws WavError for anything that is not a usable WAV. */
export function wavInfo(buf: Buffer): WavInfo {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | null = null;
  let dataOffset = -1;
  let dataBytes = 0;
  let p = 12;
  while (p + 8 <= buf.length) {
    const id = buf.toString('latin1', p, p + 4);
    const size = buf.readUInt32LE(p + 4);
    const body = p + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavError('fmt chunk too short');
      let format = buf.readUInt16LE(body);
      const bits = buf.readUInt16LE(body + 14);
      if (format === FORMAT_EXTENSIBLE) {
        // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the SubFormat GUID.
        if (size < 40 || body + 40 > buf.length) throw new WavError('extensible fmt chunk too short');
        format = buf.readUInt16LE(body + 24);
      }
      fmt = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), blockAlign: buf.readUInt16LE(body + 12), bits };
    } else if (id === 'data') {
      dataOffset = body;
      // Streaming writers leave the size at 0 or 0xFFFFFFFF; a truncated file is read as far as it goes.
      dataBytes = size === 0 || size === 0xffffffff || body + size > buf.length ? buf.length - body : size;
      break;
    }
    p = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw new WavError('no fmt chunk');
  if (dataOffset < 0) throw new WavError('no data chunk');
  const { format, channels, sampleRate, bits } = fmt;
  let encoding: 'pcm' | 'float';
  if (format === FORMAT_PCM && [8, 16, 24, 32].includes(bits)) encoding = 'pcm';
  else if (format === FORMAT_FLOAT && (bits === 32 || bits === 64)) encoding = 'float';
  else throw new WavError(`unsupported sample format ${format} with ${bits} bits`);
  if (channels < 1 || channels > 16) throw new WavError(`unsupported channel count ${channels}`);
  if (sampleRate < 1000 || sampleRate > 768_000) throw new WavError(`unsupported sample rate ${sampleRate}`);
  const blockAlign = channels * (bits / 8);
  const frames = Math.floor(dataBytes / blockAlign);
  return {
    sampleRate, channels, bitsPerSample: bits, encoding, blockAlign, dataOffset, dataBytes: frames * blockAlign,
    frames, durationSec: frames / sampleRate,
  };
}

/** Decode to one Float32Array per channel, samples in [-1, 1). */
export function decodeWav(buf: Buffer): { info: WavInfo; channels: Float32Array[] } {
  const info = wavInfo(buf);
  const { channels: nch, frames, dataOffset, bitsPerSample: bits, encoding } = info;
  const bytes = bits / 8;
  const out = Array.from({ length: nch }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < nch; c++) {
      const o = dataOffset + (f * nch + c) * bytes;
      let v: number;
      if (encoding === 'float') v = bits === 32 ? buf.readFloatLE(o) : buf.readDoubleLE(o);
      else if (bits === 16) v = buf.readInt16LE(o) / 32768;
      else if (bits === 8) v = (buf[o] - 128) / 128;
      else if (bits === 24) v = buf.readIntLE(o, 3) / 8388608;
      else v = buf.readInt32LE(o) / 2147483648;
      out[c][f] = Number.isFinite(v) ? v : 0;
    }
  }
  return { info, channels: out };
}

/** Average the channels into one. */
export function mixDown(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const n = channels[0]?.length ?? 0;
  const out = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) out[i] += ch[i];
  for (let i = 0; i < n; i++) out[i] /= channels.length;
  return out;
}

/** Windowed-sinc (Blackman) low-pass taps, cutoff as a fraction of the sample rate (0…0.5). */
export function lowPassTaps(cutoff: number, taps: number): Float32Array {
  const h = new Float32Array(taps);
  const m = taps - 1;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const x = i - m / 2;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / m) + 0.08 * Math.cos((4 * Math.PI * i) / m);
    h[i] = sinc * w;
    sum += h[i];
  }
  for (let i = 0; i < taps; i++) h[i] /= sum; // unity gain at DC
  return h;
}

/**
 * Resample mono audio. When going down, a low-pass at 90 % of the new Nyquist frequency removes
 * what would alias (e.g. espeak-ng's 22 050 Hz output → 8 000 Hz keeps speech up to ~3.6 kHz);
 * samples are then taken by linear interpolation. The filter is evaluated only where needed.
 */
export function resample(input: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return input.slice();
  const outLen = Math.floor((input.length * to) / from);
  const out = new Float32Array(outLen);
  const n = input.length;
  if (n === 0) return out;
  const h = to < from ? Float32Array.from(lowPassTaps((0.45 * to) / from, 63)) : null;
  const taps = h ? h.length : 0;
  const half = h ? (taps - 1) / 2 : 0;
  // Filtered input sample j (the FIR centred on j); the bounds checks only near the edges.
  const at = (j: number): number => {
    if (!h) return input[j < 0 ? 0 : j >= n ? n - 1 : j];
    const start = j - half;
    let acc = 0;
    if (start >= 0 && start + taps <= n) {
      for (let k = 0; k < taps; k++) acc += h[k] * input[start + k];
    } else {
      for (let k = 0; k < taps; k++) {
        const idx = start + k;
        if (idx >= 0 && idx < n) acc += h[k] * input[idx];
      }
    }
    return acc;
  };
  const step = from / to;
  let cachedJ = -2, cachedA = 0, cachedB = 0;
  for (let i = 0; i < outLen; i++) {
    const t = i * step;
    const j = Math.floor(t);
    const frac = t - j;
    if (j !== cachedJ) {
      cachedA = j === cachedJ + 1 ? cachedB : at(j);
      cachedB = j + 1 < n ? at(j + 1) : cachedA;
      cachedJ = j;
    }
    out[i] = cachedA + (cachedB - cachedA) * frac;
  }
  return out;
}

/** 16-bit PCM WAV (canonical 44-byte header). */
export function encodeWavPcm16(samples: Float32Array | Int16Array, sampleRate: number): Buffer {
  const n = samples.length;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(FORMAT_PCM, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const v = samples[i];
    const s = samples instanceof Int16Array ? v : Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
    buf.writeInt16LE(s, 44 + i * 2);
  }
  return buf;
}

export interface TrimOptions {
  /** Level below which a sample is silence (default 0.003, about -50 dBFS). */
  threshold?: number;
  /** Silence kept before the first sound (default 20 ms). */
  leadMs?: number;
  /** Silence kept after the last sound (default 120 ms). */
  tailMs?: number;
}

/**
 * Cut leading and trailing silence down to `leadMs` / `tailMs`. espeak-ng ends every file with
 * ~300 ms of silence: a reference number read as twelve digit prompts would carry 3.6 s of it.
 * All-silent input is returned as it is.
 */
export function trimSilence(x: Float32Array, rate: number, o: TrimOptions = {}): Float32Array {
  const th = o.threshold ?? 0.003;
  let first = 0;
  while (first < x.length && Math.abs(x[first]) < th) first++;
  if (first === x.length) return x;
  let last = x.length - 1;
  while (last > first && Math.abs(x[last]) < th) last--;
  const start = Math.max(0, first - Math.round(((o.leadMs ?? 20) * rate) / 1000));
  const end = Math.min(x.length, last + 1 + Math.round(((o.tailMs ?? 120) * rate) / 1000));
  return start === 0 && end === x.length ? x : x.subarray(start, end);
}

/**
 * Any supported WAV → 8 kHz (or `rate`) mono 16-bit PCM WAV, the format Asterisk plays without
 * transcoding; with `trim`, leading and trailing silence cut (trimSilence).
 */
export function toTelephonyWav(buf: Buffer, rate = 8000, opts: { trim?: TrimOptions | boolean } = {}): Buffer {
  const { info, channels } = decodeWav(buf);
  const mono = mixDown(channels);
  let out = resample(mono, info.sampleRate, rate);
  if (opts.trim) out = trimSilence(out, rate, opts.trim === true ? {} : opts.trim);
  return encodeWavPcm16(out, rate);
}

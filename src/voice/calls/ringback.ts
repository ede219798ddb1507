/**
 * Ring-back while an operator's phone rings, without Asterisk's tone zones.
 *
 * `tone:ring;tonezone=cn` needs a `cn` zone in Asterisk's indications.conf; an Asterisk without one
 * fails that playback at once ("Failed to parse tone part 'ring'") and the caller hears silence. The
 * default here is a generated WAV of the Chinese ring-back tone (450 Hz, 1 s on, 4 s off), served
 * like the TTS prompts (`sound:<public url>/media/tts/<64 hex>/<expiry>/<signature>.wav`, signed); a literal frequency tone
 * (`tone:450/1000|0/4000`, parsed by Asterisk itself, no zone needed) is the fallback when the file
 * cannot be played. Pure: no I/O here (the resolver writes the file once at start).
 */
import { createHash } from 'node:crypto';
import { encodeWavPcm16 } from '../tts/index.js';

/** Chinese ring-back cadence (GB 16000 series / YD/T 1207): 450 Hz, 1 s on, 4 s off. */
export const RINGBACK_CN = { hz: 450, onMs: 1000, offMs: 4000 } as const;

/**
 * The same cadence as a literal Asterisk tone list: needs no tone zone. Separated by '|', which
 * ast_playtones_start() accepts as well as ',': ARI splits the `media` parameter on commas.
 */
export const RINGBACK_TONE_LITERAL = `tone:${RINGBACK_CN.hz}/${RINGBACK_CN.onMs}|0/${RINGBACK_CN.offMs}`;

/** Asterisk's named ring tone in the Chinese zone (needs indications.conf with a [cn] zone). */
export const RINGBACK_TONE_ZONE = 'tone:ring;tonezone=cn';

export type RingbackMode = 'file' | 'tone' | 'moh';

/** One cadence (tone on, then silence) as 16-bit PCM: ~-10 dBFS, 10 ms fades (no clicks). */
export function ringbackPcm(rate = 8000, cadence: { hz: number; onMs: number; offMs: number } = RINGBACK_CN): Int16Array {
  const on = Math.round((rate * cadence.onMs) / 1000);
  const total = on + Math.round((rate * cadence.offMs) / 1000);
  const fade = Math.round(rate / 100);
  const amp = 0.3 * 32767;
  const out = new Int16Array(total);
  for (let i = 0; i < on; i++) {
    const env = Math.min(1, i / fade, (on - 1 - i) / fade);
    out[i] = Math.round(amp * env * Math.sin((2 * Math.PI * cadence.hz * i) / rate));
  }
  return out;
}

let memo: { wav: Buffer; hash: string } | null = null;

/** The ring-back WAV (8 kHz mono 16-bit, one 5 s cadence) and its content hash (the file name). */
export function ringbackWav(): { wav: Buffer; hash: string } {
  if (!memo) {
    const wav = encodeWavPcm16(ringbackPcm(8000), 8000);
    memo = { wav, hash: createHash('sha256').update(wav).digest('hex') };
  }
  return memo;
}

/**
 * Enough repetitions of a one-cadence file to cover `seconds` of ringing in one playback request —
 * but no more than keeps the request line short (Asterisk's HTTP server reads request lines into a
 * 4 KiB buffer; the URIs are URL-encoded there): the caller loops the playback when it ends.
 */
export function ringbackMedia(uri: string, seconds: number): string[] {
  const cycle = (RINGBACK_CN.onMs + RINGBACK_CN.offMs) / 1000;
  const byLength = Math.floor(2000 / (encodeURIComponent(uri).length + 1));
  const n = Math.max(1, Math.min(byLength, Math.ceil(seconds / cycle) + 1));
  return Array.from({ length: n }, () => uri);
}

/**
 * Signed, expiring media URLs: generated audio is served to Asterisk (and the panel's test phone)
 * only by a URL it was handed — `/media/<kind>/<64 hex>/<expiry>/<signature>.wav`, where the
 * signature is HMAC-SHA256 (per-install secret, data/media-url.key) over kind, file hash and expiry.
 *
 * The form is a path, not a query string: res_http_media_cache takes the file extension from the end
 * of the URL (then Content-Type, then the path), so `.wav` stays last; and the URL stays long (≈170
 * characters before the host), which Asterisk 22.9 needs (it fails short media URLs).
 *
 * Shared prompt URLs expire in coarse steps (stable for half their lifetime, so Asterisk's media cache
 * keeps hitting); personal call-back audio gets a short, exact lifetime.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type MediaKind = 'tts' | 'call';
export const MEDIA_KINDS: readonly MediaKind[] = ['tts', 'call'];
const HASH = /^[0-9a-f]{64}$/;
const SIG = /^[0-9a-f]{64}$/;

export class MediaSigner {
  constructor(private readonly secret: Buffer, private readonly now: () => number = Date.now) {
    if (secret.length < 16) throw new Error('media URL secret too short');
  }

  /** The install's secret from <data dir>/media-url.key, created (0600) on first use. */
  static forDataDir(dataDir: string, now?: () => number): MediaSigner {
    const file = join(dataDir, 'media-url.key');
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      try { writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' }); } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process made it first
      }
    }
    try { chmodSync(file, 0o600); } catch { /* best effort */ }
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{32,}$/.test(hex)) throw new Error(`${file}: not a media URL key (delete it to make a new one)`);
    return new MediaSigner(Buffer.from(hex, 'hex'), now);
  }

  private mac(kind: MediaKind, hash: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${kind}/${hash}/${exp}`).digest('hex');
  }

  /**
   * The path for a file. `ttlSec` is the lifetime; with `stable` the expiry is rounded up in steps of
   * half the lifetime (at least half of it is always left).
   */
  path(kind: MediaKind, hash: string, ttlSec: number, stable = false): string {
    if (!HASH.test(hash)) throw new Error('bad media hash');
    const nowSec = Math.floor(this.now() / 1000);
    let exp = nowSec + Math.max(1, Math.floor(ttlSec));
    if (stable) {
      const half = Math.max(1, Math.floor(ttlSec / 2));
      exp = (Math.floor(nowSec / half) + 2) * half;
    }
    return `/media/${kind}/${hash}/${exp}/${this.mac(kind, hash, exp)}.wav`;
  }

  /** Is this a valid, unexpired signature for the file? Constant-time; never throws. */
  verify(kind: string, hash: string, expRaw: string, sig: string): boolean {
    if (!(MEDIA_KINDS as readonly string[]).includes(kind) || !HASH.test(hash) || !SIG.test(sig) || !/^\d{1,12}$/.test(expRaw)) return false;
    const exp = Number(expRaw);
    if (exp * 1000 <= this.now()) return false;
    const want = Buffer.from(this.mac(kind as MediaKind, hash, exp), 'hex');
    return timingSafeEqual(want, Buffer.from(sig, 'hex'));
  }
}

/** A source-address allow-list (`voice.media_allow_from`): exact addresses, IPv4-mapped IPv6 folded. Empty: anyone. */
export function addressAllowed(allow: readonly string[], ip: string | undefined): boolean {
  if (allow.length === 0) return true;
  if (!ip) return false;
  const norm = (a: string) => a.trim().toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const me = norm(ip);
  return allow.some((a) => norm(a) === me);
}

export function parseAllowList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Per-department API keys. A key is 32 random bytes (base64url) behind a `hk_` prefix; only its SHA-256
 * is stored (a high-entropy key needs no slow hash), and the last 4 characters as a hint for staff.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newApiKey(): { key: string; hash: string; hint: string } {
  const key = 'hk_' + randomBytes(32).toString('base64url');
  return { key, hash: hashApiKey(key), hint: key.slice(-4) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex'), y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

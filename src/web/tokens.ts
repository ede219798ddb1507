/** HMAC signing of the web forms' tokens (CSRF, challenge) and hashing of one-time codes, with the web.secret key. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class Signer {
  private readonly key: Buffer;
  /** An empty secret: a random key for this process (tokens do not survive a restart or cross instances). */
  constructor(secret: string) { this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32); }
  sign(...parts: string[]): string { return createHmac('sha256', this.key).update(parts.join('\u0000')).digest('base64url'); }
  verify(mac: string, ...parts: string[]): boolean { return safeEqual(mac, this.sign(...parts)); }
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function randomId(bytes = 16): string { return randomBytes(bytes).toString('base64url'); }

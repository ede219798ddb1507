import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MediaSigner, addressAllowed, parseAllowList } from '../../src/voice/media/signing.js';

const H = 'ab'.repeat(32);
const T0 = Date.parse('2026-11-26T02:00:00Z');

describe('signed media URLs', () => {
  const signer = new MediaSigner(Buffer.alloc(32, 7), () => T0);
  it('a long path with .wav last (no query string: res_http_media_cache takes the extension from the end)', () => {
    const p = signer.path('tts', H, 86400, true);
    expect(p).toMatch(/^\/media\/tts\/[0-9a-f]{64}\/\d{10}\/[0-9a-f]{64}\.wav$/);
    expect(`http://127.0.0.1:8080${p}`.length).toBeGreaterThan(150);
    expect(p).not.toContain('?');
  });
  it('shared prompt URLs are stable for a while, and always valid for at least half their lifetime', () => {
    const at = (ms: number) => new MediaSigner(Buffer.alloc(32, 7), () => T0 + ms).path('tts', H, 86400, true);
    expect(at(1000)).toBe(at(2000));
    const exp = Number(at(0).split('/')[4]);
    expect(exp * 1000 - T0).toBeGreaterThanOrEqual(43200_000);
    expect(exp * 1000 - T0).toBeLessThanOrEqual(86400_000);
  });
  it('verify table', () => {
    const [, , kind, hash, exp, file] = signer.path('call', H, 900).split('/');
    const sig = file.replace('.wav', '');
    const later = new MediaSigner(Buffer.alloc(32, 7), () => T0 + 901_000);
    const other = new MediaSigner(Buffer.alloc(32, 8), () => T0);
    const cases: Array<[string, () => boolean, boolean]> = [
      ['valid', () => signer.verify(kind, hash, exp, sig), true],
      ['expired', () => later.verify(kind, hash, exp, sig), false],
      ['other install secret', () => other.verify(kind, hash, exp, sig), false],
      ['other kind', () => signer.verify('tts', hash, exp, sig), false],
      ['unknown kind', () => signer.verify('x', hash, exp, sig), false],
      ['other file', () => signer.verify(kind, 'cd'.repeat(32), exp, sig), false],
      ['expiry moved', () => signer.verify(kind, hash, String(Number(exp) + 3600), sig), false],
      ['short signature', () => signer.verify(kind, hash, exp, sig.slice(0, 10)), false],
      ['upper-case hex', () => signer.verify(kind, hash, exp, sig.toUpperCase()), false],
      ['junk expiry', () => signer.verify(kind, hash, '1e12', sig), false],
    ];
    for (const [label, f, ok] of cases) expect(f(), label).toBe(ok);
  });
  it('the per-install secret is created once in the data dir, readable by its owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'media-key-'));
    try {
      const a = MediaSigner.forDataDir(dir, () => T0);
      const key = readFileSync(join(dir, 'media-url.key'), 'utf8');
      expect(key.trim()).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(dir, 'media-url.key')).mode & 0o077).toBe(0);
      const b = MediaSigner.forDataDir(dir, () => T0);
      expect(b.path('tts', H, 100)).toBe(a.path('tts', H, 100));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
  it('source-address allow-list', () => {
    const allow = parseAllowList(' 10.0.0.5, ::1 ,');
    expect(allow).toEqual(['10.0.0.5', '::1']);
    const cases: Array<[string[], string | undefined, boolean]> = [
      [[], '203.0.113.9', true], [allow, '10.0.0.5', true], [allow, '::ffff:10.0.0.5', true], [allow, '::1', true],
      [allow, '10.0.0.6', false], [allow, undefined, false],
    ];
    for (const [a, ip, ok] of cases) expect(addressAllowed(a, ip), `${a.join(',')} ${ip}`).toBe(ok);
  });
});

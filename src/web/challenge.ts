/**
 * The self-hosted challenge asked when a rate limit trips: a small sum written in Chinese words (read
 * out by screen readers as it is, no image, no third party). The expected answer travels only inside
 * an HMAC-signed token with an expiry and a nonce; a nonce is accepted once.
 */
import type { Signer } from './tokens.js';

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

export interface Challenge { question: string; token: string }

export const CHALLENGE_TTL_MS = 10 * 60_000;

/** 3 → 三, 10 → 十 (the operands are 1–10). */
export function chineseNumber(n: number): string { return DIGITS[n] ?? String(n); }

export function makeChallenge(signer: Signer, now: number, random: (n: number) => number = (n) => Math.floor(Math.random() * n), nonce = String(now) + ':' + random(1e9)): Challenge {
  const a = 1 + random(10), b = 1 + random(10);
  const expires = now + CHALLENGE_TTL_MS;
  const payload = `${expires}.${nonce}`;
  return { question: `${chineseNumber(a)}加${chineseNumber(b)}等于几？（请填写阿拉伯数字）`, token: `${payload}.${signer.sign('challenge', payload, String(a + b))}` };
}

export type ChallengeCheck = 'ok' | 'missing' | 'wrong' | 'expired' | 'replayed';

/** Verify an answer against its token; `seen` remembers used nonces (until they expire). */
export function checkChallenge(signer: Signer, token: string | undefined, answer: string | undefined, now: number, seen: Map<string, number>): ChallengeCheck {
  if (!token || answer === undefined || answer.trim() === '') return 'missing';
  const m = /^(\d+)\.([^.]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) return 'wrong';
  const expires = Number(m[1]);
  if (expires < now) return 'expired';
  const n = answer.trim().replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  if (!/^\d{1,3}$/.test(n) || !signer.verify(m[3], 'challenge', `${m[1]}.${m[2]}`, String(Number(n)))) return 'wrong';
  if (seen.has(m[2])) return 'replayed';
  for (const [k, exp] of seen) if (exp < now) seen.delete(k);
  seen.set(m[2], expires);
  return 'ok';
}

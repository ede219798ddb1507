/**
 * The abuse checks every public POST passes, in order: the CSRF token (refused: 403), the honeypot
 * (a field people never see; filled: 400), then the per-address rate limit — when it trips, the
 * arithmetic challenge is asked (429 with the form again); a correct answer lets that request through.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkChallenge, makeChallenge, type Challenge } from './challenge.js';
import { csrfToken, csrfValid, visitorId } from './csrf.js';
import type { RateLimiter } from './rate-limit.js';
import type { Signer } from './tokens.js';

export type GuardResult =
  | { ok: true }
  | { ok: false; status: 403; reason: 'csrf'; message: string }
  | { ok: false; status: 400; reason: 'honeypot'; message: string }
  | { ok: false; status: 429; reason: 'challenge'; message: string | null; challenge: Challenge };

export const HONEYPOT_FIELD = 'website';

export class WebGuard {
  private readonly seen = new Map<string, number>();
  constructor(private readonly signer: Signer, private readonly now: () => number, private readonly secureCookies: boolean) {}

  /** The CSRF token for this visitor's forms (sets the visitor cookie when missing). */
  csrf(req: FastifyRequest, reply: FastifyReply): string { return csrfToken(this.signer, visitorId(req, reply, this.secureCookies)); }

  newChallenge(): Challenge { return makeChallenge(this.signer, this.now()); }

  /** The rate limit with its challenge (GET look-ups too): fields may carry challenge_token / challenge_answer. */
  limit(limiter: RateLimiter, key: string, fields: Record<string, string | undefined>): GuardResult {
    if (fields.challenge_token !== undefined) {
      const c = checkChallenge(this.signer, fields.challenge_token, fields.challenge_answer, this.now(), this.seen);
      if (c === 'ok') return { ok: true };
      const why = c === 'expired' ? '题目已过期，请回答新题目' : c === 'replayed' ? '该题目已使用，请回答新题目' : c === 'missing' ? '请填写答案' : '答案不正确，请重新回答';
      return { ok: false, status: 429, reason: 'challenge', message: why, challenge: this.newChallenge() };
    }
    if (limiter.take(key)) return { ok: true };
    return { ok: false, status: 429, reason: 'challenge', message: null, challenge: this.newChallenge() };
  }

  /** Everything a POST must pass. */
  post(req: FastifyRequest, fields: Record<string, string | undefined>, limiter: RateLimiter): GuardResult {
    if (!csrfValid(this.signer, req, fields.csrf)) return { ok: false, status: 403, reason: 'csrf', message: '页面已过期或来源不明，请返回重新打开本页后再提交。' };
    if ((fields[HONEYPOT_FIELD] ?? '') !== '') return { ok: false, status: 400, reason: 'honeypot', message: '提交未被接受。' };
    return this.limit(limiter, req.ip, fields);
  }
}

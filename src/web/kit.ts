/** What every route group of the public web window is built from (src/web/index.ts assembles it). */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import type { WebGuard } from './guard.js';
import type { OneTimeCodes } from './one-time-code.js';
import type { RateLimiter } from './rate-limit.js';

/** Sends the one-time code SMS through the outbox (absent without an SMS channel: subscription is then off). */
export interface WebSmsPort { sendCode(phone: string, code: string, minutes: number): Promise<void> }

export interface WebKit {
  ctx: AppContext;
  tz: string;
  guard: WebGuard;
  limits: { query: RateLimiter; form: RateLimiter; code: RateLimiter; codePhone: RateLimiter };
  codes: OneTimeCodes;
  sms: WebSmsPort | null;
  /** Where web attachments are stored (<data dir>/web-attachments). */
  attachmentsDir: string;
}

/** An HTML page: no caching of citizens' answers, no scripts, no framing. */
export function sendHtml(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    .send(body);
}

export type Fields = Record<string, string | undefined>;

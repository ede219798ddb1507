/**
 * CSRF protection of the public forms without JavaScript: a per-visitor random cookie (hl_v,
 * HttpOnly, SameSite=Lax) and, in every form, the HMAC of it. A POST whose token is not the HMAC of
 * its own cookie is refused — another site can neither read the cookie nor compute the token.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomId, type Signer } from './tokens.js';

export const VISITOR_COOKIE = 'hl_v';

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const h = req.headers.cookie;
  if (!h) return undefined;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** The visitor id (a new one is set as a cookie on this reply when missing or malformed). */
export function visitorId(req: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const v = readCookie(req, VISITOR_COOKIE);
  if (v && /^[A-Za-z0-9_-]{16,64}$/.test(v)) return v;
  const id = randomId();
  reply.header('set-cookie', `${VISITOR_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400${secure ? '; Secure' : ''}`);
  return id;
}

export function csrfToken(signer: Signer, visitor: string): string { return signer.sign('csrf', visitor); }

/** True when the posted token belongs to the cookie this request carries. */
export function csrfValid(signer: Signer, req: FastifyRequest, token: unknown): boolean {
  const v = readCookie(req, VISITOR_COOKIE);
  return !!v && typeof token === 'string' && signer.verify(token, 'csrf', v);
}

/** One error shape for every HTTP answer: `{error, message}` with a fitting status code. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { STORAGE_UNAVAILABLE_MESSAGE, type StorageHealth } from '../store/health.js';

export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly error: string, message: string) { super(message); }
}

const DOMAIN_STATUS: Record<DomainError['code'], [number, string]> = {
  not_found: [404, 'not_found'], forbidden: [403, 'forbidden'], conflict: [409, 'conflict'],
  invalid: [422, 'unprocessable'], bad_check_digit: [422, 'bad_check_digit'],
};

export function errorHandler(log: Logger, storage?: StorageHealth) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) return reply.status(err.statusCode).send({ error: err.error, message: err.message });
    // A full disk (or a failing one): nothing was stored; say so clearly, log it rate-limited.
    if (storage?.failure(err, `http ${req.method} ${req.routeOptions?.url ?? req.url.split('?')[0]}`)) {
      return reply.status(503).header('retry-after', '30').send({ error: 'storage_unavailable', message: STORAGE_UNAVAILABLE_MESSAGE });
    }
    if (err instanceof DomainError) {
      const [code, name] = DOMAIN_STATUS[err.code];
      return reply.status(code).send(err.field ? { error: name, message: err.message, field: err.field } : { error: name, message: err.message });
    }
    const fe = err as FastifyError;
    if (fe.validation) return reply.status(400).send({ error: 'validation', message: fe.message });
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.status(413).send({ error: 'too_large', message: 'request body too large' });
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.status(415).send({ error: 'unsupported_media_type', message: fe.message });
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(fe.message) ? 'bad_json' : 'bad_request', message: fe.message });
    }
    log.error('unhandled error', { method: req.method, url: req.url.split('?')[0], error: err.message, stack: err.stack?.split('\n').slice(0, 4).join(' | ') });
    return reply.status(500).send({ error: 'internal', message: 'internal error' });
  };
}

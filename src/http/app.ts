/** The fastify server: department API, health, metrics, OpenAPI; channels and the panel add their plugins. */
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import swagger from '@fastify/swagger';
import type { AppContext } from '../context.js';
import { errorHandler } from './errors.js';
import { departmentApi } from './api/department-api.js';

export interface HttpPlugin { plugin: FastifyPluginAsync<{ ctx: AppContext }>; prefix?: string }

export async function buildHttp(ctx: AppContext, plugins: HttpPlugin[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: ctx.config.http.body_limit,
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  app.setErrorHandler(errorHandler(ctx.log.child('http'), ctx.storage));
  // A write answered 2xx/3xx committed: a full-storage incident is over.
  app.addHook('onResponse', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && reply.statusCode < 400) ctx.storage.success();
  });
  // JSON answers never carry a raw <, > or &: citizen text is harmless even if a client mis-sniffs it.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = String(reply.getHeader('content-type') ?? '');
    if (typeof payload === 'string' && type.startsWith('application/json')) return escapeJsonHtml(payload);
    return payload;
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: '96365 hotline — department API', version: '1', description: 'Department approval systems push declarations and every handling step; the hotline pushes status changes to citizens by SMS and reads them out by phone.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The department API key (`hotline dept add` prints it once).' } } },
    },
  });

  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const h = ctx.health.snapshot();
    return reply.status(h.ok ? 200 : 503).send({ status: h.ok ? 'ok' : 'degraded', ...h });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type('text/plain; version=0.0.4').send(ctx.metrics.render()));

  await app.register(departmentApi, { prefix: '/api/v1', ctx });
  for (const p of plugins) await app.register(p.plugin, { prefix: p.prefix ?? '', ctx });

  app.get('/api/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

/** `<`, `>` and `&` only occur inside JSON strings, so replacing them with \u escapes keeps the JSON equal. */
export function escapeJsonHtml(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

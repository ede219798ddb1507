/**
 * GET /media/tts/<64 hex>.wav — rendered prompts for Asterisk (res_http_media_cache) and the test
 * phone. Only an existing cache file named by a validated hash is served: nothing from the request
 * reaches the file system except those 64 hex characters, no directory listing, no other files.
 * HEAD is answered too (res_http_media_cache may probe). Files are immutable (named by content hash).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { HttpPlugin } from '../../http/app.js';
import type { AppContext } from '../../context.js';

const HASH_FILE = /^([0-9a-f]{64})\.wav$/;

export interface MediaPluginOptions {
  /** The TTS cache directory (data/tts). */
  dir: string;
  /** Called with the fastify instance once registered (to learn the listening address). */
  onServer?(app: FastifyInstance): void;
}

export function mediaPlugin(o: MediaPluginOptions): HttpPlugin {
  const plugin: FastifyPluginAsync<{ ctx: AppContext }> = async (app) => {
    o.onServer?.(app);
    const handler = async (req: { params: unknown; method: string }, reply: import('fastify').FastifyReply) => {
      const file = String((req.params as { file?: string }).file ?? '');
      const m = HASH_FILE.exec(file);
      if (!m) return reply.status(404).send({ error: 'not_found', message: 'no such prompt' });
      const path = join(o.dir, `${m[1]}.wav`);
      const st = await stat(path).catch(() => null);
      if (!st || !st.isFile()) return reply.status(404).send({ error: 'not_found', message: 'no such prompt' });
      reply
        .header('content-type', 'audio/wav')
        .header('content-length', String(st.size))
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('last-modified', st.mtime.toUTCString());
      if (req.method === 'HEAD') return reply.send();
      return reply.send(createReadStream(path));
    };
    app.get('/media/tts/:file', { schema: { hide: true } }, handler);
  };
  return { plugin };
}

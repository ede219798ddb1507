/**
 * GET /media/<kind>/<64 hex>/<expiry>/<signature>.wav — generated audio for Asterisk
 * (res_http_media_cache) and the test phone, by signed expiring URL only (./signing.ts):
 *   - `tts`: shared prompts (the TTS cache, data/tts);
 *   - `call`: personal call-back audio (an answer read to one caller, data/tts-personal), deleted
 *     after the call; served with `no-store`.
 * Optionally also limited to a source-address allow-list (voice.media_allow_from). Nothing from the
 * request reaches the file system except the validated 64 hex characters; every refusal is the same
 * 404 (no oracle for which files exist or which signatures are close). HEAD is answered too.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpPlugin } from '../../http/app.js';
import type { AppContext } from '../../context.js';
import { addressAllowed, type MediaSigner } from './signing.js';

const SIG_FILE = /^([0-9a-f]{64})\.wav$/;

export interface MediaPluginOptions {
  /** The shared TTS cache directory (data/tts). */
  dir: string;
  /** Personal call-back audio (data/tts-personal). */
  personalDir: string;
  signer: MediaSigner;
  /** Allowed client addresses (empty: any holder of a signed URL). */
  allowFrom?: readonly string[];
  /** Called with the fastify instance once registered (to learn the listening address). */
  onServer?(app: FastifyInstance): void;
}

export function mediaPlugin(o: MediaPluginOptions): HttpPlugin {
  const plugin: FastifyPluginAsync<{ ctx: AppContext }> = async (app) => {
    o.onServer?.(app);
    const notFound = (reply: FastifyReply) => reply.status(404).header('cache-control', 'no-store').send({ error: 'not_found', message: 'no such prompt' });
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = req.params as { kind?: string; hash?: string; exp?: string; file?: string };
      const m = SIG_FILE.exec(String(p.file ?? ''));
      const kind = String(p.kind ?? ''), hash = String(p.hash ?? ''), exp = String(p.exp ?? '');
      if (!m || !addressAllowed(o.allowFrom ?? [], req.ip) || !o.signer.verify(kind, hash, exp, m[1])) return notFound(reply);
      const path = join(kind === 'call' ? o.personalDir : o.dir, `${hash}.wav`);
      const st = await stat(path).catch(() => null);
      if (!st || !st.isFile()) return notFound(reply);
      const left = Math.max(0, Math.floor(Number(exp) - Date.now() / 1000));
      reply
        .header('content-type', 'audio/wav')
        .header('cache-control', kind === 'call' ? 'no-store' : `private, max-age=${left}`)
        .header('last-modified', st.mtime.toUTCString());
      if (kind === 'tts') {
        // Shared prompts are content-addressed (the file name is the hash of what is rendered), so the
        // hash is a strong validator: Asterisk's res_http_media_cache revalidates with If-None-Match and
        // a 304 saves sending the audio again.
        const etag = `"${hash}"`;
        reply.header('etag', etag);
        const inm = req.headers['if-none-match'];
        if (inm && String(inm).split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return reply.status(304).send();
      }
      reply.header('content-length', String(st.size));
      if (req.method === 'HEAD') return reply.send();
      return reply.send(createReadStream(path));
    };
    app.get('/media/:kind/:hash/:exp/:file', { schema: { hide: true } }, handler);
    // The old unsigned form (/media/tts/<hash>.wav) and anything else under /media: not found.
    app.get('/media/*', { schema: { hide: true } }, async (_req, reply) => notFound(reply));
  };
  return { plugin };
}

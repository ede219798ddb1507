/**
 * The ARI HTTP server side: /ari/api-docs, Basic auth or api_key, path-template routing of the REST
 * resources (handlers in ./resources/), request bodies, `{"message": …}` errors with Asterisk's codes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { AriSimulator } from './simulator.js';
import { handleControlRequest } from './control.js';
import { apiDeclaration, resourceListing } from './swagger.js';
import { AriError, BODY_LIMIT, type HttpResult, type Params } from './model.js';

export function sendJson(res: ServerResponse, status: number, json: unknown, extraHeaders: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(json));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...extraHeaders });
  res.end(body);
}

function send(res: ServerResponse, r: HttpResult): void {
  if (r.body) {
    res.writeHead(r.status, { 'Content-Type': r.contentType ?? 'application/octet-stream', 'Content-Length': String(r.body.length) });
    res.end(r.body);
  } else if (r.json !== undefined) {
    sendJson(res, r.status, r.json);
  } else {
    res.writeHead(r.status);
    res.end();
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new AriError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** One HTTP request: /sim control, /ari/api-docs, then the REST routes. */
export async function handleHttp(sim: AriSimulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://sim.invalid');
  } catch {
    return sendJson(res, 400, { message: 'Bad Request' });
  }
  if (url.pathname.startsWith('/sim/') || url.pathname === '/sim') {
    return handleControlRequest(sim, req, res, url);
  }
  if (!url.pathname.startsWith('/ari/')) return sendJson(res, 404, { message: 'Resource not found' });
  if (!sim.checkAuth(req, url)) {
    return sendJson(res, 401, { message: 'Authentication required' }, { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' });
  }
  const sub = url.pathname.slice('/ari'.length);
  const basePath = `http://${req.headers.host ?? '127.0.0.1'}/ari`;
  if (sub === '/api-docs/resources.json') {
    if (req.method !== 'GET') return sendJson(res, 405, { message: 'Invalid method' });
    return sendJson(res, 200, resourceListing(basePath));
  }
  const docs = /^\/api-docs\/([A-Za-z]+)\.json$/.exec(sub);
  if (docs) {
    const decl = apiDeclaration(docs[1], basePath);
    if (!decl) return sendJson(res, 404, { message: 'Resource not found' });
    return sendJson(res, 200, decl);
  }
  try {
    const r = await invoke(sim, req, url, sub);
    send(res, r);
  } catch (e) {
    if (e instanceof AriError) return sendJson(res, e.status, { message: e.message });
    throw e;
  }
}

/** Routes an /ari request to its handler: most literal path template first, 404 unknown path, 405 wrong method. */
async function invoke(sim: AriSimulator, req: IncomingMessage, url: URL, sub: string): Promise<HttpResult> {
  let segs: string[];
  try {
    segs = sub.split('/').filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
  } catch {
    throw new AriError(404, 'Resource not found');
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const matches = sim.routes.filter((r) => r.segs.length === segs.length && r.segs.every((s, i) => s.startsWith('{') || s === segs[i]));
  if (!matches.length) throw new AriError(404, 'Resource not found');
  // prefer the most literal template (e.g. /channels/create over /channels/{channelId})
  const literalScore = (r: (typeof matches)[number]): number => r.segs.filter((s) => !s.startsWith('{')).length;
  const best = Math.max(...matches.map(literalScore));
  const candidates = matches.filter((r) => literalScore(r) === best);
  const route = candidates.find((r) => r.method === method);
  if (!route) throw new AriError(405, 'Invalid method');
  if (route.op.resource === 'events') throw new AriError(400, 'WebSocket upgrade required');

  const pathParams: Record<string, string> = {};
  route.segs.forEach((s, i) => {
    if (s.startsWith('{')) pathParams[s.slice(1, -1)] = segs[i];
  });
  const query = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    const list = query.get(k) ?? [];
    list.push(v);
    query.set(k, list);
  };
  for (const [k, v] of url.searchParams) if (k !== 'api_key') add(k, v);
  let variables: Record<string, string> = {};
  const raw = await readBody(req);
  if (raw.length) {
    const ctype = String(req.headers['content-type'] ?? '').toLowerCase();
    if (ctype.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) add(k, v);
    } else if (raw.toString('utf8').trim().length) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AriError(400, 'Error parsing request body');
      }
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        // As Asterisk: "variables" is the body parameter, other keys are query parameters.
        for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
          if (k === 'variables' || k === 'fields') {
            if (v && typeof v === 'object' && !Array.isArray(v)) {
              variables = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([vk, vv]) => [vk, String(vv)]));
            } else throw new AriError(400, 'Error parsing request body');
          } else if (Array.isArray(v)) v.forEach((x) => add(k, String(x)));
          else if (v !== null && typeof v !== 'object') add(k, String(v));
        }
      }
    }
  }
  const multi = new Set(route.op.op.parameters.filter((p) => p.allowMultiple).map((p) => p.name));
  const params: Params = {
    path: pathParams,
    variables,
    get: (name) => pathParams[name] ?? query.get(name)?.[0],
    list: (name) => {
      const vals = query.get(name) ?? [];
      // allowMultiple parameters arrive comma separated (ari-client joins arrays) or repeated
      return multi.has(name) ? vals.flatMap((v) => v.split(',')).filter((v) => v.length) : vals;
    },
  };
  return route.handler(params);
}

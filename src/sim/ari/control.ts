/**
 * The simulator's own control API under /sim/… (not part of ARI): lets a browser
 * "test phone" (admin panel, through the server) or a script place a call, press
 * keys, hang up, and follow what the caller hears.
 *
 *   GET    /sim/calls                          → [{id, from, to, …}]
 *   POST   /sim/calls {from, to?, app?, args?} → 201 {id, …}      (409 when the app has no WebSocket)
 *   GET    /sim/calls/{id}                     → summary + heard feed
 *   POST   /sim/calls/{id}/dtmf {digits, gapMs?} → 202
 *   POST   /sim/calls/{id}/silence | /speak   → 204
 *   POST   /sim/calls/{id}/answer | /reject {result?} → 204 (originated calls still ringing)
 *   DELETE /sim/calls/{id}                     → 204 (the caller hangs up)
 *   GET    /sim/calls/{id}/events?since=N&waitMs=M → {items, next, ended} (long poll up to 25 s)
 *   GET    /sim/calls/{id}/ari-events          → the ARI events sent about the call
 *   WS     /sim/calls/{id}/feed                → one JSON message per heard item (backlog first)
 *
 * Same credentials as ARI (Basic or api_key) unless the simulator was built with controlAuth: false.
 * Errors are `{"message": …}` like ARI's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

import type { SimCall, HeardItem } from './call.js';
import type { AriSimulator } from './simulator.js';

const MAX_BODY = 16 * 1024;
const MAX_WAIT_MS = 25_000;

function send(res: ServerResponse, status: number, json?: unknown): void {
  if (json === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const body = Buffer.from(JSON.stringify(json));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(body.length), 'Cache-Control': 'no-store' });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | 'too-large' | 'bad'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return 'too-large';
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : 'bad';
  } catch {
    return 'bad';
  }
}

function summary(call: SimCall): Record<string, unknown> {
  return {
    id: call.id,
    direction: call.direction,
    from: call.from,
    to: call.to,
    app: call.app,
    ended: call.isEnded,
    end: call.endInfo ?? null,
    playbacks: call.playbacks.map((p) => ({ id: p.id, media: p.media, state: p.state })),
  };
}

function waitForHeard(call: SimCall, since: number, waitMs: number): Promise<void> {
  if (call.heard.length > since || call.isEnded || waitMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const off = call.onHeard(() => done());
    const timer = setTimeout(() => done(), waitMs);
    function done(): void {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
}

const DTMF_RE = /^[0-9A-Da-d*#]{1,64}$/;

export async function handleControlRequest(sim: AriSimulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (sim.controlAuthRequired && !sim.checkAuth(req, url)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="ARI simulator"');
    return send(res, 401, { message: 'Authentication required' });
  }
  const method = (req.method ?? 'GET').toUpperCase();
  let segs: string[];
  try {
    segs = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    return send(res, 404, { message: 'Resource not found' });
  }
  // segs[0] === 'sim'
  if (segs.length === 2 && segs[1] === 'calls') {
    if (method === 'GET') return send(res, 200, sim.allCalls().map(summary));
    if (method === 'POST') {
      const body = await readJson(req);
      if (body === 'too-large') return send(res, 413, { message: 'Request body too large' });
      if (body === 'bad') return send(res, 400, { message: 'Error parsing request body' });
      const from = typeof body.from === 'string' ? body.from.trim() : '';
      if (!from || from.length > 32) return send(res, 400, { message: "'from' is required (caller number, up to 32 characters)" });
      const to = typeof body.to === 'string' && body.to.trim() ? body.to.trim() : undefined;
      const app = typeof body.app === 'string' && body.app ? body.app : undefined;
      const args = Array.isArray(body.args) ? body.args.map((a) => String(a)) : undefined;
      try {
        const call = sim.startCall({ from, to, app, args });
        return send(res, 201, summary(call));
      } catch (e) {
        return send(res, 409, { message: (e as Error).message });
      }
    }
    return send(res, 405, { message: 'Invalid method' });
  }
  if (segs.length === 2 && segs[1] === 'drop-websockets') {
    if (method !== 'POST') return send(res, 405, { message: 'Invalid method' });
    sim.dropWebSockets();
    return send(res, 204);
  }
  if (segs.length < 3 || segs[1] !== 'calls') return send(res, 404, { message: 'Resource not found' });
  const call = sim.getCall(segs[2]);
  if (!call) return send(res, 404, { message: 'Call not found' });
  const action = segs[3];

  if (segs.length === 3) {
    if (method === 'GET') return send(res, 200, { ...summary(call), heard: call.heard });
    if (method === 'DELETE') {
      void call.hangup();
      return send(res, 204);
    }
    return send(res, 405, { message: 'Invalid method' });
  }
  if (segs.length !== 4) return send(res, 404, { message: 'Resource not found' });

  switch (action) {
    case 'dtmf': {
      if (method !== 'POST') return send(res, 405, { message: 'Invalid method' });
      const body = await readJson(req);
      if (body === 'too-large') return send(res, 413, { message: 'Request body too large' });
      if (body === 'bad') return send(res, 400, { message: 'Error parsing request body' });
      const digits = typeof body.digits === 'string' ? body.digits : '';
      if (!DTMF_RE.test(digits)) return send(res, 400, { message: "'digits' must be 1–64 of 0-9 A-D * #" });
      const gap = typeof body.gapMs === 'number' && body.gapMs >= 0 && body.gapMs <= 10_000 ? body.gapMs : undefined;
      if (call.isEnded) return send(res, 409, { message: 'Call has ended' });
      void call.press(digits, gap);
      return send(res, 202, { accepted: digits.length });
    }
    case 'silence':
    case 'speak':
      if (method !== 'POST') return send(res, 405, { message: 'Invalid method' });
      if (action === 'silence') call.silence();
      else call.speak();
      return send(res, 204);
    case 'answer':
    case 'reject': {
      if (method !== 'POST') return send(res, 405, { message: 'Invalid method' });
      let okAction: boolean;
      if (action === 'answer') okAction = call.answer();
      else {
        const body = await readJson(req);
        const r = body !== 'bad' && body !== 'too-large' ? body.result : undefined;
        const result = r === 'busy' || r === 'no-answer' || r === 'congestion' || r === 'failed' ? r : 'busy';
        okAction = call.reject(result);
      }
      return okAction ? send(res, 204) : send(res, 409, { message: 'Call is not ringing' });
    }
    case 'events': {
      if (method !== 'GET') return send(res, 405, { message: 'Invalid method' });
      const since = Math.max(0, parseInt(url.searchParams.get('since') ?? '0', 10) || 0);
      const waitMs = Math.min(MAX_WAIT_MS, Math.max(0, parseInt(url.searchParams.get('waitMs') ?? '0', 10) || 0));
      await waitForHeard(call, since, waitMs);
      const items = call.heard.slice(since);
      return send(res, 200, { items, next: since + items.length, ended: call.isEnded });
    }
    case 'ari-events':
      if (method !== 'GET') return send(res, 405, { message: 'Invalid method' });
      return send(res, 200, call.events);
    default:
      return send(res, 404, { message: 'Resource not found' });
  }
}

/** WebSocket feed: /sim/calls/{id}/feed — every heard item as JSON, backlog first; closes when the call ends. */
export function handleControlUpgrade(
  sim: AriSimulator,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
  reject: (status: number, message: string) => void,
): void {
  if (sim.controlAuthRequired && !sim.checkAuth(req, url)) return reject(401, 'Authentication required');
  const m = /^\/sim\/calls\/([^/]+)\/feed$/.exec(url.pathname);
  if (!m) return reject(404, 'Resource not found');
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    return reject(404, 'Resource not found');
  }
  const call = sim.getCall(id);
  if (!call) return reject(404, 'Call not found');
  sim.controlWss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    const sendItem = (item: HeardItem): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(item));
    };
    for (const item of call.heard) sendItem(item);
    const off = call.onHeard((item) => {
      sendItem(item);
      if (item.kind === 'ended') setTimeout(() => ws.close(1000, 'call ended'), 10);
    });
    if (call.isEnded) ws.close(1000, 'call ended');
    ws.on('close', off);
    ws.on('error', off);
    ws.on('message', () => undefined);
  });
}

/**
 * The ARI events WebSocket (events.json: /ari/events?app=…&subscribeAll=…): one owner per app name,
 * a second socket for the same app takes it over (ApplicationReplaced to the first).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

import type { AriSimulator } from './simulator.js';
import { handleControlUpgrade } from './control.js';
import { asteriskTimestamp, astTrue } from './util.js';
import type { WsSession } from './model.js';

/** A WebSocket upgrade: /sim control or the ARI events socket (/ari/events?app=…). */
export function handleUpgrade(sim: AriSimulator, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://sim.invalid');
  } catch {
    socket.destroy();
    return;
  }
  const reject = (status: number, message: string): void => {
    const body = JSON.stringify({ message });
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : status === 503 ? 'Service Unavailable' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  if (url.pathname.startsWith('/sim/')) {
    handleControlUpgrade(sim, req, socket, head, url, reject);
    return;
  }
  if (url.pathname !== '/ari/events') return reject(404, 'Resource not found');
  if (!sim.checkAuth(req, url)) return reject(401, 'Authentication required');
  if (Date.now() < sim.refuseWsUntil) return reject(503, 'Service Unavailable');
  const apps = (url.searchParams.getAll('app').flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean));
  if (!apps.length) return reject(400, "Missing param 'app'");
  const subscribeAll = astTrue(url.searchParams.get('subscribeAll') ?? undefined);
  sim.wss.handleUpgrade(req, socket, head, (ws) => registerSession(sim, ws, apps, subscribeAll));
}

function registerSession(sim: AriSimulator, ws: WebSocket, apps: string[], subscribeAll: boolean): void {
  const s: WsSession = { ws, apps, subscribeAll };
  sim.sessions.add(s);
  for (const app of apps) {
    const prev = sim.appOwners.get(app);
    if (prev && prev !== s) {
      // Another socket takes over the app: the previous owner is told and stops getting its events.
      if (prev.ws.readyState === WebSocket.OPEN) {
        prev.ws.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: asteriskTimestamp(), asterisk_id: sim.opts.asteriskId, application: app }));
      }
      prev.apps = prev.apps.filter((a) => a !== app);
    }
    sim.appOwners.set(app, s);
    sim.knownApps.add(app);
    if (subscribeAll) sim.subscribeAllApps.add(app);
    else sim.subscribeAllApps.delete(app);
  }
  ws.on('close', () => unregisterSession(sim, s));
  ws.on('error', () => unregisterSession(sim, s));
  // The events socket is one-way; ignore (and survive) anything a client sends.
  ws.on('message', () => undefined);
}

export function unregisterSession(sim: AriSimulator, s: WsSession): void {
  if (!sim.sessions.delete(s)) return;
  for (const app of s.apps) {
    if (sim.appOwners.get(app) === s) {
      sim.appOwners.delete(app);
      sim.subscribeAllApps.delete(app);
    }
  }
}

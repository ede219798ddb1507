/**
 * The live feed: a WebSocket at /admin/live (the `ws` package on fastify's own HTTP server, via the
 * 'upgrade' event). Every bus event is turned into one JSON message, serialised once, and sent to
 * each connected staff member allowed to see it: department staff get only their own department's
 * feedback and declaration events; phone numbers are masked. A client whose socket has more than
 * `maxBufferedBytes` queued (a slow browser) skips events instead of slowing everyone down.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { Infra } from '../context.js';
import type { DomainEventName, QueueStats, SeatOffer } from '../domain/events.js';
import type { Declaration, Feedback } from '../domain/types.js';
import { maskPhone, normalisePhone } from '../domain/masking.js';
import type { StaffUser } from '../store/repos/staff.js';
import { readCookie, sameOrigin, sha256, SESSION_COOKIE, type StaffAuth } from './auth.js';
import type { SmsAdminPort, VoiceAdminPort } from './sms-port.js';
import { feedbackSummary, maskDeep, publicUser } from './views.js';

export const LIVE_PATH = '/admin/live';

interface Client { ws: WebSocket; user: StaffUser; sessionHash: string; phones: Set<string> }

/** Who may receive an event: central staff always; department staff when it is their department's and not central-only. */
export interface Audience { centralOnly: boolean; departmentId: number | null }

/** The call queue's figures for the wallboard (the ACD's stats(); wired in app.ts). */
/** The call queue's figures (null while the queue is not running: no voice, or not started yet). */
export interface QueueStatsPort { stats(): QueueStats | null | Promise<QueueStats | null> }

export interface LiveOptions { sms?: SmsAdminPort; voice?: VoiceAdminPort; queue?: QueueStatsPort; maxBufferedBytes?: number; heartbeatMs?: number }

/** Screen pops remembered per operator: the latest offer (a reload shows it again) and the phones offered (the history's entitlement). */
const OFFERED_PHONES_KEPT = 20;
interface OfferMemory { last: SeatOffer; phones: string[] }

export class LiveHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly clients = new Set<Client>();
  private off: (() => void) | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private server: Server | null = null;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);
  private readonly maxBuffered: number;
  private readonly dropped;
  /** Messages sent (per client) and events dropped for slow clients — for the benchmark and tests. */
  readonly counters = { events: 0, sent: 0, dropped: 0 };
  private readonly offers = new Map<string, OfferMemory>();

  constructor(private readonly ctx: Infra, private readonly auth: StaffAuth, private readonly o: LiveOptions = {}) {
    this.maxBuffered = o.maxBufferedBytes ?? 1024 * 1024;
    this.dropped = ctx.metrics.counter('hotline_admin_live_dropped_total', 'Live-feed events skipped for a slow browser');
    ctx.metrics.gauge('hotline_admin_live_clients', 'Connected live-feed sockets', () => this.clients.size);
  }

  get clientCount(): number { return this.clients.size; }

  /** Hook the HTTP server's upgrade event (other paths are left to other listeners). */
  attach(server: Server): void {
    if (this.server) return;
    this.server = server;
    server.on('upgrade', this.onUpgrade);
  }

  start(): void {
    if (this.off) return;
    this.off = this.ctx.bus.onAny((name, payload) => this.publish(name, payload));
    const every = this.o.heartbeatMs ?? 30_000;
    this.heartbeat = setInterval(() => {
      this.sweep().catch((e: unknown) => this.ctx.log.warn('live sweep failed', { error: (e as Error).message }));
    }, every);
    this.heartbeat.unref();
  }

  /** Close every live socket (the server is going away: 1001; the panel reconnects to another instance). */
  closeClients(code = 1001, reason = 'server shutting down'): void {
    for (const c of this.clients) { try { c.ws.close(code, reason); } catch { /* gone */ } c.ws.terminate(); }
    this.clients.clear();
  }

  async stop(): Promise<void> {
    this.off?.(); this.off = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.server?.off('upgrade', this.onUpgrade);
    this.server = null;
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== LIVE_PATH) return;
    const refuse = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
    };
    // Cross-site WebSocket hijacking: the handshake carries the cookie, so the Origin must be ours.
    if (!sameOrigin(req.headers, { https: this.ctx.config.http.secure_cookies })) return refuse(403, 'Forbidden');
    const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
    // The session is looked up asynchronously: a socket error meanwhile must not go unhandled.
    const onError = () => socket.destroy();
    socket.on('error', onError);
    this.auth.resolve(sid).then((auth) => {
      socket.off('error', onError);
      if (socket.destroyed) return;
      if (!auth || !sid) return refuse(401, 'Unauthorized');
      this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, auth.user, sha256(sid)));
    }, (e: unknown) => {
      socket.off('error', onError);
      this.ctx.log.warn('live upgrade failed', { error: (e as Error).message });
      if (!socket.destroyed) refuse(503, 'Service Unavailable');
    });
  }

  private connected(ws: WebSocket, user: StaffUser, sessionHash: string): void {
    const client: Client = { ws, user, sessionHash, phones: new Set() };
    this.clients.add(client);
    let alive = true;
    (ws as WebSocket & { isAlive?: boolean }).isAlive = true;
    ws.on('pong', () => { (ws as WebSocket & { isAlive?: boolean }).isAlive = true; });
    ws.on('close', () => { alive = false; this.clients.delete(client); });
    ws.on('error', () => { this.clients.delete(client); });
    ws.on('message', () => { /* the feed is one-way; client messages are ignored */ });
    void this.snapshot(user).then((snap) => { if (alive) ws.send(JSON.stringify(snap)); }).catch((e) => {
      this.ctx.log.warn('live snapshot failed', { error: (e as Error).message });
    });
  }

  /** The state a page needs on (re)connect: health, calls in progress, outbox stats. */
  async snapshot(user: StaffUser): Promise<Record<string, unknown>> {
    const central = user.role !== 'department';
    const calls = central && this.o.voice ? await Promise.resolve(this.o.voice.activeCalls()).catch(() => []) : [];
    const sms = central && this.o.sms ? await Promise.resolve(this.o.sms.stats()).catch(() => null) : null;
    const queue = central && this.o.queue ? await Promise.resolve().then(() => this.o.queue!.stats()).catch(() => null) : null;
    const seatRow = central ? await this.ctx.store.callQueue.seat(user.id).catch(() => undefined) : undefined;
    const seat = seatRow ? { endpoint: seatRow.endpoint, state: seatRow.seatState, since: seatRow.seatStateAt, offer: this.lastOffer(String(user.id)) } : null;
    return {
      type: 'snapshot', at: this.ctx.now().toISOString(), user: publicUser(user),
      health: central ? this.ctx.health.snapshot() : null,
      calls: calls.map((c) => ({ ...c, caller: maskPhone(c.caller) })),
      sms, voiceRunning: !!this.o.voice, smsRunning: !!this.o.sms, queue, seat,
    };
  }

  /** One bus event → one serialised message → every allowed client with room in its buffer. */
  publish(name: DomainEventName, payload: unknown): void {
    this.counters.events++;
    if (name === 'seat.offer') { this.offer(payload as SeatOffer); return; }
    if (this.clients.size === 0) return;
    const shaped = shapeEvent(name, payload);
    if (!shaped) return;
    const data = Buffer.from(JSON.stringify({ type: 'event', name, at: new Date().toISOString(), data: shaped.data }), 'utf8');
    for (const c of this.clients) {
      if (!allowed(c.user, shaped.audience)) continue;
      this.sendRaw(c, data);
    }
  }

  /**
   * The screen pop goes only to the sockets of the operator it rings, with the number unmasked; the
   * reveal is audited once per offer (by the instance holding the operator's panel).
   */
  private offer(o: SeatOffer): void {
    if (!o || typeof o.staffId !== 'string' || typeof o.phone !== 'string') return;
    const mem = this.offers.get(o.staffId);
    const phone = normalisePhone(o.phone);
    const phones = [phone, ...(mem?.phones ?? []).filter((p) => p !== phone)].slice(0, OFFERED_PHONES_KEPT);
    this.offers.set(o.staffId, { last: o, phones });
    const mine = [...this.clients].filter((c) => String(c.user.id) === o.staffId);
    if (mine.length === 0) return;
    const data = Buffer.from(JSON.stringify({ type: 'event', name: 'seat.offer', at: new Date().toISOString(), data: o }), 'utf8');
    for (const c of mine) this.sendRaw(c, data);
    const target = o.callbackRequestId ? `callback:${o.callbackRequestId}` : o.callId ? `call:${o.callId}` : null;
    this.ctx.store.audit.append(`staff:${mine[0]!.user.username}`, 'seat.offer_reveal', target, `来电弹屏：向坐席显示来电号码 ${maskPhone(o.phone)}`, this.ctx.now().toISOString())
      .catch((e: unknown) => this.ctx.log.warn('seat offer audit failed', { error: (e as Error).message }));
  }

  /** The operator's latest screen pop (shown again after a reload). */
  lastOffer(staffId: string): SeatOffer | null { return this.offers.get(staffId)?.last ?? null; }

  /** Whether this phone was offered to this operator lately (the caller-history entitlement). */
  wasOffered(staffId: string, phone: string): boolean { return this.offers.get(staffId)?.phones.includes(normalisePhone(phone)) ?? false; }

  private sendRaw(c: Client, data: Buffer): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount > this.maxBuffered) { this.counters.dropped++; this.dropped.inc(); return; }
    c.ws.send(data, { binary: false });
    this.counters.sent++;
  }

  /** A message for the sockets of one login session (test-phone captions go only to whoever placed the call). */
  sendToSession(sessionHash: string, msg: unknown): void {
    let data: Buffer | null = null;
    for (const c of this.clients) {
      if (c.sessionHash !== sessionHash) continue;
      data ??= Buffer.from(JSON.stringify(msg), 'utf8');
      this.sendRaw(c, data);
    }
  }

  /** Test phone: this session wants pushes for messages that reach `phone`. */
  watchPhone(sessionHash: string, phone: string): void {
    for (const c of this.clients) if (c.sessionHash === sessionHash) c.phones.add(phone);
  }

  sendToPhoneWatchers(phone: string, msg: unknown): void {
    let data: Buffer | null = null;
    for (const c of this.clients) {
      if (!c.phones.has(phone)) continue;
      data ??= Buffer.from(JSON.stringify(msg), 'utf8');
      this.sendRaw(c, data);
    }
  }

  /** Close sockets of ended sessions and dead peers. */
  private async sweep(): Promise<void> {
    const clients = [...this.clients];
    const hashes = [...new Set(clients.map((c) => c.sessionHash))];
    const found = await Promise.all(hashes.map((h) => this.auth.resolveHash(h)));
    const live = new Set(hashes.filter((_, i) => found[i] !== null));
    for (const c of clients) {
      if (!this.clients.has(c)) continue; // closed meanwhile
      const w = c.ws as WebSocket & { isAlive?: boolean };
      if (!live.has(c.sessionHash)) { w.close(4001, 'session ended'); this.clients.delete(c); continue; }
      if (w.isAlive === false) { w.terminate(); this.clients.delete(c); continue; }
      w.isAlive = false;
      try { w.ping(); } catch { /* closed meanwhile */ }
    }
  }

  /** Close the sockets of a session right away (logout). */
  endSession(sessionHash: string): void {
    for (const c of this.clients) if (c.sessionHash === sessionHash) { c.ws.close(4001, 'logged out'); this.clients.delete(c); }
  }
}

function allowed(user: StaffUser, a: Audience): boolean {
  if (user.role !== 'department') return true;
  if (a.centralOnly) return false;
  return a.departmentId !== null && a.departmentId === user.departmentId;
}

/** Event payload → what the browser gets (masked), and who may get it. Unknown shapes are masked generically. */
export function shapeEvent(name: DomainEventName, payload: unknown): { data: unknown; audience: Audience } | null {
  const p = (payload ?? {}) as Record<string, unknown>;
  switch (name) {
    case 'feedback.created': case 'feedback.updated': case 'feedback.answered': case 'feedback.reopened': {
      const f = p.feedback as Feedback | undefined;
      if (!f) return null;
      return {
        data: { feedback: feedbackSummary(f), action: typeof p.action === 'string' ? p.action : null, actor: typeof p.actor === 'string' ? p.actor : null },
        audience: { centralOnly: false, departmentId: f.departmentId },
      };
    }
    case 'declaration.changed': {
      const d = p.declaration as Declaration | undefined;
      const e = p.event as { stepName?: string; status?: string; occurredAt?: string } | undefined;
      if (!d) return null;
      return {
        data: {
          queryCode: d.queryCode, itemName: d.itemName, department: d.departmentCode, departmentName: d.departmentName, status: d.status,
          step: e?.stepName ?? null, occurredAt: e?.occurredAt ?? null, created: !!p.created, statusChanged: !!p.statusChanged,
        },
        audience: { centralOnly: false, departmentId: d.departmentId },
      };
    }
    case 'seat.offer':
      // only ever to its operator (LiveHub.offer); never broadcast
      return null;
    case 'seat.changed': case 'queue.stats':
      return { data: maskDeep(p), audience: { centralOnly: true, departmentId: null } };
    default:
      return { data: maskDeep(p), audience: { centralOnly: true, departmentId: null } };
  }
}

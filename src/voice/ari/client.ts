/**
 * The ARI link: the only module that imports `ari-client`.
 *
 * - connects (swagger load + event WebSocket for one Stasis app) and keeps connecting: ari-client
 *   reconnects a dropped WebSocket by itself (exponential backoff, 10 tries ≈ 40 s) and then gives
 *   up with WebSocketMaxRetries; after that this link starts a new connect cycle with its own backoff,
 *   forever (until stop);
 * - detects a half-dead socket with WebSocket pings (no pong within one interval → terminate → the
 *   normal reconnect path);
 * - hardens ari-client's message handler: it JSON.parses and looks up the event model without a
 *   try/catch, so one unknown event type or malformed frame would throw out of the socket's
 *   'message' listener and crash the process; the listener is wrapped so such a frame is logged and dropped;
 * - turns every event into plain JSON (`'event'`, with the arrival time) and every REST call into a
 *   promise rejecting with AriRequestError (status derived from Asterisk's `{"message": …}` since
 *   ari-client drops the HTTP status).
 *
 * Emits: 'event' (ev: AriEventJson, arrivedAt: number /performance.now()/), 'state' (state, detail),
 * 'connected' ({ first: boolean }) after every successful (re)connection of the event socket.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import ari from 'ari-client';
import type { Logger } from '../../log.js';
import {
  AriRequestError,
  type AriChannelJson, type AriEventJson, type AriLinkState, type AriPort, type OriginateOptions, type RecordOptions,
} from './types.js';

export interface AriLinkOptions {
  url: string;
  user: string;
  password: string;
  app: string;
  log: Logger;
  /** WebSocket ping interval; a missing pong after one interval drops the socket (default 15 s). */
  pingIntervalMs?: number;
  /** Backoff between full connect cycles (default 1 s doubling to 30 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Timeout of each REST request (default 10 s). */
  requestTimeoutMs?: number;
}

/** The subset of ari-client we use, loosely typed (its generated typings are large and partly wrong). */
type Op = (params?: Record<string, unknown>) => Promise<unknown>;
interface LooseClient {
  on(ev: string, fn: (...args: any[]) => void): unknown;
  removeAllListeners(ev?: string): unknown;
  start(app: string): Promise<void>;
  stop(): void;
  ping(): void;
  _ws?: { terminate(): void; readyState: number; listeners(ev: string): Array<(...a: any[]) => void>; removeAllListeners(ev: string): void; on(ev: string, fn: (...a: any[]) => void): void };
  channels: Record<string, Op>;
  playbacks: Record<string, Op>;
  recordings: Record<string, Op>;
  bridges: Record<string, Op>;
  applications: Record<string, Op>;
}

/** Map an ari-client error (its message is Asterisk's JSON body) to AriRequestError with a status. */
export function toAriError(e: unknown): AriRequestError {
  if (e instanceof AriRequestError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  let message = raw;
  try {
    const j = JSON.parse(raw) as { message?: unknown };
    if (j && typeof j.message === 'string') message = j.message;
  } catch { /* not JSON: a network error or similar */ }
  let status: number | null = null;
  if (/not found/i.test(message)) status = 404;
  else if (/not in Stasis|already exists|in use|currently recording/i.test(message)) status = 409;
  else if (/Authentication required|Unauthorized/i.test(message)) status = 401;
  else if (/unknown on this system|does not exist/i.test(message)) status = 422;
  else if (/Invalid (reason|method)|invalid|must be specified|required/i.test(message) && !/ECONN/.test(message)) status = 400;
  return new AriRequestError(message, status);
}

const wrapped = new WeakSet<object>();

export class AriLink extends EventEmitter implements AriPort {
  state: AriLinkState = 'idle';
  private client: LooseClient | null = null;
  private stopped = false;
  private everConnected = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private cycle = 0;
  readonly stats = { connects: 0, reconnects: 0, events: 0, droppedFrames: 0, lastError: null as string | null, connectedAt: null as string | null };
  private readonly auth: string;
  private readonly log: Logger;

  constructor(private readonly o: AriLinkOptions) {
    super();
    this.setMaxListeners(0);
    this.log = o.log;
    this.auth = 'Basic ' + Buffer.from(`${o.user}:${o.password}`).toString('base64');
  }

  get connected(): boolean { return this.state === 'connected'; }

  /** Start connecting; resolves true once connected, false if not within `waitMs` (it keeps trying). */
  start(waitMs = 5000): Promise<boolean> {
    this.stopped = false;
    void this.connectCycle();
    if (this.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.off('connected', on); resolve(false); }, waitMs);
      const on = () => { clearTimeout(t); resolve(true); };
      this.once('connected', on);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = this.pingTimer = null;
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners();
      try { c.stop(); } catch { /* never started */ }
    }
    this.setState('stopped');
  }

  private setState(s: AriLinkState, detail: Record<string, unknown> = {}): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s, detail);
  }

  private backoff(n: number): number {
    const min = this.o.retryMinMs ?? 1000, max = this.o.retryMaxMs ?? 30_000;
    return Math.min(max, min * 2 ** Math.min(n, 16));
  }

  /** Load the API (swagger) and open the event socket; retried with backoff until it works or stop(). */
  private async connectCycle(): Promise<void> {
    const my = ++this.cycle;
    for (let attempt = 0; !this.stopped && my === this.cycle; attempt++) {
      this.setState(this.everConnected ? 'reconnecting' : 'connecting');
      try {
        if (!this.client) {
          const c = (await ari.connect(this.o.url, this.o.user, this.o.password)) as unknown as LooseClient;
          if (this.stopped || my !== this.cycle) { try { c.stop(); } catch { /* not started */ } return; }
          this.attach(c);
          this.client = c;
        }
        await this.client.start(this.o.app);
        return; // 'WebSocketConnected' did the rest
      } catch (e) {
        this.stats.lastError = (e as Error).message;
        const wait = this.backoff(attempt);
        this.log.warn(`ARI 连接失败 / ARI connect failed, retrying in ${Math.round(wait / 1000)} s`, { url: this.o.url, error: (e as Error).message });
        if (this.state !== 'down') this.setState('down', { error: (e as Error).message });
        await new Promise<void>((r) => { this.retryTimer = setTimeout(r, wait); });
      }
    }
  }

  private attach(c: LooseClient): void {
    c.on('*', (ev: AriEventJson) => {
      const at = performance.now();
      this.stats.events++;
      try { this.emit('event', ev, at); } catch (e) {
        this.log.error('ARI event handler failed', { type: ev?.type, error: (e as Error).message });
      }
    });
    c.on('WebSocketConnected', () => {
      this.hardenSocket(c);
      const first = !this.everConnected;
      this.everConnected = true;
      this.stats.connects++;
      if (!first) this.stats.reconnects++;
      this.stats.connectedAt = new Date().toISOString();
      this.awaitingPong = false;
      this.startPings(c);
      this.setState('connected');
      this.log.info(first ? 'ARI 已连接 / ARI connected' : 'ARI 已重新连接 / ARI reconnected', { url: this.o.url, app: this.o.app });
      this.emit('connected', { first });
    });
    c.on('WebSocketReconnecting', (err?: Error) => {
      this.stats.lastError = err?.message ?? 'socket closed';
      if (this.state !== 'reconnecting') this.log.warn('ARI 事件连接断开，正在重连 / ARI event socket lost, reconnecting', { error: err?.message });
      this.setState('reconnecting', { error: err?.message });
    });
    c.on('WebSocketMaxRetries', (err?: Error) => {
      this.stats.lastError = err?.message ?? 'max retries';
      this.setState('down', { error: err?.message });
      this.log.error('ARI 重连次数用尽，稍后重新开始 / ARI reconnect attempts exhausted, starting over', { error: err?.message });
      if (this.stopped) return;
      // ari-client gave up on this socket cycle: start another one (the API client stays loaded).
      this.retryTimer = setTimeout(() => { void this.connectCycle(); }, this.backoff(3));
    });
    c.on('pong', () => { this.awaitingPong = false; });
    c.on('APILoadError', (err?: Error) => { this.stats.lastError = err?.message ?? 'API load error'; });
  }

  /** Wrap ari-client's socket 'message' listener so one bad frame cannot throw out of the socket. */
  private hardenSocket(c: LooseClient): void {
    const ws = c._ws;
    if (!ws || wrapped.has(ws)) return;
    wrapped.add(ws);
    const listeners = ws.listeners('message');
    ws.removeAllListeners('message');
    for (const l of listeners) {
      ws.on('message', (...args: unknown[]) => {
        try { l.apply(ws, args); } catch (e) {
          this.stats.droppedFrames++;
          this.log.warn('ARI 事件无法解析，已丢弃 / unparseable ARI event dropped', { error: (e as Error).message, frame: String(args[0]).slice(0, 120) });
        }
      });
    }
  }

  private startPings(c: LooseClient): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    const every = this.o.pingIntervalMs ?? 15_000;
    this.pingTimer = setInterval(() => {
      if (this.state !== 'connected' || this.client !== c) return;
      if (this.awaitingPong) {
        this.log.warn('ARI 心跳超时，断开重连 / ARI WebSocket ping unanswered, dropping the socket');
        this.awaitingPong = false;
        try { c._ws?.terminate(); } catch { /* already gone */ }
        return;
      }
      this.awaitingPong = true;
      try { c.ping(); } catch { /* socket closing */ }
    }, every);
    this.pingTimer.unref();
  }

  /** Drop the event socket as if the network failed (tests, diagnostics); ari-client reconnects. */
  dropSocket(): void {
    try { this.client?._ws?.terminate(); } catch { /* none */ }
  }

  // ───────────── REST ─────────────

  private api(): LooseClient {
    if (!this.client) throw new AriRequestError('ARI not connected', null);
    return this.client;
  }

  private async call<T = unknown>(resource: keyof Pick<LooseClient, 'channels' | 'playbacks' | 'recordings' | 'bridges' | 'applications'>, op: string, params: Record<string, unknown>): Promise<T> {
    const c = this.api();
    const fn = c[resource][op];
    if (typeof fn !== 'function') throw new AriRequestError(`ARI operation ${resource}.${op} not available`, null);
    const timeoutMs = this.o.requestTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(params) as Promise<T>,
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new AriRequestError(`ARI ${resource}.${op} timed out`, null)), timeoutMs); }),
      ]);
    } catch (e) {
      throw toAriError(e);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async answer(channelId: string): Promise<void> { await this.call('channels', 'answer', { channelId }); }

  async play(channelId: string, playbackId: string, media: string[]): Promise<void> {
    await this.call('channels', 'play', { channelId, playbackId, media });
  }

  async stopPlayback(playbackId: string): Promise<void> { await this.call('playbacks', 'stop', { playbackId }); }

  async getPlayback(playbackId: string): Promise<{ state: string } | null> {
    try {
      const p = await this.call<{ state?: string }>('playbacks', 'get', { playbackId });
      return { state: String(p?.state ?? '') };
    } catch (e) {
      if ((e as AriRequestError).status === 404) return null;
      throw e;
    }
  }

  async record(channelId: string, o: RecordOptions): Promise<void> {
    await this.call('channels', 'record', {
      channelId, name: o.name, format: o.format, maxDurationSeconds: o.maxDurationSeconds, maxSilenceSeconds: o.maxSilenceSeconds,
      beep: o.beep, terminateOn: o.terminateOn, ifExists: o.ifExists,
    });
  }

  async stopRecording(name: string): Promise<void> { await this.call('recordings', 'stop', { recordingName: name }); }

  async getLiveRecording(name: string): Promise<{ state: string } | null> {
    try {
      const r = await this.call<{ state?: string }>('recordings', 'getLive', { recordingName: name });
      return { state: String(r?.state ?? '') };
    } catch (e) {
      if ((e as AriRequestError).status === 404) return null;
      throw e;
    }
  }

  async getStoredRecording(name: string): Promise<{ name: string; format: string } | null> {
    try {
      const r = await this.call<{ name?: string; format?: string }>('recordings', 'getStored', { recordingName: name });
      return { name: String(r?.name ?? name), format: String(r?.format ?? '') };
    } catch (e) {
      if ((e as AriRequestError).status === 404) return null;
      throw e;
    }
  }

  /** Fetched with plain HTTP (Basic auth): ari-client's binary handling is not dependable. */
  async downloadRecording(name: string): Promise<Buffer> {
    const url = `${this.o.url.replace(/\/+$/, '')}/ari/recordings/stored/${encodeURIComponent(name)}/file`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: this.auth }, signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 30_000) });
    } catch (e) {
      throw new AriRequestError(`recording download failed: ${(e as Error).message}`, null);
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) {
      let message = `HTTP ${res.status}`;
      try { message = String((JSON.parse(body.toString('utf8')) as { message?: string }).message ?? message); } catch { /* not JSON */ }
      throw new AriRequestError(message, res.status);
    }
    return body;
  }

  async deleteStoredRecording(name: string): Promise<void> { await this.call('recordings', 'deleteStored', { recordingName: name }); }

  async hangup(channelId: string, reason = 'normal'): Promise<void> { await this.call('channels', 'hangup', { channelId, reason }); }

  async appChannelIds(): Promise<string[]> {
    const a = await this.call<{ channel_ids?: string[] }>('applications', 'get', { applicationName: this.o.app });
    return Array.isArray(a?.channel_ids) ? a.channel_ids.map(String) : [];
  }

  async getChannel(channelId: string): Promise<AriChannelJson | null> {
    try {
      return pickChannel(await this.call('channels', 'get', { channelId }));
    } catch (e) {
      if ((e as AriRequestError).status === 404) return null;
      throw e;
    }
  }

  async originate(o: OriginateOptions): Promise<AriChannelJson> {
    const params: Record<string, unknown> = { endpoint: o.endpoint, app: o.app, appArgs: o.appArgs.join(','), timeout: o.timeout };
    if (o.callerId) params.callerId = o.callerId;
    if (o.channelId) params.channelId = o.channelId;
    if (o.variables && Object.keys(o.variables).length) params.variables = o.variables;
    return pickChannel(await this.call('channels', 'originate', params));
  }

  async createBridge(bridgeId: string): Promise<void> { await this.call('bridges', 'create', { bridgeId, type: 'mixing', name: bridgeId }); }

  async addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.call('bridges', 'addChannel', { bridgeId, channel: channelIds });
  }

  async destroyBridge(bridgeId: string): Promise<void> { await this.call('bridges', 'destroy', { bridgeId }); }
}

/** Plain JSON fields of an ari-client Channel instance. */
function pickChannel(x: unknown): AriChannelJson {
  const c = (x ?? {}) as Record<string, unknown>;
  return {
    id: String(c.id ?? ''), name: c.name as string | undefined, state: c.state as string | undefined,
    caller: c.caller as AriChannelJson['caller'], connected: c.connected as AriChannelJson['connected'],
    dialplan: c.dialplan as AriChannelJson['dialplan'], creationtime: c.creationtime as string | undefined, language: c.language as string | undefined,
  };
}

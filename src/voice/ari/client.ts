/**
 * The ARI link: the only module that imports `ari-client`.
 *
 * - connects (swagger load + event WebSocket for one Stasis app) and keeps connecting: ari-client
 *   reconnects a dropped WebSocket by itself (exponential backoff, 10 tries ≈ 40 s) and then gives
 *   up with WebSocketMaxRetries; after that this link starts a new connect cycle with its own backoff,
 *   forever (until stop);
 * - detects a half-dead socket with WebSocket pings (no pong within one interval → terminate → the
 *   normal reconnect path);
 * - reads the event frames itself (plain JSON, arrival time taken on the frame) instead of
 *   ari-client's message handler, which can crash the process on an unknown event type and builds
 *   heavy resource objects per event (see takeOverMessages);
 * - sends REST requests itself over a keep-alive HTTP agent (see the REST section for why), each a
 *   promise rejecting with AriRequestError carrying Asterisk's status and `{"message": …}`.
 *
 * - keeps the Stasis app registered to this process: Asterisk lets a second WebSocket for the same
 *   app name take the app over (ApplicationReplaced to the first socket, which stays open but gets no
 *   more events); the link then reports state 'replaced' (not connected: /health says so) instead of
 *   believing it still serves calls. Every `appCheckMs` it asks GET /applications/{app}: a 404 means
 *   Asterisk has no such app any more (the other process went away, or Asterisk lost it) and the link
 *   re-registers (drops and reopens its socket). It does not take an app back from a live owner.
 *
 * Emits: 'event' (ev: AriEventJson, arrivedAt: number /performance.now()/), 'state' (state, detail),
 * 'connected' ({ first: boolean }) after every successful (re)connection of the event socket,
 * 'replaced' when another WebSocket took the app over.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import ari from 'ari-client';
import type { Logger } from '../../log.js';
import { EventSlicer } from './slicer.js';
import {
  AriRequestError,
  type AriChannelJson, type AriEndpointJson, type AriEventJson, type AriLinkState, type AriPort, type OriginateOptions, type RecordOptions,
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
  /** Check that the app is still registered (GET /applications/{app}) this often; 0 = never (default 10 s). */
  appCheckMs?: number;
}

/** The subset of ari-client we use (the event socket), loosely typed. */
interface LooseClient {
  on(ev: string, fn: (...args: any[]) => void): unknown;
  removeAllListeners(ev?: string): unknown;
  start(app: string): Promise<void>;
  stop(): void;
  ping(): void;
  _ws?: { terminate(): void; readyState: number; listeners(ev: string): Array<(...a: any[]) => void>; removeAllListeners(ev: string): void; on(ev: string, fn: (...a: any[]) => void): void };
}

const wrapped = new WeakSet<object>();

export class AriLink extends EventEmitter implements AriPort {
  state: AriLinkState = 'idle';
  private client: LooseClient | null = null;
  private stopped = false;
  private everConnected = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private appTimer: NodeJS.Timeout | null = null;
  private checkingApp = false;
  /** Whether Asterisk had the app registered at the last check (null: not checked yet). */
  appRegistered: boolean | null = null;
  lastAppCheck: string | null = null;
  private awaitingPong = false;
  private cycle = 0;
  private slicer: EventSlicer<{ data: unknown; at: number }> | null = null;
  private pastYields = 0;
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
    if (this.appTimer) clearInterval(this.appTimer);
    this.retryTimer = this.pingTimer = this.appTimer = null;
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners();
      try { c.stop(); } catch { /* never started */ }
    }
    this.agent?.destroy();
    this.agent = null;
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
          const c = (await quietSwagger(() => ari.connect(this.o.url, this.o.user, this.o.password))) as unknown as LooseClient;
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
    c.on('WebSocketConnected', () => {
      this.takeOverMessages(c);
      const first = !this.everConnected;
      this.everConnected = true;
      this.stats.connects++;
      if (!first) this.stats.reconnects++;
      this.stats.connectedAt = new Date().toISOString();
      this.awaitingPong = false;
      this.startPings(c);
      this.startAppChecks();
      this.appRegistered = true;
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

  /**
   * Read the event frames ourselves instead of ari-client's processMessage: it JSON.parses and looks
   * up the event model without a try/catch (one unknown event type or malformed frame would throw out
   * of the socket's 'message' listener and crash the process), and it builds a resource object with
   * every operation bound for each event (CPU and garbage under load). Events are plain JSON here
   * anyway; ari-client keeps connecting, reconnecting and reporting the socket state.
   */
  private takeOverMessages(c: LooseClient): void {
    const ws = c._ws;
    if (!ws || wrapped.has(ws)) return;
    wrapped.add(ws);
    ws.removeAllListeners('message');
    // Frames are parsed and handled in slices (./slicer.ts): one read carrying hundreds of events
    // does not hold the event loop; arrival order is kept (so each channel's order is).
    const slicer = new EventSlicer<{ data: unknown; at: number }>({
      handle: ({ data, at }) => this.frame(data, at),
      onError: (e) => this.log.error('ARI event handler failed', { error: (e as Error).message }),
    });
    if (this.slicer) this.pastYields += this.slicer.yields;
    this.slicer = slicer;
    ws.on('message', (data: unknown) => slicer.push({ data, at: performance.now() }));
  }

  private frame(data: unknown, at: number): void {
    let ev: AriEventJson;
    try {
      ev = JSON.parse(String(data)) as AriEventJson;
      if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string') throw new Error('not an ARI event');
    } catch (e) {
      this.stats.droppedFrames++;
      this.log.warn('ARI 事件无法解析，已丢弃 / unparseable ARI event dropped', { error: (e as Error).message, frame: String(data).slice(0, 120) });
      return;
    }
    this.stats.events++;
    if (ev.type === 'ApplicationReplaced') { this.onReplaced(ev); return; }
    try { this.emit('event', ev, at); } catch (e) {
      this.log.error('ARI event handler failed', { type: ev.type, error: (e as Error).message });
    }
  }

  /** Event slices handed to a later turn (a burst bigger than one slice), for the bench. */
  get eventYields(): number { return this.pastYields + (this.slicer?.yields ?? 0); }
  /** The current socket's slicer figures: yields, longest queue wait, longest slice (ms). */
  get eventSlices(): { yields: number; maxWaitMs: number; maxSliceMs: number } {
    return { yields: this.eventYields, maxWaitMs: this.slicer?.maxWaitMs ?? 0, maxSliceMs: this.slicer?.maxSliceMs ?? 0 };
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

  /** Another WebSocket took our app over: we get no more events for it. Say so; do not fight for it. */
  private onReplaced(ev: AriEventJson): void {
    if (ev.application && ev.application !== this.o.app) return;
    this.stats.lastError = 'Stasis app taken over by another WebSocket';
    this.appRegistered = false;
    this.log.error(`Stasis 应用 ${this.o.app} 已被另一连接接管，本服务不再收到来电 / another process took over the Stasis app "${this.o.app}" (ApplicationReplaced): this server gets no calls until the app is free again — run one server per app name`, { app: this.o.app });
    this.setState('replaced', { error: this.stats.lastError });
    this.emit('replaced');
  }

  private startAppChecks(): void {
    const every = this.o.appCheckMs ?? 10_000;
    if (this.appTimer || every <= 0) return;
    this.appTimer = setInterval(() => { void this.checkApp(); }, every);
    this.appTimer.unref();
  }

  /**
   * GET /applications/{app}: a 404 while we think we hold the app (connected, or replaced by a socket
   * that has since gone) means Asterisk has no such app: re-register by reopening the event socket.
   */
  async checkApp(): Promise<boolean | null> {
    if (this.checkingApp || this.stopped) return this.appRegistered;
    if (this.state !== 'connected' && this.state !== 'replaced') return this.appRegistered;
    this.checkingApp = true;
    try {
      await this.request('GET', `/applications/${enc(this.o.app)}`);
      this.lastAppCheck = new Date().toISOString();
      if (this.state === 'connected') this.appRegistered = true;
      return this.appRegistered;
    } catch (e) {
      if ((e as AriRequestError).status !== 404) return this.appRegistered; // Asterisk unreachable: the socket's state tells
      this.lastAppCheck = new Date().toISOString();
      this.appRegistered = false;
      this.stats.lastError = `Stasis app ${this.o.app} not registered with Asterisk`;
      this.log.warn(`Asterisk 中没有 Stasis 应用 ${this.o.app}，重新注册 / Asterisk has no Stasis app "${this.o.app}" (GET /applications → 404): re-registering`, { app: this.o.app, state: this.state });
      this.setState('reconnecting', { error: this.stats.lastError });
      this.dropSocket();
      return false;
    } finally {
      this.checkingApp = false;
    }
  }

  /** Drop the event socket as if the network failed (tests, diagnostics); ari-client reconnects. */
  dropSocket(): void {
    try { this.client?._ws?.terminate(); } catch { /* none */ }
  }

  // ───────────── REST ─────────────
  //
  // Requests go straight over HTTP (keep-alive agent), with ARI's own paths and parameters, instead
  // of through ari-client's swagger layer: that layer costs about 1.2 ms of synchronous CPU per
  // request, which under a few hundred concurrent calls queues requests behind each other (p99 of
  // ~50 ms at 100 calls in bench/voice-concurrency). Going direct also gives the real HTTP status
  // (404/409/422) instead of a status guessed from the message. ari-client keeps the event socket.

  private agent: http.Agent | null = null;

  private request(method: string, path: string, query: Record<string, string | number | boolean | string[] | undefined> = {}, body?: unknown): Promise<{ status: number; json: any; raw: Buffer }> {
    if (this.stopped && this.state === 'stopped') return Promise.reject(new AriRequestError('ARI link stopped', null));
    const base = new URL(this.o.url);
    const isHttps = base.protocol === 'https:';
    this.agent ??= isHttps ? new https.Agent({ keepAlive: true, maxSockets: 64 }) : new http.Agent({ keepAlive: true, maxSockets: 64 });
    const qs: string[] = [];
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      qs.push(`${k}=${encodeURIComponent(Array.isArray(v) ? v.join(',') : String(v))}`);
    }
    const prefix = base.pathname.replace(/\/+$/, '');
    const fullPath = `${prefix}/ari${path}${qs.length ? `?${qs.join('&')}` : ''}`;
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const timeoutMs = this.o.requestTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request({
        protocol: base.protocol, hostname: base.hostname, port: base.port || (isHttps ? 443 : 80), method, path: fullPath, agent: this.agent!,
        headers: { authorization: this.auth, accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new AriRequestError(e.message, null)));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          let json: any;
          if (raw.length && String(res.headers['content-type'] ?? '').includes('json')) {
            try { json = JSON.parse(raw.toString('utf8')); } catch { json = undefined; }
          }
          if (status >= 200 && status < 300) resolve({ status, json, raw });
          // Asterisk answers `{"message": …}`, but an allocation failure (e.g. originate to an endpoint
          // that cannot be dialled) answers 500 `{"error": "Allocation failed"}`.
          else reject(new AriRequestError(typeof json?.message === 'string' ? json.message : typeof json?.error === 'string' ? `HTTP ${status} ${json.error}` : `HTTP ${status}`, status));
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`ARI ${method} ${path} timed out`)));
      req.on('error', (e) => reject(e instanceof AriRequestError ? e : new AriRequestError(e.message, null)));
      req.end(payload ?? undefined);
    });
  }

  private async nullOn404<T>(p: Promise<T>): Promise<T | null> {
    try { return await p; } catch (e) {
      if ((e as AriRequestError).status === 404) return null;
      throw e;
    }
  }

  async answer(channelId: string): Promise<void> { await this.request('POST', `/channels/${enc(channelId)}/answer`); }

  async play(channelId: string, playbackId: string, media: string[]): Promise<void> {
    await this.request('POST', `/channels/${enc(channelId)}/play`, { media, playbackId });
  }

  async stopPlayback(playbackId: string): Promise<void> { await this.request('DELETE', `/playbacks/${enc(playbackId)}`); }

  async getPlayback(playbackId: string): Promise<{ state: string } | null> {
    const r = await this.nullOn404(this.request('GET', `/playbacks/${enc(playbackId)}`));
    return r ? { state: String(r.json?.state ?? '') } : null;
  }

  async record(channelId: string, o: RecordOptions): Promise<void> {
    await this.request('POST', `/channels/${enc(channelId)}/record`, {
      name: o.name, format: o.format, maxDurationSeconds: o.maxDurationSeconds, maxSilenceSeconds: o.maxSilenceSeconds,
      beep: o.beep, terminateOn: o.terminateOn, ifExists: o.ifExists,
    });
  }

  async stopRecording(name: string): Promise<void> { await this.request('POST', `/recordings/live/${enc(name)}/stop`); }

  async getLiveRecording(name: string): Promise<{ state: string } | null> {
    const r = await this.nullOn404(this.request('GET', `/recordings/live/${enc(name)}`));
    return r ? { state: String(r.json?.state ?? '') } : null;
  }

  async getStoredRecording(name: string): Promise<{ name: string; format: string } | null> {
    const r = await this.nullOn404(this.request('GET', `/recordings/stored/${enc(name)}`));
    return r ? { name: String(r.json?.name ?? name), format: String(r.json?.format ?? '') } : null;
  }

  async downloadRecording(name: string): Promise<Buffer> {
    return (await this.request('GET', `/recordings/stored/${enc(name)}/file`)).raw;
  }

  async deleteStoredRecording(name: string): Promise<void> { await this.request('DELETE', `/recordings/stored/${enc(name)}`); }

  async hangup(channelId: string, reason = 'normal'): Promise<void> { await this.request('DELETE', `/channels/${enc(channelId)}`, { reason }); }

  async appChannelIds(): Promise<string[]> {
    const r = await this.request('GET', `/applications/${enc(this.o.app)}`);
    return Array.isArray(r.json?.channel_ids) ? r.json.channel_ids.map(String) : [];
  }

  async getChannel(channelId: string): Promise<AriChannelJson | null> {
    const r = await this.nullOn404(this.request('GET', `/channels/${enc(channelId)}`));
    return r ? pickChannel(r.json) : null;
  }

  async originate(o: OriginateOptions): Promise<AriChannelJson> {
    const body = o.variables && Object.keys(o.variables).length ? { variables: o.variables } : undefined;
    const r = await this.request('POST', '/channels', {
      endpoint: o.endpoint, app: o.app, appArgs: o.appArgs.join(','), timeout: o.timeout, callerId: o.callerId, channelId: o.channelId,
    }, body);
    return pickChannel(r.json);
  }

  async getEndpoint(tech: string, resource: string): Promise<AriEndpointJson | null> {
    const r = await this.nullOn404(this.request('GET', `/endpoints/${enc(tech)}/${enc(resource)}`));
    if (!r) return null;
    const j = (r.json ?? {}) as Record<string, unknown>;
    return {
      technology: String(j.technology ?? tech), resource: String(j.resource ?? resource),
      state: typeof j.state === 'string' ? j.state : undefined, channel_ids: Array.isArray(j.channel_ids) ? j.channel_ids.map(String) : [],
    };
  }

  async startMoh(channelId: string, mohClass?: string): Promise<void> { await this.request('POST', `/channels/${enc(channelId)}/moh`, { mohClass }); }

  async stopMoh(channelId: string): Promise<void> { await this.request('DELETE', `/channels/${enc(channelId)}/moh`); }

  async createBridge(bridgeId: string): Promise<void> { await this.request('POST', '/bridges', { type: 'mixing', bridgeId, name: bridgeId }); }

  async addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.request('POST', `/bridges/${enc(bridgeId)}/addChannel`, { channel: channelIds });
  }

  async destroyBridge(bridgeId: string): Promise<void> { await this.request('DELETE', `/bridges/${enc(bridgeId)}`); }

  /** POST /bridges/{id}/record: the bridge's mix (everyone in it) into a stored recording; it ends when the bridge is destroyed. */
  async recordBridge(bridgeId: string, o: Pick<RecordOptions, 'name' | 'format' | 'maxDurationSeconds' | 'ifExists'>): Promise<void> {
    await this.request('POST', `/bridges/${enc(bridgeId)}/record`, { name: o.name, format: o.format, maxDurationSeconds: o.maxDurationSeconds, ifExists: o.ifExists });
  }
}

const enc = encodeURIComponent;

/** Plain JSON fields of an ari-client Channel instance. */
function pickChannel(x: unknown): AriChannelJson {
  const c = (x ?? {}) as Record<string, unknown>;
  return {
    id: String(c.id ?? ''), name: c.name as string | undefined, state: c.state as string | undefined,
    caller: c.caller as AriChannelJson['caller'], connected: c.connected as AriChannelJson['connected'],
    dialplan: c.dialplan as AriChannelJson['dialplan'], creationtime: c.creationtime as string | undefined, language: c.language as string | undefined,
  };
}

/**
 * swagger-client (inside ari-client) console.logs "This API is using a deprecated version of Swagger!"
 * on every connect, because ARI serves Swagger 1.2 — as a real Asterisk does. Drop just that line.
 */
async function quietSwagger<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = (...args: unknown[]) => {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    if (typeof first === 'string' && first.startsWith('This API is using a deprecated version of Swagger')) return;
    original(...args);
  };
  try { return await fn(); } finally { console.log = original; }
}

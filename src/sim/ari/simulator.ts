/**
 * AriSimulator: an HTTP + WebSocket server that behaves like Asterisk 22's ARI
 * closely enough that the unmodified `ari-client` drives calls through it.
 *
 * What it models (see ../shared/reference/ari-events-observed.json):
 *  - /ari/api-docs (swagger.ts), Basic auth or api_key, `{"message": …}` errors
 *    with Asterisk's status codes, 404 unknown path / 405 wrong method;
 *  - the events WebSocket (`/ari/events?app=…`), one owner per app name;
 *  - channels entering Stasis from the dialplan (startCall), DTMF per key,
 *    caller hang-up, app hang-up with reasons, originate with a test-controlled
 *    far end, bridges, variables;
 *  - a per-channel control queue for playbacks and recordings (as Asterisk's
 *    control thread): one playback/recording at a time, the rest queued;
 *  - playback outcomes: done after the simulated length, missing sound → failed
 *    at once, unknown scheme → started and never finished, `sound:http(s)://`
 *    fetched and timed by its real WAV length, short URLs fail like the
 *    res_http_media_cache bug;
 *  - recordings written as real 8 kHz mono 16-bit WAV files, kept on caller
 *    hang-up, deleted on cancel;
 *  - tones: a named tone (`tone:ring;tonezone=cn`) needs that tone zone
 *    (indications.conf; none by default, like a fresh Asterisk) or it fails at
 *    once (PlaybackStarted + PlaybackFinished failed); a literal frequency tone
 *    (`tone:450/1000|0/4000`) needs no zone and plays until stopped;
 *  - endpoints: originate to an endpoint Asterisk cannot dial (unknown, or a
 *    PJSIP endpoint with no registered contact) answers 500
 *    `{"error":"Allocation failed"}`, as res_ari does; GET /endpoints/{tech}/{resource};
 *  - the app registry: a second WebSocket for the same app takes it over (the
 *    first gets ApplicationReplaced and no more events); an app exists
 *    (GET /applications/{app}) while a socket owns it or it still has channels
 *    or bridges, and is gone (404) after that, as res_stasis cleans it up.
 *
 *  - optional realism (off by default): `mediaFetch` fetches `sound:http…` media with
 *    res_http_media_cache's caching rules (media-fetch.ts), `eventVolume: 'asterisk'` adds the
 *    per-call events a real Asterisk sends (event-volume.ts).
 *
 * Layout (by ARI 22.9 resource file, ../shared/reference/asterisk-ari-22.9.0/):
 *  - this file: the state (channels, playbacks, recordings, bridges, apps), the control queue,
 *    media timing, recordings on disk, and the test-facing API (startCall, setEndpoint, …);
 *  - resources/<resource>.ts: the REST handlers of asterisk, endpoints, channels, bridges,
 *    recordings, playbacks, applications (keyed `<resource>.<nickname>` as in swagger.ts);
 *  - http.ts: the HTTP server side and routing; events.ts: the events WebSocket;
 *  - model.ts: the internal records. Members marked @internal are for those files only.
 *
 * Time: simulated media/recording durations run `speed` times faster than real
 * time (speed 20 → a 2 s prompt lasts 100 ms). Delays given by tests (DTMF gaps,
 * originate answer delays) are wall-clock.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';

import { SimCall, type AriEvent, type CallDriver, type CallEnd, type SimPlayback } from './call.js';
import { servedOperations, IF_EXISTS_VALUES, TERMINATE_ON_VALUES, type ServedOperation } from './swagger.js';
import { asteriskTimestamp, astTrue, atoi, causeText, delay, nextChannelId, nextChannelName, protocolId, uuid } from './util.js';
import { linearToAlaw, linearToUlaw, parseWav, pcm16ToWav, synthesizePcm, type AudioSegment } from './wav.js';
import { MediaFetchCache, type MediaFetchStats } from './media-fetch.js';
import { hasRtpStats, rtpQosVarsets } from './event-volume.js';
import { AriError, FORMATS, MAX_SYNTH_MS, ok, type BridgeRec, type Chan, type Handler, type HttpResult, type Params, type PlayInterrupt, type PlaybackRec, type QueueItem, type RecordingRec, type StoredRec, type WsSession } from './model.js';
import { handleHttp, sendJson } from './http.js';
import { handleUpgrade, unregisterSession } from './events.js';
import { asteriskHandlers } from './resources/asterisk.js';
import { endpointsHandlers } from './resources/endpoints.js';
import { channelsHandlers } from './resources/channels.js';
import { bridgesHandlers } from './resources/bridges.js';
import { recordingsHandlers } from './resources/recordings.js';
import type { BridgeRecordingRec } from './bridge-recording.js';
import { playbacksHandlers } from './resources/playbacks.js';
import { applicationsHandlers } from './resources/applications.js';

// ---------------------------------------------------------------------------
// Public types

export interface AriSimulatorOptions {
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  /** Simulated media time runs this many times faster than wall time (default 1). */
  speed?: number;
  /** `asterisk_id` in events (default the observed `02:fc:00:00:00:01`). */
  asteriskId?: string;
  /** Where stored recordings live (default: a fresh temp dir, removed on stop). */
  recordingsDir?: string;
  /** Length of a `sound:` prompt without a registered duration, simulated ms (default 1500). */
  defaultSoundMs?: number;
  /** `sound:` names that exist; 'all' (default) accepts every name except those marked missing. */
  knownSounds?: 'all' | Iterable<string>;
  /** `sound:http(s)://…` URLs shorter than this fail like Asterisk 22.9's media-cache bug (default 64). */
  mediaUrlMinLength?: number;
  /** Dialplan context calls come from (default `from-caller`, as observed). */
  context?: string;
  /** Channel language (default `en`). */
  language?: string;
  /** PJSIP endpoint name inbound calls arrive on (default `trunk`). */
  inboundEndpoint?: string;
  /** Wall ms between ChannelHangupRequest and StasisEnd (the race window; default 5). */
  hangupGapMs?: number;
  /** Describe a media URI for the caller feed (caption text, a URL a browser can play). */
  describeMedia?: (mediaUri: string) => { caption?: string; url?: string } | undefined;
  /** Require ARI credentials on the /sim control API too (default true). */
  controlAuth?: boolean;
  /** Tone zones Asterisk has (indications.conf); default none, as an Asterisk without indications.conf. */
  toneZones?: Iterable<string>;
  /** Endpoints ('PJSIP/operator') and their state; 'absent' = not configured in Asterisk. */
  endpoints?: Record<string, EndpointState>;
  /** State of an endpoint not listed in `endpoints` (default 'online': every endpoint can be dialled). */
  unknownEndpoints?: EndpointState;
  /**
   * Fetch `sound:http(s)://…` media like res_http_media_cache (./media-fetch.ts): cache by URL
   * honouring Cache-Control/Expires/ETag, HEAD revalidation under one global lock. Default false:
   * each URL is fetched once and its length kept for the simulator's lifetime.
   */
  mediaFetch?: boolean;
  /** 'asterisk': also send the extra per-call events a real Asterisk sends (./event-volume.ts). Default 'minimal'. */
  eventVolume?: 'minimal' | 'asterisk';
}

/** online: can be dialled; offline: configured but no contact registered; absent: not configured. */
export type EndpointState = 'online' | 'offline' | 'absent';

/** Tone names Asterisk's indications define per zone. */
const TONE_NAMES = new Set(['dial', 'busy', 'ring', 'congestion', 'callwaiting', 'dialrecall', 'record', 'info', 'stutter']);
/**
 * A literal tone list (ast_playtones_start): [!]f1[+f2|*f2][/ms] items separated by ',' or '|'
 * (through ARI only '|' survives: the media parameter is split on commas).
 */
const LITERAL_TONE = /^!?\d+([+*]\d+)?(\/\d+)?([,|]!?\d+([+*]\d+)?(\/\d+)?)*$/;

export interface StartCallOptions {
  from: string;
  to?: string;
  app?: string;
  /** Stasis(app,arg1,…) arguments → StasisStart.args */
  args?: string[];
  /** Caller display name. */
  name?: string;
  /** false: the channel enters Stasis unanswered (state Ring) and the app must answer. Default true (Answer() ran). */
  answered?: boolean;
}

export interface OriginateRequest {
  endpoint: string;
  app?: string;
  appArgs: string[];
  callerId?: string;
  /** seconds, as the app asked (-1 = none) */
  timeout: number;
  channelId: string;
  variables: Record<string, string>;
  call: SimCall;
}

export interface OriginateDecision {
  /** manual: the test calls call.answer() / call.reject() itself. */
  action: 'answer' | 'no-answer' | 'busy' | 'declined' | 'congestion' | 'failed' | 'manual';
  /** wall-clock ms before the outcome (default: answer 500 simulated ms, no-answer = the originate timeout). */
  delayMs?: number;
}

export type OriginateHandler = (req: OriginateRequest) => OriginateDecision | void | Promise<OriginateDecision | void>;

// ---------------------------------------------------------------------------
// Internal records

// Internal model (channels, playbacks, recordings, bridges, HTTP results): ./model.ts
// ---------------------------------------------------------------------------

export class AriSimulator extends EventEmitter implements CallDriver {
  /** @internal */ opts: Required<Omit<AriSimulatorOptions, 'port' | 'host' | 'recordingsDir' | 'knownSounds' | 'describeMedia' | 'toneZones' | 'endpoints' | 'unknownEndpoints'>> & {
    describeMedia?: AriSimulatorOptions['describeMedia'];
  };
  /** @internal */ server: Server | undefined;
  /** @internal */ wss = new WebSocketServer({ noServer: true });
  /** control-API feed sockets */
  readonly controlWss = new WebSocketServer({ noServer: true });
  /** @internal */ sessions = new Set<WsSession>();
  /** @internal */ appOwners = new Map<string, WsSession>();
  /** @internal */ knownApps = new Set<string>();
  /** @internal */ subscribeAllApps = new Set<string>();
  /** @internal */ refuseWsUntil = 0;

  /** @internal */ channels = new Map<string, Chan>();
  /** @internal */ chanByCall = new WeakMap<SimCall, Chan>();
  /** Every call the simulator has seen, newest last (ended ones capped). */
  /** @internal */ callList: SimCall[] = [];
  /** @internal */ playbacks = new Map<string, PlaybackRec>();
  /** @internal */ liveRecordings = new Map<string, RecordingRec>();
  /** @internal */ bridgeRecordings = new Map<string, BridgeRecordingRec>();
  /** @internal */ stored = new Map<string, StoredRec>();
  /** @internal */ bridges = new Map<string, BridgeRec>();

  /** @internal */ knownSounds: 'all' | Set<string> = 'all';
  /** @internal */ toneZones = new Set<string>();
  /** @internal */ endpointStates = new Map<string, EndpointState>();
  /** @internal */ unknownEndpointState: EndpointState = 'online';
  /** @internal */ missingSounds = new Set<string>();
  /** @internal */ soundDurations = new Map<string, number>();
  /** @internal */ urlCache = new Map<string, number>();
  /** @internal */ mediaCache: MediaFetchCache | null = null;
  /** @internal */ recordingFailure: string | null = null;
  /** @internal */ originateHandler: OriginateHandler | undefined;

  /** @internal */ recordingsDir = '';
  /** @internal */ ownsRecordingsDir = false;
  /** @internal */ startupTime = asteriskTimestamp();
  /** @internal */ routes: { segs: string[]; method: string; handler: Handler; op: ServedOperation }[] = [];
  /** @internal */ baseUrl = '';

  constructor(options: AriSimulatorOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.opts = {
      username: 'asterisk',
      password: 'asterisk',
      speed: 1,
      asteriskId: '02:fc:00:00:00:01',
      defaultSoundMs: 1500,
      mediaUrlMinLength: 64,
      context: 'from-caller',
      language: 'en',
      inboundEndpoint: 'trunk',
      hangupGapMs: 5,
      controlAuth: true,
      mediaFetch: false,
      eventVolume: 'minimal',
    };
    this.configure(options);
    this.buildRoutes();
  }

  /** @internal */ configure(o: AriSimulatorOptions): void {
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined) continue;
      if (k === 'knownSounds') this.setKnownSounds(v as 'all' | Iterable<string>);
      else if (k === 'toneZones') this.setToneZones(v as Iterable<string>);
      else if (k === 'endpoints') for (const [name, st] of Object.entries(v as Record<string, EndpointState>)) this.setEndpoint(name, st);
      else if (k === 'unknownEndpoints') this.unknownEndpointState = v as EndpointState;
      else if (k === 'recordingsDir') this.recordingsDir = v as string;
      else if (k !== 'port' && k !== 'host') (this.opts as Record<string, unknown>)[k] = v;
    }
    if (!(this.opts.speed > 0)) this.opts.speed = 1;
  }

  // ---- lifecycle -----------------------------------------------------------

  async start(options: AriSimulatorOptions = {}): Promise<{ url: string; port: number }> {
    if (this.server) throw new Error('AriSimulator already started');
    this.configure(options);
    if (!this.recordingsDir) {
      this.recordingsDir = mkdtempSync(path.join(tmpdir(), 'ari-sim-rec-'));
      this.ownsRecordingsDir = true;
    } else {
      mkdirSync(this.recordingsDir, { recursive: true });
      this.loadStoredRecordings();
    }
    const server = createServer((req, res) => {
      handleHttp(this, req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
        else res.destroy();
      });
    });
    server.on('upgrade', (req, socket, head) => handleUpgrade(this, req, socket, head));
    server.on('clientError', (_err, socket) => socket.destroy());
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    this.baseUrl = `http://${urlHost}:${port}`;
    return { url: this.baseUrl, port };
  }

  async stop(): Promise<void> {
    for (const ch of [...this.channels.values()]) this.destroyQuietly(ch, 'shutdown');
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
    this.appOwners.clear();
    for (const c of this.controlWss.clients) c.terminate();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.ownsRecordingsDir && this.recordingsDir) {
      rmSync(this.recordingsDir, { recursive: true, force: true });
      this.recordingsDir = '';
      this.ownsRecordingsDir = false;
    }
  }

  get url(): string {
    return this.baseUrl;
  }

  get speed(): number {
    return this.opts.speed;
  }

  /** Directory holding the stored recordings. */
  get recordingsPath(): string {
    return this.recordingsDir;
  }

  // ---- configuration surface for tests ------------------------------------------

  /** Which `sound:` names exist ('all' = any name not marked missing). */
  setKnownSounds(names: 'all' | Iterable<string>): void {
    this.knownSounds = names === 'all' ? 'all' : new Set(names);
  }

  /** Tone zones Asterisk has loaded from indications.conf (e.g. ['cn']); [] = none. */
  setToneZones(zones: Iterable<string>): void {
    this.toneZones = new Set(zones);
  }

  /** An endpoint's state: 'online' (dialable), 'offline' (no registered contact), 'absent' (not configured). */
  setEndpoint(endpoint: string, state: EndpointState): void {
    this.endpointStates.set(endpoint, state);
  }

  /** @internal */ endpointState(endpoint: string): EndpointState {
    return this.endpointStates.get(endpoint) ?? (endpoint.startsWith('Local/') ? 'online' : this.unknownEndpointState);
  }

  /** Register a sound (makes it known) with an optional simulated length. */
  registerSound(name: string, durationMs?: number): void {
    this.missingSounds.delete(name);
    if (this.knownSounds !== 'all') this.knownSounds.add(name);
    if (durationMs !== undefined) this.soundDurations.set(name, durationMs);
  }

  /** Make `sound:<name>` behave like a missing file (201, then PlaybackFinished failed at once). */
  markSoundMissing(name: string): void {
    this.missingSounds.add(name);
  }

  /** Simulated length of `sound:<name>`. */
  setSoundDuration(name: string, durationMs: number): void {
    this.soundDurations.set(name, durationMs);
  }

  /** res_http_media_cache counters (mediaFetch on; zeros otherwise). */
  mediaFetchStats(): MediaFetchStats {
    return { ...(this.mediaCache?.stats ?? { gets: 0, revalidations: 0, notModified: 0, hits: 0, failures: 0, lockHeldMs: 0, lockWaitMaxMs: 0, bytes: 0 }) };
  }

  /** Forget cached `sound:http…` lengths (the simulator fetches each URL once). */
  clearMediaCache(): void {
    this.mediaCache?.clear();
    this.urlCache.clear();
  }

  /** Make every new recording fail with RecordingFailed(cause); null restores normal recording. */
  setRecordingFailure(cause: string | null): void {
    this.recordingFailure = cause;
  }

  setMediaDescriber(fn: AriSimulatorOptions['describeMedia']): void {
    this.opts.describeMedia = fn;
  }

  /** Decide what the far end of an originated channel does. */
  onOriginate(handler: OriginateHandler | undefined): void {
    this.originateHandler = handler;
  }

  /** Close every event WebSocket (ari-client will reconnect); optionally refuse reconnects for a while. */
  dropWebSockets(refuseForMs = 0): void {
    this.refuseWsUntil = refuseForMs > 0 ? Date.now() + refuseForMs : 0;
    for (const s of [...this.sessions]) {
      unregisterSession(this, s);
      s.ws.terminate();
    }
  }

  /** Apps that currently have an event WebSocket. */
  connectedApps(): string[] {
    return [...this.appOwners.keys()];
  }

  /** Resolves once `app` has an event WebSocket (e.g. after a reconnect). */
  async waitForApp(app: string, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.appOwners.has(app)) {
      if (Date.now() > until) throw new Error(`app ${app} did not connect within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  getCall(id: string): SimCall | undefined {
    return this.chanByCallId(id)?.call ?? this.callList.find((c) => c.id === id);
  }

  /** Calls whose channel still exists. */
  activeCalls(): SimCall[] {
    return [...this.channels.values()].map((c) => c.call);
  }

  /** All calls seen (the most recent 2000 ended ones are kept). */
  allCalls(): SimCall[] {
    return [...this.callList];
  }

  storedRecordingNames(): string[] {
    return [...this.stored.keys()];
  }

  /** Absolute file path of a stored recording, if any. */
  storedRecordingFile(name: string): string | undefined {
    return this.stored.get(name)?.file;
  }

  // ---- call control ---------------------------------------------------------------

  /**
   * A caller dials `to` (default 96365): the dialplan answers and runs Stasis(app[,args]).
   * Throws when no WebSocket owns the app (Stasis() fails on a real Asterisk too).
   */
  startCall(o: StartCallOptions): SimCall {
    const app = o.app ?? this.defaultApp();
    if (!app) throw new Error('no Stasis application is connected');
    if (!this.appOwners.has(app)) throw new Error(`Stasis app '${app}' is not registered (no event WebSocket)`);
    const from = String(o.from ?? '').slice(0, 64);
    const to = String(o.to ?? '96365').slice(0, 64);
    const args = (o.args ?? []).map(String);
    const id = nextChannelId();
    const call = new SimCall(this, id, 'inbound', from, to, app);
    const ch: Chan = {
      id,
      name: nextChannelName('PJSIP', this.opts.inboundEndpoint),
      state: o.answered === false ? 'Ring' : 'Up',
      protocolId: protocolId(),
      caller: { name: o.name ?? '', number: from },
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: { context: this.opts.context, exten: to, priority: 3, app_name: 'Stasis', app_data: [app, ...args].join(',') },
      creationtime: asteriskTimestamp(),
      language: this.opts.language,
      stasisApp: app,
      subs: new Set(),
      hangingUp: false,
      gone: false,
      vars: new Map(),
      queue: [],
      current: null,
      bridge: null,
      call,
    };
    this.addChannel(ch);
    if (ch.state === 'Up') call._hear({ kind: 'answered' });
    this.emitChannel(ch, 'StasisStart', { args, channel: this.channelJson(ch) });
    return call;
  }

  /** @internal */ defaultApp(): string | undefined {
    return this.appOwners.keys().next().value as string | undefined;
  }

  /** @internal */ addChannel(ch: Chan): void {
    this.channels.set(ch.id, ch);
    this.chanByCall.set(ch.call, ch);
    this.callList.push(ch.call);
    if (this.callList.length > 4000) {
      // keep live calls and the most recent ended ones
      this.callList = this.callList.filter((c, i) => !c.isEnded || i > this.callList.length - 2000);
    }
    this.emit('call', ch.call);
  }

  /** @internal */ chanByCallId(id: string): Chan | undefined {
    return this.channels.get(id);
  }

  // CallDriver ---------------------------------------------------------------------

  callerDtmf(call: SimCall, digit: string, durationMs: number): void {
    const ch = this.chanByCall.get(call);
    if (!ch || ch.gone || ch.hangingUp) return;
    call._hear({ kind: 'dtmf-pressed', digits: digit });
    if (ch.stasisApp || ch.subs.size) {
      this.emitChannel(ch, 'ChannelDtmfReceived', { digit, duration_ms: Math.max(0, Math.round(durationMs)), channel: this.channelJson(ch) });
    }
    const cur = ch.current;
    if (cur?.kind === 'record' && cur.rec.state === 'recording') {
      const t = cur.rec.terminateOn;
      if (t === 'any' || t === digit) this.finishRecording(cur.rec, 'dtmf');
    }
  }

  callerHangup(call: SimCall): void {
    const ch = this.chanByCall.get(call);
    if (!ch || ch.gone) return;
    if (ch.outbound && !ch.outbound.answered) {
      this.farEndReject(call, 'no-answer');
      return;
    }
    this.hangupChannel(ch, { by: 'caller' });
  }

  callerTalking(call: SimCall, talking: boolean): void {
    const ch = this.chanByCall.get(call);
    if (call.talking === talking) return;
    call.talking = talking;
    if (!ch) return;
    const cur = ch.current;
    if (cur?.kind === 'record' && cur.rec.state === 'recording') {
      const rec = cur.rec;
      rec.segments.push({ wall: Date.now(), talking });
      if (rec.silenceTimer) clearTimeout(rec.silenceTimer);
      rec.silenceTimer = undefined;
      if (!talking && rec.maxSilenceSec > 0) {
        rec.silenceTimer = delay(this.wallMs(rec.maxSilenceSec * 1000), () => this.finishRecording(rec, 'silence'));
      }
    }
  }

  farEndAnswer(call: SimCall): boolean {
    const ch = this.chanByCall.get(call);
    if (!ch || ch.gone || !ch.outbound || ch.outbound.answered) return false;
    this.clearOutboundTimers(ch);
    ch.outbound.answered = true;
    this.setState(ch, 'Up');
    call._hear({ kind: 'answered' });
    const app = ch.outbound.app;
    if (app && this.appOwners.has(app)) {
      ch.stasisApp = app;
      ch.dialplan = { ...ch.dialplan, app_name: 'Stasis', app_data: [app, ...ch.outbound.appArgs].join(',') };
      this.emitChannel(ch, 'StasisStart', { args: ch.outbound.appArgs, channel: this.channelJson(ch) });
    } else {
      // No app (or it is gone): the dialplan has nothing to run; the call ends.
      this.hangupChannel(ch, { by: 'dialplan' });
    }
    return true;
  }

  farEndReject(call: SimCall, result: 'busy' | 'declined' | 'no-answer' | 'congestion' | 'failed'): boolean {
    const ch = this.chanByCall.get(call);
    if (!ch || ch.gone || !ch.outbound || ch.outbound.answered) return false;
    this.clearOutboundTimers(ch);
    // Q.850: 17 user busy, 21 call rejected (the operator pressed decline), 42 congestion, 38 network out of order, 19 no answer.
    const cause = result === 'busy' ? 17 : result === 'declined' ? 21 : result === 'congestion' ? 42 : result === 'failed' ? 38 : 19;
    this.finalizeChannel(ch, { by: result, cause, causeText: causeText(cause) });
    return true;
  }

  /** @internal */ clearOutboundTimers(ch: Chan): void {
    if (ch.outbound?.timer) clearTimeout(ch.outbound.timer);
    if (ch.outbound?.timeoutTimer) clearTimeout(ch.outbound.timeoutTimer);
    if (ch.outbound) {
      ch.outbound.timer = undefined;
      ch.outbound.timeoutTimer = undefined;
    }
  }

  // ---- events ---------------------------------------------------------------------

  /** @internal */ wallMs(simMs: number): number {
    return simMs / this.opts.speed;
  }

  /** @internal */ channelTargets(ch: Chan): Set<string> {
    const s = new Set(ch.subs);
    if (ch.stasisApp) s.add(ch.stasisApp);
    for (const a of this.subscribeAllApps) s.add(a);
    return s;
  }

  /** @internal */ emitChannel(ch: Chan, type: string, fields: Record<string, unknown>, targets?: Set<string>): void {
    this.emitTo(targets ?? this.channelTargets(ch), type, fields, ch.call);
  }

  /** Build one event per target app, deliver it, and record it in the call's history. */
  /** @internal */ emitTo(targets: Iterable<string>, type: string, fields: Record<string, unknown>, call?: SimCall): void {
    const timestamp = asteriskTimestamp();
    let first: AriEvent | undefined;
    for (const application of targets) {
      const ev: AriEvent = { type, timestamp, ...fields, asterisk_id: this.opts.asteriskId, application };
      first ??= ev;
      const owner = this.appOwners.get(application);
      if (owner && owner.ws.readyState === WebSocket.OPEN) owner.ws.send(JSON.stringify(ev));
    }
    if (first) {
      call?._pushEvent(first);
      this.emit('event', first);
    }
  }

  /** @internal */ channelJson(ch: Chan): Record<string, unknown> {
    return {
      id: ch.id,
      name: ch.name,
      state: ch.state,
      protocol_id: ch.protocolId,
      caller: { ...ch.caller },
      connected: { ...ch.connected },
      accountcode: ch.accountcode,
      dialplan: { ...ch.dialplan },
      creationtime: ch.creationtime,
      language: ch.language,
    };
  }

  /** @internal */ setState(ch: Chan, state: string): void {
    if (ch.state === state) return;
    ch.state = state;
    if (ch.stasisApp || ch.subs.size) this.emitChannel(ch, 'ChannelStateChange', { channel: this.channelJson(ch) });
  }

  // ---- hang-up ----------------------------------------------------------------------

  /**
   * Hang a channel up. Caller BYE: ChannelHangupRequest without cause; app DELETE:
   * {cause: 32, soft: true}. Then running media stop (playback failed, recording done
   * and kept), queued playbacks fail, and after the race window StasisEnd, and —
   * only for subscribed apps — ChannelDestroyed.
   */
  /** @internal */ hangupChannel(ch: Chan, how: { by: 'caller' | 'app' | 'dialplan'; cause?: number }): void {
    if (ch.gone || ch.hangingUp) return;
    ch.hangingUp = true;
    const cause = how.cause ?? 16;
    const inStasis = ch.stasisApp !== null;
    if ((inStasis || ch.subs.size) && this.opts.eventVolume === 'asterisk' && hasRtpStats(ch.name)) {
      // chan_pjsip writes the RTP statistics into channel variables as the media session ends
      const secs = (Date.now() - Date.parse(ch.creationtime.replace('+0000', 'Z'))) * this.opts.speed / 1000;
      for (const v of rtpQosVarsets(ch.id, secs)) {
        ch.vars.set(v.variable, v.value);
        this.emitChannel(ch, 'ChannelVarset', { variable: v.variable, value: v.value, channel: this.channelJson(ch) });
      }
    }
    if (inStasis || ch.subs.size) {
      const fields: Record<string, unknown> = how.by === 'app' ? { cause: 32, soft: true } : {};
      this.emitChannel(ch, 'ChannelHangupRequest', { ...fields, channel: this.channelJson(ch) });
    }
    const cur = ch.current;
    if (cur?.kind === 'record') {
      if (cur.rec.state === 'recording') this.finishRecording(cur.rec, 'hangup');
    } else if (cur?.kind === 'playback') {
      cur.pb.interrupt?.('hangup');
    }
    delay(this.opts.hangupGapMs, () => {
      // queued items must have drained (each fails at once); drop anything left
      if (ch.bridge) this.leaveBridge(ch, ch.bridge);
      if (ch.stasisApp) {
        const targets = this.channelTargets(ch);
        this.emitChannel(ch, 'StasisEnd', { channel: this.channelJson(ch) }, targets);
        ch.stasisApp = null;
        ch.dialplan = { ...ch.dialplan, app_name: '', app_data: '' };
        if (how.by === 'app' && ch.subs.size) {
          this.emitChannel(ch, 'ChannelHangupRequest', { cause: 16, soft: true, channel: this.channelJson(ch) });
        }
      }
      const by: CallEnd['by'] = how.by;
      this.finalizeChannel(ch, { by, cause, causeText: causeText(cause) });
    });
  }

  /** Remove the channel: ChannelDestroyed for subscribed apps, settle everything, end the SimCall. */
  /** @internal */ finalizeChannel(ch: Chan, end: CallEnd): void {
    if (ch.gone) return;
    ch.hangingUp = true;
    if (ch.bridge) this.leaveBridge(ch, ch.bridge);
    const targets = new Set(ch.subs);
    for (const a of this.subscribeAllApps) targets.add(a);
    if (targets.size) {
      this.emitChannel(ch, 'ChannelDestroyed', { cause: end.cause, cause_txt: end.causeText, channel: this.channelJson(ch) }, targets);
    }
    ch.gone = true;
    this.clearOutboundTimers(ch);
    this.dropMedia(ch);
    this.channels.delete(ch.id);
    ch.call._end(end);
  }

  /** Stop/forget all media of a gone channel without events (shutdown, or leftovers). */
  /** @internal */ dropMedia(ch: Chan): void {
    for (const item of [ch.current, ...ch.queue]) {
      if (!item) continue;
      if (item.kind === 'playback') {
        this.playbacks.delete(item.pb.id);
        item.pb.interrupt?.('hangup');
        if (item.pb.sim.state === 'queued') item.pb.sim.state = 'failed';
      } else {
        for (const t of item.rec.timers) clearTimeout(t);
        if (item.rec.silenceTimer) clearTimeout(item.rec.silenceTimer);
        this.liveRecordings.delete(item.rec.name);
      }
    }
    ch.queue = [];
    ch.current = null;
  }

  /** @internal */ destroyQuietly(ch: Chan, by: CallEnd['by']): void {
    ch.gone = true;
    this.clearOutboundTimers(ch);
    this.dropMedia(ch);
    this.channels.delete(ch.id);
    ch.call._end({ by, cause: 16, causeText: causeText(16) });
  }

  // ---- control queue -------------------------------------------------------------------

  /** @internal */ enqueue(ch: Chan, item: QueueItem): void {
    ch.queue.push(item);
    // Let the HTTP answer (201) go out before the control "thread" starts the item.
    setImmediate(() => this.pump(ch));
  }

  /** @internal */ pump(ch: Chan): void {
    while (!ch.current && ch.queue.length && !ch.gone) {
      const item = ch.queue.shift()!;
      ch.current = item;
      if (item.kind === 'playback') void this.runPlayback(item.pb);
      else this.runRecording(item.rec);
    }
  }

  /** @internal */ itemDone(ch: Chan, item: QueueItem): void {
    if (ch.current === item) ch.current = null;
    this.pump(ch);
  }

  // ---- playback ---------------------------------------------------------------------------

  /** @internal */ playbackJson(pb: PlaybackRec): Record<string, unknown> {
    const last = pb.index >= pb.medias.length - 1;
    return last
      ? { id: pb.id, media_uri: pb.medias[pb.index], target_uri: pb.targetUri, language: pb.language, state: pb.state }
      : { id: pb.id, media_uri: pb.medias[pb.index], next_media_uri: pb.medias[pb.index + 1], target_uri: pb.targetUri, language: pb.language, state: pb.state };
  }

  /** @internal */ emitPlayback(pb: PlaybackRec, type: string): void {
    this.emitChannel(pb.chan, type, { playback: this.playbackJson(pb) });
  }

  /** Mirrors res_stasis_playback.c play_on_channel(): per media PlaybackStarted, then Continuing/Finished. */
  /** @internal */ async runPlayback(pb: PlaybackRec): Promise<void> {
    const ch = pb.chan;
    const item = ch.current!;
    try {
      for (let i = 0; i < pb.medias.length; i++) {
        pb.index = i;
        const media = pb.medias[i];
        if (pb.canceled) {
          // stopped while queued: first_update publishes the canceled ("done") state
          pb.state = 'done';
          this.emitPlayback(pb, 'PlaybackFinished');
          pb.settle('done');
          return;
        }
        pb.state = 'playing';
        pb.sim.state = 'playing';
        pb.sim.startedAt ??= Date.now();
        this.emitPlayback(pb, 'PlaybackStarted');
        const desc = this.describe(media);
        ch.call._hear({ kind: 'prompt', media, playbackId: pb.id, ...desc });

        let res: 'ok' | 'failed' | PlayInterrupt;
        if (ch.hangingUp) {
          res = 'hangup';
        } else {
          const r = await this.resolveMedia(media);
          if (r === 'unsupported') continue; // Asterisk logs and skips: no final update at all
          if (ch.gone) return;
          if (r === 'missing') res = 'failed';
          else if (ch.hangingUp) res = 'hangup';
          else if (pb.stopped) res = 'stop';
          else res = await this.waitPlay(pb, r.ms);
        }
        const last = i === pb.medias.length - 1;
        const hangup = res === 'hangup' || ch.hangingUp;
        if (res === 'ok') pb.state = last || hangup ? 'done' : 'continuing';
        else if (res === 'stop') pb.state = 'done';
        else pb.state = last || hangup ? 'failed' : 'continuing';
        ch.call._hear({ kind: 'prompt-end', media, playbackId: pb.id, state: pb.state });
        if (pb.state === 'continuing') {
          this.emitPlayback(pb, 'PlaybackContinuing');
        } else {
          this.emitPlayback(pb, 'PlaybackFinished');
          pb.settle(pb.state === 'failed' ? 'failed' : 'done');
          return;
        }
      }
      // Only reached when the last media had an unsupported scheme: never finished.
      pb.sim.state = 'lost';
    } finally {
      pb.interrupt = undefined;
      this.playbacks.delete(pb.id);
      this.itemDone(ch, item);
    }
  }

  /** @internal */ waitPlay(pb: PlaybackRec, simMs: number): Promise<'ok' | PlayInterrupt> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      if (Number.isFinite(simMs)) timer = delay(this.wallMs(simMs), () => finish('ok'));
      const finish = (why: 'ok' | PlayInterrupt): void => {
        if (timer) clearTimeout(timer);
        pb.interrupt = undefined;
        resolve(why);
      };
      pb.interrupt = finish;
    });
  }

  /** @internal */ describe(media: string): { caption?: string; url?: string } {
    try {
      const d = this.opts.describeMedia?.(media);
      const out: { caption?: string; url?: string } = {};
      if (d?.caption) out.caption = d.caption;
      if (d?.url) out.url = d.url;
      else if (/^sound:https?:\/\//i.test(media)) out.url = media.slice(6);
      return out;
    } catch {
      return {};
    }
  }

  /** How long a media URI plays (simulated ms), or why it does not. */
  /** @internal */ async resolveMedia(uri: string): Promise<{ ms: number } | 'missing' | 'unsupported'> {
    const colon = uri.indexOf(':');
    if (colon <= 0) return 'unsupported';
    const scheme = uri.slice(0, colon);
    const rest = uri.slice(colon + 1);
    switch (scheme) {
      case 'sound': {
        if (/^https?:\/\//i.test(rest)) return this.resolveUrl(rest);
        if (!rest || this.missingSounds.has(rest)) return 'missing';
        if (this.knownSounds !== 'all' && !this.knownSounds.has(rest)) return 'missing';
        return { ms: this.soundDurations.get(rest) ?? this.opts.defaultSoundMs };
      }
      case 'recording': {
        const rec = this.stored.get(rest);
        if (!rec) return 'unsupported'; // Asterisk: "recording does not exist" → skipped, no final update
        return { ms: this.storedDurationMs(rec) };
      }
      case 'digits':
      case 'characters':
        return rest ? { ms: rest.length * 600 } : 'missing';
      case 'number':
        return /^\s*[+-]?\d+/.test(rest) ? { ms: 500 + rest.replace(/\D/g, '').length * 450 } : 'unsupported';
      case 'tone':
        return this.resolveTone(rest);
      default:
        return 'unsupported';
    }
  }

  /**
   * res_stasis_playback play_tone(): `name[;tonezone=z]` looks the name up in the zone (the
   * channel's zone when none is given: none here); what is not found is parsed as a literal tone
   * list, and a name that is not one fails at once ("Failed to parse tone part 'ring'").
   * A tone plays until it is stopped.
   */
  /** @internal */ resolveTone(spec: string): { ms: number } | 'missing' {
    const [name, ...opts] = spec.split(';');
    const zoneOpt = opts.find((o) => o.startsWith('tonezone='));
    const asked = zoneOpt ? zoneOpt.slice('tonezone='.length) : '';
    // An unknown zone (or none) falls back to the default zone — the first one loaded, if any.
    const zone = asked && this.toneZones.has(asked) ? asked : (this.toneZones.values().next().value as string | undefined);
    if (zone && TONE_NAMES.has(name)) return { ms: Infinity };
    if (LITERAL_TONE.test(name)) return { ms: Infinity };
    return 'missing';
  }

  /** res_http_media_cache: fetch the URL; a WAV plays for its real length. */
  /** @internal */ async resolveUrl(url: string): Promise<{ ms: number } | 'missing'> {
    // Asterisk 22.9 copies the local cache path into a buffer sized by the URL length:
    // short URLs overflow it and the file "does not exist in any format".
    if (url.length < this.opts.mediaUrlMinLength) return 'missing';
    if (this.opts.mediaFetch) {
      this.mediaCache ??= new MediaFetchCache();
      return this.mediaCache.resolve(url);
    }
    const cached = this.urlCache.get(url);
    if (cached !== undefined) return { ms: cached };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) return 'missing';
      const buf = Buffer.from(await res.arrayBuffer());
      const info = parseWav(buf);
      if (!info) return 'missing';
      this.urlCache.set(url, info.durationMs);
      return { ms: info.durationMs };
    } catch {
      return 'missing';
    }
  }

  /** @internal */ storedDurationMs(rec: StoredRec): number {
    try {
      const buf = readFileSync(rec.file);
      if (rec.format === 'wav') return parseWav(buf)?.durationMs ?? 0;
      if (rec.format === 'sln') return (buf.length / 2 / 8000) * 1000;
      return (buf.length / 8000) * 1000;
    } catch {
      return 0;
    }
  }

  // ---- recording ----------------------------------------------------------------------------

  /** @internal */ recordingJson(rec: RecordingRec, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name: rec.name, format: rec.format, state: rec.state, target_uri: rec.targetUri, ...extra };
  }

  /** @internal */ runRecording(rec: RecordingRec): void {
    const ch = rec.chan;
    const fail = (cause: string): void => {
      rec.state = 'failed';
      this.liveRecordings.delete(rec.name);
      this.emitChannel(ch, 'RecordingFailed', { recording: this.recordingJson(rec, { cause }) });
      this.releaseRecording(rec);
    };
    if (ch.hangingUp) return fail('Channel hung up');
    if (ch.bridge) return fail('Cannot record channel while in bridge');
    if (this.recordingFailure) return fail(this.recordingFailure);
    rec.state = 'recording';
    rec.startWall = Date.now();
    rec.segments = [{ wall: rec.startWall, talking: ch.call.talking }];
    this.emitChannel(ch, 'RecordingStarted', { recording: this.recordingJson(rec) });
    if (rec.beep) ch.call._hear({ kind: 'beep' });
    ch.call._hear({ kind: 'recording', detail: rec.name });
    if (rec.maxDurationSec > 0) rec.timers.push(delay(this.wallMs(rec.maxDurationSec * 1000), () => this.finishRecording(rec, 'max')));
    if (rec.maxSilenceSec > 0 && !ch.call.talking) {
      rec.silenceTimer = delay(this.wallMs(rec.maxSilenceSec * 1000), () => this.finishRecording(rec, 'silence'));
    }
  }

  /** End a live recording: write (or discard) the file and emit RecordingFinished {state: done}. */
  /** @internal */ finishRecording(rec: RecordingRec, how: 'stop' | 'cancel' | 'dtmf' | 'hangup' | 'max' | 'silence'): void {
    if (rec.state !== 'recording') return;
    for (const t of rec.timers) clearTimeout(t);
    if (rec.silenceTimer) clearTimeout(rec.silenceTimer);
    const now = Date.now();
    const speed = this.opts.speed;
    let simMs = (now - rec.startWall) * speed;
    if (how === 'max') simMs = rec.maxDurationSec * 1000; // Asterisk stops at the limit (a timer may fire a millisecond early)
    if (how === 'silence') {
      // Asterisk trims the trailing silence, keeping ~200 ms of it.
      const lastSeg = rec.segments[rec.segments.length - 1];
      simMs = Math.min(simMs, (lastSeg.wall - rec.startWall) * speed + 200);
    }
    simMs = Math.max(0, simMs);
    rec.state = 'done';
    this.liveRecordings.delete(rec.name);
    if (how === 'cancel') {
      this.deleteStoredFile(rec.name);
    } else {
      try {
        this.writeRecording(rec, simMs, now);
      } catch {
        // Disk trouble on the "Asterisk" side: report it the way Asterisk does.
        rec.state = 'failed';
        this.emitChannel(rec.chan, 'RecordingFailed', { recording: this.recordingJson(rec, { cause: 'Failed to write recording' }) });
        this.releaseRecording(rec);
        return;
      }
    }
    rec.chan.call._hear({ kind: 'recording-end', detail: rec.name, state: how });
    this.emitChannel(rec.chan, 'RecordingFinished', { recording: this.recordingJson(rec, { duration: Math.floor(simMs / 1000) }) });
    this.releaseRecording(rec);
  }

  /** The recording no longer occupies the channel's control queue. */
  /** @internal */ releaseRecording(rec: RecordingRec): void {
    const ch = rec.chan;
    if (ch.current?.kind === 'record' && ch.current.rec === rec) ch.current = null;
    this.pump(ch);
  }

  /** @internal */ writeRecording(rec: RecordingRec, simMs: number, endWall: number): void {
    const speed = this.opts.speed;
    const segs: AudioSegment[] = [];
    let budget = Math.min(simMs, MAX_SYNTH_MS);
    for (let i = 0; i < rec.segments.length && budget > 0; i++) {
      const s = rec.segments[i];
      const nextWall = i + 1 < rec.segments.length ? rec.segments[i + 1].wall : endWall;
      const ms = Math.min(budget, Math.max(0, (nextWall - s.wall) * speed));
      if (i === rec.segments.length - 1) segs.push({ ms: budget, talking: s.talking });
      else segs.push({ ms, talking: s.talking });
      budget -= segs[segs.length - 1].ms;
    }
    let pcm = synthesizePcm(segs, rec.name.length + 7);
    const file = this.recordingFile(rec.name, rec.format);
    const existing = this.stored.get(rec.name);
    if (rec.ifExists === 'append' && existing && existing.format === rec.format) {
      const prev = readFileSync(existing.file);
      const prevPcm = rec.format === 'wav' ? (() => { const i = parseWav(prev); return i ? prev.subarray(i.dataOffset, i.dataOffset + i.dataBytes) : Buffer.alloc(0); })() : null;
      if (prevPcm) pcm = Buffer.concat([prevPcm, pcm]);
      else if (rec.format === 'sln') pcm = Buffer.concat([prev, pcm]);
    }
    if (existing && existing.file !== file) this.deleteStoredFile(rec.name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, this.encode(pcm, rec.format));
    this.stored.set(rec.name, { name: rec.name, format: rec.format, file });
  }

  /** @internal */ encode(pcm: Buffer, format: string): Buffer {
    if (format === 'wav') return pcm16ToWav(pcm);
    if (format === 'sln') return pcm;
    const out = Buffer.alloc(pcm.length / 2);
    const enc = format === 'ulaw' ? linearToUlaw : linearToAlaw;
    for (let i = 0; i < out.length; i++) out[i] = enc(pcm.readInt16LE(i * 2));
    return out;
  }

  /** @internal */ recordingFile(name: string, format: string): string {
    return path.join(this.recordingsDir, `${name}.${FORMATS[format].ext}`);
  }

  /** @internal */ deleteStoredFile(name: string): boolean {
    const rec = this.stored.get(name);
    if (!rec) return false;
    this.stored.delete(name);
    try {
      unlinkSync(rec.file);
    } catch {
      /* already gone */
    }
    return true;
  }

  /** @internal */ loadStoredRecordings(): void {
    let entries: string[];
    try {
      entries = readdirSync(this.recordingsDir, { recursive: true }) as string[];
    } catch {
      return;
    }
    for (const rel of entries) {
      const m = /^(.*)\.(wav|sln|ulaw|alaw)$/.exec(rel.split(path.sep).join('/'));
      if (!m) continue;
      const file = path.join(this.recordingsDir, rel);
      try {
        if (!statSync(file).isFile()) continue;
      } catch {
        continue;
      }
      this.stored.set(m[1], { name: m[1], format: m[2], file });
    }
  }

  // ---- bridges ---------------------------------------------------------------------------------

  /** @internal */ bridgeJson(b: BridgeRec): Record<string, unknown> {
    return {
      id: b.id,
      technology: b.type === 'holding' ? 'holding_bridge' : 'simple_bridge',
      bridge_type: b.type,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: b.name,
      channels: [...b.channels],
      creationtime: b.creationtime,
      video_mode: b.type === 'holding' ? 'none' : 'talker',
    };
  }

  /** @internal */ bridgeTargets(b: BridgeRec, ch?: Chan): Set<string> {
    const s = new Set(b.subs);
    if (ch) for (const a of this.channelTargets(ch)) s.add(a);
    for (const a of this.subscribeAllApps) s.add(a);
    return s;
  }

  /** The bridge and channels named by an addChannel/removeChannel request, each checked before any is moved. */
  /** @internal */ bridgeChannels(p: Params, check: (ch: Chan, b: BridgeRec) => void): { bridge: BridgeRec; chans: Chan[] } {
    const bridge = this.bridges.get(p.get('bridgeId') ?? '');
    if (!bridge) throw new AriError(404, 'Bridge not found');
    const ids = p.list('channel');
    if (!ids.length) throw new AriError(400, 'Missing parameter channel');
    const chans = ids.map((id) => {
      const ch = this.channels.get(id);
      if (!ch || ch.gone) throw new AriError(400, 'Channel not found');
      check(ch, bridge);
      return ch;
    });
    return { bridge, chans };
  }

  /** @internal */ joinBridge(ch: Chan, b: BridgeRec): void {
    if (ch.bridge === b) return;
    if (ch.bridge) this.leaveBridge(ch, ch.bridge);
    ch.bridge = b;
    b.channels.push(ch.id);
    if (ch.stasisApp) b.subs.add(ch.stasisApp);
    this.emitTo(this.bridgeTargets(b, ch), 'ChannelEnteredBridge', { bridge: this.bridgeJson(b), channel: this.channelJson(ch) }, ch.call);
    this.updateBridgePeers(b);
  }

  /** @internal */ leaveBridge(ch: Chan, b: BridgeRec): void {
    if (ch.bridge !== b) return;
    ch.bridge = null;
    b.channels = b.channels.filter((id) => id !== ch.id);
    this.emitTo(this.bridgeTargets(b, ch), 'ChannelLeftBridge', { bridge: this.bridgeJson(b), channel: this.channelJson(ch) }, ch.call);
    ch.call._hear({ kind: 'unbridged', detail: b.id });
    this.updateBridgePeers(b);
  }

  /** @internal */ updateBridgePeers(b: BridgeRec): void {
    const members = b.channels.map((id) => this.channels.get(id)).filter((c): c is Chan => !!c);
    if (members.length < 2) return;
    for (const m of members) {
      const others = members.filter((o) => o !== m).map((o) => o.caller.number || o.name);
      m.call._hear({ kind: 'bridged', detail: others.join(',') });
    }
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  /** Basic auth or `api_key=user:pass`, as ari.conf users. */
  checkAuth(req: IncomingMessage, url: URL): boolean {
    const expected = `${this.opts.username}:${this.opts.password}`;
    const key = url.searchParams.get('api_key');
    if (key !== null && key === expected) return true;
    const h = req.headers.authorization;
    if (h && /^basic\s+/i.test(h)) {
      const decoded = Buffer.from(h.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
      if (decoded === expected) return true;
    }
    return false;
  }

  get controlAuthRequired(): boolean {
    return this.opts.controlAuth;
  }

  // ---- REST handlers ------------------------------------------------------------------------------

  /** @internal */ findChannel(id: string | undefined): Chan {
    const ch = id ? this.channels.get(id) : undefined;
    if (!ch || ch.gone) throw new AriError(404, 'Channel not found');
    return ch;
  }

  /** res_ari find_control(): 404 unknown, 409 not in Stasis. */
  /** @internal */ findControl(id: string | undefined): Chan {
    const ch = this.findChannel(id);
    if (!ch.stasisApp) throw new AriError(409, 'Channel not in Stasis application');
    return ch;
  }

  /**
   * res_stasis keeps an app in its registry while a WebSocket owns it or it still has channels or
   * bridges; after its socket went away and the last channel left, the app is removed (404).
   */
  /** @internal */ appExists(name: string): boolean {
    if (this.appOwners.has(name)) return true;
    if (!this.knownApps.has(name)) return false;
    for (const ch of this.channels.values()) if (!ch.gone && (ch.stasisApp === name || ch.subs.has(name))) return true;
    for (const b of this.bridges.values()) if (b.subs.has(name)) return true;
    this.knownApps.delete(name);
    return false;
  }

  /** @internal */ endpointJson(tech: string, resource: string, state: EndpointState): Record<string, unknown> {
    const prefix = `${tech}/${resource}-`;
    const channel_ids: string[] = [];
    for (const ch of this.channels.values()) if (!ch.gone && ch.name.startsWith(prefix)) channel_ids.push(ch.id);
    return { technology: tech, resource, state: state === 'online' ? 'online' : 'offline', channel_ids };
  }

  /** @internal */ applicationJson(name: string): Record<string, unknown> {
    const channel_ids: string[] = [];
    for (const ch of this.channels.values()) if (ch.stasisApp === name || ch.subs.has(name)) channel_ids.push(ch.id);
    const bridge_ids: string[] = [];
    for (const b of this.bridges.values()) if (b.subs.has(name)) bridge_ids.push(b.id);
    return { name, channel_ids, bridge_ids, endpoint_ids: [], device_names: [], events_allowed: [], events_disallowed: [] };
  }

  /** @internal */ buildRoutes(): void {
    const handlers: Record<string, Handler> = {
      ...asteriskHandlers(this),
      ...endpointsHandlers(this),
      ...channelsHandlers(this),
      ...bridgesHandlers(this),
      ...recordingsHandlers(this),
      ...playbacksHandlers(this),
      ...applicationsHandlers(this),
    };

    for (const op of servedOperations()) {
      if (op.resource === 'events') {
        this.routes.push({ segs: op.path.split('/').filter(Boolean), method: op.method, handler: () => ({ status: 400 }), op });
        continue;
      }
      const handler = handlers[`${op.resource}.${op.nickname}`];
      if (!handler) throw new Error(`ARI simulator: no handler for ${op.resource}.${op.nickname}`);
      this.routes.push({ segs: op.path.split('/').filter(Boolean), method: op.method, handler, op });
    }
  }

  /** @internal */ stopLive(rec: RecordingRec, how: 'stop' | 'cancel'): void {
    if (rec.state === 'recording') {
      this.finishRecording(rec, how);
      return;
    }
    // still queued: it never starts; Asterisk reports it done
    const ch = rec.chan;
    ch.queue = ch.queue.filter((q) => !(q.kind === 'record' && q.rec === rec));
    rec.state = 'done';
    this.liveRecordings.delete(rec.name);
    this.emitChannel(ch, 'RecordingFinished', { recording: this.recordingJson(rec, { duration: 0 }) });
  }

  /** @internal */ readVar(ch: Chan, variable: string): string | undefined {
    switch (variable) {
      case 'CALLERID(num)':
      case 'CALLERID(number)':
        return ch.caller.number;
      case 'CALLERID(name)':
        return ch.caller.name;
      case 'CHANNEL(name)':
        return ch.name;
      case 'CHANNEL(language)':
        return ch.language;
      case 'UNIQUEID':
        return ch.id;
      case 'EXTEN':
        return ch.dialplan.exten;
      case 'CONTEXT':
        return ch.dialplan.context;
      default:
        if (variable.endsWith(')')) return ch.vars.get(variable) ?? '';
        return ch.vars.get(variable);
    }
  }

  /** @internal */ writeVar(ch: Chan, variable: string, value: string): void {
    if (variable === 'CALLERID(num)' || variable === 'CALLERID(number)') ch.caller.number = value;
    else if (variable === 'CALLERID(name)') ch.caller.name = value;
    else if (variable === 'CHANNEL(language)') ch.language = value;
    else ch.vars.set(variable, value);
  }

  /** @internal */ subscription(p: Params, subscribe: boolean): HttpResult {
    const name = p.get('applicationName') ?? '';
    const sources = p.list('eventSource');
    if (!sources.length) throw new AriError(400, 'Missing parameter eventSource');
    if (!this.appExists(name)) throw new AriError(404, 'Application not found');
    const actions: (() => void)[] = [];
    for (const src of sources) {
      const colon = src.indexOf(':');
      const scheme = colon > 0 ? src.slice(0, colon) : '';
      const id = src.slice(colon + 1);
      if (scheme === 'channel') {
        const ch = this.channels.get(id);
        if (!ch || ch.gone) throw new AriError(422, 'Event source does not exist');
        if (!subscribe && !ch.subs.has(name)) throw new AriError(409, 'Application not subscribed to event source');
        actions.push(() => (subscribe ? ch.subs.add(name) : ch.subs.delete(name)));
      } else if (scheme === 'bridge') {
        const b = this.bridges.get(id);
        if (!b) throw new AriError(422, 'Event source does not exist');
        actions.push(() => (subscribe ? b.subs.add(name) : b.subs.delete(name)));
      } else if (scheme === 'endpoint' || scheme === 'deviceState') {
        // accepted, nothing to simulate
      } else {
        throw new AriError(400, 'Invalid event source URI scheme');
      }
    }
    for (const a of actions) a();
    return ok(this.applicationJson(name));
  }

  /** @internal */ play(p: Params, playbackId: string | undefined): HttpResult {
    const ch = this.findControl(p.get('channelId'));
    const medias = p.list('media');
    if (!medias.length) throw new AriError(500, 'Failed to queue media for playback');
    if (atoi(p.get('offsetms')) < 0 || (p.get('skipms') !== undefined && atoi(p.get('skipms')) < 0)) {
      throw new AriError(500, 'Failed to queue media for playback');
    }
    const id = playbackId || uuid();
    if (this.playbacks.has(id)) throw new AriError(409, 'Playback with the same id already exists');
    const language = p.get('lang') || ch.language;
    let settle!: (o: 'done' | 'failed') => void;
    const sim: SimPlayback = {
      id,
      media: medias,
      language,
      state: 'queued',
      stopped: false,
      finished: new Promise((resolve) => {
        settle = resolve;
      }),
    };
    const pb: PlaybackRec = {
      id,
      medias,
      index: 0,
      language,
      targetUri: `channel:${ch.id}`,
      state: 'queued',
      chan: ch,
      canceled: false,
      stopped: false,
      sim,
      settle: (o) => {
        sim.state = o;
        sim.finishedAt = Date.now();
        settle(o);
      },
    };
    this.playbacks.set(id, pb);
    ch.call.playbacks.push(sim);
    this.enqueue(ch, { kind: 'playback', pb });
    return ok(this.playbackJson(pb), 201);
  }

  /** @internal */ record(p: Params): HttpResult {
    const maxDurationSec = atoi(p.get('maxDurationSeconds'));
    const maxSilenceSec = atoi(p.get('maxSilenceSeconds'));
    if (maxDurationSec < 0) throw new AriError(400, 'max_duration_seconds cannot be negative');
    if (maxSilenceSec < 0) throw new AriError(400, 'max_silence_seconds cannot be negative');
    const ch = this.findControl(p.get('channelId'));
    const name = p.get('name');
    if (!name) throw new AriError(500, 'Error parsing request');
    const terminateOn = p.get('terminateOn') ?? 'none';
    if (!TERMINATE_ON_VALUES.includes(terminateOn)) throw new AriError(400, 'terminateOn invalid');
    const ifExists = p.get('ifExists') ?? 'fail';
    if (!IF_EXISTS_VALUES.includes(ifExists)) throw new AriError(400, 'ifExists invalid');
    const format = p.get('format') ?? '';
    if (!FORMATS[format]) throw new AriError(422, 'specified format is unknown on this system');
    if (name.startsWith('/') || name.split('/').some((s) => s === '..' || s === '.' || s === '') || name.includes('\0')) {
      throw new AriError(400, 'Recording name invalid');
    }
    if (this.liveRecordings.has(name) || (this.stored.has(name) && ifExists === 'fail')) {
      throw new AriError(409, `Recording '${name}' already exists and can not be overwritten`);
    }
    const rec: RecordingRec = {
      name,
      format,
      targetUri: `channel:${ch.id}`,
      state: 'queued',
      chan: ch,
      maxDurationSec,
      maxSilenceSec,
      terminateOn,
      beep: astTrue(p.get('beep')),
      ifExists,
      startWall: 0,
      segments: [],
      timers: [],
    };
    this.liveRecordings.set(name, rec);
    this.enqueue(ch, { kind: 'record', rec });
    return ok(this.recordingJson(rec), 201);
  }

  /** @internal */ async originate(p: Params, channelId: string | undefined): Promise<HttpResult> {
    const endpoint = p.get('endpoint');
    if (!endpoint) throw new AriError(400, 'Endpoint must be specified');
    const slash = endpoint.indexOf('/');
    if (slash <= 0 || slash === endpoint.length - 1) throw new AriError(400, 'Invalid endpoint');
    const app = p.get('app');
    if (!app && !p.get('extension')) throw new AriError(400, 'Application or extension must be specified');
    if (channelId && this.channels.has(channelId)) throw new AriError(409, 'Channel with given unique ID already exists');
    const appArgs = (p.get('appArgs') ?? '').split(',').filter((a, i, all) => a.length > 0 || all.length > 1);
    const timeoutRaw = p.get('timeout');
    const timeout = timeoutRaw === undefined ? 30 : atoi(timeoutRaw);
    const callerIdRaw = p.get('callerId') ?? '';
    const cid = /^\s*"?([^"<]*)"?\s*<([^>]*)>\s*$/.exec(callerIdRaw);
    const caller = cid ? { name: cid[1].trim(), number: cid[2].trim() } : { name: '', number: callerIdRaw.trim() };
    const tech = endpoint.slice(0, slash);
    const resource = endpoint.slice(slash + 1);
    // ast_dial_prerun() fails for an endpoint the channel driver cannot request (chan_pjsip: unknown
    // endpoint, or no contact registered): res_ari answers ast_ari_response_alloc_failed().
    if (this.endpointState(endpoint) !== 'online') return { status: 500, json: { error: 'Allocation failed' } };
    const id = channelId || nextChannelId();
    const call = new SimCall(this, id, 'outbound', caller.number, resource, app ?? '');
    const ch: Chan = {
      id,
      name: nextChannelName(tech, resource.split('@').pop() || resource),
      state: 'Down',
      protocolId: tech.toUpperCase() === 'PJSIP' ? protocolId() : '',
      caller,
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
      creationtime: asteriskTimestamp(),
      language: this.opts.language,
      stasisApp: null,
      subs: new Set(app ? [app] : []),
      hangingUp: false,
      gone: false,
      vars: new Map(Object.entries(p.variables)),
      queue: [],
      current: null,
      bridge: null,
      call,
      outbound: { app, appArgs: app ? appArgs : [], answered: false },
    };
    this.addChannel(ch);
    const snapshot = this.channelJson(ch);
    const req: OriginateRequest = { endpoint, app, appArgs: ch.outbound!.appArgs, callerId: callerIdRaw || undefined, timeout, channelId: id, variables: p.variables, call };
    // Dial asynchronously, after the HTTP answer.
    setImmediate(() => void this.dial(ch, req));
    return ok(snapshot);
  }

  /** @internal */ async dial(ch: Chan, req: OriginateRequest): Promise<void> {
    if (ch.gone) return;
    this.setState(ch, 'Ringing');
    ch.call._hear({ kind: 'ringing' });
    if (req.timeout > 0) {
      ch.outbound!.timeoutTimer = delay(this.wallMs(req.timeout * 1000), () => this.farEndReject(ch.call, 'no-answer'));
    }
    let decision: OriginateDecision | void;
    try {
      decision = this.originateHandler ? await this.originateHandler(req) : undefined;
    } catch {
      decision = { action: 'failed' };
    }
    if (ch.gone || ch.outbound!.answered) return;
    const d: OriginateDecision = decision ?? { action: 'answer' };
    if (d.action === 'manual') return;
    if (d.action === 'no-answer' && d.delayMs === undefined) return; // the originate timeout decides
    const wait = d.delayMs ?? (d.action === 'answer' ? this.wallMs(500) : 0);
    ch.outbound!.timer = delay(wait, () => {
      if (d.action === 'answer') this.farEndAnswer(ch.call);
      else this.farEndReject(ch.call, d.action as 'busy' | 'declined' | 'no-answer' | 'congestion' | 'failed');
    });
  }
}

export type { SimCall };

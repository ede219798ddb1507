/**
 * The voice channel: ARI link (or the built-in ARI simulator when HOTLINE_ARI_URL is empty) →
 * call manager → call sessions running the IVR flows of ivr-flows/, the TTS prompt cache and its
 * HTTP route for Asterisk, the call log and funnel, AMI (when configured), landline call-backs,
 * and the test phone (on the simulator).
 *
 *   const voice = createVoiceChannel(ctx, { sms: () => server.channels.sms });
 *   // a Component: start()/stop(), httpPlugins (GET /media/<kind>/<hash>/<expiry>/<sig>.wav, signed); also a VoiceAdminPort.
 */
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import type { Config } from '../config/index.js';
import type { TestPhonePort, VoiceAdminPort } from '../admin/sms-port.js';
import type { SimulatedAsterisk, TestPhoneFactory } from './sim-port.js';
import { createLogger } from '../log.js';
import { FlowEngine, formatIssue, templateVars, type Flow, type PromptCatalogue } from './flow/index.js';
import { checkFlows, loadFlows, loadPromptCatalogue } from './flow-files.js';
import { PromptCache, selectTtsEngine, type RenderAllResult, type TtsChoice } from './tts/index.js';
import { registerTtsCommands, ttsSelectOptions } from './tts/cli.js';
import { AriLink } from './ari/index.js';
import { AmiLink, type AmiFactory } from './ami/index.js';
import { CallLog, type CallRecord, type CallView } from './calls/call-log.js';
import { RenderAhead, declarationTexts } from './calls/render-ahead.js';
import { MediaResolver } from './calls/media.js';
import { CallManager } from './calls/manager.js';
import { CallbackScheduler } from './calls/callbacks.js';
import { Acd } from './calls/acd.js';
import { saveOperatorRecording, smsOf } from './calls/effects.js';
import { isMobileNumber, normalisePhone } from '../domain/masking.js';
import { queueConfigFrom } from './queue/config.js';
import type { SmsSource } from './calls/effects.js';
import { mediaPlugin } from './media/plugin.js';
import { MediaSigner, parseAllowList } from './media/signing.js';
import { PersonalAudio, pruneSharedCache } from './calls/personal-audio.js';
import { ringbackWav } from './calls/ringback.js';

/** Password of the built-in ARI simulator when HOTLINE_ARI_PASSWORD is empty. */
export const SIMULATOR_ARI_PASSWORD = 'hotline-sim';

export interface VoiceChannelOptions {
  /** The SMS channel for confirmations (or a getter, when it is created later). */
  sms?: SmsSource;
  /**
   * The simulated Asterisk to run on when no ari.url is configured: started by the wiring (src/demo),
   * with config ari.user and ari.password (or SIMULATOR_ARI_PASSWORD). Tests pass their own.
   */
  simulator?: SimulatedAsterisk | null;
  /** Speed of the simulator the wiring creates when none is given (default 1 = real time). */
  simulatorSpeed?: number;
  /** The panel's test phone on the simulator (demo wiring). */
  testPhone?: TestPhoneFactory;
  /** Engine timers and watchdogs run this many times faster (default: the simulator's speed, else 1). */
  timeScale?: number;
  /** TTS cache directory (default <data dir>/tts); tests share one to render each prompt once. */
  ttsDir?: string;
  /** Professional recordings that replace rendered prompts (default ./sounds). */
  soundsDir?: string;
  /** Render the prompt catalogue in the background at start (default true). */
  renderPrompts?: boolean;
  amiFactory?: AmiFactory;
  /** Call-back back-off base in ms (tests; default queue.callback_backoff_sec). */
  callbackRetryMs?: number;
  /** ARI WebSocket ping interval (default 15 s). */
  pingIntervalMs?: number;
  /** Refuse calls beyond this many at once (default 2000). */
  maxCalls?: number;
  /** Stasis app registration check interval (default ari.app_check_sec). */
  appCheckMs?: number;
}

export interface VoiceStats {
  ari: string;
  simulator: boolean;
  activeCalls: number;
  latency: { count: number; p50: number; p99: number; max: number };
  tts: string;
  reconnects: number;
}

export interface VoiceChannel extends Component, VoiceAdminPort {
  readonly simulator: SimulatedAsterisk | null;
  readonly link: AriLink | null;
  readonly manager: CallManager | null;
  readonly ami: AmiLink | null;
  readonly callLog: CallLog | null;
  readonly media: MediaResolver | null;
  readonly callbacks: CallbackScheduler;
  /** The call queue (ACD) once started: stats() for the live page. */
  readonly acd: Acd | null;
  /** The test phone (only when running on the simulator). */
  readonly testPhone: TestPhonePort | null;
  /** Resolves once the prompt catalogue has been rendered (or skipped). */
  readonly promptsReady: Promise<RenderAllResult | null>;
  /** Personal call-back audio (rendered per call, deleted after it). */
  readonly personalAudio: PersonalAudio | null;
  /**
   * Retention for generated audio: personal files past their TTL, and shared-cache files that are
   * not prompts (dynamic texts, answers cached by older versions) older than `sharedOlderThanMs`.
   */
  purgeMedia(sharedOlderThanMs?: number): { personalAudio: number; sharedCache: number };
  activeCalls(): CallView[];
  recentCalls(limit: number): Promise<CallRecord[]>;
  stats(): VoiceStats;
}

/** Literal TTS texts in the flows (no variables): rendered ahead like catalogue prompts. */
function literalTexts(flows: Record<string, Flow>): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  for (const f of Object.values(flows)) {
    for (const n of Object.values(f.nodes)) {
      const lists = 'items' in n ? [n.items] : 'prompt' in n && Array.isArray(n.prompt) ? [n.prompt] : [];
      for (const list of lists) for (const m of list) if ('tts' in m && templateVars(m.tts).length === 0) out[`flow_text_${i++}`] = m.tts;
    }
  }
  return out;
}

export function createVoiceChannel(ctx: AppContext, opts: VoiceChannelOptions = {}): VoiceChannel {
  const cfg = ctx.config;
  const log = ctx.log.child('voice');
  const useSim = !cfg.ari.url;
  const ttsDir = opts.ttsDir ?? join(cfg.data.dir, 'tts');
  const personalDir = join(cfg.data.dir, 'tts-personal');
  const signer = MediaSigner.forDataDir(cfg.data.dir);
  let personal: PersonalAudio | null = null;
  let sharedKeep: Set<string> | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  let app: FastifyInstance | null = null;
  const simulator: SimulatedAsterisk | null = opts.simulator ?? null;
  let link: AriLink | null = null;
  let manager: CallManager | null = null;
  let acd: Acd | null = null;
  let ami: AmiLink | null = null;
  let callLog: CallLog | null = null;
  let media: MediaResolver | null = null;
  let testPhone: TestPhonePort | null = null;
  let ttsName = 'none';
  let promptsDone: (r: RenderAllResult | null) => void = () => undefined;
  const promptsReady = new Promise<RenderAllResult | null>((r) => { promptsDone = r; });
  const offs: Array<() => void> = [];
  /** Recent declarations whose names are rendered ahead on start. */
  const RENDER_AHEAD_RECENT = 500;

  /** Where Asterisk fetches generated prompts: http.public_url, else the address we listen on. */
  const publicUrl = (): string => {
    if (cfg.http.public_url) return cfg.http.public_url;
    const addr = app?.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : cfg.http.port;
    const host = !cfg.http.host || cfg.http.host === '0.0.0.0' || cfg.http.host === '::' ? '127.0.0.1' : cfg.http.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  };

  const callbacks = new CallbackScheduler({
    ctx, log: log.child('callback'), app: cfg.ari.app, manager: () => manager, ami: () => ami, retryMs: opts.callbackRetryMs, queue: queueConfigFrom(cfg),
    // Several instances on one database: requests dialing by an instance whose lease lapsed are retried.
    liveOwners: ctx.store.engine === 'sqlite' ? undefined
      : async () => (await ctx.store.instances.live(new Date(ctx.now().getTime() - cfg.cluster.lease_sec * 1000).toISOString())).map((r) => r.id),
  });

  const channel: VoiceChannel = {
    name: 'voice',
    httpPlugins: [mediaPlugin({ dir: ttsDir, personalDir, signer, allowFrom: parseAllowList(cfg.voice.media_allow_from), onServer: (a) => { app = a; } })],
    get personalAudio() { return personal; },
    purgeMedia(sharedOlderThanMs = 7 * 86400_000) {
      const personalAudio = personal?.sweep() ?? 0;
      const sharedCache = sharedKeep ? pruneSharedCache(ttsDir, sharedKeep, sharedOlderThanMs) : 0;
      if (sharedCache) media?.forget();
      return { personalAudio, sharedCache };
    },
    get simulator() { return simulator; },
    get link() { return link; },
    get manager() { return manager; },
    get acd() { return acd; },
    get ami() { return ami; },
    get callLog() { return callLog; },
    get media() { return media; },
    get testPhone() { return testPhone; },
    callbacks,
    promptsReady,

    async start() {
      // 1. Flows and prompts (checked at start: errors name file, line and node).
      const flowsDir = resolve(cfg.voice.flows_dir);
      const cat = loadPromptCatalogue(join(flowsDir, 'prompts.zh-CN.yaml'));
      for (const i of cat.issues) log.error(formatIssue(i));
      const catalogue: PromptCatalogue = cat.catalogue;
      const loaded = loadFlows(flowsDir, { prompts: catalogue.prompts });
      for (const i of loaded.errors) log.error(formatIssue(i));
      for (const i of loaded.warnings) log.debug(formatIssue(i));
      if (!loaded.flows.main) throw new Error(`voice: no usable flow "main" in ${flowsDir} (run \`hotline flow check\`)`);
      if (!loaded.flows.callback) log.warn('voice: no usable flow "callback": landline answer call-backs are disabled');
      const engine = new FlowEngine({ flows: loaded.flows, timeZone: cfg.time.zone, isWorkingDay: (d) => ctx.calendar.isWorkingDay(d) });

      // 2. TTS fallback: pick the engine (its voice checked to speak Mandarin), render the catalogue in the background.
      const tts = await selectTtsEngine(cfg.voice.tts as TtsChoice, ttsSelectOptions(cfg));
      ttsName = tts.engine.name;
      if (tts.warning) log.warn(tts.warning);
      else if (tts.engine.name !== 'none') log.info(`TTS: ${tts.engine.name} voice "${tts.engine.voice}" ${tts.engine.cacheTag ?? ''}`.trim());
      const cache = new PromptCache({ engine: tts.engine, dir: ttsDir, soundsDir: opts.soundsDir ?? resolve(cfg.voice.sounds_dir), log: log.child('tts') });
      // Personal text (call-back answers) never enters the shared cache: its own directory, per call.
      personal = new PersonalAudio({ cache: new PromptCache({ engine: tts.engine, dir: personalDir, log: log.child('tts') }), log: log.child('personal-audio') });
      personal.sweep();
      sweepTimer = setInterval(() => { try { personal?.sweep(); } catch { /* next time */ } }, 10 * 60_000);
      sweepTimer.unref();
      sharedKeep = new Set([...Object.values({ ...catalogue.prompts, ...literalTexts(loaded.flows) }).map((t) => cache.hashOf(t)), ringbackWav().hash]);
      if (opts.renderPrompts !== false) {
        const t = Date.now();
        void cache.renderAll({ ...catalogue.prompts, ...literalTexts(loaded.flows) }).then((r) => {
          log.info(`提示音就绪 / prompts ready: ${r.rendered.length} rendered, ${r.cached.length} cached, ${r.recorded.length} recorded, ${r.failed.length} failed (${Date.now() - t} ms)`, { engine: tts.engine.name });
          promptsDone(r);
        }, () => promptsDone(null));
      } else promptsDone(null);

      // 3. The call log.
      callLog = new CallLog(ctx, ctx.store.calls);
      await callLog.start();

      // 4. ARI: the configured Asterisk, or the simulator.
      const password = cfg.ari.password || (useSim ? SIMULATOR_ARI_PASSWORD : '');
      let url = cfg.ari.url;
      if (useSim) {
        if (!simulator) throw new Error('voice: no Asterisk configured (HOTLINE_ARI_URL) and no simulator given');
        url = simulator.url;
        log.warn(`未配置 Asterisk（HOTLINE_ARI_URL 为空）：语音通道运行在内置 ARI 模拟器上 / no Asterisk configured: the voice channel runs on the built-in ARI simulator at ${url}`);
      }
      const timeScale = opts.timeScale ?? (simulator ? simulator.speed : 1);
      media = new MediaResolver({
        cache, catalogue: catalogue.prompts, publicUrl, timeZone: cfg.time.zone, log, signer, urlTtlSec: cfg.voice.media_url_ttl_sec, personal, storageFailure: (e, where) => ctx.storage.failure(e, where),
        recordingSeconds: (name) => { for (const s of manager?.sessions.values() ?? []) { const v = s.recordingSeconds(name); if (v !== undefined) return v; } return undefined; },
      });
      const resolver = media;
      if (cache) {
        // Item and department names are rendered when a declaration is created or changed (after
        // commit), so a first call about it does not wait for TTS (./calls/render-ahead.ts).
        const ahead = new RenderAhead({ warm: (t) => resolver.warm(t), onError: (e) => log.warn('render-ahead failed', { error: (e as Error).message }) });
        offs.push(ctx.bus.on('declaration.changed', (p) => ahead.add(declarationTexts(p))));
        offs.push(() => ahead.stop());
        // On start, the most recent ones (a first start, or a cache pruned or moved).
        ctx.store.declarations.recent(null, RENDER_AHEAD_RECENT)
          .then((ds) => ahead.add(ds.flatMap((declaration) => declarationTexts({ declaration }))))
          .catch((e) => log.warn('render-ahead: recent declarations not read', { error: (e as Error).message }));
      }
      if (simulator) simulator.setMediaDescriber((uri) => resolver.describe(uri));
      if (cfg.voice.ringback === 'file' && !(await media.prepareRingback())) {
        log.warn('回铃音文件不可用，转人工时改用 450 Hz 频率音 / ring-back file unavailable (no TTS cache dir): transfers play a literal 450 Hz tone');
      }
      link = new AriLink({
        url, user: cfg.ari.user, password, app: cfg.ari.app, log: log.child('ari'), pingIntervalMs: opts.pingIntervalMs,
        appCheckMs: opts.appCheckMs ?? cfg.ari.app_check_sec * 1000,
      });

      // 5. AMI (optional).
      if (cfg.ami.host) {
        ami = new AmiLink({ host: cfg.ami.host, port: cfg.ami.port, user: cfg.ami.user, secret: cfg.ami.secret, log: log.child('ami'), factory: opts.amiFactory });
        ami.on('state', (state: string) => ctx.bus.emit('ami.link', { state, host: cfg.ami.host, at: ctx.now().toISOString() }));
        ctx.health.register('ami', () => ({
          ok: ami!.state === 'connected', state: ami!.state,
          detail: { host: cfg.ami.host, port: cfg.ami.port, coreStatus: ami!.coreStatus, lastError: ami!.lastError },
        }));
        ami.start();
      }

      // The call queue (ACD) behind the `queue` verb: seats from the store, call-back requests restored.
      const resolverForQueue = media;
      const queueLink = link;
      acd = new Acd({
        ari: link, store: ctx.store.callQueue, bus: ctx.bus, config: queueConfigFrom(cfg), app: cfg.ari.app, log: log.child('queue'),
        now: () => ctx.now().getTime(), timeScale, mohClass: cfg.voice.moh_class, instanceId: ctx.instance, whisper: cfg.queue.whisper, record: cfg.queue.record_calls,
        recorded: (callId, name) => saveOperatorRecording({ ari: queueLink, recordingsDir: join(cfg.data.dir, 'recordings'), calls: callLog!, log: log.child('queue') }, callId, name),
        speak: async (callId, text) => (await resolverForQueue.resolve([{ tts: text }], { callId })).uris,
        callbackFailedNotice: async (phone, ref) => {
          const sms = smsOf(opts.sms);
          if (!sms || !isMobileNumber(phone)) return;
          await sms.outbox.queue({
            phone: normalisePhone(phone), text: sms.templates.render('voice.queue_callback_failed', { ref }),
            reason: 'reply', template: 'voice.queue_callback_failed', dedupeKey: `queue-callback-failed:${ref}`,
          });
        },
        metrics: {
          waitSeconds: ctx.metrics.histogram('hotline_queue_wait_seconds', 'Call queue: wait before reaching an operator (kind caller|callback)', [5, 10, 15, 30, 60, 120, 300, 600, 1800]),
          answered: ctx.metrics.counter('hotline_queue_answered_total', 'Call queue: callers and call-backs that reached an operator (within_15s yes|no)'),
          abandoned: ctx.metrics.counter('hotline_queue_abandoned_total', 'Call queue: callers who hung up before reaching an operator'),
        },
      });
      const queueRunner = acd;
      offs.push(() => queueRunner.stop());

      manager = new CallManager({
        queue: queueRunner,
        ctx, engine, ari: link, media, callLog, log,
        effects: { ctx, ari: link, sms: opts.sms, recordingsDir: join(cfg.data.dir, 'recordings'), minRecordingSec: cfg.voice.min_recording_sec, log: log.child('effects') },
        app: cfg.ari.app, timeScale, operatorEndpoint: cfg.voice.operator_endpoint, transferTimeoutSec: cfg.voice.transfer_timeout_sec,
        ringback: cfg.voice.ringback as 'file' | 'tone' | 'moh', mohClass: cfg.voice.moh_class,
        maxRecordingSec: cfg.voice.max_recording_sec, maxLookupsPerCall: cfg.voice.max_lookups_per_call, maxCalls: opts.maxCalls ?? 2000,
        callbackVars: loaded.flows.callback ? (id) => callbacks.vars(id) : () => null,
        onCallbackEnded: (id, answered, satisfied) => { void callbacks.ended(id, answered, satisfied); }, // never rejects
      });
      const m = manager;
      const l = link;
      l.on('event', (ev, at) => m.onEvent(ev, at));
      l.on('connected', () => { void m.resync(); });
      l.on('state', (state: string, detail: Record<string, unknown>) => {
        ctx.bus.emit('ari.link', { state, url: useSim ? 'simulator' : cfg.ari.url, simulator: useSim, at: ctx.now().toISOString(), ...detail });
      });
      ctx.health.register('ari', () => ({
        // 'replaced': the socket is open but another process owns the Stasis app — no calls reach us.
        ok: l.state === 'connected' && l.appRegistered !== false, state: l.appRegistered === false && l.state === 'connected' ? 'app-not-registered' : l.state,
        detail: {
          url: useSim ? `simulator ${url}` : cfg.ari.url, app: cfg.ari.app, appRegistered: l.appRegistered, lastAppCheck: l.lastAppCheck, simulator: useSim, activeCalls: m.activeCount,
          connects: l.stats.connects, reconnects: l.stats.reconnects, lastError: l.stats.lastError, tts: ttsName,
        },
      }));
      ctx.metrics.gauge('hotline_ari_link_up', 'ARI event WebSocket connected (1) or not (0)', () => (l.state === 'connected' ? 1 : 0));
      ctx.metrics.gauge('hotline_voice_event_latency_ms', 'ARI event → next ARI request, recent samples', () => {
        if (!m.latency.count) return [];
        return [{ labels: { quantile: '0.5' }, value: m.latency.percentile(50) }, { labels: { quantile: '0.99' }, value: m.latency.percentile(99) }];
      });
      if (useSim && opts.testPhone) testPhone = opts.testPhone({ media: resolver, app: cfg.ari.app });
      if (loaded.flows.callback) await callbacks.start(); // never rejects

      const connected = await l.start(useSim ? 10_000 : 5000);
      if (!connected) log.warn('ARI 尚未连接，后台继续重试 / ARI not connected yet; retrying in the background', { url: useSim ? 'simulator' : cfg.ari.url });
      // After the link: restored call-backs may ring an operator at once.
      await queueRunner.start().catch((e) => log.error('call queue: seats and call-backs not restored', { error: (e as Error).message }));
    },

    async stop() {
      for (const off of offs.splice(0)) off();
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = null;
      callbacks.stop();
      // Calls in progress are hung up rather than left in silence (a new process would not know them).
      const live = manager ? [...manager.sessions.values()].filter((s) => !s.gone) : [];
      if (link && link.connected && live.length) {
        await Promise.race([
          Promise.all(live.map((s) => link!.hangup(s.id, 'normal').catch(() => undefined))),
          new Promise((r) => setTimeout(r, 1000)),
        ]);
      }
      manager?.stop();
      await link?.stop();
      await ami?.stop();
      await callLog?.stop();
    },

    activeCalls: () => callLog?.activeCalls() ?? [],
    recentCalls: async (limit: number) => (callLog ? callLog.recentCalls(limit) : []),
    stats(): VoiceStats {
      const lat = manager?.latency;
      return {
        ari: link?.state ?? 'idle', simulator: useSim, activeCalls: manager?.activeCount ?? 0, tts: ttsName, reconnects: link?.stats.reconnects ?? 0,
        latency: lat && lat.count ? { count: lat.count, p50: lat.percentile(50), p99: lat.percentile(99), max: lat.percentile(100) } : { count: 0, p50: NaN, p99: NaN, max: NaN },
      };
    },
  };
  return channel;
}

// ───────────── CLI ─────────────

export type VoiceCliCommand = (args: string[], config: Config) => Promise<number>;

/**
 * `hotline flow check [dir]`: every flow and the prompt catalogue; prints `file:line node "id": …`
 * per problem; exit 1 on errors.
 * `hotline call <number>`: AMI Originate of a test call (Local/<number>@hotline-callback) into the app.
 * `hotline tts check` / `hotline tts say <text> [--out file.wav]`: see tts/cli.ts.
 */
export function registerVoiceCommands(extra: Map<string, VoiceCliCommand>): void {
  registerTtsCommands(extra); // tts check | tts say
  extra.set('flow check', async (args, config) => {
    const dir = resolve(args[0] ?? config.voice.flows_dir);
    const r = checkFlows(dir);
    const out = r.ok ? process.stdout : process.stderr;
    out.write(r.report + '\n');
    return r.ok ? 0 : 1;
  });
  extra.set('call', async (args, config) => {
    const number = args[0];
    if (!number || !/^\+?[0-9]{3,20}$/.test(number)) { process.stderr.write('usage: hotline call <number>   (digits only)\n'); return 2; }
    if (!config.ami.host) { process.stderr.write('AMI 未配置 / AMI not configured: set HOTLINE_AMI_HOST, HOTLINE_AMI_USER, HOTLINE_AMI_SECRET\n'); return 2; }
    const log = createLogger('warn');
    const ami = new AmiLink({ host: config.ami.host, port: config.ami.port, user: config.ami.user, secret: config.ami.secret, log, retryMaxMs: 2000 });
    ami.start();
    const until = Date.now() + 10_000;
    while (ami.state !== 'connected' && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (ami.state !== 'connected') {
      process.stderr.write(`AMI not connected (${ami.state}${ami.lastError ? `: ${ami.lastError}` : ''})\n`);
      await ami.stop();
      return 1;
    }
    try {
      const r = await ami.originate({ channel: `Local/${number.replace(/^\+/, '')}@hotline-callback`, app: config.ari.app, appArgs: [], callerId: '96365', timeoutSec: 45 });
      process.stdout.write(`originate queued: ${String(r.message ?? r.response ?? 'ok')}\n`);
      return 0;
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 1;
    } finally {
      await ami.stop();
    }
  });
}

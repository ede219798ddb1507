/**
 * Wiring: config → context → simulators (when no real peer is configured) → channels → HTTP → jobs.
 * `startServer` is what `hotline start` and the end-to-end tests run.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import type { AppContext } from './context.js';
import { createContext } from './services.js';
import { buildHttp, type HttpPlugin } from './http/app.js';
import type { Logger } from './log.js';
import type { DataStore } from './store/ports.js';
import { createSmsChannel, type SmsChannel } from './sms/channel.js';
import { createJobs, type Jobs } from './jobs/scheduler.js';
import { adminComponent, DEMO_LOGINS, type AdminComponent, type AdminOptions } from './admin/index.js';
import { smsAdminPort } from './sms/admin-port.js';
import { seedDemoData } from './demo/demo-data.js';
import { createTestPhone } from './demo/test-phone.js';
import { createTestMailbox } from './demo/test-mailbox.js';
import { demoSimulators, type AriSimulator, type DemoSimulators, type SmscSimulator } from './demo/simulators.js';
import { createVoiceChannel, type VoiceChannel, type VoiceChannelOptions } from './voice/channel.js';
import { InstanceLock, newInstanceId } from './store/lock.js';
import { createCluster, type Cluster } from './cluster/index.js';
import { unknownDepartments } from './workorders/categories.js';
import { mailComponent, type MailComponent, type MailOptions } from './mail/channel.js';
import { webComponent } from './web/index.js';

/** A part of the server with a lifecycle (a channel, a simulator, the scheduler). */
export interface Component {
  name: string;
  /** HTTP routes this component serves (registered before the server listens). */
  httpPlugins?: HttpPlugin[];
  start(): Promise<void>;
  /**
   * Called once start-up is complete (every component started, requests served): work that must not
   * overlap start-up begins here (the SMS link binds and the dispatcher sends only from now on, so no
   * submit_sm_resp waits unread behind the rest of start-up).
   */
  ready?(): Promise<void> | void;
  stop(): Promise<void>;
}

export interface ServerOptions {
  log?: Logger;
  now?: () => Date;
  store?: DataStore;
  /** Run the SMS channel on this simulator (tests). */
  smscSimulator?: SmscSimulator;
  /** Voice channel options (tests: a fast ARI simulator, a shared TTS cache…); `false` leaves the voice channel out. */
  voice?: (Omit<VoiceChannelOptions, 'sms' | 'simulator' | 'testPhone'> & { simulator?: AriSimulator | null }) | false;
  /** Override the admin panel's ports and options (tests inject fakes). */
  admin?: AdminOptions;
  /** Citizens' mailbox options (tests: intake port 0, a fast dispatcher…); `false` leaves it out even when enabled. */
  mail?: MailOptions | false;
  /** Extra components (tests). */
  components?: (ctx: AppContext) => Component[];
  /** Take the data directory's exclusive lock (default true; one data directory → one running server). */
  lock?: boolean;
}

export interface RunningServer {
  ctx: AppContext;
  http: FastifyInstance;
  url: string;
  components: Component[];
  channels: Channels;
  stop(): Promise<void>;
}

export interface Channels { sms: SmsChannel; voice: VoiceChannel | null; jobs: Jobs; admin: AdminComponent; cluster: Cluster; simulators: DemoSimulators; mail: MailComponent | null }

/** No Asterisk and no SMSC configured: the server runs on its built-in simulators (try-it-now mode). */
export function onSimulators(config: Config): boolean {
  return !config.smpp.host && !config.ari.url;
}

/** Components are assembled here; each channel module exports a factory. */
export async function assembleComponents(ctx: AppContext, opts: ServerOptions): Promise<{ components: Component[]; channels: Channels }> {
  // First to start, last to stop: the instance's lease, the jobs leadership, the event bridge (PostgreSQL).
  const cluster = createCluster(ctx);
  // No SMSC / no Asterisk configured: the simulators, started by this wiring before the channels.
  // 市民信箱: on when configured, and in demo mode (intake on an ephemeral port unless enabled, the local sink as relay).
  const demoMode = ctx.config.admin.demo === 'on' || (ctx.config.admin.demo === 'auto' && onSimulators(ctx.config));
  const mailOn = opts.mail !== false && (ctx.config.mail.enabled || demoMode);
  const sims = demoSimulators(ctx, {
    voice: opts.voice !== false, ari: opts.voice ? opts.voice.simulator : null, ariSpeed: opts.voice ? opts.voice.simulatorSpeed : undefined, smsc: opts.smscSimulator ?? null,
    mailSink: mailOn && demoMode && !ctx.config.mail.relay_host,
  });
  const sms = createSmsChannel(ctx, { simulator: sims.smsc });
  ctx.notices = sms.notices; // the department API's bulk notices
  const voice = opts.voice === false ? null : createVoiceChannel(ctx, { ...opts.voice, sms, simulator: sims.ari, testPhone: sims.testPhone });
  const jobs = createJobs(ctx, sms, voice, { isLeader: () => cluster.isLeader() });
  const mail = mailOn ? mailComponent(ctx, {
    relay: () => (sims.mailSink ? { host: '127.0.0.1', port: sims.mailSink.port, user: '', password: '' } : null),
    ...(ctx.config.mail.enabled ? {} : { intakePort: 0, intakeHost: '127.0.0.1' }), ...(opts.mail || {}),
  }) : null;
  // The test phone (demo mode): texts through the SMSC simulator, calls through the ARI simulator.
  const testPhone = Object.assign(createTestPhone(() => sims.smsc, ctx.config.smpp.source_addr, () => voice?.testPhone ?? null), { mailbox: createTestMailbox(() => mail, () => sims.mailSink) });
  const admin = adminComponent(ctx, {
    sms: smsAdminPort(sms), voice: voice ?? undefined, demo: onSimulators(ctx.config),
    // The wallboard's snapshot: the ACD exists once the voice channel started.
    queue: voice ? { stats: () => voice.acd?.stats() ?? null } : undefined,
    testPhone: !ctx.config.smpp.host || !ctx.config.ari.url ? testPhone : undefined, ...opts.admin,
  });
  const attachPhone: Component = { name: 'test-phone', start: async () => testPhone.attach(), stop: async () => undefined };
  // The public web window (src/web/): its one-time codes go out through the SMS outbox.
  const web = webComponent(ctx, { sms: { sendCode: async (phone, otp, minutes) => { await sms.outbox.queue({ phone, text: sms.templates.render('web.otp', { otp, minutes: String(minutes) }), reason: 'reply', template: 'web.otp' }); } } });
  const components: Component[] = [cluster, sims, sms, ...(voice ? [voice] : []), ...(mail ? [mail] : []), jobs, admin, web, attachPhone];
  return { components, channels: { sms, voice, jobs, admin, cluster, simulators: sims, mail } };
}

/**
 * Start-up order: (1) the data directory's exclusive lock — a second server on the same data stops
 * here with one line naming the running one, before it opens the database or connects anywhere;
 * (2) the store; (3) the HTTP port is bound — a port in use stops start-up before any peer is
 * contacted (requests other than /health and /media get 503 until start-up is complete);
 * (4) the components (SMPP, ARI, jobs…) start.
 */
export async function startServer(config: Config, opts: ServerOptions = {}): Promise<RunningServer> {
  const instance = newInstanceId();
  const lock = opts.lock === false ? null : InstanceLock.acquire(config.data.dir, instance);
  let ctx: AppContext;
  try { ctx = createContext(config, { ...opts, instance }); } catch (e) { lock?.release(); throw e; }
  const started: Component[] = [];
  let http: FastifyInstance | undefined;
  let assembled!: Awaited<ReturnType<typeof assembleComponents>>;
  let components!: Component[];
  let ready = false;
  try {
    assembled = await assembleComponents(ctx, opts);
    components = [...assembled.components, ...(opts.components?.(ctx) ?? [])];
    http = await buildHttp(ctx, components.flatMap((c) => c.httpPlugins ?? []));
    http.addHook('onRequest', async (req, reply) => {
      if (ready) return;
      const path = req.url.split('?')[0];
      if (path === '/health' || path.startsWith('/media/')) return;
      reply.header('retry-after', '1');
      return reply.status(503).send({ error: 'starting', message: '服务正在启动，请稍后重试 / the server is starting, retry in a moment' });
    });
    await http.listen({ host: config.http.host, port: config.http.port });
    // PostgreSQL: migrate (one instance at a time) before any component reads or writes.
    await ctx.store.prepare();
    const a = http.server.address();
    lock?.bound(typeof a === 'object' && a ? a.port : config.http.port, config.http.host);
    for (const c of components) { await c.start(); started.push(c); }
    if (assembled.channels.admin.demo) {
      const seeded = await seedDemoData(ctx);
      if (seeded.created) ctx.log.info('demo data loaded (departments SCJG, RSJ, GAJ; four declarations; three feedback items)');
      await assembled.channels.admin.ensureDemoLogins();
      // The demo seats' phones ring on the test phone page (answered there, not by themselves).
      assembled.channels.voice?.testPhone?.operatorPhones?.(DEMO_LOGINS.flatMap((l) => (l.endpoint ? [l.endpoint] : [])));
    }
    // Categories naming a department not registered yet: dispatching such an item asks for a department.
    const missing = unknownDepartments(ctx.workOrders.env.tree, new Set((await ctx.store.departments.all()).map((d) => d.code)));
    if (missing.length) ctx.log.warn(`诉求分类的默认承办单位尚未登记（派单时须另选承办单位）：${missing.map((m) => `${m.category}→${m.department}`).join('、')}`);
    ready = true;
    // Start-up complete: only now may components begin work that must not overlap it (SMS: bind, send).
    for (const c of started) await c.ready?.();
  } catch (e) {
    for (const c of started.reverse()) await c.stop().catch(() => undefined);
    await http?.close().catch(() => undefined);
    await ctx.store.close().catch(() => undefined);
    lock?.release();
    throw e;
  }
  const server = http!;
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
  const url = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
  let stopped = false;
  return {
    ctx, http: server, url, components, channels: assembled.channels,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close().catch(() => undefined);
      for (const c of [...started].reverse()) {
        // A component slow to stop is named in the log (the shutdown's 20 s limit otherwise says nothing of which).
        const slow = setTimeout(() => ctx.log.warn('组件仍在停止 / component still stopping', { component: c.name, afterMs: 2000 }), 2000);
        try { await c.stop(); } catch (e) { ctx.log.warn('component stop failed', { component: c.name, error: (e as Error).message }); } finally { clearTimeout(slow); }
      }
      const slowStore = setTimeout(() => ctx.log.warn('组件仍在停止 / component still stopping', { component: 'store', afterMs: 2000 }), 2000);
      await ctx.store.close().catch((e) => ctx.log.warn('store close failed', { error: (e as Error).message }));
      clearTimeout(slowStore);
      lock?.release();
    },
  };
}

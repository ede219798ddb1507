/**
 * The staff admin panel: `adminComponent(ctx, options)` serves the single-page app at /admin, its
 * JSON API at /admin/api/… and the live WebSocket at /admin/live. SMS, voice and the test phone
 * are reached through small ports (./sms-port.ts); each is optional.
 */
import type { AppContext } from '../context.js';
import type { Component } from '../app.js';
import { LOCKOUT_MINUTES, StaffAuth } from './auth.js';
import { LoginAuditLimiter } from './login-guard.js';
import { LiveHub, type QueueStatsPort } from './live.js';
import { adminPlugin } from './routes/index.js';
import { ensureDemoLogins } from './demo.js';
import { normalisePhone } from '../domain/masking.js';
import type { SmsAdminPort, TestPhonePort, VoiceAdminPort } from './sms-port.js';

export type { SmsAdminPort, VoiceAdminPort, TestPhonePort, TestPhoneEvent, TestPhoneSms, CallView, CallRecord, SmsOutboxItem, SmsInboxItem, SmsListFilter, SmsStats } from './sms-port.js';
export { demoLogins, ensureDemoLogins, DEMO_LOGINS, type DemoLogin } from './demo.js';
export { registerAdminCommands } from './cli.js';
export { ROUTES, ALL_ROLES, type RouteSpec, type StaffRole } from './routes-table.js';
export { LIVE_PATH } from './live.js';

export interface AdminOptions {
  sms?: SmsAdminPort;
  voice?: VoiceAdminPort;
  /** The test phone (demo mode); shown in the panel only when given. */
  testPhone?: TestPhonePort;
  /** Running on the simulators: with config admin.demo = auto this turns demo mode on. */
  demo?: boolean;
  /** Live feed: skip events for a socket with more than this many bytes queued (default 1 MiB). */
  liveMaxBufferedBytes?: number;
  /** The call queue's wallboard figures (the ACD's stats(); issue 13), for the live snapshot. */
  queue?: QueueStatsPort;
}

export interface AdminComponent extends Component {
  readonly auth: StaffAuth;
  readonly live: LiveHub;
  readonly demo: boolean;
  /** (Re)create missing demo logins, e.g. after the demo data was seeded. */
  ensureDemoLogins(): Promise<string[]>;
  /** Write the summary audit rows of login floods now (normally when their window closes). */
  flushLoginAudit(): Promise<number>;
}

export function adminComponent(ctx: AppContext, options: AdminOptions = {}): AdminComponent {
  const mode = ctx.config.admin.demo;
  const demo = mode === 'on' || (mode === 'auto' && options.demo === true);
  const auth = new StaffAuth(ctx.store.staff, ctx.store, {
    now: ctx.now, sessionHours: ctx.config.admin.session_hours, lockoutAttempts: ctx.config.admin.lockout_attempts,
    addressAttempts: ctx.config.admin.address_attempts, hashConcurrency: ctx.config.admin.login_concurrency,
  });
  const loginAudit = new LoginAuditLimiter({
    now: () => ctx.now().getTime(), windowMs: LOCKOUT_MINUTES * 60_000, perWindow: 1,
    write: (r) => ctx.store.audit.append(r.actor, r.action, r.target, r.detail, ctx.now().toISOString())
      .then(() => undefined, (e: unknown) => { ctx.log.warn('audit write failed', { error: (e as Error).message }); }),
  });
  let auditTimer: NodeJS.Timeout | null = null;
  const live = new LiveHub(ctx, auth, { sms: options.sms, voice: options.voice, queue: options.queue, maxBufferedBytes: options.liveMaxBufferedBytes });
  const subscriptions = new Set<() => void>();
  const testPhone = demo ? options.testPhone : undefined;
  let offSms: (() => void) | null = null;
  const plugin = adminPlugin({ ctx, auth, hub: live, queries: ctx.store.adminQueries, sms: options.sms, voice: options.voice, testPhone, demo, subscriptions, loginAudit });
  return {
    name: 'admin',
    auth, live, demo,
    httpPlugins: [{ plugin: async (app) => plugin(app), prefix: '/admin' }],
    ensureDemoLogins: () => ensureDemoLogins(ctx, auth),
    flushLoginAudit: () => loginAudit.flush(true),
    async start() {
      auditTimer = setInterval(() => { void loginAudit.flush(); }, 60_000); // writes log their own failures
      auditTimer.unref();
      if (demo) await ensureDemoLogins(ctx, auth);
      live.start();
      if (testPhone?.onSmsReceived) offSms = testPhone.onSmsReceived((sms) => live.sendToPhoneWatchers(normalisePhone(sms.to), { type: 'testphone-sms', sms }));
      ctx.health.register('admin', () => ({ ok: true, state: 'ok', detail: { liveClients: live.clientCount } }));
    },
    async stop() {
      if (auditTimer) clearInterval(auditTimer);
      auditTimer = null;
      await loginAudit.flush(true);
      offSms?.();
      for (const off of subscriptions) off();
      subscriptions.clear();
      await live.stop();
    },
  };
}

/**
 * The AMI link: the only module that imports `asterisk-manager`. Kept thin on purpose (there is no
 * AMI simulator): connect + login with our own reconnect/backoff (the library's keepConnected logs
 * with console.log and backs off by +10 s steps), actions with a timeout, `Originate` for calls
 * into the Stasis app (landline call-backs, `hotline call`), `CoreStatus` for /health.
 *
 * AMI is a CRLF line protocol and asterisk-manager writes values verbatim, so every value we send
 * is checked here: no CR/LF (header injection), endpoints and numbers from a strict alphabet.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Logger } from '../../log.js';

/** The part of an asterisk-manager instance we use. */
export interface AmiClientLike {
  on(ev: string, fn: (...a: any[]) => void): unknown;
  removeAllListeners(ev?: string): unknown;
  connect(port: number, host: string, cb: (err?: Error | null) => void): void;
  login(cb: (err?: unknown) => void): void;
  action(action: Record<string, unknown>, cb: (err: unknown, res?: Record<string, unknown>) => void): string;
  disconnect(cb?: () => void): void;
  isConnected(): boolean;
}

export type AmiFactory = (o: { port: number; host: string; user: string; secret: string }) => AmiClientLike;

const require = createRequire(import.meta.url);

/**
 * The Login action as Asterisk reads it. asterisk-manager 0.2.0 sends `Event: off`, but Asterisk's
 * main/manager.c reads only `Events` — so with the library's login the manager user receives every
 * event its read permissions allow (hundreds of kB per second at a few hundred calls, all parsed by the
 * library's line reader on our one event loop). We use none of them: log in with `Events: off`.
 */
export function loginAction(action: Record<string, unknown>): Record<string, unknown> {
  if (String(action.action).toLowerCase() !== 'login' || !('event' in action)) return action;
  const { event: _ignored, ...rest } = action;
  return { ...rest, events: 'off' };
}

/** Sent right after login too: turns events off for this session whatever the user's read permissions. */
export const EVENTS_OFF: Readonly<Record<string, string>> = Object.freeze({ action: 'Events', eventmask: 'off' });

/** asterisk-manager without its auto-connect (port undefined): we connect and log in ourselves. */
export const defaultAmiFactory: AmiFactory = (o) => {
  const Manager = require('asterisk-manager') as (port?: number, host?: string, user?: string, pass?: string, events?: boolean) => AmiClientLike & { options: Record<string, unknown> };
  const m = Manager(undefined, o.host, o.user, o.secret, false);
  m.options.port = o.port;
  m.options.host = o.host;
  m.options.username = o.user;
  m.options.password = o.secret;
  // The library's login calls this.action(): rename its `Event` header to the `Events` Asterisk reads.
  const send = m.action.bind(m);
  m.action = (a, cb) => send(loginAction(a), cb);
  return m;
};

export class AmiError extends Error {
  constructor(message: string, readonly response?: Record<string, unknown>) {
    super(message);
    this.name = 'AmiError';
  }
}

const SAFE_VALUE = /^[^\r\n\0]*$/;
const ENDPOINT = /^(Local|PJSIP|SIP|IAX2|DAHDI)\/[A-Za-z0-9_.+*#@\-/]{1,80}$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface OriginateSpec {
  /** Channel to dial, e.g. Local/05798123456@hotline-callback or PJSIP/1001. */
  channel: string;
  /** Stasis app and its arguments (the call runs in the app once answered). */
  app: string;
  appArgs: string[];
  callerId?: string;
  /** Ring time in seconds. */
  timeoutSec: number;
  variables?: Record<string, string>;
}

function checkValue(field: string, v: string): string {
  if (!SAFE_VALUE.test(v)) throw new AmiError(`AMI ${field}: control characters are not allowed`);
  return v;
}

/** The Originate action for `spec` (pure; validated). Async: the call runs on its own. */
export function buildOriginate(spec: OriginateSpec): Record<string, unknown> {
  if (!ENDPOINT.test(spec.channel)) throw new AmiError(`AMI Originate: bad channel "${spec.channel}"`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(spec.app)) throw new AmiError(`AMI Originate: bad app name "${spec.app}"`);
  for (const a of spec.appArgs) if (!/^[A-Za-z0-9_.:-]{0,64}$/.test(a)) throw new AmiError(`AMI Originate: bad app argument "${a}"`);
  const action: Record<string, unknown> = {
    action: 'Originate',
    channel: spec.channel,
    application: 'Stasis',
    data: [spec.app, ...spec.appArgs].join(','),
    timeout: String(Math.max(1, Math.round(spec.timeoutSec)) * 1000),
    async: 'true',
  };
  if (spec.callerId) {
    if (!/^[0-9+*#]{1,32}$/.test(spec.callerId) && !/^"[^"\r\n]{0,40}" <[0-9+]{1,32}>$/.test(spec.callerId)) throw new AmiError('AMI Originate: bad caller id');
    action.callerid = spec.callerId;
  }
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.variables ?? {})) {
    if (!VAR_NAME.test(k)) throw new AmiError(`AMI Originate: bad variable name "${k}"`);
    if (/[,]/.test(v)) throw new AmiError(`AMI Originate: variable ${k} must not contain a comma`);
    vars[k] = checkValue(`variable ${k}`, v);
  }
  if (Object.keys(vars).length) action.variable = vars;
  return action;
}

export type AmiState = 'idle' | 'connecting' | 'connected' | 'auth-failed' | 'down' | 'stopped';

export interface AmiLinkOptions {
  host: string;
  port: number;
  user: string;
  secret: string;
  log: Logger;
  factory?: AmiFactory;
  retryMinMs?: number;
  retryMaxMs?: number;
  actionTimeoutMs?: number;
  /** CoreStatus poll for /health while connected (default 30 s; 0 = off). */
  statusEveryMs?: number;
}

export interface CoreStatus { currentCalls: number | null; startupTime: string | null; reloadTime: string | null; at: string }

export class AmiLink extends EventEmitter {
  state: AmiState = 'idle';
  coreStatus: CoreStatus | null = null;
  lastError: string | null = null;
  private client: AmiClientLike | null = null;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly factory: AmiFactory;

  constructor(private readonly o: AmiLinkOptions) {
    super();
    this.factory = o.factory ?? defaultAmiFactory;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private setState(s: AmiState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState('connecting');
    let c: AmiClientLike;
    try { c = this.factory({ host: this.o.host, port: this.o.port, user: this.o.user, secret: this.o.secret }); } catch (e) {
      this.fail((e as Error).message);
      return;
    }
    this.client = c;
    let failed = false;
    const lost = (why: string) => {
      if (failed || this.client !== c) return;
      failed = true;
      this.fail(why);
    };
    c.on('error', (e: Error) => { this.lastError = e?.message ?? String(e); });
    c.on('close', () => lost('connection closed'));
    c.on('end', () => lost('connection ended'));
    try {
      c.connect(this.o.port, this.o.host, (err) => {
        if (err) { lost(err.message); return; }
        c.login((lerr) => {
          if (this.client !== c) return;
          if (lerr) {
            failed = true;
            this.lastError = 'login failed';
            this.o.log.error('AMI 登录失败 / AMI login failed (check HOTLINE_AMI_USER / HOTLINE_AMI_SECRET and manager.conf)', { host: this.o.host });
            this.setState('auth-failed');
            try { c.disconnect(); } catch { /* closed */ }
            this.schedule(this.o.retryMaxMs ?? 60_000);
            return;
          }
          this.attempt = 0;
          this.lastError = null;
          // Belt and braces: some Asterisk versions and users ignore the login's Events header.
          try { c.action({ ...EVENTS_OFF }, () => undefined); } catch { /* the close handler reconnects */ }
          this.setState('connected');
          this.o.log.info('AMI 已连接 / AMI connected', { host: this.o.host, port: this.o.port });
          this.pollStatus();
        });
      });
    } catch (e) {
      lost((e as Error).message);
    }
  }

  private fail(why: string): void {
    this.lastError = why;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    if (this.stopped) return;
    if (this.state !== 'auth-failed') this.setState('down');
    const min = this.o.retryMinMs ?? 1000, max = this.o.retryMaxMs ?? 60_000;
    const wait = Math.min(max, min * 2 ** Math.min(this.attempt++, 16));
    this.o.log.warn(`AMI 连接断开，${Math.round(wait / 1000)} 秒后重连 / AMI down, reconnecting`, { error: why });
    this.schedule(wait);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const old = this.client;
      this.client = null;
      if (old) { old.removeAllListeners(); old.on('error', () => undefined); try { old.disconnect(); } catch { /* closed */ } }
      this.connect();
    }, ms);
    this.timer.unref?.();
  }

  private pollStatus(): void {
    const every = this.o.statusEveryMs ?? 30_000;
    const poll = () => { void this.refreshCoreStatus().catch(() => undefined); };
    poll();
    if (every > 0) {
      if (this.statusTimer) clearInterval(this.statusTimer);
      this.statusTimer = setInterval(poll, every);
      this.statusTimer.unref?.();
    }
  }

  /** Send one action; resolves with the response, rejects on `Response: Error` or timeout. */
  action(action: Record<string, unknown>): Promise<Record<string, unknown>> {
    const c = this.client;
    if (!c || this.state !== 'connected') return Promise.reject(new AmiError(`AMI not connected (${this.state})`));
    for (const [k, v] of Object.entries(action)) {
      if (typeof v === 'string') checkValue(k, v);
      else if (v && typeof v === 'object') for (const [vk, vv] of Object.entries(v as Record<string, unknown>)) checkValue(`${k}.${vk}`, `${vk}=${String(vv)}`);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new AmiError(`AMI ${String(action.action)} timed out`)), this.o.actionTimeoutMs ?? 10_000);
      try {
        c.action({ ...action }, (err, res) => {
          clearTimeout(t);
          if (err) {
            const e = err as Record<string, unknown>;
            reject(new AmiError(`AMI ${String(action.action)} failed: ${String(e.message ?? 'error')}`, e));
          } else resolve(res ?? {});
        });
      } catch (e) {
        clearTimeout(t);
        reject(new AmiError((e as Error).message));
      }
    });
  }

  originate(spec: OriginateSpec): Promise<Record<string, unknown>> {
    let a: Record<string, unknown>;
    try { a = buildOriginate(spec); } catch (e) { return Promise.reject(e); }
    return this.action(a);
  }

  async refreshCoreStatus(): Promise<CoreStatus> {
    const r = await this.action({ action: 'CoreStatus' });
    const n = Number(r.corecurrentcalls);
    const status: CoreStatus = {
      currentCalls: Number.isFinite(n) ? n : null,
      startupTime: r.corestartupdate ? `${String(r.corestartupdate)} ${String(r.corestartuptime ?? '')}`.trim() : null,
      reloadTime: r.corereloaddate ? `${String(r.corereloaddate)} ${String(r.corereloadtime ?? '')}`.trim() : null,
      at: new Date().toISOString(),
    };
    this.coreStatus = status;
    this.emit('status', status);
    return status;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.timer = this.statusTimer = null;
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => undefined); // a late socket error must not become an unhandled 'error' event
      await new Promise<void>((r) => { try { c.disconnect(() => r()); } catch { r(); } setTimeout(r, 500).unref?.(); });
    }
    this.setState('stopped');
  }
}

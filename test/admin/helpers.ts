/** Helpers for the admin panel tests: a server with the admin component, a cookie-keeping client, fake channel ports. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/app.js';
import type { AdminOptions } from '../../src/admin/index.js';
import type { AdminComponent } from '../../src/admin/index.js';
import type { SmsAdminPort, VoiceAdminPort, TestPhonePort, TestPhoneEvent, TestPhoneSms, SmsOutboxItem, TestMail, TestMailboxPort } from '../../src/admin/sms-port.js';
import { silentLogger } from '../../src/log.js';
import { canonicalPhone } from '../../src/domain/phone.js';
import { testConfig } from '../helpers/context.js';
import { SHOTS } from '../helpers/browser.js';
import { seedDemoData } from '../../src/demo/demo-data.js';
import { pcm16ToWav, synthesizePcm } from '../../src/sim/ari/wav.js';

export interface AdminServer { server: RunningServer; admin: AdminComponent; url: string; clock: { offsetMs: number } }

export async function startAdmin(env: Record<string, string> = {}, opts: AdminOptions = {}): Promise<AdminServer> {
  const clock = { offsetMs: 0 };
  // The server's own admin component, with the test's fake ports (sms, voice, test phone) in place of the real ones.
  const server = await startServer(testConfig(env), {
    log: silentLogger, now: () => new Date(Date.now() + clock.offsetMs),
    admin: { sms: undefined, voice: undefined, testPhone: undefined, ...opts },
  });
  return { server, admin: server.channels.admin, url: server.url, clock };
}

export interface Res { status: number; json: any; text: string; headers: Headers }

/** A browser-like client: keeps the session cookie and the CSRF token. */
export class Client {
  cookie: string | null = null;
  csrf: string | null = null;
  constructor(readonly base: string) {}

  async req(method: string, path: string, body?: unknown, opts: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Res> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    if (method !== 'GET' && (opts.csrf ?? true) && this.csrf) headers['x-csrf-token'] = this.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const v = /hotline_sid=([^;]*)/.exec(setCookie)?.[1] ?? '';
      this.cookie = v ? `hotline_sid=${v}` : null;
    }
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { /* not json */ }
    return { status: res.status, json, text, headers: res.headers };
  }
  get(path: string, opts?: { headers?: Record<string, string> }) { return this.req('GET', path, undefined, opts); }
  post(path: string, body: unknown = {}, opts?: { csrf?: boolean; headers?: Record<string, string> }) { return this.req('POST', path, body, opts); }

  async login(username: string, password: string): Promise<Res> {
    const r = await this.post('/admin/api/login', { username, password }, { csrf: false });
    if (r.status === 200) this.csrf = r.json.csrfToken;
    return r;
  }
}

export async function loggedIn(base: string, username: string, password: string): Promise<Client> {
  const c = new Client(base);
  const r = await c.login(username, password);
  if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${r.text}`);
  return c;
}

/** Write a short 8 kHz PCM WAV under <data>/recordings and return its path relative to that dir. */
export function writeRecording(dataDir: string, name: string, ms = 1500): string {
  const dir = join(dataDir, 'recordings');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), pcm16ToWav(synthesizePcm([{ ms, talking: true }])));
  return name;
}

export class FakeSms implements SmsAdminPort {
  outbox: SmsOutboxItem[] = [
    { id: 1, phone: '13912345678', text: '您的申报件已受理', reason: 'push', status: 'delivered', segments: 1, attempts: 1, createdAt: new Date().toISOString(), receipts: [{ stat: 'DELIVRD', at: new Date().toISOString() }] },
    { id: 2, phone: '13712345678', text: '答复：已处理', reason: 'answer', status: 'failed', segments: 1, attempts: 8, createdAt: new Date().toISOString(), lastError: 'ESME_RTHROTTLED' },
  ];
  manual: Array<{ phone: string; text: string; actor: string }> = [];
  listOutbox() { return this.outbox; }
  listInbox() { return [{ id: 1, phone: '13912345678', text: 'CX 963650000011', receivedAt: new Date().toISOString(), command: 'query' }]; }
  retry(id: number) { const m = this.outbox.find((x) => x.id === id); if (!m) throw new Error('no such message'); m.status = 'queued'; }
  cancel(id: number) { const m = this.outbox.find((x) => x.id === id); if (!m) throw new Error('no such message'); m.status = 'cancelled'; }
  sendManual(phone: string, text: string, actor: string) { this.manual.push({ phone, text, actor }); return { id: 100 + this.manual.length }; }
  stats() { return { queued: 3, sent: 10, failed: 1, perSecond: 0.5, link: 'bound' }; }
  previewText(text: string) { return [{ text, encoding: 'ucs2', units: text.length, segments: Math.ceil(text.length / 67) }]; }
  previewAnswer(f: { ref: string }, answer: string) { return this.previewText(`【96365】${f.ref}：${answer}`); }
}

export class FakeVoice implements VoiceAdminPort {
  activeCalls() { return [{ callId: 'c1', caller: '13912345678', node: 'menu', startedAt: new Date().toISOString(), state: 'up' }]; }
  recentCalls() { return [{ callId: 'c0', caller: '13712345678', node: 'end', startedAt: new Date().toISOString(), state: 'ended', durationSec: 42 }]; }
}

export class FakeTestPhone implements TestPhonePort {
  listeners = new Map<string, (e: TestPhoneEvent) => void>();
  pressed: string[] = [];
  inbox: TestPhoneSms[] = [];
  private n = 0;
  startCall() { const id = `sim-${++this.n}`; setTimeout(() => this.listeners.get(id)?.({ type: 'prompt', text: '您好，这里是 96365', audioUrl: '/media/x.wav' }), 20); return id; }
  press(_c: string, d: string) { this.pressed.push(d); }
  record() { /* nothing */ }
  hangup(c: string) { this.listeners.get(c)?.({ type: 'ended', reason: 'hangup' }); }
  events(c: string, l: (e: TestPhoneEvent) => void) { this.listeners.set(c, l); return () => { this.listeners.delete(c); }; }
  sendSms(from: string, text: string) { this.inbox.push({ from: '96365', to: from, text: `收到：${text}`, at: new Date().toISOString() }); }
  smsReceived(phone: string) { return this.inbox.filter((m) => canonicalPhone(m.to) === canonicalPhone(phone)); }
  mails: TestMail[] = [];
  mailbox: TestMailboxPort = {
    address: '96365@hotline.local',
    sendMail: (from, subject) => { this.mails.push({ from: '96365@hotline.local', to: from, subject: `【96365-2612030001】${subject}`, text: '已受理', messageId: '<a@x>', inReplyTo: null, at: new Date().toISOString() }); },
    mailReceived: (address) => this.mails.filter((m) => m.to === address),
  };
}

/**
 * The panel on the demo data (departments, demo logins) with fake SMS, voice and test phone — what the
 * browser suites start from. The screenshots folder exists afterwards.
 */
export async function startDemoPanel(): Promise<AdminServer> {
  mkdirSync(SHOTS, { recursive: true });
  const s = await startAdmin({ HOTLINE_ADMIN_DEMO: 'on' }, { sms: new FakeSms(), voice: new FakeVoice(), testPhone: new FakeTestPhone() });
  await seedDemoData(s.server.ctx);
  await s.admin.ensureDemoLogins();
  return s;
}

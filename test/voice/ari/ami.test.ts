/**
 * AMI: there is no AMI simulator in the project, so the adapter is kept thin and tested two ways:
 * the Originate command it builds (table, including header-injection attempts), and the real
 * asterisk-manager library against a minimal fake AMI server on a TCP socket (greeting, Login,
 * CoreStatus, Originate — the protocol as Asterisk speaks it: CRLF lines, blank-line terminated).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiLink, buildOriginate, type OriginateSpec } from '../../../src/voice/ami/index.js';
import { silentLogger } from '../../../src/log.js';

const BASE: OriginateSpec = { channel: 'Local/05798123456@hotline-callback', app: 'hotline96365', appArgs: ['callback', '42'], callerId: '96365', timeoutSec: 45 };

const BUILD: Array<{ label: string; spec: Partial<OriginateSpec>; expect?: Record<string, unknown>; error?: RegExp }> = [
  {
    label: 'a call-back into the Stasis app', spec: { variables: { HOTLINE_FEEDBACK_ID: '42' } },
    expect: { action: 'Originate', channel: 'Local/05798123456@hotline-callback', application: 'Stasis', data: 'hotline96365,callback,42', timeout: '45000', async: 'true', callerid: '96365', variable: { HOTLINE_FEEDBACK_ID: '42' } },
  },
  { label: 'a PJSIP endpoint', spec: { channel: 'PJSIP/1001', appArgs: [] }, expect: { channel: 'PJSIP/1001', data: 'hotline96365' } },
  { label: 'CR/LF in the channel (header injection)', spec: { channel: 'Local/1@x\r\nAction: Command' }, error: /bad channel/ },
  { label: 'an unknown technology', spec: { channel: 'Console/dsp' }, error: /bad channel/ },
  { label: 'CR/LF in a variable value', spec: { variables: { A: 'x\r\nAction: Logoff' } }, error: /control characters/ },
  { label: 'a bad variable name', spec: { variables: { 'A=B': '1' } }, error: /bad variable name/ },
  { label: 'a comma in an app argument', spec: { appArgs: ['a,b'] }, error: /bad app argument/ },
  { label: 'a caller id with letters', spec: { callerId: 'evil\r\n' }, error: /bad caller id/ },
];

describe('AMI Originate command', () => {
  for (const c of BUILD) {
    it(c.label, () => {
      const spec = { ...BASE, ...c.spec };
      if (c.error) expect(() => buildOriginate(spec)).toThrow(c.error);
      else expect(buildOriginate(spec)).toMatchObject(c.expect!);
    });
  }
});

/** A minimal AMI server: enough of the protocol for Login, CoreStatus and Originate. */
class FakeAmi {
  server!: Server;
  port = 0;
  readonly actions: Array<Record<string, string>> = [];
  readonly sockets = new Set<Socket>();
  secret = 's3cret';
  /** Event blocks written to clients — as Asterisk does unless the session turned events off. */
  eventsSent = 0;
  private readonly streams = new Map<Socket, NodeJS.Timeout>();

  /** Asterisk reads `Events:` on Login (main/manager.c), not the `Event:` asterisk-manager sends. */
  private streamEvents(s: Socket, on: boolean): void {
    const t = this.streams.get(s);
    if (t) { clearInterval(t); this.streams.delete(s); }
    if (!on) return;
    this.streams.set(s, setInterval(() => {
      this.eventsSent++;
      s.write(`Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/8001-0000${this.eventsSent}\r\nUniqueid: 1795730150.${this.eventsSent}\r\n\r\n`);
    }, 2));
  }

  async start(): Promise<void> {
    this.server = createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => { this.sockets.delete(s); this.streamEvents(s, false); });
      s.write('Asterisk Call Manager/9.0.0\r\n');
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('utf8');
        let i: number;
        while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 4);
          const a: Record<string, string> = {};
          for (const line of block.split('\r\n')) {
            const k = line.slice(0, line.indexOf(':')).toLowerCase();
            const v = line.slice(line.indexOf(':') + 1).trim();
            a[k] = a[k] ? `${a[k]}|${v}` : v;
          }
          this.actions.push(a);
          s.write(this.answer(a));
          const act = (a.action ?? '').toLowerCase();
          if (act === 'login' && a.secret === this.secret) this.streamEvents(s, (a.events ?? 'on').toLowerCase() !== 'off');
          if (act === 'events') this.streamEvents(s, (a.eventmask ?? 'on').toLowerCase() !== 'off');
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as { port: number }).port;
  }

  private answer(a: Record<string, string>): string {
    const id = `ActionID: ${a.actionid}\r\n`;
    switch ((a.action ?? '').toLowerCase()) {
      case 'login': return a.secret === this.secret
        ? `Response: Success\r\n${id}Message: Authentication accepted\r\n\r\n`
        : `Response: Error\r\n${id}Message: Authentication failed\r\n\r\n`;
      case 'corestatus': return `Response: Success\r\n${id}CoreStartupDate: 2026-11-26\r\nCoreStartupTime: 08:00:00\r\nCoreReloadDate: 2026-11-26\r\nCoreReloadTime: 08:00:00\r\nCoreCurrentCalls: 3\r\n\r\n`;
      case 'events': return `Response: Success\r\n${id}Events: ${(a.eventmask ?? '').toLowerCase() === 'off' ? 'Off' : 'On'}\r\n\r\n`;
      case 'originate': return `Response: Success\r\n${id}Message: Originate successfully queued\r\n\r\n`;
      default: return `Response: Error\r\n${id}Message: Invalid/unknown command\r\n\r\n`;
    }
  }

  dropAll(): void { for (const s of this.sockets) { this.streamEvents(s, false); s.destroy(); } }
  async stop(): Promise<void> { this.dropAll(); await new Promise<void>((r) => this.server.close(() => r())); }
}

const until = async (fn: () => boolean, ms = 3000) => { const end = Date.now() + ms; while (!fn()) { if (Date.now() > end) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 10)); } };

describe('AmiLink with asterisk-manager against a fake AMI server', () => {
  const ami = new FakeAmi();
  beforeAll(() => ami.start());
  afterAll(() => ami.stop());

  it('logs in, reads CoreStatus for /health, originates; reconnects after the socket drops', async () => {
    const link = new AmiLink({ host: '127.0.0.1', port: ami.port, user: 'hotline', secret: 's3cret', log: silentLogger, retryMinMs: 50, statusEveryMs: 0 });
    const states: string[] = [];
    link.on('state', (s: string) => states.push(s));
    link.start();
    await until(() => link.state === 'connected');
    await until(() => link.coreStatus !== null);
    expect(link.coreStatus).toMatchObject({ currentCalls: 3, startupTime: '2026-11-26 08:00:00' });
    const r = await link.originate({ ...BASE, variables: { HOTLINE_FEEDBACK_ID: '42' } });
    expect(r.message).toBe('Originate successfully queued');
    const orig = ami.actions.find((a) => a.action === 'Originate')!;
    expect(orig).toMatchObject({ channel: 'Local/05798123456@hotline-callback', application: 'Stasis', data: 'hotline96365,callback,42', timeout: '45000', variable: 'HOTLINE_FEEDBACK_ID=42' });
    ami.dropAll();
    await until(() => states.includes('down'));
    await until(() => link.state === 'connected');
    expect(ami.actions.filter((a) => a.action === 'login')).toHaveLength(2);
    await link.stop();
  });

  it('logs in with Events: off (the header Asterisk reads) and turns events off again: no event stream', async () => {
    const before = ami.actions.length;
    const link = new AmiLink({ host: '127.0.0.1', port: ami.port, user: 'hotline', secret: 's3cret', log: silentLogger, retryMinMs: 50, statusEveryMs: 0 });
    ami.eventsSent = 0;
    link.start();
    await until(() => link.state === 'connected');
    await until(() => ami.actions.slice(before).some((a) => a.action === 'Events'));
    await new Promise((r) => setTimeout(r, 100));
    const login = ami.actions.slice(before).find((a) => a.action === 'login')!;
    expect(login.events).toBe('off');
    expect(login.event).toBeUndefined();
    expect(ami.actions.slice(before).find((a) => a.action === 'Events')).toMatchObject({ eventmask: 'off' });
    expect(ami.eventsSent).toBe(0);
    await link.stop();
  });

  it('a wrong secret is reported as auth-failed (and an action is refused, not hung)', async () => {
    const link = new AmiLink({ host: '127.0.0.1', port: ami.port, user: 'hotline', secret: 'wrong', log: silentLogger, retryMinMs: 50, retryMaxMs: 60_000, statusEveryMs: 0 });
    link.start();
    await until(() => link.state === 'auth-failed');
    await expect(link.originate(BASE)).rejects.toThrow(/not connected/);
    await link.stop();
  });
});

/** Shared set-up for the SMPP link tests: a simulator and a link with short timers. */
import { memoryLogger } from '../../../src/log.js';
import { SmppLink, type DeliverEvent, type LinkState, type SmppLinkConfig } from '../../../src/sms/link/index.js';
import { SmscSimulator, type SmscSimulatorOptions } from '../../../src/sim/smsc/index.js';

export interface Rig {
  sim: SmscSimulator;
  link: SmppLink;
  log: ReturnType<typeof memoryLogger>;
  delivers: DeliverEvent[];
  states: LinkState[];
  close(): Promise<void>;
}

export const FAST: Partial<SmppLinkConfig> = {
  enquireLinkMs: 200, responseTimeoutMs: 300, reconnectMinMs: 30, reconnectMaxMs: 200, reconnectJitter: 0.2,
  authRetryMs: 300, throttledMs: 150, deliverAckTimeoutMs: 500,
};

/** Start a simulator and a link bound to it. `autoAck` acks every deliver at once. */
export async function rig(opts: {
  sim?: SmscSimulatorOptions; link?: Partial<SmppLinkConfig>; autoAck?: boolean; waitBound?: boolean;
} = {}): Promise<Rig> {
  const sim = new SmscSimulator({ dlrDelayMs: 10, ...opts.sim });
  const { port } = await sim.start();
  const log = memoryLogger();
  const link = new SmppLink({
    host: '127.0.0.1', port, systemId: sim.options.systemId, password: sim.options.password,
    systemType: 'HOTLINE', ...FAST, ...opts.link, logger: log,
  });
  const delivers: DeliverEvent[] = [];
  const states: LinkState[] = [];
  link.on('state', (s: LinkState) => states.push(s));
  link.on('deliver', (ev: DeliverEvent) => {
    delivers.push(ev);
    if (opts.autoAck !== false) ev.ack();
  });
  link.start();
  if (opts.waitBound !== false) await waitState(link, 'bound');
  return {
    sim, link, log, delivers, states,
    async close() { await link.stop(); await sim.stop(); },
  };
}

export function waitState(link: SmppLink, want: LinkState | ((s: LinkState) => boolean), timeoutMs = 3000): Promise<void> {
  const ok = typeof want === 'function' ? want : (s: LinkState) => s === want;
  if (ok(link.state)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const on = (s: LinkState) => { if (ok(s)) { clearTimeout(t); link.off('state', on); resolve(); } };
    const t = setTimeout(() => { link.off('state', on); reject(new Error(`link state still ${link.state}`)); }, timeoutMs);
    link.on('state', on);
  });
}

export { until } from '../../helpers/wait.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const ucs2 = (s: string) => { const b = Buffer.from(s, 'utf16le'); b.swap16(); return b; };

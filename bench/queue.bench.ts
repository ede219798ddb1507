/**
 * Call queue (ACD) under load, time compressed: BENCH_CALLERS callers (300) join the queue at once,
 * BENCH_OPERATORS operators (30) answer a ring after a random 2–20 s and talk 20–120 s; wrap-up 0.
 * The ACD (src/voice/calls/acd.ts) runs in this process with the real reducer against a fake ARI
 * that plays the operators' phones (not yet the simulator in its own process: see the note).
 *
 * Figures: callers lost (never reached an operator), FIFO kept (the first ring for each caller came
 * in enqueue order; answers then take 2–20 s each, so bridges need not), event → actions p50/p99 (one reducer step plus its effects, ms), RSS max.
 * Targets (issue 13): 0 lost, FIFO kept, p99 < 10 ms, RSS < 300 MB.
 * Env: BENCH_CALLERS (300), BENCH_OPERATORS (30), BENCH_SCALE (queue seconds per real second, 200).
 */
import { performance } from 'node:perf_hooks';
import { Acd } from '../src/voice/calls/acd.js';
import { EventBus } from '../src/domain/events.js';
import { silentLogger } from '../src/log.js';
import { DEFAULT_QUEUE_CONFIG } from '../src/voice/queue/types.js';
import type { OriginateOptions, AriEventJson } from '../src/voice/ari/types.js';
import type { CallSession } from '../src/voice/calls/session.js';

const CALLERS = Number(process.env.BENCH_CALLERS ?? 300);
const OPERATORS = Number(process.env.BENCH_OPERATORS ?? 30);
const SCALE = Number(process.env.BENCH_SCALE ?? 200);
const t0 = Date.now();
const now = () => t0 + (Date.now() - t0) * SCALE;
const later = (queueMs: number, fn: () => void) => setTimeout(fn, Math.max(1, queueMs / SCALE));
const rand = (a: number, b: number) => a + Math.random() * (b - a);

/** Callers in the order an operator was first rung for them (FIFO: the enqueue order). */
const firstRung: string[] = [];
const rung = new Set<string>();
const legOfBridge = new Map<string, string>();
/** The ACD, once built (the fake ARI below sends it events). */
const live: { acd: Acd | null } = { acd: null };
const send = (ev: AriEventJson) => live.acd?.onEvent(ev);

const ari = {
  async originate(o: OriginateOptions) {
    const id = o.channelId!;
    const key = o.variables?.HOTLINE_QUEUE_KEY ?? '';
    if (!rung.has(key)) { rung.add(key); firstRung.push(key); }
    later(rand(2000, 20000), () => send({ type: 'StasisStart', channel: { id }, args: o.appArgs } as AriEventJson));
    return { id } as never;
  },
  async hangup(id: string) { later(10, () => send({ type: 'ChannelDestroyed', channel: { id }, cause: 16 } as AriEventJson)); },
  async createBridge() {},
  async addToBridge(bridgeId: string, ids: string[]) {
    const [caller, op] = ids;
    void caller;
    legOfBridge.set(bridgeId, op);
    // The operator talks, then hangs up.
    later(rand(20000, 120000), () => send({ type: 'ChannelDestroyed', channel: { id: op }, cause: 16 } as AriEventJson));
  },
  async destroyBridge() {}, async startMoh() {}, async stopMoh() {}, async play() {}, async stopPlayback() {},
};

const seats = Array.from({ length: OPERATORS }, (_, i) => ({ userId: i + 1, username: `op${i + 1}`, displayName: null, endpoint: `PJSIP/${8001 + i}`, seatState: 'ready' as const, seatStateAt: null }));
const store = {
  seats: async () => seats, seat: async (id: number) => seats[id - 1], setSeatState: async () => true, enqueue: async () => undefined, dequeue: async () => true,
  request: async () => { throw new Error('no call-backs in this bench'); }, openCallbacks: async () => [], recordAttempt: async () => undefined, finish: async () => true, takeOwnedBy: async () => [], markDialing: async () => true,
};
const latencies: number[] = [];
class TimedAcd extends Acd {
  override feed(ev: Parameters<Acd['feed']>[0]): void {
    const a = performance.now();
    super.feed(ev);
    latencies.push(performance.now() - a);
  }
}
const acd = new TimedAcd({
  ari, store: store as never, bus: new EventBus(), app: 'hotline', log: silentLogger, now, timeScale: SCALE, speak: async () => [],
  config: { ...DEFAULT_QUEUE_CONFIG, wrapUpSec: 0, callbackOfferAfterSec: 0, quietStart: '00:00', quietEnd: '00:00' },
});
live.acd = acd;
await acd.start();

let rss = 0;
const rssTimer = setInterval(() => { rss = Math.max(rss, process.memoryUsage().rss); }, 100);
const order: string[] = [];
const results = await Promise.all(Array.from({ length: CALLERS }, (_, i) => {
  const id = `caller-${String(i).padStart(4, '0')}`;
  order.push(id);
  return acd.enqueue({ id, caller: `86139${String(i).padStart(8, '0')}`, flowId: 'main' } as unknown as CallSession, { priority: 'normal' });
}));
clearInterval(rssTimer);
acd.stop();
rss = Math.max(rss, process.memoryUsage().rss);

const answered = results.filter((r) => r.status === 'answered').length;
const fifo = firstRung.length === CALLERS && firstRung.every((id, i) => id === order[i]);
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(JSON.stringify({
  callers: CALLERS, operators: OPERATORS, scale: SCALE, lost: CALLERS - answered, fifoKept: fifo, events: latencies.length,
  eventToActionsMs: { p50: +pct(50).toFixed(3), p99: +pct(99).toFixed(3), max: +pct(100).toFixed(3) },
  rssMaxMb: Math.round(rss / 1e6), wallSec: Math.round((Date.now() - t0) / 100) / 10,
}, null, 2));
process.exit(0);

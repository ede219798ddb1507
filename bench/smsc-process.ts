/**
 * The SMSC simulator in its own process, for benchmarks: the server under test and the SMSC must not
 * share one event loop (and, on a 2-core machine, one core), or the figure measures both.
 *
 * Parent side: `startSmscProcess(options)` forks this file (with tsx) and talks to it over IPC.
 * Child side (this file run directly): starts an SmscSimulator with the options received, answers
 * `counts`, runs an MO load (`moLoad`: inject MOs at a rate from distinct numbers and time each one
 * until the first submit_sm to that number arrives) and stops on `stop` or when the parent goes away.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SmscSimulator, handsetKey, type SmscSimulatorOptions } from '../src/sim/smsc/index.js';

export interface MoLoadRequest {
  /** MOs per second. */
  rate: number;
  seconds: number;
  /** Text of each MO (the same for all), or texts picked round-robin. */
  texts: string[];
  to: string;
  /** First phone number (numeric string, incremented per MO so every MO has its own sender). */
  firstPhone: string;
  /** How long to wait for the last replies after the load ends. */
  drainMs?: number;
}

export interface MoLoadResult {
  injected: number;
  acked: number;
  replied: number;
  /** inject → first reply submit_sm arrived at the SMSC, ms, one per replied MO. */
  latencies: number[];
  /** inject → deliver_sm_resp, ms. */
  ackLatencies: number[];
  /** Achieved injection rate. */
  achievedRate: number;
  /** The first segment of a few replies (to check they are the expected answers). */
  samples: Array<{ mo: string; reply: string }>;
}

export type SmscCounts = SmscSimulator['counts'];

type Req =
  | { id: number; cmd: 'start'; options: SmscSimulatorOptions; port?: number }
  | { id: number; cmd: 'counts' }
  | { id: number; cmd: 'moLoad'; load: MoLoadRequest }
  | { id: number; cmd: 'stop' };

/** A request without its id (distributes over the union). */
type ReqBody = Req extends infer R ? (R extends Req ? Omit<R, 'id'> : never) : never;

export interface SmscProcess {
  port: number;
  child: ChildProcess;
  counts(): Promise<SmscCounts>;
  moLoad(load: MoLoadRequest): Promise<MoLoadResult>;
  stop(): Promise<void>;
}

/** Fork the simulator process and start the simulator on 127.0.0.1 (port 0 = ephemeral). */
export async function startSmscProcess(options: SmscSimulatorOptions, port = 0): Promise<SmscProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  child.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.value); else w.reject(new Error(m.error));
  });
  child.once('exit', (code) => { for (const w of waiting.values()) w.reject(new Error(`SMSC process exited (${code})`)); waiting.clear(); });
  const call = <T>(req: ReqBody): Promise<T> => new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    child.send({ ...req, id });
  });
  const started = await call<{ port: number }>({ cmd: 'start', options, port });
  return {
    port: started.port, child,
    counts: () => call<SmscCounts>({ cmd: 'counts' }),
    moLoad: (load) => call<MoLoadResult>({ cmd: 'moLoad', load }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await call({ cmd: 'stop' }).catch(() => undefined);
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      await exited;
    },
  };
}

// ---------------------------------------------------------------- child side

async function runMoLoad(sim: SmscSimulator, load: MoLoadRequest): Promise<MoLoadResult> {
  const injectedAt = new Map<string, number>();
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  const samples: MoLoadResult['samples'] = [];
  const sentText = new Map<string, string>();
  const onSubmit = (rec: { destination: string; msisdn: string | null; text: string }) => {
    const key = rec.msisdn ?? rec.destination; // the handset, whatever address form reached it
    const t0 = injectedAt.get(key);
    if (t0 === undefined) return;
    injectedAt.delete(key); // first segment of the reply only
    latencies.push(performance.now() - t0);
    if (samples.length < 3) samples.push({ mo: sentText.get(key) ?? '', reply: rec.text });
  };
  sim.on('submit', onSubmit);
  const total = Math.round(load.rate * load.seconds);
  let injected = 0;
  let acked = 0;
  let phone = BigInt(load.firstPhone);
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      // Catch up to the schedule (timers are coarse): inject what is due by now.
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * load.rate) + 1);
      while (injected < due) {
        const from = String(phone++);
        const text = load.texts[injected % load.texts.length];
        injected++;
        const t0 = performance.now();
        injectedAt.set(handsetKey(from), t0);
        if (injected <= 3) sentText.set(handsetKey(from), text);
        sim.injectMo({ from, to: load.to, text, timeoutMs: 10_000 })
          .then(() => { acked++; ackLatencies.push(performance.now() - t0); })
          .catch(() => { /* counted as not acked */ });
      }
      if (injected >= total) { resolve(); return; }
      setTimeout(tick, 2);
    };
    tick();
  });
  const achievedRate = injected / ((performance.now() - start) / 1000);
  const drainUntil = performance.now() + (load.drainMs ?? 3000);
  while (injectedAt.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  sim.off('submit', onSubmit);
  return { injected, acked, replied: latencies.length, latencies, ackLatencies, achievedRate, samples };
}

if (process.argv.includes('--child') && process.send) {
  let sim: SmscSimulator | null = null;
  const reply = (id: number, value: unknown) => process.send!({ id, ok: true, value });
  const fail = (id: number, e: unknown) => process.send!({ id, ok: false, error: (e as Error).message ?? String(e) });
  process.on('disconnect', () => { void sim?.stop().finally(() => process.exit(0)); });
  process.on('message', (m: Req) => {
    void (async () => {
      try {
        switch (m.cmd) {
          case 'start': {
            sim = new SmscSimulator(m.options);
            const { port } = await sim.start({ host: '127.0.0.1', port: m.port ?? 0 });
            reply(m.id, { port });
            return;
          }
          case 'counts': reply(m.id, { ...sim!.counts }); return;
          case 'moLoad': reply(m.id, await runMoLoad(sim!, m.load)); return;
          case 'stop':
            await sim?.stop();
            reply(m.id, null);
            setTimeout(() => process.exit(0), 10);
            return;
        }
      } catch (e) { fail(m.id, e); }
    })();
  });
}

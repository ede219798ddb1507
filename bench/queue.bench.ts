/**
 * Call queue (ACD) under load, time compressed, with the ARI simulator in its own process (issue 13):
 * BENCH_CALLERS callers (300) dial 96365 within ~3 s, press 0 (人工) and queue; BENCH_OPERATORS
 * operators (30, staff with endpoints PJSIP/8001…, signed in) answer a ring after a random 2–20 s and
 * talk 20–120 s, then hang up; wrap-up 0, no call-back offer, whisper off. The whole server runs in
 * this process on a real SQLite store and talks to the simulator through ari-client over real
 * sockets, exactly as to Asterisk (the simulator fetches the TTS prompts from /media).
 *
 * Figures: callers lost (ended without reaching an operator), FIFO kept (the first ring for each
 * caller came in the order the queue took them in), event → actions inside the server (one reducer
 * step plus its effects; p50/p99), operator answers → both in the bridge as seen by the simulator
 * (both processes and the loopback; ms resolution), server RSS max.
 * Targets: 0 lost, FIFO kept, event → action p99 < 10 ms, RSS < 300 MB.
 * Env: BENCH_CALLERS (300), BENCH_OPERATORS (30), BENCH_SCALE (queue seconds per real second, 50), BENCH_DEBUG=1 (print the events of bridges slower than 500 ms).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const SIM_FLAG = '--ari-sim-child';
const CALLERS = Number(process.env.BENCH_CALLERS ?? 300);
const OPERATORS = Number(process.env.BENCH_OPERATORS ?? 30);
const SCALE = Number(process.env.BENCH_SCALE ?? 50);
/** A Thursday, 10:00 in Shanghai: the operators' office hours (main.yaml operator_hours). */
const THURSDAY_10 = Date.parse('2026-11-26T02:00:00Z');

if (process.argv.includes(SIM_FLAG)) await simChild();
else await main();

// ───────────── the simulator side (child process): Asterisk, the callers and the operators' phones ─────────────

interface RunCmd { type: 'run'; callers: number; endpoints: string[]; menu: string }

async function simChild(): Promise<void> {
  const { AriSimulator } = await import('../src/sim/ari/index.js');
  const sim = new AriSimulator({ speed: SCALE, hangupGapMs: 5 });
  const { url } = await sim.start({ host: '127.0.0.1', port: 0, username: 'bench', password: 'bench-secret' });
  process.send!({ type: 'ready', url });
  const rand = (a: number, b: number) => a + Math.random() * (b - a);
  process.on('message', async (m: RunCmd | { type: 'stop' }) => {
    if (m.type === 'stop') { await sim.stop(); process.exit(0); }
    if (m.type !== 'run') return;
    await sim.waitForApp('hotline96365', 10_000);
    for (const e of m.endpoints) sim.setEndpoint(e, 'online');
    const firstRung: string[] = [];
    const rung = new Set<string>();
    const answerToBridge: number[] = [];
    const afterArrivals: number[] = [];
    let arrivalsDone = 0;
    // The operators' phones: answer after 2–20 s, talk 20–120 s once in the bridge, then hang up.
    sim.onOriginate((req) => {
      const key = req.variables?.HOTLINE_QUEUE_KEY ?? '';
      if (key && !rung.has(key)) { rung.add(key); firstRung.push(key); }
      const call = req.call;
      void (async () => {
        try {
          const start = await call.waitFor('StasisStart', 120_000);
          const bridged = await call.waitFor('ChannelEnteredBridge', 120_000);
          const ms = Date.parse(bridged.timestamp.replace('+0000', 'Z')) - Date.parse(start.timestamp.replace('+0000', 'Z'));
          answerToBridge.push(ms);
          if (arrivalsDone && Date.parse(start.timestamp.replace('+0000', 'Z')) > arrivalsDone) afterArrivals.push(ms);
          if (process.env.BENCH_DEBUG && ms > 500) {
            const peer = sim.getCall(key);
            console.error('slow bridge', ms, call.events.map((e) => `${e.timestamp.slice(17, 23)} ${e.type}`).join(' | '), '\n caller:', peer?.events.slice(-8).map((e) => `${e.timestamp.slice(17, 23)} ${e.type}`).join(' | '));
          }
          await new Promise((r) => setTimeout(r, rand(20_000, 120_000) / SCALE));
          await call.hangup();
        } catch { /* the ring was cancelled or timed out */ }
      })();
      return { action: 'answer', delayMs: rand(2000, 20_000) / SCALE };
    });
    let lost = 0, reached = 0, pressed = 0;
    const t0 = Date.now();
    const one = async (i: number): Promise<void> => {
      let counted = false;
      // Every caller has pressed 0 (or given up): the arrival burst is over.
      const arrived = (): void => { if (!counted && (counted = true) && ++pressed === m.callers) arrivalsDone = Date.now() + 500; };
      await new Promise((r) => setTimeout(r, i * (3000 / m.callers)));
      const call = sim.startCall({ from: `139${String(i).padStart(8, '0')}` });
      try {
        await call.waitForPlayback(m.menu, 30_000);
        await call.press('0', 0);
        arrived();
        await call.waitFor('ChannelEnteredBridge', 600_000);
        reached++;
        await call.ended;
      } catch (e) {
        arrived();
        lost++;
        if (process.env.BENCH_DEBUG) console.error('lost caller', i, (e as Error).message, call.events.map((x) => `${x.timestamp.slice(17, 23)} ${x.type}`).join(' | '));
        await call.hangup().catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: m.callers }, (_, i) => one(i)));
    process.send!({ type: 'done', lost, reached, seconds: (Date.now() - t0) / 1000, firstRung, answerToBridge, afterArrivals });
  });
}

// ───────────── the server side (this process) ─────────────

async function main(): Promise<void> {
  const { startServer } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config/index.js');
  const { silentLogger } = await import('../src/log.js');
  const { rssMb, summary, tempDataDir } = await import('./lib.js');

  const child = fork(fileURLToPath(import.meta.url), [SIM_FLAG], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: process.env });
  const msg = <T>(type: string) => new Promise<T>((resolve) => { const h = (x: any) => { if (x?.type === type) { child.off('message', h); resolve(x as T); } }; child.on('message', h); });
  const { url } = await msg<{ url: string }>('ready');

  const config = loadConfig({
    env: {
      HOTLINE_DATA_DIR: tempDataDir(), HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'warn', HOTLINE_ARI_URL: url, HOTLINE_ARI_USER: 'bench',
      HOTLINE_ARI_PASSWORD: 'bench-secret', HOTLINE_VOICE_TTS: 'espeak-ng', HOTLINE_ADMIN_DEMO: 'off',
      HOTLINE_QUEUE_WRAP_UP_SEC: '0', HOTLINE_QUEUE_RING_TIMEOUT_SEC: '30', HOTLINE_QUEUE_CALLBACK_OFFER_AFTER_SEC: '0',
      HOTLINE_QUEUE_ANNOUNCE_INTERVAL_SEC: '0', HOTLINE_QUEUE_WHISPER: 'false',
    },
    file: null,
  });
  const offset = THURSDAY_10 - Date.now();
  const server = await startServer(config, {
    log: silentLogger, now: () => new Date(Date.now() + offset),
    voice: { ttsDir: join(tmpdir(), 'hotline-voice-test-tts'), maxCalls: CALLERS * 2, timeScale: SCALE },
  });
  const voice = server.channels.voice!;
  await voice.promptsReady;
  const acd = voice.acd!;
  const store = server.ctx.store;
  const at = server.ctx.now().toISOString();
  const endpoints: string[] = [];
  for (let i = 0; i < OPERATORS; i++) {
    const u = await store.staff.insert({ username: `op${i + 1}`, displayName: `坐席${i + 1}`, role: 'operator', departmentId: null, passwordHash: 'x' }, at);
    const endpoint = `PJSIP/${8001 + i}`;
    endpoints.push(endpoint);
    await store.callQueue.setEndpoint(u.id, endpoint, at);
    await store.callQueue.setSeatState(u.id, 'ready', at);
    server.ctx.bus.emit('seat.changed', { staffId: String(u.id), state: 'ready', source: 'panel', callId: null, at });
  }
  // Warm the position announcements (您前面还有N位…) so the run measures the queue, not first renders.
  const { positionText } = await import('../src/voice/calls/acd-texts.js');
  for (let i = 1; i <= CALLERS; i++) await voice.media!.resolve([{ tts: positionText(i, null) }]);
  const menu = (await voice.media!.resolve([{ prompt: 'main_menu' }])).uris[0];

  // Event → actions inside the server, and the order the queue took the callers in.
  const latencies: number[] = [];
  const enqueued: string[] = [];
  // The queue's choice: the first ring (screen pop) for each caller, in the order the queue made them.
  const offered: string[] = [];
  const seenOffer = new Set<string>();
  server.ctx.bus.on('seat.offer', (o) => { if (o.callId && !seenOffer.has(o.callId)) { seenOffer.add(o.callId); offered.push(o.callId); } });
  const feed = acd.feed.bind(acd);
  acd.feed = (ev) => {
    if (ev.type === 'enqueue') enqueued.push(ev.callId);
    const a = performance.now();
    feed(ev);
    latencies.push(performance.now() - a);
  };
  (globalThis as { gc?: () => void }).gc?.();
  let rssMax = rssMb();
  const rssTimer = setInterval(() => { rssMax = Math.max(rssMax, rssMb()); }, 250);
  console.log(`call queue: ${CALLERS} callers, ${OPERATORS} operators, time ×${SCALE}; ARI simulator in a child process at ${url}`);
  child.send({ type: 'run', callers: CALLERS, endpoints, menu });
  const r = await msg<{ lost: number; reached: number; seconds: number; firstRung: string[]; answerToBridge: number[]; afterArrivals: number[] }>('done');
  clearInterval(rssTimer);
  const fifo = offered.length === enqueued.length && offered.every((k, i) => k === enqueued[i]);
  // Seen by the simulator, originates made one after another may arrive out of order (separate HTTP requests).
  const rung = r.firstRung.filter((k) => !k.startsWith('cb:'));
  const swapped = rung.filter((k, i) => k !== enqueued[i]).length;
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? NaN;
  console.log(summary('event → actions (in the server: reducer step + effects)', latencies));
  console.log(summary('operator answers → in the bridge (seen by the simulator, both processes)', r.answerToBridge));
  console.log(summary('  the same, once every caller has arrived (no arrival burst)', r.afterArrivals));
  console.log(`callers: ${r.reached} reached an operator, ${r.lost} lost; FIFO ${fifo ? 'kept' : `NOT kept (${offered.length} first rings, ${enqueued.length} enqueued)`} (at the simulator ${swapped} of ${rung.length} first rings arrived out of order); ${r.seconds.toFixed(1)} s wall`);
  console.log(`server RSS max ${rssMax.toFixed(0)} MB`);
  console.log(`targets: lost ${r.lost === 0 ? 'OK' : 'MISSED'} · FIFO ${fifo ? 'OK' : 'MISSED'} · p99 ${p99.toFixed(2)} ms ${p99 < 10 ? 'OK' : 'MISSED'} (< 10 ms) · RSS ${rssMax < 300 ? 'OK' : 'MISSED'} (< 300 MB)`);
  await server.stop();
  child.send({ type: 'stop' });
  process.exit(0);
}

/**
 * Voice concurrency: N concurrent simulated callers (default 500) through the status-query flow
 * (welcome → menu 1 → 12-digit code # → status read-back → status menu → hang up), against the whole
 * server in this process, with the ARI simulator in a child process (so the server's RSS and CPU
 * are its own). The server talks to the simulator through ari-client over real sockets, exactly as
 * to Asterisk; the simulator fetches every TTS prompt from the server's /media route.
 *
 * Figures: ARI event → next ARI request latency measured inside the server (p50/p99/max), calls
 * completed per second at that concurrency, calls stuck (no progress within 60 s), server RSS (max).
 * Targets (issue 4): p99 < 20 ms, none stuck, RSS < 250 MB.
 * Env: BENCH_CONCURRENCY (500), BENCH_CALLS (3 × concurrency), BENCH_SPEED (simulated media speed, 20).
 *
 * BENCH_SCENARIO=asterisk400 (issue 15): 400 concurrent calls, 1,200 per run, twice — on the plain
 * simulator, then with the simulator's realism on (`mediaFetch`: prompts fetched with
 * res_http_media_cache's caching rules; `eventVolume: 'asterisk'`: the extra per-call events) — and
 * the figures side by side: completed/1200, last `#` → next prompt p50/p99 (seen by the simulator;
 * the gather ends at the 12th digit, so '#' mostly lands while the read-back plays and this is largely
 * simulated audio time), the completing key → read-back started p50/p99 (the server's part),
 * ARI event → request p99 (in the server), server CPU % of one core, server RSS max, media requests.
 * BENCH_SIM_REALISM=1 turns the realism on for the single default run.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SIM_FLAG = '--ari-sim-child';

if (process.argv.includes(SIM_FLAG)) {
  await simChild();
} else {
  await main();
}

// ───────────── the simulator side (child process): Asterisk and 500 callers ─────────────

interface RunCmd { type: 'run'; concurrency: number; total: number; codes: string[]; uris: { menu: string; enter: string; statusMenu: string } }

async function simChild(): Promise<void> {
  const { AriSimulator } = await import('../src/sim/ari/index.js');
  const speed = Number(process.env.BENCH_SPEED ?? 20);
  // BENCH_SIM_PARTS (with realism on): 'media' or 'events' for one half only, to tell them apart
  const realism = process.env.BENCH_SIM_REALISM === '1';
  const parts = process.env.BENCH_SIM_PARTS ?? 'media,events';
  const sim = new AriSimulator({
    speed, hangupGapMs: 5,
    ...(realism && parts.includes('media') ? { mediaFetch: true } : {}),
    ...(realism && parts.includes('events') ? { eventVolume: 'asterisk' as const } : {}),
  });
  const { url } = await sim.start({ host: '127.0.0.1', port: 0, username: 'bench', password: 'bench-secret' });
  process.send!({ type: 'ready', url });
  process.on('message', async (m: RunCmd | { type: 'stop' }) => {
    if (m.type === 'stop') { await sim.stop(); process.exit(0); }
    if (m.type !== 'run') return;
    await sim.waitForApp('hotline96365', 10_000);
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    let started = 0, done = 0, stuck = 0;
    const durations: number[] = [];
    const roundTrips: number[] = [];
    const afterHash: number[] = [];
    const afterKey: number[] = [];
    const t0 = Date.now();
    // Callers think a little before pressing (0.1–0.6 s), so calls do not move in lockstep.
    const think = () => new Promise((r) => setTimeout(r, 100 + Math.random() * 500));
    const one = async (i: number): Promise<void> => {
      const call = sim.startCall({ from: `139${String(i).padStart(8, '0')}` });
      const s = Date.now();
      try {
        const T = 60_000;
        await (await call.waitForPlayback(m.uris.menu, T)).finished;
        await think();
        await call.press('1', 0);
        await (await call.waitForPlayback(m.uris.enter, T)).finished;
        await think();
        await call.press(m.codes[i % m.codes.length] + '#', 40);
        await call.waitForPlayback(m.uris.statusMenu, T);
        await call.hangup();
        done++;
        durations.push(Date.now() - s);
        roundTrips.push(...roundTrip(call.events));
        const h = hashToPrompt(call.events);
        if (h !== null) afterHash.push(h);
        const k = keyToPrompt(call.events);
        if (k !== null) afterKey.push(k);
      } catch {
        stuck++;
        await call.hangup().catch(() => undefined);
      }
    };
    // The first calls arrive over ~2 s (not all in the same millisecond), then each ended call is replaced at once.
    const worker = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, Math.random() * 2000));
      while (started < m.total) await one(started++);
    };
    await Promise.all(Array.from({ length: m.concurrency }, worker));
    loop.disable();
    const simLoop = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    process.send!({ type: 'done', done, stuck, seconds: (Date.now() - t0) / 1000, durations, roundTrips, afterHash, afterKey, simLoop, media: sim.mediaFetchStats() });
  });
}

/**
 * Seen from the simulator: event sent (StasisStart, PlaybackFinished, DTMF) → the next playback the
 * app requested starts. Includes both processes' queues and the loopback network; ms resolution.
 */
function roundTrip(events: Array<{ type: string; timestamp: string; playback?: { id?: string } }>): number[] {
  const out: number[] = [];
  const seen = new Set<string>();
  let trigger: number | null = null;
  for (const e of events) {
    if (e.type === 'StasisStart' || e.type === 'PlaybackFinished' || e.type === 'ChannelDtmfReceived') trigger = Date.parse(e.timestamp);
    else if (e.type === 'PlaybackStarted') {
      const id = String(e.playback?.id ?? '');
      if (seen.has(id)) continue; // the next media item of the same playback, not a new request
      seen.add(id);
      if (trigger !== null) out.push(Date.parse(e.timestamp) - trigger);
      trigger = null;
    }
  }
  return out;
}

/** The last `#` (end of the query code) → the next playback started (the status read-back), ms. */
/**
 * The key that completed the query code → the read-back's PlaybackStarted: the last playback start
 * that follows a key press, minus the latest key before it. The gather takes 12 digits (maxDigits),
 * so the 12th digit completes it and '#' usually arrives while the read-back already plays — then
 * "last # → next prompt" is mostly the simulated playing time of the read-back's first part.
 */
function keyToPrompt(events: Array<{ type: string; timestamp: string; digit?: string }>): number | null {
  let key: number | null = null;
  let out: number | null = null;
  for (const e of events) {
    if (e.type === 'ChannelDtmfReceived') key = Date.parse(e.timestamp.replace('+0000', 'Z'));
    else if (e.type === 'PlaybackStarted' && key !== null) { out = Date.parse(e.timestamp.replace('+0000', 'Z')) - key; key = null; }
  }
  return out;
}

function hashToPrompt(events: Array<{ type: string; timestamp: string; digit?: string }>): number | null {
  let hash: number | null = null;
  for (const e of events) {
    if (e.type === 'ChannelDtmfReceived' && e.digit === '#') hash = Date.parse(e.timestamp.replace('+0000', 'Z'));
    else if (e.type === 'PlaybackStarted' && hash !== null) return Date.parse(e.timestamp.replace('+0000', 'Z')) - hash;
  }
  return null;
}

// ───────────── the server side (this process) ─────────────

interface Figures {
  label: string; total: number; done: number; stuck: number; hashP50: number; hashP99: number; keyP50: number; keyP99: number; evReqP99: number;
  cpuPct: number; rssMax: number; seconds: number; media: { gets: number; revalidations: number; notModified: number; hits: number; failures: number; lockWaitMaxMs: number; bytes: number };
}

async function main(): Promise<void> {
  if (process.env.BENCH_SCENARIO === 'asterisk400') {
    const runs: Figures[] = [];
    const only = process.env.BENCH_ONLY; // 'plain' | 'realistic'
    if (only !== 'realistic') runs.push(await runOnce({ label: 'plain simulator', concurrency: 400, total: 1200, realism: false }));
    if (only !== 'plain') runs.push(await runOnce({ label: `simulator + ${(process.env.BENCH_SIM_PARTS ?? 'media,events').replace('media', 'mediaFetch').replace('events', "eventVolume 'asterisk'").replace(',', ' + ')}`, concurrency: 400, total: 1200, realism: true }));
    console.log('\n=== 400 concurrent status-query calls, 1,200 per run (figures taken on a shared 2-core machine: indicative) ===');
    for (const f of runs) {
      console.log(`${f.label.padEnd(48)} completed ${f.done}/${f.total} · last # → next prompt p50 ${f.hashP50} ms p99 ${f.hashP99} ms · completing key → read-back p50 ${f.keyP50} ms p99 ${f.keyP99} ms · event→request p99 ${f.evReqP99.toFixed(2)} ms · app CPU ${f.cpuPct.toFixed(0)} % of a core · RSS max ${f.rssMax.toFixed(0)} MB · ${f.seconds.toFixed(1)} s`);
      console.log(`${''.padEnd(48)} media: ${f.media.gets} GET, ${f.media.revalidations} HEAD revalidations (${f.media.notModified} × 304), ${f.media.hits} cache hits, ${f.media.failures} failed, ${(f.media.bytes / 1048576).toFixed(1)} MB, cache-lock wait max ${f.media.lockWaitMaxMs.toFixed(0)} ms`);
    }
    return;
  }
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 500);
  await runOnce({ label: process.env.BENCH_SIM_REALISM === '1' ? 'realistic simulator' : 'plain simulator', concurrency, total: Number(process.env.BENCH_CALLS ?? concurrency * 3), realism: process.env.BENCH_SIM_REALISM === '1' });
}

async function runOnce(o: { label: string; concurrency: number; total: number; realism: boolean }): Promise<Figures> {
  const { startServer } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config/index.js');
  const { silentLogger } = await import('../src/log.js');
  const { addDepartment } = await import('../src/departments.js');
  const { percentile, rssMb, summary, tempDataDir } = await import('./lib.js');
  type VoiceChannel = import('../src/voice/channel.js').VoiceChannel;

  const { concurrency, total } = o;
  const child = fork(fileURLToPath(import.meta.url), [SIM_FLAG], {
    execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_SIM_REALISM: o.realism ? '1' : '0' },
  });
  const msg = <T>(type: string) => new Promise<T>((resolve) => { const h = (m: any) => { if (m?.type === type) { child.off('message', h); resolve(m as T); } }; child.on('message', h); });
  const { url } = await msg<{ url: string }>('ready');

  const dir = tempDataDir();
  const config = loadConfig({
    env: {
      HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'warn', HOTLINE_ARI_URL: url, HOTLINE_ARI_USER: 'bench',
      HOTLINE_ARI_PASSWORD: 'bench-secret', HOTLINE_VOICE_TTS: 'espeak-ng', HOTLINE_ADMIN_DEMO: 'off',
    },
    file: null,
  });
  const server = await startServer(config, {
    log: silentLogger,
    voice: { ttsDir: join(tmpdir(), 'hotline-voice-test-tts'), maxCalls: concurrency * 2 },
  });
  const voice: VoiceChannel = server.channels.voice!;
  const dept = (await addDepartment(server.ctx.store, 'BENCH', '市市场监督管理局')).department;
  const codes: string[] = [];
  for (let i = 0; i < 200; i++) {
    codes.push((await server.ctx.declarations.upsert(dept, `B-${i}`, { itemName: `食品经营许可证新办（${i % 10}）`, acceptedAt: '2026-11-18T01:00:00Z', dueAt: '2026-12-31T09:00:00Z' })).declaration.queryCode);
  }
  await voice.promptsReady;
  // Warm the TTS cache for the item names so the run measures calls, not first renders.
  for (let i = 0; i < 10; i++) await voice.media!.resolve([{ tts: `食品经营许可证新办（${i}）` }, { tts: '市市场监督管理局' }, { tts: '已受理' }]);
  const uri = async (prompt: string) => (await voice.media!.resolve([{ prompt }])).uris[0];
  const uris = { menu: await uri('main_menu'), enter: await uri('enter_query_code'), statusMenu: await uri('status_menu') };

  voice.manager!.latency.reset();
  (globalThis as { gc?: () => void }).gc?.();
  const rssIdle = rssMb();
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let rssMax = rssMb();
  const rssTimer = setInterval(() => { rssMax = Math.max(rssMax, rssMb()); }, 250);
  let peakCalls = 0;
  const peakTimer = setInterval(() => { peakCalls = Math.max(peakCalls, voice.manager!.activeCount); }, 100);
  console.log(`voice concurrency (${o.label}): ${total} calls, ${concurrency} at once, simulated media ×${process.env.BENCH_SPEED ?? 20}; ARI simulator in a child process at ${url}`);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  child.send({ type: 'run', concurrency, total, codes, uris });
  const r = await msg<{ done: number; stuck: number; seconds: number; durations: number[]; roundTrips: number[]; afterHash: number[]; afterKey: number[]; simLoop: { p50: number; p99: number; max: number }; media: Figures['media'] }>('done');
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100;
  // Every session must drain (StasisEnd seen, effects settled).
  const drainUntil = Date.now() + 10_000;
  while (voice.manager!.activeCount > 0 && Date.now() < drainUntil) await new Promise((res) => setTimeout(res, 50));
  clearInterval(rssTimer);
  clearInterval(peakTimer);
  loop.disable();

  const lat = voice.manager!.latency.samples();
  const d = [...r.durations].sort((a, b) => a - b);
  console.log(summary('ARI event → next REST request (in server)', lat));
  console.log(summary('event sent → requested playback started (seen by the simulator, both processes)', r.roundTrips));
  console.log(`event-loop delay: server p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms max ${(loop.max / 1e6).toFixed(1)} ms · simulator+callers p50 ${r.simLoop.p50.toFixed(1)} ms p99 ${r.simLoop.p99.toFixed(1)} ms max ${r.simLoop.max.toFixed(1)} ms`);
  const hs = [...r.afterHash].sort((a, b) => a - b);
  console.log(summary('last # → next prompt started (seen by the simulator)', r.afterHash));
  const ks = [...r.afterKey].sort((a, b) => a - b);
  console.log(summary('completing key → read-back started (seen by the simulator)', r.afterKey));
  const sl = voice.link?.eventSlices;
  if (sl) console.log(`ARI event slices: ${sl.yields} yields, longest queue wait ${sl.maxWaitMs.toFixed(1)} ms, longest slice ${sl.maxSliceMs.toFixed(1)} ms`);
  console.log(`server CPU ${cpuPct.toFixed(1)} % of one core during the run; media ${JSON.stringify(r.media)}`);
  console.log(`calls: ${r.done} completed, ${r.stuck} stuck, ${voice.manager!.activeCount} sessions left; peak concurrent ${peakCalls}`);
  console.log(`throughput: ${(r.done / r.seconds).toFixed(1)} calls/s over ${r.seconds.toFixed(1)} s; call duration p50 ${percentile(d, 50)} ms p99 ${percentile(d, 99)} ms`);
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  console.log(`server RSS idle ${rssIdle.toFixed(0)} MB, max ${rssMax.toFixed(0)} MB (target < 250 MB); after the run: RSS ${(mem.rss / 1048576).toFixed(0)} MB, heap used ${(mem.heapUsed / 1048576).toFixed(0)} MB`);
  const p99 = percentile([...lat].sort((a, b) => a - b), 99);
  console.log(`targets: p99 ${p99.toFixed(2)} ms ${p99 < 20 ? 'OK' : 'MISSED'} (< 20 ms) · stuck ${r.stuck} ${r.stuck === 0 ? 'OK' : 'MISSED'} · RSS ${rssMax < 250 ? 'OK' : 'MISSED'}`);

  await server.stop();
  child.send({ type: 'stop' });
  await new Promise((res) => child.once('exit', res));
  return {
    label: o.label, total, done: r.done, stuck: r.stuck, hashP50: percentile(hs, 50), hashP99: percentile(hs, 99), keyP50: percentile(ks, 50), keyP99: percentile(ks, 99), evReqP99: p99,
    cpuPct, rssMax, seconds: r.seconds, media: r.media,
  };
}

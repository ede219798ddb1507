/**
 * One data directory → one running server; one Stasis app → one owner; a clean process on signals.
 *  - a second server on the same data directory is refused before it opens the store or connects to
 *    ARI/SMPP, naming the running one (pid, port), and the first one's live call is untouched;
 *  - the HTTP port is bound before ARI and SMPP are contacted (a port in use stops start-up first);
 *  - when another WebSocket takes the Stasis app over, /health says so; when the app is free again
 *    the server registers it again and takes calls;
 *  - `node bin/hotline.js start` runs the server in its own process and shuts down in order on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.js';
import { silentLogger } from '../../src/log.js';
import { AriSimulator } from '../../src/sim/ari/index.js';
import { InstanceLock } from '../../src/store/lock.js';
import { SIMULATOR_ARI_PASSWORD } from '../../src/voice/channel.js';
import { tempDir, testConfig } from '../helpers/context.js';
import { until } from '../helpers/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => { for (const c of cleanups.reverse()) await c(); });

const APP = 'hotline96365';

async function voiceServer(dir: string, sim: AriSimulator, appCheckMs?: number): Promise<RunningServer> {
  const s = await startServer(testConfig({ HOTLINE_VOICE_TTS: 'none' }, dir), {
    log: silentLogger, voice: { simulator: sim, timeScale: 20, renderPrompts: false, ...(appCheckMs ? { appCheckMs } : {}) },
  });
  cleanups.push(() => s.stop());
  return s;
}

/** A TCP listener that only counts who connects (stands in for Asterisk / an SMSC that must not be contacted). */
async function countingPeer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const srv: Server = createServer((sock) => { n++; sock.destroy(); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const a = srv.address();
  return { port: typeof a === 'object' && a ? a.port : 0, connections: () => n, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('one data directory, one server', () => {
  it('a second server on the same data directory is refused before it connects anywhere; the first one\'s live call is untouched', async () => {
    const dir = tempDir();
    const sim = new AriSimulator({ speed: 100 });
    await sim.start({ username: 'hotline', password: SIMULATOR_ARI_PASSWORD });
    cleanups.push(() => sim.stop());
    const first = await voiceServer(dir, sim);
    const call = sim.startCall({ from: '13800001111' });
    await until(() => first.channels.voice!.manager!.sessions.has(call.id), 5000, 'the first server took the call');
    await first.channels.voice!.callLog!.recentCalls(1); // flushes the call row

    const ari = await countingPeer();
    const smsc = await countingPeer();
    cleanups.push(() => ari.close(), () => smsc.close());
    const port = Number(new URL(first.url).port);
    const err = await startServer(testConfig({
      HOTLINE_VOICE_TTS: 'none', HOTLINE_ARI_URL: `http://127.0.0.1:${ari.port}`, HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(smsc.port),
    }, dir), { log: silentLogger }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`another hotline server is running on data directory .*\\(pid ${process.pid}, http port ${port}, started `));
    expect(err?.message).toMatch(/另一个 hotline 服务正在使用数据目录/);
    expect(ari.connections()).toBe(0);
    expect(smsc.connections()).toBe(0);
    // The first server still owns the app and the call; its call row is not marked lost.
    expect(sim.connectedApps()).toEqual([APP]);
    expect(call.isEnded).toBe(false);
    const row = (await first.ctx.store.calls.byId(call.id))!;
    expect(row).toMatchObject({ endedAt: null, owner: first.ctx.instance });
    await call.hangup();
  });

  it('the HTTP port is bound before ARI or SMPP are contacted: a port in use stops start-up first', async () => {
    const busy = await countingPeer();
    const ari = await countingPeer();
    const smsc = await countingPeer();
    cleanups.push(() => busy.close(), () => ari.close(), () => smsc.close());
    const dir = tempDir();
    const err = await startServer(testConfig({
      HOTLINE_HTTP_PORT: String(busy.port), HOTLINE_VOICE_TTS: 'none',
      HOTLINE_ARI_URL: `http://127.0.0.1:${ari.port}`, HOTLINE_SMPP_HOST: '127.0.0.1', HOTLINE_SMPP_PORT: String(smsc.port),
    }, dir), { log: silentLogger }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/EADDRINUSE/);
    expect(ari.connections()).toBe(0);
    expect(smsc.connections()).toBe(0);
    // Start-up failed cleanly: the data directory is free again.
    InstanceLock.acquire(dir, 'probe').release();
  });

  it('calls left open by a server that is gone are closed at start; calls of a live instance never', async () => {
    const dir = tempDir();
    const s = await startServer(testConfig({}, dir), { log: silentLogger, voice: false });
    const repo = s.ctx.store.calls;
    const row = (callId: string, owner: string | null) => ({
      callId, direction: 'inbound' as const, flowId: 'main', caller: '13800001111', called: '96365', startedAt: new Date().toISOString(),
      answeredAt: null, endedAt: null, durationSec: null, outcome: null, outcomes: null, endReason: null, lastNode: null, path: null,
      feedbackRef: null, recovered: false, owner,
    });
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    const host = s.ctx.instance.split('/')[0];
    await repo.write({ calls: [row('old', null), row('dead', `${host}/${dead.pid}/x`), row('live', `${host}/${process.ppid}/x`)], steps: [], counters: [] });
    await s.stop();
    const s2 = await startServer(testConfig({ HOTLINE_VOICE_TTS: 'none' }, dir), { log: silentLogger, voice: { simulator: null, renderPrompts: false } });
    cleanups.push(() => s2.stop());
    const r2 = s2.ctx.store.calls;
    expect((await r2.byId('old'))?.endReason).toBe('lost');
    expect((await r2.byId('dead'))?.endReason).toBe('lost');
    expect(await r2.byId('live')).toMatchObject({ endedAt: null, endReason: null });
  });
});

describe('one owner of the Stasis app', () => {
  it('another WebSocket takes the app over: /health says so; once the app is free the server registers again and takes calls', async () => {
    const dir = tempDir();
    const sim = new AriSimulator({ speed: 100 });
    await sim.start({ username: 'hotline', password: SIMULATOR_ARI_PASSWORD });
    cleanups.push(() => sim.stop());
    const s = await voiceServer(dir, sim, 100);
    const health = async () => (await (await fetch(`${s.url}/health`)).json()) as { ok: boolean; components: Record<string, { ok: boolean; state: string; detail?: Record<string, unknown> }> };
    expect((await health()).components.ari).toMatchObject({ ok: true, state: 'connected' });

    // A second process (here a bare WebSocket) connects with the same app name.
    const intruder = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=${APP}&api_key=hotline:${SIMULATOR_ARI_PASSWORD}`);
    await new Promise((r, j) => { intruder.once('open', r); intruder.once('error', j); });
    await until(() => s.channels.voice!.link!.state === 'replaced', 5000, 'the link notices the takeover');
    const h1 = await health();
    expect(h1.ok).toBe(false);
    expect(h1.components.ari).toMatchObject({ ok: false, state: 'replaced', detail: { appRegistered: false } });
    // While the other one owns the app, the server does not fight for it.
    await new Promise((r) => setTimeout(r, 350));
    expect(s.channels.voice!.link!.state).toBe('replaced');

    // The other process goes away: Asterisk drops the app (no channels left) → 404 → the server re-registers.
    intruder.close();
    await until(() => s.channels.voice!.link!.state === 'connected', 10_000, 'the link re-registers the app');
    await sim.waitForApp(APP);
    expect((await health()).components.ari).toMatchObject({ ok: true, state: 'connected', detail: { appRegistered: true } });
    const call = sim.startCall({ from: '13800002222' });
    await until(() => s.channels.voice!.manager!.sessions.has(call.id), 5000, 'the new call reaches the server');
    await call.hangup();
  });
});

/** `node bin/hotline.js start` on a fresh data dir, as an operator would run it; its log and exit code. */
function startHotlineBin() {
  const dir = tempDir();
  const env = {
    ...process.env, HOTLINE_DATA_DIR: dir, HOTLINE_HTTP_PORT: '0', HOTLINE_LOG_LEVEL: 'info', HOTLINE_ADMIN_DEMO: 'off', HOTLINE_VOICE_TTS: 'none',
    HOTLINE_ARI_URL: '', HOTLINE_SMPP_HOST: '',
  };
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'hotline.js'), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const out = { dir, child, log: '', exited: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
  child.stdout!.on('data', (d: Buffer) => { out.log += d; });
  child.stderr!.on('data', (d: Buffer) => { out.log += d; });
  return out;
}

/** The exit code, or a failure naming how long it took and the server's last log lines (a hung shutdown says where). */
async function exitCode(run: ReturnType<typeof startHotlineBin>, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const t0 = Date.now();
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no exit ${ms} ms after the signal; log: ${run.log.slice(-1500)}`)), ms); });
  try { return await Promise.race([run.exited, late]); } finally { clearTimeout(timer); if (Date.now() - t0 > 5000) console.warn(`hotline took ${Date.now() - t0} ms to exit; log: ${run.log.slice(-1500)}`); }
}

describe('process hygiene', () => {
  it('`node bin/hotline.js start` is the server itself (no child) and SIGTERM shuts it down in order, lock released', async () => {
    const run = startHotlineBin();
    const { dir, child } = run;
    const t0 = Date.now();
    await until(() => /listening on http:\/\/\S+/.test(run.log) && /ARI 已连接|ARI connected/.test(run.log), 45_000, 'the server is up').catch((e: Error) => { throw new Error(`${e.message}; log: ${run.log.slice(-1500)}`); });
    if (Date.now() - t0 > 10_000) console.warn(`hotline took ${Date.now() - t0} ms to start; log: ${run.log.slice(-1500)}`);
    // The lock is held by the spawned process itself: there is no wrapper process in between.
    const holder = JSON.parse(readFileSync(join(dir, 'server.pid'), 'utf8')) as { pid: number; port: number };
    expect(holder.pid).toBe(child.pid);
    expect(holder.port).toBeGreaterThan(0);
    const kids = existsSync(`/proc/${child.pid}/task/${child.pid}/children`) ? readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim() : '';
    expect(kids).toBe('');

    child.kill('SIGTERM');
    expect(await exitCode(run, 30_000)).toBe(0);
    expect(run.log).toMatch(/SIGTERM: 正在停止 \/ shutting down/);
    expect(run.log).toMatch(/已停止 \/ stopped: HTTP closed, calls ended, SMPP unbound, ARI left, store closed, data directory unlocked/);
    expect(existsSync(`/proc/${child.pid}`)).toBe(false);
    expect(existsSync(join(dir, 'server.pid'))).toBe(false);
    InstanceLock.acquire(dir, 'probe').release(); // the data directory is free
  }, 90_000);

  it('SIGTERM during start-up is held: the server finishes starting, then stops in order (exit 0, lock released)', async () => {
    const run = startHotlineBin();
    const { dir, child, exited } = run;
    await until(() => run.log.length > 0, 60_000, 'the first log line of start-up');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(run.log).toMatch(/已停止 \/ stopped/);
    expect(existsSync(join(dir, 'server.pid'))).toBe(false);
  }, 90_000);
});

/** Voice end-to-end helpers: the whole server with the voice channel on the ARI simulator (real sockets, ari-client). */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/app.js';
import { addDepartment } from '../../../src/departments.js';
import { silentLogger } from '../../../src/log.js';
import { AriSimulator, type SimCall, type SimPlayback } from '../../../src/sim/ari/index.js';
import type { VoiceChannel, VoiceChannelOptions } from '../../../src/voice/channel.js';
import { testConfig } from '../../helpers/context.js';
import { until as waitUntil } from '../../helpers/wait.js';
import type { Department } from '../../../src/domain/types.js';

/** Simulated media runs 100× real time; engine timers 20× (menus wait 300 ms, inter-digit 250 ms). */
export const SPEED = 100;
export const TIME_SCALE = 20;
/** Rendered prompts are shared by the voice tests (same engine, same text → same file). */
export const SHARED_TTS_DIR = join(tmpdir(), 'hotline-voice-test-tts');
/** Thursday 2026-11-26 10:00 in Shanghai: office hours are open. */
export const THURSDAY_10 = Date.parse('2026-11-26T02:00:00Z');

export interface VoiceTestServer {
  server: RunningServer;
  voice: VoiceChannel;
  sim: AriSimulator;
  dept: Department;
  stop(): Promise<void>;
}

export async function startVoiceServer(env: Record<string, string> = {}, o: { clockAt?: number; voice?: Omit<VoiceChannelOptions, 'simulator' | 'testPhone'> } = {}): Promise<VoiceTestServer> {
  const sim = new AriSimulator({ speed: SPEED, hangupGapMs: 5 });
  const offset = o.clockAt !== undefined ? o.clockAt - Date.now() : 0;
  const server = await startServer(testConfig({
    HOTLINE_VOICE_TTS: 'espeak-ng', HOTLINE_VOICE_TRANSFER_TIMEOUT_SEC: '5',
    HOTLINE_SMS_QUIET_START: '00:00', HOTLINE_SMS_QUIET_END: '00:00', HOTLINE_SMPP_TPS: '0', ...env,
  }), {
    log: silentLogger,
    now: offset ? () => new Date(Date.now() + offset) : undefined,
    voice: { simulator: sim, timeScale: TIME_SCALE, ttsDir: SHARED_TTS_DIR, ...o.voice },
  });
  const voice = server.channels.voice!;
  const dept = (await addDepartment(server.ctx.store, 'SCJG', '市市场监督管理局')).department;
  await voice.promptsReady;
  return {
    server, voice, sim, dept,
    async stop() { await server.stop(); await sim.stop(); },
  };
}

/** Captions (prompt texts) of what the caller heard, in order. */
export function captions(v: VoiceChannel, call: SimCall): string[] {
  return call.promptsHeard.map((uri) => v.media?.describe(uri)?.caption ?? uri);
}

/** Wait for the next playback containing the prompt with this catalogue name. */
export function waitPrompt(v: VoiceChannel, call: SimCall, name: string, timeoutMs = 5000): Promise<SimPlayback> {
  return call.waitForPlayback((p) => p.media.some((m) => v.media?.describe(m)?.prompt === name), timeoutMs);
}

/** Wait until a playback containing this prompt has finished. */
export async function promptDone(v: VoiceChannel, call: SimCall, name: string, timeoutMs = 5000): Promise<void> {
  const pb = await waitPrompt(v, call, name, timeoutMs);
  await pb.finished;
}

/** test/helpers/wait.ts's until, with the voice tests' longer default timeout (5 s: whole calls on the simulator). */
export function until<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  return waitUntil(fn, timeoutMs, what);
}

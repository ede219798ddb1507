/**
 * The ARI link against the simulator (ari-client over real sockets): connect, REST with Asterisk's
 * status codes, connecting before Asterisk is up, bad event frames, the half-dead socket watchdog.
 */
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AriLink } from '../../../src/voice/ari/index.js';
import { AriSimulator } from '../../../src/sim/ari/index.js';
import { memoryLogger, silentLogger } from '../../../src/log.js';
import type { AriEventJson } from '../../../src/voice/ari/types.js';

const until = async (fn: () => boolean, ms = 5000) => { const end = Date.now() + ms; while (!fn()) { if (Date.now() > end) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 10)); } };

let sim: AriSimulator;
let url: string;
beforeAll(async () => {
  sim = new AriSimulator({ speed: 50 });
  ({ url } = await sim.start({ username: 'u', password: 'p' }));
});
afterAll(() => sim.stop());

describe('AriLink', () => {
  it('connects, receives plain JSON events, and REST errors carry the ARI status', async () => {
    const link = new AriLink({ url, user: 'u', password: 'p', app: 'linktest', log: silentLogger });
    const events: AriEventJson[] = [];
    link.on('event', (e: AriEventJson) => events.push(e));
    expect(await link.start(5000)).toBe(true);
    const call = sim.startCall({ from: '13800000001', app: 'linktest' });
    await until(() => events.some((e) => e.type === 'StasisStart'));
    expect(await link.appChannelIds()).toEqual([call.id]);
    await link.play(call.id, 'pb1', ['sound:hello']);
    await until(() => events.some((e) => e.type === 'PlaybackFinished'));
    await expect(link.stopPlayback('pb1')).rejects.toMatchObject({ status: 404 });
    await expect(link.answer('nope')).rejects.toMatchObject({ status: 404, message: 'Channel not found' });
    await link.record(call.id, { name: 'r1', format: 'wav', maxDurationSeconds: 1, maxSilenceSeconds: 0, beep: false, terminateOn: 'none', ifExists: 'fail' });
    await expect(link.record(call.id, { name: 'r1', format: 'wav', maxDurationSeconds: 1, maxSilenceSeconds: 0, beep: false, terminateOn: 'none', ifExists: 'fail' })).rejects.toMatchObject({ status: 409 });
    await until(() => events.some((e) => e.type === 'RecordingFinished'));
    const wav = await link.downloadRecording('r1');
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    expect(await link.getStoredRecording('none')).toBeNull();
    await link.hangup(call.id);
    await call.ended;
    await link.stop();
    expect(link.state).toBe('stopped');
  });

  it('keeps trying while ARI is unreachable, then connects', async () => {
    const late = new AriSimulator();
    const probe = await late.start({ username: 'u', password: 'p' });
    const port = probe.port;
    await late.stop();
    const link = new AriLink({ url: `http://127.0.0.1:${port}`, user: 'u', password: 'p', app: 'lateapp', log: silentLogger, retryMinMs: 50, retryMaxMs: 100 });
    expect(await link.start(200)).toBe(false);
    expect(['connecting', 'down']).toContain(link.state);
    const again = new AriSimulator();
    await again.start({ port, username: 'u', password: 'p' });
    await until(() => link.state === 'connected');
    await link.stop();
    await again.stop();
  });

  it('a malformed or unknown event frame is dropped and logged, never thrown', () => {
    const log = memoryLogger();
    const link = new AriLink({ url, user: 'u', password: 'p', app: 'x', log });
    const ws = new EventEmitter() as EventEmitter & { terminate(): void; readyState: number };
    ws.on('message', () => { throw new Error('ari-client would have crashed here'); });
    const got: AriEventJson[] = [];
    link.on('event', (e: AriEventJson) => got.push(e));
    (link as unknown as { takeOverMessages(c: unknown): void }).takeOverMessages({ _ws: ws });
    expect(() => ws.emit('message', '{not json')).not.toThrow();
    expect(() => ws.emit('message', '{"no":"type"}')).not.toThrow();
    ws.emit('message', '{"type":"SomethingNew","x":1}');
    expect(got).toEqual([{ type: 'SomethingNew', x: 1 }]);
    expect(link.stats.droppedFrames).toBe(2);
    expect(log.lines.filter((l) => l.includes('unparseable'))).toHaveLength(2);
  });

  it('a socket that stops answering pings is dropped (so ari-client reconnects)', async () => {
    const link = new AriLink({ url, user: 'u', password: 'p', app: 'x', log: silentLogger, pingIntervalMs: 20 });
    let terminated = 0;
    let pings = 0;
    const fake = { _ws: { terminate: () => { terminated++; } }, ping: () => { pings++; } };
    const l = link as unknown as { client: unknown; state: string; startPings(c: unknown): void; pingTimer: NodeJS.Timeout | null };
    l.client = fake;
    l.state = 'connected';
    l.startPings(fake);
    await until(() => terminated === 1, 2000);
    expect(pings).toBeGreaterThanOrEqual(1);
    clearInterval(l.pingTimer!);
  });
});

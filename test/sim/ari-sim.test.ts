/**
 * The ARI simulator, driven the way the app drives Asterisk: the unmodified
 * ari-client for the scripted call and the WebSocket reconnect, plain HTTP +
 * WebSocket for the status-code table and the media/recording semantics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import ari, { type Client, type Channel } from 'ari-client';
import WebSocket from 'ws';

import { AriSimulator, parseWav, pcm16ToWav, synthesizePcm, type AriEvent, type SimCall } from '../../src/sim/ari/index.js';
import { alwaysRevalidate, expirySeconds } from '../../src/sim/ari/media-fetch.js';

const USER = 'hotline';
const PASS = 's3cret';
const SPEED = 50; // a 1.5 s prompt lasts 30 ms
const APP = 'hotline96365';
const RAW_APP = 'rawapp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let sim: AriSimulator;
let base: string;
let client: Client;
let raw: RawApp;
let media: Server;
let mediaBase: string;

/** A minimal ARI app over plain WebSocket + fetch (for precise event/HTTP checks). */
class RawApp {
  events: AriEvent[] = [];
  ws!: WebSocket;
  constructor(readonly app: string, readonly baseUrl?: string) {}
  async connect(): Promise<void> {
    this.ws = new WebSocket(`${(this.baseUrl ?? base).replace('http', 'ws')}/ari/events?app=${this.app}&api_key=${USER}:${PASS}`);
    this.ws.on('message', (m) => this.events.push(JSON.parse(String(m)) as AriEvent));
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
  }
  forChannel(id: string): AriEvent[] {
    return this.events.filter((e) => JSON.stringify(e).includes(id));
  }
  async waitFor(pred: (e: AriEvent) => boolean, timeoutMs = 3000): Promise<AriEvent> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`timeout; last events: ${this.events.slice(-6).map((e) => e.type).join(',')}`);
      await sleep(5);
    }
  }
}

interface Answer {
  status: number;
  json: any;
  body: Buffer;
  type: string | null;
}

async function rest(method: string, path: string, opts: { auth?: string | false; body?: string; type?: string; base?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.auth !== false) headers.authorization = 'Basic ' + Buffer.from(opts.auth ?? `${USER}:${PASS}`).toString('base64');
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch((opts.base ?? base) + path, { method, headers, body: opts.body });
  const body = Buffer.from(await res.arrayBuffer());
  let json: any;
  try {
    json = body.length ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, body, type: res.headers.get('content-type') };
}

/** Start a call into the raw app and wait for its StasisStart. */
async function rawCall(from = '13800138000'): Promise<SimCall> {
  const call = sim.startCall({ from, app: RAW_APP });
  await raw.waitFor((e) => e.type === 'StasisStart' && (e.channel as { id: string }).id === call.id);
  return call;
}

function onceClient(type: string, pred: (e: any) => boolean = () => true): Promise<[any, any]> {
  return new Promise((resolve) => {
    const h = (e: any, inst: any) => {
      if (!pred(e)) return;
      client.removeListener(type as any, h);
      resolve([e, inst]);
    };
    client.on(type as any, h);
  });
}

beforeAll(async () => {
  // A tiny web server for `sound:http://…` media: a 2 s WAV under a short and a long name.
  const wav = pcm16ToWav(synthesizePcm([{ ms: 2000, talking: true }]));
  media = createServer((req, res) => {
    if (req.url?.endsWith('.wav')) {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length });
      res.end(wav);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => media.listen(0, '127.0.0.1', () => r()));
  const addr = media.address();
  mediaBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  sim = new AriSimulator({ hangupGapMs: 5 });
  ({ url: base } = await sim.start({ username: USER, password: PASS, speed: SPEED }));
  client = await ari.connect(base, USER, PASS);
  await client.start(APP);
  raw = new RawApp(RAW_APP);
  await raw.connect();
});

afterAll(async () => {
  client?.stop();
  raw?.ws.close();
  await sim?.stop();
  await new Promise<void>((r) => media.close(() => r()));
});

describe('ari-client against the simulator', () => {
  it('runs a scripted call: StasisStart → answer → play → DTMF → record → hang-up mid-recording', async () => {
    const started = onceClient('StasisStart', (e) => e.application === APP);
    const call = sim.startCall({ from: '13800138000', app: APP });
    const [ev, channel] = (await started) as [any, Channel];
    expect(ev.args).toEqual([]);
    expect(channel.id).toBe(call.id);
    expect(channel.caller.number).toBe('13800138000');
    expect(ev.channel.dialplan).toMatchObject({ exten: '96365', app_name: 'Stasis', app_data: APP });

    await channel.answer();
    const pb = client.Playback();
    const finished = new Promise<any>((r) => pb.once('PlaybackFinished', (e: any) => r(e)));
    const queued = await channel.play({ media: 'sound:hotline-welcome' }, pb);
    expect(queued.state).toBe('queued');
    expect(queued.id).toBe(pb.id);
    expect((await finished).playback.state).toBe('done');

    const dtmf = onceClient('ChannelDtmfReceived');
    await call.press('2');
    const [d] = await dtmf;
    expect(d.digit).toBe('2');
    expect(typeof d.duration_ms).toBe('number');

    const recStarted = onceClient('RecordingStarted');
    const live = await channel.record(
      { name: 'complaint-e2e', format: 'wav', beep: true, terminateOn: '#', maxDurationSeconds: 120 },
      client.LiveRecording('complaint-e2e'),
    );
    expect(live.name).toBe('complaint-e2e');
    expect(live.state).toBe('queued');
    await recStarted;
    await sleep(110); // ≈ 5.5 simulated seconds

    const order: string[] = [];
    const all = (e: any) => {
      if (JSON.stringify(e).includes(call.id)) order.push(e.type);
    };
    client.on('*' as any, all);
    const recFinished = onceClient('RecordingFinished');
    const end = onceClient('StasisEnd');
    await call.hangup();
    await end;
    client.removeListener('*' as any, all);
    expect(order).toEqual(['ChannelHangupRequest', 'RecordingFinished', 'StasisEnd']);
    const [rf] = await recFinished;
    expect(rf.recording.state).toBe('done');
    expect(rf.recording.duration).toBeGreaterThanOrEqual(4);
    expect((order as string[]).includes('ChannelDestroyed')).toBe(false);

    const file = await client.recordings.getStoredFile({ recordingName: 'complaint-e2e' });
    const info = parseWav(file);
    expect(info).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(info!.durationMs / 1000).toBeGreaterThanOrEqual(rf.recording.duration);
    expect(info!.durationMs / 1000).toBeLessThan(rf.recording.duration + 1);
    await expect(client.channels.get({ channelId: call.id })).rejects.toThrow(/Channel not found/);
  });

  it('reconnects after the WebSocket drops and lists the channels still in the app', async () => {
    const started = onceClient('StasisStart', (e) => e.application === APP);
    const call = sim.startCall({ from: '02088886666', app: APP });
    await started;
    const reconnected = new Promise<void>((r) => client.once('WebSocketConnected' as any, () => r()));
    sim.dropWebSockets();
    expect(sim.connectedApps()).not.toContain(APP);
    await reconnected;
    await sim.waitForApp(APP);
    const chans = await client.channels.list();
    expect(chans.map((c) => c.id)).toContain(call.id);
    // events flow again on the new socket
    const dtmf = onceClient('ChannelDtmfReceived', (e) => e.channel.id === call.id);
    await call.press('9');
    expect((await dtmf)[0].digit).toBe('9');
    await call.hangup();
    // the raw app's socket was dropped too: reconnect it for the next tests
    raw = new RawApp(RAW_APP);
    await raw.connect();
  });
});

describe('HTTP answers (as Asterisk 22.9 gives them)', () => {
  let inStasis: SimCall;
  let ringing: SimCall;

  beforeAll(async () => {
    inStasis = await rawCall('13900139000');
    sim.onOriginate(() => ({ action: 'manual' }));
    const r = await rest('POST', `/ari/channels?endpoint=PJSIP/operator&app=${RAW_APP}&timeout=-1`);
    expect(r.status).toBe(200);
    ringing = sim.getCall(r.json.id)!;
    sim.onOriginate(undefined);
    // a live recording named "dup" and a stored one named "kept"
    expect((await rest('POST', `/ari/channels/${inStasis.id}/record?name=dup&format=wav`)).status).toBe(201);
    await raw.waitFor((e) => e.type === 'RecordingStarted' && (e.recording as any).name === 'dup');
  });

  afterAll(async () => {
    await inStasis.hangup();
    await rest('DELETE', `/ari/channels/${ringing.id}`);
  });

  const cases: { label: string; method: string; path: () => string; auth?: false | string; body?: string; status: number; message?: string }[] = [
    { label: 'no credentials', method: 'GET', path: () => '/ari/channels', auth: false, status: 401, message: 'Authentication required' },
    { label: 'bad credentials', method: 'GET', path: () => '/ari/channels', auth: 'hotline:wrong', status: 401, message: 'Authentication required' },
    { label: 'api_key instead of Basic', method: 'GET', path: () => `/ari/asterisk/info?api_key=${USER}:${PASS}`, auth: false, status: 200 },
    { label: 'unknown path', method: 'GET', path: () => '/ari/nothing/here', status: 404, message: 'Resource not found' },
    { label: 'wrong method', method: 'PUT', path: () => '/ari/channels', status: 405, message: 'Invalid method' },
    { label: 'unknown channel', method: 'GET', path: () => '/ari/channels/123.456', status: 404, message: 'Channel not found' },
    { label: 'answer unknown channel', method: 'POST', path: () => '/ari/channels/123.456/answer', status: 404, message: 'Channel not found' },
    { label: 'play on a channel not in Stasis', method: 'POST', path: () => `/ari/channels/${ringing.id}/play?media=sound:x`, status: 409, message: 'Channel not in Stasis application' },
    { label: 'record on a channel not in Stasis', method: 'POST', path: () => `/ari/channels/${ringing.id}/record?name=n1&format=wav`, status: 409, message: 'Channel not in Stasis application' },
    { label: 'play without media', method: 'POST', path: () => `/ari/channels/${inStasis.id}/play`, status: 500, message: 'Failed to queue media for playback' },
    { label: 'record: name in progress even with overwrite', method: 'POST', path: () => `/ari/channels/${inStasis.id}/record?name=dup&format=wav&ifExists=overwrite`, status: 409, message: "Recording 'dup' already exists and can not be overwritten" },
    { label: 'record: unknown format', method: 'POST', path: () => `/ari/channels/${inStasis.id}/record?name=n2&format=mp9`, status: 422, message: 'specified format is unknown on this system' },
    { label: 'record: missing format', method: 'POST', path: () => `/ari/channels/${inStasis.id}/record?name=n2`, status: 422, message: 'specified format is unknown on this system' },
    { label: 'record: missing name', method: 'POST', path: () => `/ari/channels/${inStasis.id}/record?format=wav`, status: 500, message: 'Error parsing request' },
    { label: 'record: bad terminateOn', method: 'POST', path: () => `/ari/channels/${inStasis.id}/record?name=n3&format=wav&terminateOn=x`, status: 400, message: 'terminateOn invalid' },
    { label: 'record: negative max duration', method: 'POST', path: () => `/ari/channels/${inStasis.id}/record?name=n3&format=wav&maxDurationSeconds=-1`, status: 400 },
    { label: 'hangup with a bad reason', method: 'DELETE', path: () => `/ari/channels/${inStasis.id}?reason=banana`, status: 400, message: 'Invalid reason for hangup reason provided' },
    { label: 'dtmf without digits', method: 'POST', path: () => `/ari/channels/${inStasis.id}/dtmf`, status: 400, message: 'DTMF is required' },
    { label: 'dtmf ok', method: 'POST', path: () => `/ari/channels/${inStasis.id}/dtmf?dtmf=12`, status: 204 },
    { label: 'answer ok', method: 'POST', path: () => `/ari/channels/${inStasis.id}/answer`, status: 204 },
    { label: 'unknown stored recording', method: 'GET', path: () => '/ari/recordings/stored/nope', status: 404, message: 'Recording not found' },
    { label: 'unknown stored recording file', method: 'GET', path: () => '/ari/recordings/stored/nope/file', status: 404, message: 'Recording not found' },
    { label: 'stop unknown live recording', method: 'POST', path: () => '/ari/recordings/live/nope/stop', status: 404, message: 'Recording not found' },
    { label: 'unknown playback', method: 'GET', path: () => '/ari/playbacks/nope', status: 404, message: 'Playback not found' },
    { label: 'bad JSON body', method: 'POST', path: () => '/ari/channels', body: '{"endpoint":', status: 400, message: 'Error parsing request body' },
    { label: 'originate without endpoint', method: 'POST', path: () => `/ari/channels?app=${RAW_APP}`, status: 400 },
    { label: 'originate with an id in use', method: 'POST', path: () => `/ari/channels/${inStasis.id}?endpoint=PJSIP/x&app=${RAW_APP}`, status: 409 },
    { label: 'unknown variable', method: 'GET', path: () => `/ari/channels/${inStasis.id}/variable?variable=NOPE`, status: 404 },
    { label: 'variable without name', method: 'GET', path: () => `/ari/channels/${inStasis.id}/variable`, status: 400 },
    { label: 'unknown bridge', method: 'DELETE', path: () => '/ari/bridges/nope', status: 404, message: 'Bridge not found' },
    { label: 'unknown application', method: 'GET', path: () => '/ari/applications/nope', status: 404 },
    { label: 'subscribe to a missing channel', method: 'POST', path: () => `/ari/applications/${RAW_APP}/subscription?eventSource=channel:nope`, status: 422 },
  ];

  it.each(cases)('$label → $status', async (c) => {
    const r = await rest(c.method, c.path(), { auth: c.auth, body: c.body });
    expect(r.status).toBe(c.status);
    if (c.message) expect(r.json).toEqual({ message: c.message });
    if (c.status >= 400) expect(r.type).toMatch(/application\/json/);
  });

  it('keeps a caller-variable round trip and emits ChannelVarset', async () => {
    expect((await rest('POST', `/ari/channels/${inStasis.id}/variable?variable=HOTLINE_NODE&value=menu`)).status).toBe(204);
    expect((await rest('GET', `/ari/channels/${inStasis.id}/variable?variable=HOTLINE_NODE`)).json).toEqual({ value: 'menu' });
    expect((await rest('GET', `/ari/channels/${inStasis.id}/variable?variable=CALLERID(num)`)).json).toEqual({ value: '13900139000' });
    await raw.waitFor((e) => e.type === 'ChannelVarset' && e.variable === 'HOTLINE_NODE');
  });
});

describe('playback semantics', () => {
  it('plays for the simulated length; missing sound fails at once; bogus scheme never finishes', async () => {
    sim.markSoundMissing('does-not-exist');
    sim.setSoundDuration('long-prompt', 100_000);
    const call = await rawCall();
    const r1 = await rest('POST', `/ari/channels/${call.id}/play?media=sound:does-not-exist`);
    expect(r1.status).toBe(201);
    expect(r1.json.state).toBe('queued');
    const f1 = await raw.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === r1.json.id);
    expect((f1.playback as any).state).toBe('failed');

    const r2 = await rest('POST', `/ari/channels/${call.id}/play?media=bogus:thing`);
    expect(r2.status).toBe(201);
    await raw.waitFor((e) => e.type === 'PlaybackStarted' && (e.playback as any).id === r2.json.id);
    await sleep(60);
    expect(raw.events.some((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === r2.json.id)).toBe(false);
    expect((await rest('GET', `/ari/playbacks/${r2.json.id}`)).status).toBe(404);

    // later playbacks on the channel still work; DTMF does not stop a playback; DELETE does (done)
    const r3 = await rest('POST', `/ari/channels/${call.id}/play?media=sound:long-prompt`);
    await raw.waitFor((e) => e.type === 'PlaybackStarted' && (e.playback as any).id === r3.json.id);
    await call.press('5');
    await raw.waitFor((e) => e.type === 'ChannelDtmfReceived' && e.digit === '5');
    expect((await rest('GET', `/ari/playbacks/${r3.json.id}`)).json.state).toBe('playing');
    expect((await rest('DELETE', `/ari/playbacks/${r3.json.id}`)).status).toBe(204);
    const f3 = await raw.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === r3.json.id);
    expect((f3.playback as any).state).toBe('done');

    // multiple media: played in order, one playback
    const r4 = await rest('POST', `/ari/channels/${call.id}/play?media=sound:a,digits:12,number:7`);
    expect(r4.json.next_media_uri).toBe('digits:12');
    const pb = call.playbacks.find((p) => p.id === r4.json.id)!;
    expect(await pb.finished).toBe('done');
    await raw.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === r4.json.id);
    const seq = raw.events.filter((e) => (e.playback as any)?.id === r4.json.id).map((e) => `${e.type}:${(e.playback as any).media_uri}`);
    expect(seq).toEqual([
      'PlaybackStarted:sound:a', 'PlaybackContinuing:sound:a',
      'PlaybackStarted:digits:12', 'PlaybackContinuing:digits:12',
      'PlaybackStarted:number:7', 'PlaybackFinished:number:7',
    ]);
    await call.hangup();
  });

  it('fetches sound:http URLs, times them by the WAV, and fails short URLs like Asterisk 22.9', async () => {
    const call = await rawCall();
    const longUrl = `${mediaBase}/media/tts/${'a1b2c3d4'.repeat(8)}.wav`;
    const shortUrl = `${mediaBase}/p/x.wav`;
    expect(longUrl.length).toBeGreaterThanOrEqual(64);
    expect(shortUrl.length).toBeLessThan(64);

    const t0 = Date.now();
    const rl = await rest('POST', `/ari/channels/${call.id}/play?media=${encodeURIComponent('sound:' + longUrl)}`);
    const fl = await raw.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === rl.json.id);
    expect((fl.playback as any).state).toBe('done');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000 / SPEED - 5); // the 2 s WAV at 50x

    const rs = await rest('POST', `/ari/channels/${call.id}/play?media=${encodeURIComponent('sound:' + shortUrl)}`);
    const fs = await raw.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === rs.json.id);
    expect((fs.playback as any).state).toBe('failed');

    const r404 = await rest('POST', `/ari/channels/${call.id}/play?media=${encodeURIComponent(`sound:${mediaBase}/media/tts/${'0'.repeat(64)}.txt`)}`);
    const f404 = await raw.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === r404.json.id);
    expect((f404.playback as any).state).toBe('failed');
    await call.hangup();
  });

  it('tones: a named tone without its zone fails at once; with the zone (indications.conf) or as a literal tone it plays until stopped', async () => {
    const call = await rawCall();
    const played = async (media: string) => {
      const r = await rest('POST', `/ari/channels/${call.id}/play?media=${encodeURIComponent(media)}`);
      expect(r.status).toBe(201); // Asterisk accepts the request either way
      await raw.waitFor((e) => e.type === 'PlaybackStarted' && (e.playback as any).id === r.json.id);
      await sleep(40);
      const fin = raw.events.find((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === r.json.id);
      if (!fin) expect((await rest('DELETE', `/ari/playbacks/${r.json.id}`)).status).toBe(204);
      return { id: r.json.id as string, finished: fin ? (fin.playback as any).state as string : 'still playing' };
    };
    // No indications.conf: no zones. "Failed to parse tone part 'ring'" → PlaybackStarted, PlaybackFinished failed, same moment.
    const noZone = await played('tone:ring;tonezone=cn');
    expect(noZone.finished).toBe('failed');
    const seq = raw.events.filter((e) => (e.playback as any)?.id === noZone.id);
    expect(seq.map((e) => e.type)).toEqual(['PlaybackStarted', 'PlaybackFinished']);
    expect(Math.abs(Date.parse(seq[1].timestamp!.replace('+0000', 'Z')) - Date.parse(seq[0].timestamp!.replace('+0000', 'Z')))).toBeLessThan(20);
    expect((await played('tone:ring')).finished).toBe('failed');
    // A literal frequency list needs no zone ('|' separated: ARI splits the media parameter on commas).
    expect((await played('tone:450/1000|0/4000')).finished).toBe('still playing');
    // With a cn zone loaded the named tone plays; an unknown zone falls back to the default (first) zone.
    sim.setToneZones(['cn']);
    expect((await played('tone:ring;tonezone=cn')).finished).toBe('still playing');
    expect((await played('tone:ring;tonezone=xx')).finished).toBe('still playing');
    expect((await played('tone:nonsense;tonezone=cn')).finished).toBe('failed');
    sim.setToneZones([]);
    // A sound that does not exist fails the same way.
    sim.setKnownSounds(['hello-world']);
    expect((await played('sound:no-such-prompt')).finished).toBe('failed');
    sim.setKnownSounds('all');
    await call.hangup();
  });

  it('caller hang-up during a playback: ChannelHangupRequest → PlaybackFinished failed → StasisEnd', async () => {
    sim.setSoundDuration('menu-long', 60_000);
    const call = await rawCall();
    const r = await rest('POST', `/ari/channels/${call.id}/play?media=sound:menu-long`);
    await raw.waitFor((e) => e.type === 'PlaybackStarted' && (e.playback as any).id === r.json.id);
    await call.hangup();
    await raw.waitFor((e) => e.type === 'StasisEnd' && (e.channel as any).id === call.id);
    const mine = raw.forChannel(call.id).map((e) => e.type);
    const tail = mine.slice(mine.indexOf('ChannelHangupRequest'));
    expect(tail).toEqual(['ChannelHangupRequest', 'PlaybackFinished', 'StasisEnd']);
    const hr = raw.forChannel(call.id).find((e) => e.type === 'ChannelHangupRequest')!;
    expect(hr).not.toHaveProperty('cause');
    expect(hr).not.toHaveProperty('soft');
    expect((raw.forChannel(call.id).find((e) => e.type === 'PlaybackFinished')!.playback as any).state).toBe('failed');
    expect((await rest('POST', `/ari/channels/${call.id}/play?media=sound:x`)).status).toBe(404);
  });
});

describe('recording semantics', () => {
  it('# stops, stop keeps, cancel deletes, maxDuration and silence end it, failures are reported', async () => {
    const call = await rawCall();
    const started = (name: string) => raw.waitFor((e) => e.type === 'RecordingStarted' && (e.recording as any).name === name);
    const finished = (name: string) => raw.waitFor((e) => e.type === 'RecordingFinished' && (e.recording as any).name === name);

    await rest('POST', `/ari/channels/${call.id}/record?name=r-hash&format=wav&terminateOn=%23`);
    await started('r-hash');
    await sleep(40);
    await call.press('#');
    const fh = await finished('r-hash');
    expect((fh.recording as any).state).toBe('done');
    const dtmfIdx = raw.events.findIndex((e) => e.type === 'ChannelDtmfReceived' && e.digit === '#' && (e.channel as any).id === call.id);
    expect(dtmfIdx).toBeLessThan(raw.events.indexOf(fh));
    expect((await rest('GET', '/ari/recordings/stored/r-hash')).json).toEqual({ name: 'r-hash', format: 'wav' });

    await rest('POST', `/ari/channels/${call.id}/record?name=r-stop&format=wav`);
    await started('r-stop');
    expect((await rest('GET', '/ari/recordings/live/r-stop')).json.state).toBe('recording');
    expect((await rest('POST', '/ari/recordings/live/r-stop/stop')).status).toBe(204);
    await finished('r-stop');
    const file = await rest('GET', '/ari/recordings/stored/r-stop/file');
    expect(file.status).toBe(200);
    expect(file.type).toBe('audio/wav');
    expect(parseWav(file.body)?.sampleRate).toBe(8000);

    await rest('POST', `/ari/channels/${call.id}/record?name=r-cancel&format=wav`);
    await started('r-cancel');
    expect((await rest('DELETE', '/ari/recordings/live/r-cancel')).status).toBe(204);
    expect(((await finished('r-cancel')).recording as any).state).toBe('done');
    expect((await rest('GET', '/ari/recordings/stored/r-cancel')).status).toBe(404);

    await rest('POST', `/ari/channels/${call.id}/record?name=r-max&format=wav&maxDurationSeconds=2`);
    expect(((await finished('r-max')).recording as any).duration).toBe(2);

    await rest('POST', `/ari/channels/${call.id}/record?name=r-quiet&format=wav&maxSilenceSeconds=3`);
    await started('r-quiet');
    await sleep(60); // 3 s of talking
    call.silence();
    const fq = await finished('r-quiet');
    expect((fq.recording as any).duration).toBeGreaterThanOrEqual(2);
    call.speak();

    // existing stored name with ifExists=fail → 409; overwrite → 201
    expect((await rest('POST', `/ari/channels/${call.id}/record?name=r-stop&format=wav`)).status).toBe(409);
    expect((await rest('POST', `/ari/channels/${call.id}/record?name=r-stop&format=wav&ifExists=overwrite`)).status).toBe(201);
    await started('r-stop');
    await rest('POST', '/ari/recordings/live/r-stop/stop');

    sim.setRecordingFailure('disk full');
    const rf = await rest('POST', `/ari/channels/${call.id}/record?name=r-fail&format=wav`);
    expect(rf.status).toBe(201);
    const failed = await raw.waitFor((e) => e.type === 'RecordingFailed' && (e.recording as any).name === 'r-fail');
    expect(failed.recording).toMatchObject({ state: 'failed', cause: 'disk full' });
    expect(failed.recording).not.toHaveProperty('duration');
    sim.setRecordingFailure(null);

    expect((await rest('DELETE', '/ari/recordings/stored/r-hash')).status).toBe(204);
    expect((await rest('DELETE', '/ari/recordings/stored/r-hash')).status).toBe(404);
    await call.hangup();
  });
});

describe('channels the app originates, hangs up, bridges', () => {
  it('app DELETE: {cause:32, soft:true}, StasisEnd, and ChannelDestroyed only when subscribed', async () => {
    const a = await rawCall();
    expect((await rest('DELETE', `/ari/channels/${a.id}?reason=normal`)).status).toBe(204);
    await a.ended;
    await raw.waitFor((e) => e.type === 'StasisEnd' && (e.channel as any).id === a.id);
    const ta = raw.forChannel(a.id);
    expect(ta.find((e) => e.type === 'ChannelHangupRequest')).toMatchObject({ cause: 32, soft: true });
    expect(ta.map((e) => e.type)).not.toContain('ChannelDestroyed');

    const b = await rawCall();
    expect((await rest('POST', `/ari/applications/${RAW_APP}/subscription?eventSource=channel:${b.id}`)).json.channel_ids).toContain(b.id);
    await rest('DELETE', `/ari/channels/${b.id}?reason=busy`);
    await b.ended;
    await raw.waitFor((e) => e.type === 'ChannelDestroyed' && (e.channel as any).id === b.id);
    const tb = raw.forChannel(b.id).map((e) => e.type);
    expect(tb.slice(tb.indexOf('ChannelHangupRequest'))).toEqual(['ChannelHangupRequest', 'StasisEnd', 'ChannelHangupRequest', 'ChannelDestroyed']);
    expect(raw.forChannel(b.id).find((e) => e.type === 'ChannelDestroyed')).toMatchObject({ cause: 17, cause_txt: 'User busy' });
  });

  it('originate: the far end answers into Stasis with args, or does not answer', async () => {
    sim.onOriginate((req) => (req.endpoint === 'PJSIP/noanswer' ? { action: 'no-answer', delayMs: 20 } : { action: 'answer', delayMs: 10 }));
    const r = await rest('POST', `/ari/channels?endpoint=PJSIP/operator&app=${RAW_APP}&appArgs=transfer,42&callerId=96365`);
    expect(r.status).toBe(200);
    expect(r.json.state).toBe('Down');
    const ss = await raw.waitFor((e) => e.type === 'StasisStart' && (e.channel as any).id === r.json.id);
    expect(ss.args).toEqual(['transfer', '42']);

    const caller = await rawCall();
    const br = await rest('POST', '/ari/bridges?type=mixing');
    expect(br.json.bridge_type).toBe('mixing');
    expect((await rest('POST', `/ari/bridges/${br.json.id}/addChannel?channel=${caller.id},${r.json.id}`)).status).toBe(204);
    await raw.waitFor((e) => e.type === 'ChannelEnteredBridge' && (e.channel as any).id === r.json.id);
    expect((await rest('GET', `/ari/bridges/${br.json.id}`)).json.channels).toEqual([caller.id, r.json.id]);
    expect(caller.heard.some((h) => h.kind === 'bridged')).toBe(true);
    // recording a bridged channel fails the way Asterisk does
    await rest('POST', `/ari/channels/${caller.id}/record?name=inbridge&format=wav`);
    const rf = await raw.waitFor((e) => e.type === 'RecordingFailed' && (e.recording as any).name === 'inbridge');
    expect((rf.recording as any).cause).toBe('Cannot record channel while in bridge');
    expect((await rest('DELETE', `/ari/bridges/${br.json.id}`)).status).toBe(204);
    await raw.waitFor((e) => e.type === 'ChannelLeftBridge' && (e.channel as any).id === caller.id);

    const n = await rest('POST', `/ari/channels?endpoint=PJSIP/noanswer&app=${RAW_APP}&timeout=30`);
    const destroyed = await raw.waitFor((e) => e.type === 'ChannelDestroyed' && (e.channel as any).id === n.json.id);
    expect(destroyed).toMatchObject({ cause: 19 });
    expect(raw.forChannel(n.json.id).map((e) => e.type)).not.toContain('StasisStart');
    sim.onOriginate(undefined);
    await caller.hangup();
    await sim.getCall(r.json.id)!.hangup();
  });
});

describe('endpoints and originate refusals (as res_ari answers them)', () => {
  it('an endpoint that cannot be dialled (not registered, not configured) is refused with 500 {"error":"Allocation failed"}; GET /endpoints tells why', async () => {
    sim.setEndpoint('PJSIP/operator', 'offline');
    sim.setEndpoint('PJSIP/nobody', 'absent');
    const before = sim.allCalls().length;
    const off = await rest('POST', `/ari/channels?endpoint=PJSIP/operator&app=${RAW_APP}&appArgs=transfer,1`);
    expect(off.status).toBe(500);
    expect(off.json).toEqual({ error: 'Allocation failed' });
    expect((await rest('POST', `/ari/channels?endpoint=PJSIP/nobody&app=${RAW_APP}`)).json).toEqual({ error: 'Allocation failed' });
    expect(sim.allCalls().length).toBe(before); // no channel was created
    expect((await rest('GET', '/ari/endpoints/PJSIP/operator')).json).toEqual({ technology: 'PJSIP', resource: 'operator', state: 'offline', channel_ids: [] });
    const nf = await rest('GET', '/ari/endpoints/PJSIP/nobody');
    expect(nf.status).toBe(404);
    expect(nf.json).toEqual({ message: 'Endpoint not found' });
    // Registered again: dialled; its channel shows on the endpoint.
    sim.setEndpoint('PJSIP/operator', 'online');
    sim.onOriginate(() => ({ action: 'manual' }));
    const on = await rest('POST', `/ari/channels?endpoint=PJSIP/operator&app=${RAW_APP}`);
    expect(on.status).toBe(200);
    expect((await rest('GET', '/ari/endpoints/PJSIP/operator')).json).toMatchObject({ state: 'online', channel_ids: [on.json.id] });
    expect((await rest('GET', '/ari/endpoints')).json.map((e: any) => `${e.technology}/${e.resource}`)).toContain('PJSIP/operator');
    sim.farEndReject(sim.getCall(on.json.id)!, 'busy');
    sim.onOriginate(undefined);
  });

  it('music on hold: POST/DELETE /channels/{id}/moh answer 204 and the caller hears it', async () => {
    const call = await rawCall();
    expect((await rest('POST', `/ari/channels/${call.id}/moh?mohClass=default`)).status).toBe(204);
    expect(call.heard.some((h) => h.kind === 'moh')).toBe(true);
    expect((await rest('DELETE', `/ari/channels/${call.id}/moh`)).status).toBe(204);
    expect((await rest('POST', '/ari/channels/nope/moh')).status).toBe(404);
    await call.hangup();
  });
});

describe('robustness', () => {
  it('keeps 60 concurrent calls apart (no cross-talk)', async () => {
    const calls = await Promise.all(Array.from({ length: 60 }, (_, i) => rawCall(`1380000${String(i).padStart(4, '0')}`)));
    await Promise.all(
      calls.map(async (c, i) => {
        const r = await rest('POST', `/ari/channels/${c.id}/play?media=digits:${i}`);
        expect(r.status).toBe(201);
        await c.press(String(i % 10));
        await c.waitFor('ChannelDtmfReceived');
      }),
    );
    await Promise.all(calls.map((c) => c.playbacks[0].finished));
    for (const [i, c] of calls.entries()) {
      for (const e of c.events) {
        const ids = JSON.stringify(e).match(/\d{10}\.\d+/g) ?? [];
        expect(new Set(ids)).toEqual(new Set([c.id]));
      }
      expect(c.events.filter((e) => e.type === 'ChannelDtmfReceived').map((e) => e.digit)).toEqual([String(i % 10)]);
      expect(c.promptsHeard).toEqual([`digits:${i}`]);
    }
    await Promise.all(calls.map((c) => c.hangup()));
    expect(sim.activeCalls().filter((c) => calls.includes(c))).toEqual([]);
  });

  it('gives an app name to one socket at a time (ApplicationReplaced to the previous owner)', async () => {
    const second = new RawApp(RAW_APP);
    await second.connect();
    const replaced = await raw.waitFor((e) => e.type === 'ApplicationReplaced');
    expect(replaced).toMatchObject({ type: 'ApplicationReplaced', application: RAW_APP });
    expect(raw.ws.readyState).toBe(WebSocket.OPEN); // the first socket stays open, it just gets nothing more
    const call = sim.startCall({ from: '1', app: RAW_APP });
    await second.waitFor((e) => e.type === 'StasisStart' && (e.channel as any).id === call.id);
    expect(raw.forChannel(call.id)).toEqual([]);
    expect((await rest('GET', `/ari/applications/${RAW_APP}`)).status).toBe(200);
    await call.hangup();
    raw.ws.close();
    raw = second;
  });

  it('an app whose socket went away and that has no channels left no longer exists (404); a new socket registers it again', async () => {
    const app = 'shortlived';
    const a = new RawApp(app);
    await a.connect();
    expect((await rest('GET', `/ari/applications/${app}`)).json).toMatchObject({ name: app });
    const call = sim.startCall({ from: '1', app });
    await a.waitFor((e) => e.type === 'StasisStart');
    a.ws.close();
    await sleep(30);
    // The channel still holds the (inactive) app; new calls cannot enter it.
    expect((await rest('GET', `/ari/applications/${app}`)).status).toBe(200);
    expect(() => sim.startCall({ from: '2', app })).toThrow(/not registered/);
    await call.hangup();
    await sleep(30);
    const gone = await rest('GET', `/ari/applications/${app}`);
    expect(gone.status).toBe(404);
    expect((await rest('GET', '/ari/applications')).json.map((x: any) => x.name)).not.toContain(app);
    const b = new RawApp(app);
    await b.connect();
    expect((await rest('GET', `/ari/applications/${app}`)).status).toBe(200);
    b.ws.close();
  });

  it('lets a test wait for prompts by media (waitForPlayback) in sequence', async () => {
    const call = await rawCall();
    void rest('POST', `/ari/channels/${call.id}/play?media=sound:menu-main`);
    void rest('POST', `/ari/channels/${call.id}/play?media=sound:menu-again`);
    const first = await call.waitForPlayback('menu-');
    expect(first.media).toEqual(['sound:menu-main']);
    const second = await call.waitForPlayback(/menu-/);
    expect(second.media).toEqual(['sound:menu-again']);
    expect(await second.finished).toBe('done');
    await expect(call.waitFor('PlaybackStarted', 50)).rejects.toThrow(/timed out/);
    await call.hangup();
  });

  it('survives junk: non-JSON bodies, odd paths, garbage on the event socket', async () => {
    expect((await rest('POST', '/ari/channels', { body: '[1,2', type: 'application/json' })).status).toBe(400);
    expect((await rest('GET', '/ari/channels/%E0%A4%A')).status).toBe(404);
    expect((await rest('GET', '/ari/api-docs/nothing.json')).status).toBe(404);
    raw.ws.send('not json at all');
    expect((await rest('GET', '/ari/asterisk/ping')).json.ping).toBe('pong');
  });
});

describe('/sim control API (test phone)', () => {
  it('places a call, presses keys, follows what the caller hears, hangs up', async () => {
    const created = await rest('POST', '/sim/calls', { body: JSON.stringify({ from: '13700137000', app: RAW_APP }) });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    await raw.waitFor((e) => e.type === 'StasisStart' && (e.channel as any).id === id);
    await rest('POST', `/ari/channels/${id}/play?media=sound:hotline-welcome`);
    const feed = await rest('GET', `/sim/calls/${id}/events?since=0&waitMs=2000`);
    expect(feed.status).toBe(200);
    expect(feed.json.items.length).toBeGreaterThan(0);
    const prompt = await (async () => {
      let since = 0;
      for (let i = 0; i < 20; i++) {
        const r = await rest('GET', `/sim/calls/${id}/events?since=${since}&waitMs=500`);
        const p = r.json.items.find((x: any) => x.kind === 'prompt');
        if (p) return p;
        since = r.json.next;
      }
      return undefined;
    })();
    expect(prompt?.media).toBe('sound:hotline-welcome');
    // the WebSocket feed replays the backlog, then streams, and closes when the call ends
    const feedItems: any[] = [];
    const feedWs = new WebSocket(`${base.replace('http', 'ws')}/sim/calls/${id}/feed?api_key=${USER}:${PASS}`);
    feedWs.on('message', (m) => feedItems.push(JSON.parse(String(m))));
    const feedClosed = new Promise((r) => feedWs.once('close', r));
    await new Promise((r) => feedWs.once('open', r));
    expect((await rest('POST', `/sim/calls/${id}/dtmf`, { body: JSON.stringify({ digits: '1#' }) })).status).toBe(202);
    await raw.waitFor((e) => e.type === 'ChannelDtmfReceived' && e.digit === '#' && (e.channel as any).id === id);
    expect((await rest('POST', `/sim/calls/${id}/dtmf`, { body: JSON.stringify({ digits: 'x' }) })).status).toBe(400);
    expect((await rest('POST', '/sim/calls', { body: '{' })).status).toBe(400);
    expect((await rest('GET', '/sim/calls', { auth: false })).status).toBe(401);
    expect((await rest('DELETE', `/sim/calls/${id}`)).status).toBe(204);
    await sim.getCall(id)!.ended;
    expect((await rest('GET', `/sim/calls/${id}`)).json.ended).toBe(true);
    await feedClosed;
    expect(feedItems.map((x) => x.kind)).toEqual(expect.arrayContaining(['answered', 'prompt', 'dtmf-pressed', 'ended']));
  });
});

describe('realistic mode: res_http_media_cache fetching and Asterisk event volume', () => {
  // A media server whose caching headers each test chooses; it counts what Asterisk asks for.
  const wav1s = pcm16ToWav(synthesizePcm([{ ms: 1000, talking: true }]));
  const seen: Array<{ method: string; path: string; inm?: string }> = [];
  let headersFor: (path: string) => { status?: number; headers: Record<string, string> } = () => ({ headers: {} });
  let srv: Server;
  let srvBase = '';
  let rsim: AriSimulator;
  let rbase = '';
  let rraw: RawApp;
  const url = (name: string) => `${srvBase}/media/tts/${name.padEnd(64, '0')}.wav`;

  beforeAll(async () => {
    srv = createServer((req, res) => {
      const path = req.url ?? '';
      seen.push({ method: req.method ?? '', path, inm: req.headers['if-none-match'] as string | undefined });
      const h = headersFor(path);
      const etag = h.headers.etag;
      if (h.status && h.status !== 200) { res.writeHead(h.status, h.headers); res.end(); return; }
      if (etag && req.headers['if-none-match'] === etag) { res.writeHead(304, h.headers); res.end(); return; }
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(wav1s.length), ...h.headers });
      res.end(req.method === 'HEAD' ? undefined : wav1s);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const addr = srv.address();
    srvBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    rsim = new AriSimulator({ hangupGapMs: 5, mediaFetch: true, eventVolume: 'asterisk' });
    ({ url: rbase } = await rsim.start({ username: USER, password: PASS, speed: SPEED }));
    rraw = new RawApp(RAW_APP, rbase);
    await rraw.connect();
  });

  afterAll(async () => {
    rraw?.ws.close();
    await rsim?.stop();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  async function call(): Promise<SimCall> {
    const c = rsim.startCall({ from: '13800138000', app: RAW_APP });
    await rraw.waitFor((e) => e.type === 'StasisStart' && (e.channel as { id: string }).id === c.id);
    return c;
  }
  async function play(c: SimCall, media: string): Promise<string> {
    const r = await rest('POST', `/ari/channels/${c.id}/play?media=${encodeURIComponent('sound:' + media)}`, { base: rbase });
    expect(r.status).toBe(201);
    const f = await rraw.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as any).id === r.json.id);
    return (f.playback as any).state as string;
  }
  const requests = (u: string) => seen.filter((s) => u.endsWith(s.path)).map((s) => s.method + (s.inm ? ` ${s.inm}` : ''));

  it('a second play of the same URL within max-age is not fetched again; the length comes from the WAV', async () => {
    headersFor = () => ({ headers: { 'cache-control': 'private, max-age=3600', etag: '"v1"' } });
    const c = await call();
    const u = url('aa');
    const t0 = Date.now();
    expect(await play(c, u)).toBe('done');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000 / SPEED - 5); // the 1 s WAV at 50x
    expect(await play(c, u)).toBe('done');
    expect(requests(u)).toEqual(['GET']);
    await c.hangup();
  });

  it('no-cache: every use revalidates with HEAD + If-None-Match; a 304 keeps the cached file', async () => {
    headersFor = () => ({ headers: { 'cache-control': 'no-cache', etag: '"v2"' } });
    const c = await call();
    const u = url('bb');
    expect(await play(c, u)).toBe('done');
    expect(await play(c, u)).toBe('done');
    expect(await play(c, u)).toBe('done');
    expect(requests(u)).toEqual(['GET', 'HEAD "v2"', 'HEAD "v2"']);
    await c.hangup();
  });

  it('expired without an ETag (no caching headers, or Last-Modified only): fetched in full every time', async () => {
    headersFor = () => ({ headers: { 'last-modified': 'Tue, 01 Dec 2026 00:00:00 GMT' } });
    const c = await call();
    const u = url('cc');
    expect(await play(c, u)).toBe('done');
    expect(await play(c, u)).toBe('done');
    expect(requests(u)).toEqual(['GET', 'GET']);
    await c.hangup();
  });

  it('a failed download (404) fails the playback, as a missing file does', async () => {
    headersFor = () => ({ status: 404, headers: {} });
    const c = await call();
    const u = url('dd');
    expect(await play(c, u)).toBe('failed');
    await c.hangup();
  });

  it("eventVolume 'asterisk': five ChannelVarset RTPAUDIOQOS* (with the channel) right before ChannelHangupRequest", async () => {
    const c = await call();
    await c.hangup();
    await rraw.waitFor((e) => e.type === 'StasisEnd' && (e.channel as any).id === c.id);
    const mine = rraw.forChannel(c.id);
    const types = mine.map((e) => e.type);
    expect(types.slice(types.indexOf('ChannelVarset'))).toEqual([...Array(5).fill('ChannelVarset'), 'ChannelHangupRequest', 'StasisEnd']);
    const vars = mine.filter((e) => e.type === 'ChannelVarset');
    expect(vars.map((e) => e.variable)).toEqual(['RTPAUDIOQOS', 'RTPAUDIOQOSJITTER', 'RTPAUDIOQOSLOSS', 'RTPAUDIOQOSRTT', 'RTPAUDIOQOSMES']);
    expect(String(vars[0].value)).toMatch(/^ssrc=\d+;themssrc=\d+;lp=0;rxjitter=/);
    expect((vars[0].channel as any).id).toBe(c.id);
  });

  it('expiry and revalidation rules (bucket_file_set_expiration, bucket_file_always_revalidate)', () => {
    const now = 1_800_000_000_500;
    const cases: Array<[Record<string, string>, number, boolean]> = [
      [{ 'cache-control': 'max-age=60' }, 60, false],
      [{ 'cache-control': 'private, max-age=600' }, 600, false],
      [{ 'cache-control': 's-maxage=30, max-age=600' }, 30, false],
      [{ 'cache-control': 'no-store' }, 0, false],
      [{ 'cache-control': 'no-cache' }, 0, true],
      [{ 'cache-control': 'max-age=60, must-revalidate' }, 60, true],
      [{ 'cache-control': 'no-store', expires: 'Thu, 01 Jan 2099 00:00:00 GMT' }, 0, false], // Cache-Control wins
      [{ expires: new Date(now + 120_000).toUTCString() }, 120, false],
      [{}, 0, false],
    ];
    for (const [h, ttl, always] of cases) {
      const meta = new Map(Object.entries(h));
      expect(expirySeconds(meta, now) - Math.floor(now / 1000), JSON.stringify(h)).toBe(ttl);
      expect(alwaysRevalidate(meta), JSON.stringify(h)).toBe(always);
    }
  });
});

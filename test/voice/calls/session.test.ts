/**
 * Call sessions and the call manager against an in-memory ARI (FakeAri): the real-Asterisk rules
 * that are awkward to provoke on the simulator. Table-driven: flow, steps, expected ARI requests.
 *
 * Steps: start | finish <n> (PlaybackFinished done of the n-th play) | dtmf <k> | wait <ms> |
 *        fail <kind> <status> (next request of that kind fails) | recfailed | hangup | stasisend |
 *        stored <seconds> (the last recording exists on "Asterisk") | unrecord (it is no longer live) |
 *        resync | vanish (the channel disappears from the app) | unknown <id> (a channel we do not know) |
 *        keys <digits> (one ChannelDtmfReceived per key) | endpoint <tech/resource> <online|offline|absent|busy> |
 *        ringfail | ringdone (the live ring-back playback finished failed / done) | answerop (the operator leg enters Stasis) |
 *        opgone <cause> (the operator leg is destroyed before answering)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeWavPcm16 } from '../../../src/voice/tts/index.js';
import { CallLog } from '../../../src/voice/calls/call-log.js';
import { MediaResolver } from '../../../src/voice/calls/media.js';
import { CallManager } from '../../../src/voice/calls/manager.js';
import { memoryLogger, silentLogger } from '../../../src/log.js';
import { ringbackMedia, ringbackWav } from '../../../src/voice/calls/ringback.js';
import { engineFromYaml } from '../flow/driver.js';
import { testContext } from '../../helpers/context.js';
import { FakeAri } from './fake-ari.js';
import { join } from 'node:path';
import { withCheckDigit } from '../../../src/domain/query-code.js';
import { addDepartment } from '../../../src/departments.js';

const VALID = withCheckDigit('12345678901');
const BAD = VALID.slice(0, 11) + String((Number(VALID[11]) + 1) % 10);

const TWO_PLAYS = `
id: main
start: a
nodes:
  a: {verb: play, items: [p_a], next: b}
  b: {verb: hangup, prompt: [p_b], reason: normal}
`;
const MENU = `
id: main
start: m
nodes:
  m: {verb: menu, prompt: [p_menu], options: {'1': bye}, timeoutMs: 5000, maxRetries: 0, onFailure: bye}
  bye: {verb: hangup, prompt: [p_bye], reason: normal}
`;
const RECORD = `
id: main
start: rec
nodes:
  rec: {verb: record, prompt: [p_rec], name: voice, maxDurationSeconds: 600, maxSilenceSeconds: 5, minDurationSeconds: 1, attempts: 1, feedbackKind: complaint, next: submit, noRecording: bye, onFailure: sorry}
  submit: {verb: submitFeedback, kind: complaint, next: bye, onFailure: sorry}
  sorry: {verb: hangup, prompt: [p_sorry], reason: normal}
  bye: {verb: hangup, prompt: [p_bye], reason: normal}
`;

const GATHER = `
id: main
start: g
nodes:
  g: {verb: gather, prompt: [p_enter], maxDigits: 12, terminator: '#', firstDigitTimeoutMs: 10000, interDigitTimeoutMs: 5000, validate: query-code, into: code, attempts: 3, invalid: [p_invalid], badCheckDigit: [p_badcheck], noInput: [p_silence], next: ok, onFailure: bye}
  ok: {verb: hangup, prompt: [p_ok], reason: normal}
  bye: {verb: hangup, prompt: [p_bye], reason: normal}
`;

const LOOKUP = `
id: main
start: g
nodes:
  g: {verb: gather, prompt: [p_enter], maxDigits: 12, terminator: '#', firstDigitTimeoutMs: 10000, interDigitTimeoutMs: 5000, validate: query-code, into: code, attempts: 3, invalid: [p_invalid], badCheckDigit: [p_badcheck], noInput: [p_silence], next: look, onFailure: bye}
  look: {verb: lookup, kind: declaration, input: code, results: [item, statusLabel], maxNotFound: 3, found: found, notFound: nf, limit: bye, error: bye}
  found: {verb: hangup, prompt: [p_found], reason: normal}
  nf: {verb: hangup, prompt: [p_nf], reason: normal}
  bye: {verb: hangup, prompt: [p_bye], reason: normal}
`;

const TRANSFER = `
id: main
start: x
nodes:
  x: {verb: transfer, answered: bye, noAnswer: busy}
  busy: {verb: hangup, prompt: [p_busy], reason: normal}
  bye: {verb: hangup, prompt: [p_bye], reason: normal}
`;

/** The generated ring-back as the manager requests it: the file URL repeated over the ring time (300 s transfer timeout + 5 s). */
const RB_URI = `sound:http://127.0.0.1:1/media/tts/${ringbackWav().hash}.wav`;
// Repeated as often as the signed URL's length allows (compared unsigned, see the matrix below).
const RB_FILE = ringbackMedia(`sound:http://127.0.0.1:1/media/tts/${ringbackWav().hash}/0000000000/${'0'.repeat(64)}.wav`, 305).map(() => RB_URI).join(',');
const RB_TONE = 'tone:450/1000|0/4000';

interface Case {
  label: string; flow: string; steps: string[]; calls: string[]; check?: (h: Harness) => void | Promise<void>;
  ringback?: 'file' | 'tone' | 'moh'; noCache?: boolean;
  /** Engine timers and watchdogs run this many times faster (default 1000; 1 = real time, nothing fires by itself). */
  timeScale?: number;
}

const CASES: Case[] = [
  {
    label: 'a playback that never finishes (unknown scheme) → the watchdog stops it, the flow goes on',
    flow: TWO_PLAYS, steps: ['start', 'settle 20'],
    calls: ['play pb-1 sound:p_a', 'stop pb-1', 'play pb-2 sound:p_b', 'stop pb-2', 'hangup c1'],
  },
  {
    label: 'a refused play (409) counts as a finished prompt',
    flow: TWO_PLAYS, steps: ['fail play 409', 'start', 'wait 10', 'finish 2', 'wait 5'],
    calls: ['play pb-1 sound:p_a', 'play pb-2 sound:p_b', 'hangup c1'],
  },
  {
    label: 'DTMF during a prompt: the stop waits until Asterisk accepted the play, then the next prompt',
    flow: MENU, timeScale: 1, steps: ['slowplay', 'start', 'dtmf 1', 'settle 20'],
    calls: ['play pb-1 sound:p_menu', 'stop pb-1', 'play pb-2 sound:p_bye'],
  },
  {
    label: 'a recording refused (409 name in use) → the apology prompt, not silence; length capped at voice.max_recording_sec',
    flow: RECORD, steps: ['start', 'fail record 409', 'finish 1', 'wait 10'],
    calls: ['play pb-1 sound:p_rec', 'record max=180 # fail', 'play pb-4 sound:p_sorry'],
  },
  {
    label: 'RecordingFailed (disk full on Asterisk) → the apology prompt',
    flow: RECORD, steps: ['start', 'finish 1', 'wait 5', 'recfailed', 'wait 5'],
    calls: ['play pb-1 sound:p_rec', 'record max=180 # fail', 'play pb-4 sound:p_sorry'],
  },
  {
    label: 'hang-up mid-recording and no RecordingFinished: the stored file is found and submitted',
    flow: RECORD, steps: ['start', 'finish 1', 'wait 5', 'stored 4', 'hangup', 'unrecord', 'stasisend', 'wait 150'],
    calls: ['play pb-1 sound:p_rec', 'record max=180 # fail'],
    check: async (h) => {
      const f = (await h.ctx.store.feedback.list({ q: '13800001111' }))[0];
      expect(f).toMatchObject({ kind: 'complaint', channel: 'voice', recordingDuration: 4 });
      expect(h.manager.sessions.size).toBe(0);
    },
  },
  {
    label: 'code entry: a wrong 12th digit, then the # the prompt asked for: the check-digit error plays whole and no attempt is lost',
    flow: GATHER, timeScale: 1, steps: ['start', 'finish 1', `keys ${BAD}`, 'dtmf #', 'wait 20', 'finish 2', `keys ${BAD}`, 'dtmf #', 'wait 20', `keys ${VALID}`, 'dtmf #', 'wait 20'],
    calls: ['play pb-1 sound:p_enter', 'play pb-14 sound:p_badcheck,sound:p_enter', 'play pb-27 sound:p_badcheck,sound:p_enter', 'stop pb-27', 'play pb-39 sound:p_ok'],
  },
  {
    label: 'code entry: # alone neither stops the prompt nor costs an attempt',
    flow: GATHER, timeScale: 1, steps: ['start', 'dtmf #', 'dtmf #', 'dtmf #', 'wait 20', `keys ${VALID}`, 'wait 20'],
    calls: ['play pb-1 sound:p_enter', 'stop pb-1', 'play pb-13 sound:p_ok'],
  },
  {
    label: 'transfer: ring-back starts at once as the generated 450 Hz file (no tone zone needed)',
    flow: TRANSFER, timeScale: 1, steps: ['start', 'wait 20', 'answerop', 'wait 20'],
    calls: [`play c1-ring-1-1 ${RB_FILE}`, 'originate PJSIP/operator', 'stop c1-ring-1-1', 'bridge br-c1-1', 'addToBridge br-c1-1 c1,c1-op1'],
  },
  {
    label: 'transfer: the ring-back file fails (Asterisk cannot fetch it) → a literal 450 Hz tone, not silence',
    flow: TRANSFER, timeScale: 1, steps: ['start', 'wait 20', 'ringfail', 'wait 20'],
    calls: [`play c1-ring-1-1 ${RB_FILE}`, 'originate PJSIP/operator', `play c1-ring-1-2 ${RB_TONE}`],
  },
  {
    label: 'transfer: ring-back keeps playing for as long as the operator rings',
    flow: TRANSFER, timeScale: 1, steps: ['start', 'wait 20', 'ringdone', 'wait 20'],
    calls: [`play c1-ring-1-1 ${RB_FILE}`, 'originate PJSIP/operator', `play c1-ring-1-2 ${RB_FILE}`],
  },
  {
    label: 'transfer: tone mode on an Asterisk without a cn zone (playback fails at once) → the literal tone',
    flow: TRANSFER, timeScale: 1, ringback: 'tone', steps: ['start', 'wait 20', 'ringfail', 'wait 20'],
    calls: ['play c1-ring-1-1 tone:ring;tonezone=cn', 'originate PJSIP/operator', `play c1-ring-1-2 ${RB_TONE}`],
  },
  {
    label: 'transfer: no prompt cache for the file → the literal tone straight away',
    flow: TRANSFER, timeScale: 1, noCache: true, steps: ['start', 'wait 20'],
    calls: [`play c1-ring-1-1 ${RB_TONE}`, 'originate PJSIP/operator'],
  },
  {
    label: 'transfer: music on hold when configured, stopped when the operator answers',
    flow: TRANSFER, timeScale: 1, ringback: 'moh', steps: ['start', 'wait 20', 'answerop', 'wait 20'],
    calls: ['moh c1 default', 'originate PJSIP/operator', 'stopMoh c1', 'bridge br-c1-1', 'addToBridge br-c1-1 c1,c1-op1'],
  },
  {
    label: 'transfer: operator phone not registered → refused originate logged in words, the caller gets the fallback',
    flow: TRANSFER, timeScale: 1, steps: ['endpoint PJSIP/operator offline', 'start', 'wait 20'],
    calls: [`play c1-ring-1-1 ${RB_FILE}`, 'originate PJSIP/operator', 'stop c1-ring-1-1', 'play pb-2 sound:p_busy'],
    check: (h) => {
      const line = h.logs.lines.find((l) => l.includes('operator originate failed'));
      expect(line).toMatch(/endpoint not registered \(state offline/);
      expect(line).toMatch(/坐席话机未注册/);
      expect(line).not.toMatch(/: HTTP 500"?$/);
    },
  },
  {
    label: 'transfer: operator endpoint not configured in Asterisk → "endpoint not found"',
    flow: TRANSFER, timeScale: 1, steps: ['endpoint PJSIP/operator absent', 'start', 'wait 20'],
    calls: [`play c1-ring-1-1 ${RB_FILE}`, 'originate PJSIP/operator', 'stop c1-ring-1-1', 'play pb-2 sound:p_busy'],
    check: (h) => expect(h.logs.lines.find((l) => l.includes('operator originate failed'))).toMatch(/endpoint not found \(not configured in Asterisk/),
  },
  {
    label: 'transfer: operator leg rejected busy (cause 17) → "operator busy" in the log',
    flow: TRANSFER, timeScale: 1, steps: ['start', 'wait 20', 'opgone 17', 'wait 20'],
    calls: [`play c1-ring-1-1 ${RB_FILE}`, 'originate PJSIP/operator', 'stop c1-ring-1-1', 'play pb-2 sound:p_busy'],
    check: (h) => expect(h.logs.lines.find((l) => l.includes('operator leg ended unanswered'))).toMatch(/operator busy \(cause 17/),
  },
  {
    label: 'resync: a channel we know nothing about gets the sorry prompt, then a hang-up',
    flow: MENU, steps: ['unknown x9', 'resync', 'wait 5', 'finish 1', 'wait 5'],
    calls: ['play sorry-x9-1 sound:system_busy', 'hangup x9'],
  },
  {
    label: 'resync: a call whose channel vanished during the outage is ended',
    flow: MENU, steps: ['start', 'vanish', 'resync', 'wait 10'],
    calls: ['play pb-1 sound:p_menu'],
    check: async (h) => {
      expect(h.manager.sessions.size).toBe(0);
      expect((await h.callLog.recentCalls(5))[0]).toMatchObject({ callId: 'c1', outcome: 'abandoned' });
    },
  },
];

interface Harness { ctx: ReturnType<typeof testContext>; ari: FakeAri; manager: CallManager; callLog: CallLog; logs: ReturnType<typeof memoryLogger> }
const cleanups: Array<() => void> = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

async function harness(c: Pick<Case, 'flow' | 'ringback' | 'noCache' | 'timeScale'>): Promise<Harness> {
  const ctx = testContext();
  const ari = new FakeAri();
  const logs = memoryLogger();
  const callLog = new CallLog(ctx, ctx.store.calls, 10_000);
  // A prompt cache directory (only its dir is used here): the ring-back file is written into it.
  const cache = c.noCache ? null : ({ dir: join(ctx.config.data.dir, 'tts'), recordedPrompt: () => false } as unknown as ConstructorParameters<typeof MediaResolver>[0]['cache']);
  const media = new MediaResolver({ cache, catalogue: {}, publicUrl: () => 'http://127.0.0.1:1', timeZone: 'Asia/Shanghai', log: silentLogger });
  if (!c.noCache) await media.prepareRingback();
  const manager = new CallManager({
    ctx, engine: engineFromYaml(c.flow), ari, media, callLog, log: logs,
    effects: { ctx, ari, sms: null, recordingsDir: join(ctx.config.data.dir, 'recordings'), minRecordingSec: 1, log: silentLogger },
    app: 'hotline96365', timeScale: c.timeScale ?? 1000, operatorEndpoint: 'PJSIP/operator', transferTimeoutSec: 300, maxRecordingSec: 180, maxLookupsPerCall: 3,
    ringback: c.ringback ?? 'file', mohClass: 'default',
  });
  cleanups.push(() => { manager.stop(); ctx.cleanup(); });
  return { ctx, ari, manager, callLog, logs };
}

const chan = (id: string) => ({ id, state: 'Up', caller: { number: '13800001111' }, dialplan: { exten: '96365' } });

/** `settle N`: wait (up to 10 s, for a loaded machine) until the case's calls were made, then N ms for any extra. */
async function run(h: Harness, step: string, expectedCalls = 0): Promise<void> {
  const [verb, a, b] = step.split(' ');
  const { ari, manager } = h;
  switch (verb) {
    case 'start': ari.channels.add('c1'); manager.onEvent({ type: 'StasisStart', args: [], channel: chan('c1') }); break;
    case 'finish': {
      const id = ari.playIds[Number(a) - 1];
      const target = id.startsWith('sorry-') ? id.split('-')[1] : 'c1';
      ari.livePlaybacks.delete(id);
      manager.onEvent({ type: 'PlaybackFinished', playback: { id, state: 'done', target_uri: `channel:${target}` } });
      break;
    }
    case 'dtmf': manager.onEvent({ type: 'ChannelDtmfReceived', digit: a, channel: chan('c1') }); break;
    case 'keys': for (const k of a) manager.onEvent({ type: 'ChannelDtmfReceived', digit: k, channel: chan('c1') }); break;
    case 'wait': await new Promise((r) => setTimeout(r, Number(a))); break;
    case 'settle': {
      const end = Date.now() + 10_000;
      while (ari.calls.filter((x) => !x.startsWith('stopRecording')).length < expectedCalls && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Number(a)));
      break;
    }
    case 'fail': ari.failNext.set(a, Number(b)); break;
    case 'slowplay': ari.playDelayMs = 30; break;
    case 'recfailed': manager.onEvent({ type: 'RecordingFailed', recording: { name: ari.recordNames.at(-1), state: 'failed', cause: 'disk full', target_uri: 'channel:c1' } }); break;
    case 'stored': ari.stored.set(ari.recordNames.at(-1)!, encodeWavPcm16(new Int16Array(8000 * Number(a)).fill(1000), 8000)); break;
    case 'unrecord': ari.liveRecordings.clear(); break;
    case 'hangup': manager.onEvent({ type: 'ChannelHangupRequest', channel: chan('c1') }); break;
    case 'stasisend': ari.channels.delete('c1'); manager.onEvent({ type: 'StasisEnd', channel: chan('c1') }); break;
    case 'resync': await manager.resync(); break;
    case 'vanish': ari.channels.delete('c1'); break;
    case 'unknown': ari.channels.add(a); break;
    case 'endpoint': {
      if (b === 'absent') ari.endpoints.delete(a);
      else ari.endpoints.set(a, { state: b === 'busy' ? 'online' : b, channelIds: b === 'busy' ? ['other'] : [] });
      break;
    }
    case 'ringfail': case 'ringdone': {
      const id = [...ari.playIds].reverse().find((x) => x.includes('-ring-'))!;
      manager.onEvent({ type: 'PlaybackFinished', playback: { id, state: verb === 'ringfail' ? 'failed' : 'done', target_uri: 'channel:c1' } });
      break;
    }
    case 'answerop': ari.channels.add('c1-op1'); manager.onEvent({ type: 'StasisStart', args: ['transfer', 'c1'], channel: { id: 'c1-op1', state: 'Up' } }); break;
    case 'opgone': manager.onEvent({ type: 'ChannelDestroyed', cause: Number(a), channel: { id: 'c1-op1' } }); break;
    default: throw new Error(`unknown step ${step}`);
  }
  await new Promise((r) => setImmediate(r));
}

describe('call session rules (FakeAri)', () => {
  for (const c of CASES) {
    it(c.label, async () => {
      const h = await harness(c);
      for (const s of c.steps) await run(h, s, c.calls.length);
      // Media URLs are signed (…/<hash>/<expiry>/<signature>.wav): compared by file.
      const unsigned = (x: string) => x.replace(/\/media\/tts\/([0-9a-f]{64})\/\d+\/[0-9a-f]{64}\.wav/g, '/media/tts/$1.wav');
      expect(h.ari.calls.filter((x) => !x.startsWith('stopRecording')).map(unsigned)).toEqual(c.calls);
      await c.check?.(h);
    });
  }
});

describe('status query latency (issue 15)', () => {
  it('the key that completes a query code is answered with the status prompt before any macrotask: the store reads resolve as microtasks (SQLite)', async () => {
    const h = await harness({ flow: LOOKUP });
    const { department } = await addDepartment(h.ctx.store, 'SCJG', '市市场监督管理局');
    const { declaration } = await h.ctx.declarations.upsert(department, 'L-1', { itemName: '食品经营许可', acceptedAt: '2026-11-18T01:00:00Z' });
    await run(h, 'start');
    await run(h, 'finish 1');
    const code = declaration.queryCode;
    expect(code).toHaveLength(12); // the 12th digit completes the gather
    for (const k of code.slice(0, 11)) h.manager.onEvent({ type: 'ChannelDtmfReceived', digit: k, channel: chan('c1') });
    await new Promise((r) => setImmediate(r));
    expect(h.ari.calls.some((c) => c.includes('sound:p_found'))).toBe(false);
    let macrotask = false;
    setImmediate(() => { macrotask = true; });
    h.manager.onEvent({ type: 'ChannelDtmfReceived', digit: code[11], channel: chan('c1') });
    let hops = 0;
    while (!h.ari.calls.some((c) => c.includes('sound:p_found')) && hops < 1000) { await Promise.resolve(); hops++; }
    expect(h.ari.calls.at(-1)).toMatch(/^play pb-\d+ sound:p_found$/);
    expect(macrotask).toBe(false);
  });
});

/**
 * Operator transfer on an Asterisk without tone zones (the ARI simulator's default, like an Asterisk
 * without indications.conf): the caller hears the announcement and then ring-back — never silence —
 * and a refused originate (operator phone not registered) ends in the fallback offer.
 * Before: ring-back was `tone:ring;tonezone=cn`, which fails at once there (PlaybackFinished failed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptDone, startVoiceServer, THURSDAY_10, waitPrompt, type VoiceTestServer } from '../voice/calls/helpers.js';

let t: VoiceTestServer;
// 30 s ring time: 300 ms on the simulator (100×), so the operator below answers while it still rings.
beforeAll(async () => { t = await startVoiceServer({ HOTLINE_VOICE_TRANSFER_TIMEOUT_SEC: '30' }, { clockAt: THURSDAY_10 }); });
afterAll(async () => { await t?.stop(); });

const isRingback = (m: string) => !!t.voice.media?.describe(m)?.ringback;

describe('operator transfer without a tone zone', () => {
  it('announces the transfer, then plays the generated ring-back (it does not fail), then bridges', async () => {
    let leg: string | undefined;
    t.sim.onOriginate((req) => { leg = req.channelId; return { action: 'answer', delayMs: 150 }; });
    const call = t.sim.startCall({ from: '13911116666' });
    await promptDone(t.voice, call, 'main_menu');
    await call.press('0');
    await promptDone(t.voice, call, 'transferring');
    const rb = await call.waitForPlayback((p) => p.media.some(isRingback), 3000);
    expect(rb.media[0]).toMatch(/^sound:http:\/\/.*\/media\/tts\/[0-9a-f]{64}\/\d{10}\/[0-9a-f]{64}\.wav$/); // signed
    await call.waitFor((e) => e.type === 'PlaybackStarted' && (e.playback as { id?: string }).id === rb.id, 3000); // the caller hears it
    await call.waitFor('ChannelEnteredBridge', 5000);
    // Stopped when the operator answered ('done'), never failed; nothing the caller heard failed.
    expect(await rb.finished).toBe('done');
    expect(call.heard.filter((h) => h.kind === 'prompt-end' && h.state === 'failed')).toEqual([]);
    expect(call.playbacks.some((p) => p.media.some((m) => m.startsWith('tone:ring')))).toBe(false);
    await t.sim.getCall(leg!)!.hangup();
    await call.ended;
    t.sim.onOriginate(undefined);
  });

  it('operator phone not registered: the originate is refused, the caller hears ring-back and then the fallback offer', async () => {
    t.sim.setEndpoint('PJSIP/operator', 'offline');
    try {
      const call = t.sim.startCall({ from: '13911115555' });
      await promptDone(t.voice, call, 'main_menu');
      await call.press('0');
      await waitPrompt(t.voice, call, 'transferring');
      await waitPrompt(t.voice, call, 'operator_busy', 5000);
      expect(t.sim.allCalls().some((c) => c.direction === 'outbound' && c.to === 'operator' && c.from === '13911115555')).toBe(false);
      await call.hangup();
    } finally {
      t.sim.setEndpoint('PJSIP/operator', 'online');
    }
  });
});

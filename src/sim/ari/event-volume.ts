/**
 * The extra events a real Asterisk 22.9 sends a Stasis app per call (AriSimulator option
 * `eventVolume: 'asterisk'`), beyond the ones the simulator always sends.
 *
 * From ../shared/reference/ari-events-observed.json (real Asterisk 22.9, PJSIP caller, app without
 * subscribeAll): the app receives only events of channels while they are in Stasis (or subscribed),
 * so the dialplan's own events before Stasis() (ChannelCreated, ChannelDialplan for each priority,
 * ChannelStateChange Ring→Up by Answer()) never reach it. What does reach it, besides StasisStart,
 * PlaybackStarted/Continuing/Finished, ChannelDtmfReceived (one per key), ChannelHangupRequest and
 * StasisEnd — which the simulator already sends — is the RTP statistics chan_pjsip writes into
 * channel variables when the media session ends: "ChannelVarset x5 (RTPAUDIOQOS*)" right before
 * ChannelHangupRequest, both for the caller's BYE and for the app's DELETE (PJSIP channels only).
 * Each carries the whole channel snapshot (~0.9 KB of JSON per event).
 *
 * The values follow main/rtp_engine.c ast_rtp_instance_get_quality() formats (counts and jitter
 * derived from the call's length, so their size is that of a real call's).
 */

export interface VarsetSpec {
  variable: string;
  value: string;
}

const f6 = (n: number) => n.toFixed(6);
const z6 = (n: number) => n.toFixed(6).padStart(10, '0');

/** A small deterministic PRNG so a call's values are stable within a run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) / 0x1000000;
  };
}

/**
 * The five RTPAUDIOQOS* variables chan_pjsip sets at the end of a call's media session.
 * `seconds` is how long the call had media (20 ms packets: 50 a second each way).
 */
export function rtpQosVarsets(channelId: string, seconds: number): VarsetSpec[] {
  let h = 0;
  for (let i = 0; i < channelId.length; i++) h = (Math.imul(h, 31) + channelId.charCodeAt(i)) >>> 0;
  const r = rng(h);
  const packets = Math.max(0, Math.round(seconds * 50));
  const ssrc = Math.floor(r() * 0xffffffff);
  const them = Math.floor(r() * 0xffffffff);
  const rxj = r() * 0.002, txj = r() * 0.002, rtt = r() * 0.0008;
  const mes = 90 + r() * 10;
  return [
    {
      variable: 'RTPAUDIOQOS',
      value: `ssrc=${ssrc};themssrc=${them};lp=0;rxjitter=${f6(rxj)};rxcount=${packets};txjitter=${f6(txj)};txcount=${packets};rlp=0;rtt=${f6(rtt)};rxmes=${f6(mes)};txmes=${f6(mes)}`,
    },
    {
      variable: 'RTPAUDIOQOSJITTER',
      value: `minrxjitter=${z6(0)};maxrxjitter=${z6(rxj * 2)};avgrxjitter=${z6(rxj)};stdevrxjitter=${z6(rxj / 3)};mintxjitter=${z6(0)};maxtxjitter=${z6(txj * 2)};avgtxjitter=${z6(txj)};stdevtxjitter=${z6(txj / 3)};`,
    },
    {
      variable: 'RTPAUDIOQOSLOSS',
      value: `minrxlost=${z6(0)};maxrxlost=${z6(0)};avgrxlost=${z6(0)};stdevrxlost=${z6(0)};mintxlost=${z6(0)};maxtxlost=${z6(0)};avgtxlost=${z6(0)};stdevtxlost=${z6(0)};`,
    },
    {
      variable: 'RTPAUDIOQOSRTT',
      value: `minrtt=${z6(rtt / 2)};maxrtt=${z6(rtt * 2)};avgrtt=${z6(rtt)};stdevrtt=${z6(rtt / 4)};`,
    },
    {
      variable: 'RTPAUDIOQOSMES',
      value: `minrxmes=${z6(mes - 2)};maxrxmes=${z6(mes)};avgrxmes=${z6(mes - 1)};stdevrxmes=${z6(0.5)};mintxmes=${z6(mes - 2)};maxtxmes=${z6(mes)};avgtxmes=${z6(mes - 1)};stdevtxmes=${z6(0.5)};`,
    },
  ];
}

/** Does a channel of this name carry RTP statistics at hang-up? (PJSIP channels; not Local/…) */
export function hasRtpStats(channelName: string): boolean {
  return channelName.startsWith('PJSIP/');
}

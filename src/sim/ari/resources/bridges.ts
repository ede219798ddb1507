/** ARI bridges resource (bridges.json): create/list/get/destroy, add/remove channels, play/record on a bridge. Handlers keyed `bridges.<nickname>` as in the swagger file. */
import type { AriSimulator } from '../simulator.js';
import { AriError, noContent, ok, type BridgeRec, type Handler } from '../model.js';
import { asteriskTimestamp, uuid } from '../util.js';
import { endBridgeRecordings, startBridgeRecording } from '../bridge-recording.js';

export function bridgesHandlers(sim: AriSimulator): Record<string, Handler> {
  return {
    'bridges.list': () => ok([...sim.bridges.values()].map((b) => sim.bridgeJson(b))),
    'bridges.create': (p) => {
      const types = (p.get('type') ?? 'mixing').split(',').map((t) => t.trim()).filter(Boolean);
      const valid = ['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'];
      if (types.some((t) => !valid.includes(t))) throw new AriError(400, 'Invalid bridge type');
      const id = p.get('bridgeId') || uuid();
      if (sim.bridges.has(id)) throw new AriError(409, 'Bridge with the same bridgeId already exists');
      const b: BridgeRec = {
        id,
        type: types.includes('holding') ? 'holding' : 'mixing',
        name: p.get('name') ?? '',
        channels: [],
        creationtime: asteriskTimestamp(),
        subs: new Set(),
      };
      sim.bridges.set(id, b);
      return ok(sim.bridgeJson(b));
    },
    'bridges.get': (p) => {
      const b = sim.bridges.get(p.get('bridgeId') ?? '');
      if (!b) throw new AriError(404, 'Bridge not found');
      return ok(sim.bridgeJson(b));
    },
    'bridges.destroy': (p) => {
      const b = sim.bridges.get(p.get('bridgeId') ?? '');
      if (!b) throw new AriError(404, 'Bridge not found');
      endBridgeRecordings(sim, b);
      for (const id of [...b.channels]) {
        const ch = sim.channels.get(id);
        if (ch) sim.leaveBridge(ch, b);
      }
      sim.bridges.delete(b.id);
      sim.emitTo(sim.bridgeTargets(b), 'BridgeDestroyed', { bridge: sim.bridgeJson(b) });
      return noContent();
    },
    'bridges.addChannel': (p) => {
      const { bridge, chans } = sim.bridgeChannels(p, (ch) => {
        if (!ch.stasisApp) throw new AriError(422, 'Channel not in Stasis application');
        if (ch.current?.kind === 'record') throw new AriError(409, 'Channel currently recording');
      });
      for (const ch of chans) sim.joinBridge(ch, bridge);
      return noContent();
    },
    'bridges.record': (p) => startBridgeRecording(sim, p),
    'bridges.removeChannel': (p) => {
      const { bridge, chans } = sim.bridgeChannels(p, (ch, b) => {
        if (ch.bridge !== b) throw new AriError(422, 'Channel not in sim bridge');
      });
      for (const ch of chans) sim.leaveBridge(ch, bridge);
      return noContent();
    },
  };
}

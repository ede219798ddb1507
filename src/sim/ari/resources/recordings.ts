/** ARI recordings resource (recordings.json): live recordings (stop/cancel/pause/mute) and stored ones (list/get/file/copy/delete). Handlers keyed `recordings.<nickname>` as in the swagger file. */
import { existsSync, readFileSync } from 'node:fs';

import type { AriSimulator } from '../simulator.js';
import { AriError, noContent, FORMATS, ok, type Handler } from '../model.js';
import { finishBridgeRecording } from '../bridge-recording.js';

export function recordingsHandlers(sim: AriSimulator): Record<string, Handler> {
  return {
    'recordings.listStored': () => ok([...sim.stored.values()].map((r) => ({ name: r.name, format: r.format }))),
    'recordings.getStored': (p) => {
      const r = sim.stored.get(p.get('recordingName') ?? '');
      if (!r) throw new AriError(404, 'Recording not found');
      return ok({ name: r.name, format: r.format });
    },
    'recordings.deleteStored': (p) => {
      if (!sim.deleteStoredFile(p.get('recordingName') ?? '')) throw new AriError(404, 'Recording not found');
      return noContent();
    },
    'recordings.getStoredFile': (p) => {
      const r = sim.stored.get(p.get('recordingName') ?? '');
      if (!r || !existsSync(r.file)) throw new AriError(404, 'Recording not found');
      let body: Buffer;
      try {
        body = readFileSync(r.file);
      } catch {
        throw new AriError(403, 'The recording file could not be opened');
      }
      return { status: 200, body, contentType: FORMATS[r.format]?.mime ?? 'application/octet-stream' };
    },
    'recordings.getLive': (p) => {
      const br = sim.bridgeRecordings.get(p.get('recordingName') ?? '');
      if (br) return ok({ name: br.name, format: br.format, state: br.state, target_uri: `bridge:${br.bridge.id}` });
      const rec = sim.liveRecordings.get(p.get('recordingName') ?? '');
      if (!rec) throw new AriError(404, 'Recording not found');
      return ok(sim.recordingJson(rec));
    },
    'recordings.cancel': (p) => {
      const rec = sim.liveRecordings.get(p.get('recordingName') ?? '');
      if (!rec) throw new AriError(404, 'Recording not found');
      sim.stopLive(rec, 'cancel');
      return noContent();
    },
    'recordings.stop': (p) => {
      const br = sim.bridgeRecordings.get(p.get('recordingName') ?? '');
      if (br) { finishBridgeRecording(sim, br); return noContent(); }
      const rec = sim.liveRecordings.get(p.get('recordingName') ?? '');
      if (!rec) throw new AriError(404, 'Recording not found');
      sim.stopLive(rec, 'stop');
      return noContent();
    },
  };
}

/** ARI playbacks resource (playbacks.json): get, control, stop. Handlers keyed `playbacks.<nickname>` as in the swagger file. */
import type { AriSimulator } from '../simulator.js';
import { AriError, noContent, ok, type Handler } from '../model.js';

export function playbacksHandlers(sim: AriSimulator): Record<string, Handler> {
  return {
    'playbacks.get': (p) => {
      const pb = sim.playbacks.get(p.get('playbackId') ?? '');
      if (!pb) throw new AriError(404, 'Playback not found');
      return ok(sim.playbackJson(pb));
    },
    'playbacks.stop': (p) => {
      const pb = sim.playbacks.get(p.get('playbackId') ?? '');
      if (!pb) throw new AriError(404, 'Playback not found');
      pb.sim.stopped = true;
      if (pb.state === 'queued') pb.canceled = true;
      else if (pb.state === 'playing' || pb.state === 'continuing') {
        pb.stopped = true;
        pb.interrupt?.('stop');
      }
      return noContent();
    },
  };
}

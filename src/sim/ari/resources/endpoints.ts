/** ARI endpoints resource (endpoints.json): list and get, with the simulated endpoint states. Handlers keyed `endpoints.<nickname>` as in the swagger file. */
import type { AriSimulator } from '../simulator.js';
import { AriError, ok, type Handler } from '../model.js';

export function endpointsHandlers(sim: AriSimulator): Record<string, Handler> {
  return {
    'endpoints.list': () => {
      const out: Record<string, unknown>[] = [];
      for (const [name, st] of sim.endpointStates) {
        const i = name.indexOf('/');
        if (st !== 'absent' && i > 0) out.push(sim.endpointJson(name.slice(0, i), name.slice(i + 1), st));
      }
      return ok(out);
    },
    'endpoints.get': (p) => {
      const tech = p.get('tech') ?? '';
      const resource = p.get('resource') ?? '';
      const st = sim.endpointState(`${tech}/${resource}`);
      if (st === 'absent' || tech === 'Local') throw new AriError(404, 'Endpoint not found');
      return ok(sim.endpointJson(tech, resource, st));
    },
  };
}

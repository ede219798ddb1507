/** ARI applications resource (applications.json): list/get, subscribe/unsubscribe. Handlers keyed `applications.<nickname>` as in the swagger file. */
import type { AriSimulator } from '../simulator.js';
import { AriError, ok, type Handler } from '../model.js';

export function applicationsHandlers(sim: AriSimulator): Record<string, Handler> {
  return {
    'applications.list': () => ok([...sim.knownApps].filter((a) => sim.appExists(a)).map((a) => sim.applicationJson(a))),
    'applications.get': (p) => {
      const name = p.get('applicationName') ?? '';
      if (!sim.appExists(name)) throw new AriError(404, 'Application not found');
      return ok(sim.applicationJson(name));
    },
    'applications.subscribe': (p) => sim.subscription(p, true),
    'applications.unsubscribe': (p) => sim.subscription(p, false),
  };
}

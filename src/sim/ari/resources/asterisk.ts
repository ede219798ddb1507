/** ARI asterisk resource (asterisk.json): GET /asterisk/info, /asterisk/ping. Handlers keyed `asterisk.<nickname>` as in the swagger file. */
import type { AriSimulator } from '../simulator.js';
import { ok, type Handler } from '../model.js';
import { asteriskTimestamp } from '../util.js';

export function asteriskHandlers(sim: AriSimulator): Record<string, Handler> {
  return {
    'asterisk.getInfo': (p) => {
      const all: Record<string, unknown> = {
        build: { os: 'Linux', kernel: '6.1.0', options: 'BUILD_NATIVE, OPTIONAL_API', machine: 'x86_64', date: '2026-11-26 00:00:00 UTC', user: 'ari-sim' },
        system: { version: '22.9.0', entity_id: sim.opts.asteriskId },
        config: { name: 'ari-sim', default_language: sim.opts.language, setid: { user: 'asterisk', group: 'asterisk' } },
        status: { startup_time: sim.startupTime, last_reload_time: sim.startupTime },
      };
      const only = p.list('only');
      if (!only.length) return ok(all);
      return ok(Object.fromEntries(Object.entries(all).filter(([k]) => only.includes(k))));
    },
    'asterisk.ping': () => ok({ asterisk_id: sim.opts.asteriskId, ping: 'pong', timestamp: asteriskTimestamp() }),
  };
}

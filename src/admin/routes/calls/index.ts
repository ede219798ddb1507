/** The panel's calls (through the voice port): active and recent (roles: ../../routes-table.ts). */
import { maskDeep } from '../../views.js';
import { needVoice, type AdminKit, type RouteGroup } from '../common.js';

export function callRoutes(kit: AdminKit): RouteGroup {
  return {
    name: 'calls',
    handlers: {
      'GET /api/calls': async () => {
        const v = needVoice(kit);
        const [active, recent] = await Promise.all([v.activeCalls(), v.recentCalls(50)]);
        return { active: active.map((c) => maskDeep(c)), recent: recent.map((c) => maskDeep(c)) };
      },
    },
  };
}

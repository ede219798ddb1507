/**
 * The panel's JSON API as route groups, one fastify plugin each (a folder per group: index.ts with its
 * handlers, schemas.ts with its body schemas). Who may call what is only in ../routes-table.ts: the
 * groups supply handlers for its rows, `checkRouteTable` refuses to start when the two disagree.
 */
import type { FastifyInstance } from 'fastify';
import { adminKit, checkRouteTable, routeGroupPlugin, type AdminDeps, type RouteGroup } from './common.js';
import { installGuard } from './guard.js';
import { shellRoutes } from './shell/index.js';
import { sessionRoutes } from './session/index.js';
import { feedbackRoutes } from './feedback/index.js';
import { workOrderRoutes } from './work-orders/index.js';
import { declarationRoutes } from './declarations/index.js';
import { smsRoutes } from './sms/index.js';
import { callRoutes } from './calls/index.js';
import { supervisionRoutes } from './supervision/index.js';
import { assessmentRoutes } from './assessment/index.js';
import { userRoutes } from './users/index.js';
import { testPhoneRoutes } from './testphone/index.js';
import { seatRoutes } from './seat/index.js';
import { webRoutes } from './web/index.js';

export type { AdminDeps, AdminKit, RouteGroup } from './common.js';
export { FEEDBACK_ANSWER_WORKING_DAYS } from './supervision/index.js';

const GROUPS = [sessionRoutes, feedbackRoutes, workOrderRoutes, declarationRoutes, smsRoutes, callRoutes, supervisionRoutes, assessmentRoutes, userRoutes, testPhoneRoutes, seatRoutes, webRoutes];

/** Every group built on the deps; throws when ROUTES and the handlers disagree. */
export function adminRouteGroups(deps: AdminDeps): RouteGroup[] {
  const kit = adminKit(deps);
  const groups = GROUPS.map((g) => g(kit));
  checkRouteTable(groups);
  return groups;
}

/** The /admin scope: the guard's hooks first (inherited by every group), then the shell, then each group as its own plugin. */
export function adminPlugin(deps: AdminDeps): (app: FastifyInstance) => Promise<void> {
  const groups = adminRouteGroups(deps);
  const shell = shellRoutes(deps);
  return async (app) => {
    installGuard(app, deps);
    await app.register(shell);
    for (const g of groups) await app.register(routeGroupPlugin(g));
  };
}

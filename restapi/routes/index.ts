/** Every route of the API, grouped by feature. */
import type { AnyRoute } from '../http/route.js';
import { accountRoutes } from './accounts.js';
import { deviceRoutes } from './devices.js';
import { instanceRoutes } from './instances.js';
import { metaRoutes } from './meta.js';
import { paymentRoutes } from './payments.js';
import { runRoutes } from './runs.js';
import type { RouteDeps } from './support.js';
import { tokenRoutes } from './tokens.js';
import { workflowRoutes } from './workflows.js';
import { worktyRoutes } from './workties.js';

export type { RouteDeps } from './support.js';

export function allRoutes(deps: RouteDeps, openapi: () => unknown): AnyRoute[] {
  return [
    ...metaRoutes(deps, openapi),
    ...accountRoutes(deps),
    ...workflowRoutes(deps),
    ...instanceRoutes(deps),
    ...runRoutes(deps),
    ...worktyRoutes(deps),
    ...paymentRoutes(deps),
    ...deviceRoutes(deps),
    ...tokenRoutes(deps),
  ];
}

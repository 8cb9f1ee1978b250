/** Every route of the API, grouped by feature; each serves a use case of `shared/services`. */
import { createServices, tokenUseCases } from '../../shared/services/index.js';
import type { AnyRoute } from '../http/route.js';
import { accountRoutes } from './accounts.js';
import { deviceRoutes } from './devices.js';
import { instanceRoutes } from './instances.js';
import { metaRoutes } from './meta.js';
import { paymentRoutes } from './payments.js';
import { runRoutes } from './runs.js';
import type { RouteDeps, RouteServices } from './support.js';
import { tokenRoutes } from './tokens.js';
import { workflowRoutes } from './workflows.js';
import { worktyRoutes } from './workties.js';

export type { RouteDeps } from './support.js';

export function allRoutes(deps: RouteDeps, openapi: () => unknown): AnyRoute[] {
  const serviceDeps = { store: deps.store, hasher: deps.hasher, limits: { packageLimit: deps.config.packageLimit } };
  const services: RouteServices = { ...createServices(serviceDeps), tokens: tokenUseCases(serviceDeps, { tokenTtlMs: deps.config.tokenTtlMs }) };
  return [
    ...metaRoutes(deps, services, openapi),
    ...accountRoutes(services),
    ...workflowRoutes(services),
    ...instanceRoutes(services),
    ...runRoutes(services),
    ...worktyRoutes(services, deps),
    ...paymentRoutes(services),
    ...deviceRoutes(services),
    ...tokenRoutes(services),
  ];
}

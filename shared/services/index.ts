/**
 * The transport-neutral application layer: every use case of the API, grouped by feature. REST
 * routes (`restapi/routes`) and the supervisor's client sockets (`supervisor/clients`) are thin
 * adapters over these; neither checks permissions, validates or calls the store itself.
 */
import { accountUseCases } from './accounts.js';
import type { ServiceDeps } from './deps.js';
import { deviceUseCases } from './devices.js';
import { dictionaryUseCases } from './dictionaries.js';
import { instanceUseCases } from './instances.js';
import { paymentUseCases } from './payments.js';
import { runUseCases } from './runs.js';
import { workflowUseCases } from './workflows.js';
import { worktyUseCases } from './workties.js';

export type { ServiceDeps, ServiceLimits } from './deps.js';
export type { Actor, AnyUseCase, InputSource, UseCase, UseCaseInput } from './use-case.js';
export { execute, prepare } from './use-case.js';
export type { Deleted, ListResult } from './results.js';
export { tokenUseCases } from './tokens.js';
export type { TokenOptions, TokenUseCases } from './tokens.js';

/** The use cases every transport offers (tokens are REST's only: see `tokenUseCases`). */
export function createServices(deps: ServiceDeps) {
  return {
    accounts: accountUseCases(deps),
    workflows: workflowUseCases(deps),
    instances: instanceUseCases(deps),
    runs: runUseCases(deps),
    workties: worktyUseCases(deps),
    payments: paymentUseCases(deps),
    devices: deviceUseCases(deps),
    dictionaries: dictionaryUseCases(deps),
  };
}

export type Services = ReturnType<typeof createServices>;

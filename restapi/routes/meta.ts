/** Routes about the API itself: health (no auth), its OpenAPI description (no auth), dictionaries. */
import { z } from 'zod';
import { EMPTY_QUERY } from '../../shared/services/list-query.js';
import { route, serve } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { dictionaryEntryDoc } from '../../shared/representation/schemas.js';
import { healthDoc } from '../schemas/documents.js';
import type { RouteDeps, RouteServices } from './support.js';
import { AUTH_ERRORS } from './support.js';

/** Resolves within `ms`, else rejects: a hung store must not hang the health report. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function metaRoutes({ store, probe, config }: RouteDeps, { dictionaries }: RouteServices, openapi: () => unknown): AnyRoute[] {
  return [
    route({
      method: 'GET', path: '/health', name: 'health', tag: 'meta', public: true,
      summary: 'Reachability of the store and the supervisor (200 unless the store is down: 503)',
      query: EMPTY_QUERY,
      responses: {
        200: { description: 'Serving; `supervisor` says whether runs are being carried out', schema: healthDoc },
        503: { description: 'The store is unreachable', schema: healthDoc },
      },
      errors: [],
      async handle() {
        const [storeState, supervisor] = await Promise.all([
          within(store.ping(), config.supervisorProbeTimeoutMs).then(() => 'ok' as const, () => 'unreachable' as const),
          probe.check(),
        ]);
        const status = storeState !== 'ok' ? 'unavailable' : supervisor !== 'ok' ? 'degraded' : 'ok';
        return {
          status: storeState === 'ok' ? 200 : 503,
          body: { status, store: storeState, supervisor },
          headers: { 'Cache-Control': 'no-store' },
        };
      },
    }),
    route({
      method: 'GET', path: '/openapi.json', name: 'openapi', tag: 'meta', public: true,
      summary: 'This API described in OpenAPI 3, generated from the schemas that validate requests',
      query: EMPTY_QUERY,
      responses: { 200: { description: 'The OpenAPI document' } },
      errors: [],
      async handle() {
        return { status: 200, body: openapi() };
      },
    }),
    serve(dictionaries.names, {
      method: 'GET', path: '/dictionaries', name: 'listDictionaries', tag: 'dictionaries',
      summary: 'The names of the dictionaries',
      responses: { 200: { description: 'Dictionary names', schema: z.array(z.string()) } },
      errors: AUTH_ERRORS,
      reply: (names) => ({ status: 200, body: names }),
    }),
    serve(dictionaries.get, {
      method: 'GET', path: '/dictionaries/:name', name: 'getDictionary', tag: 'dictionaries',
      summary: 'The entries of a dictionary: worktyTypes, worktyCategories, languageTypes, validationStates, instanceStates, deviceStates, runStatuses, roles',
      responses: { 200: { description: 'The entries', schema: z.array(dictionaryEntryDoc) } },
      errors: [...AUTH_ERRORS, 404],
      reply: (entries) => ({ status: 200, body: entries }),
    }),
  ];
}

/** What every route module needs: its dependencies, and how use case results are answered over HTTP. */
import type { RestapiConfig } from '../../config/index.js';
import type { ApiDoc } from '../../shared/representation/types.js';
import type { PasswordHasher } from '../../shared/security/passwords.js';
import type { ListResult, Services, TokenUseCases } from '../../shared/services/index.js';
import type { Store } from '../../shared/store/port.js';
import type { SupervisorProbe } from '../health.js';
import type { JsonReply } from '../http/route.js';

export interface RouteDeps {
  store: Store;
  hasher: PasswordHasher;
  probe: SupervisorProbe;
  config: Pick<RestapiConfig, 'packageLimit' | 'tokenTtlMs' | 'restBodyLimit' | 'supervisorProbeTimeoutMs'>;
}

/** The use cases the routes serve. */
export interface RouteServices extends Services {
  tokens: TokenUseCases;
}

/** Documented header of list answers. */
export const RECORDS_COUNT = { 'Records-count': 'With count=true: the total of matching documents (all pages)' };
export const LOCATION = { Location: 'URL of the created document' };

/** Error statuses every authenticated route may answer. */
export const AUTH_ERRORS = [400, 401, 403, 429] as const;

/** A list answer, with `Records-count` when counted. */
export function listReply(result: ListResult): JsonReply {
  const headers: Record<string, string> = {};
  if (result.total !== null) headers['Records-count'] = String(result.total);
  return { status: 200, body: result.docs, headers };
}

/** One document (200), or a created one (201 with its `Location`, a path under `/api/v1`). */
export function documentReply(doc: ApiDoc, status = 200, location?: string): JsonReply {
  const reply: JsonReply = { status, body: doc };
  if (location !== undefined) reply.location = location;
  return reply;
}

/** A created document at `${collection}/${_id}`. */
export function createdReply(collection: string) {
  return (doc: ApiDoc): JsonReply => documentReply(doc, 201, `${collection}/${String(doc._id)}`);
}

export const okReply = (doc: ApiDoc): JsonReply => documentReply(doc);

export const noContent: JsonReply = { status: 204 };
export const noContentReply = (): JsonReply => noContent;

/**
 * A route is declared once, as data: method, path, permission, the schemas of its path parameters,
 * query and body, its documented responses, and a handler. The same declarations are mounted on
 * restify (`mountRoutes`) and described in `openapi.json` (`openapi.ts`), so the document cannot
 * drift from what is enforced. Most routes serve a use case of `shared/services` (`serve`): the
 * permission and the schemas are the use case's, and the route only says how it is answered.
 *
 * Every authenticated route runs the same steps, in this order: authenticate → authorise (the role
 * matrix, `authorize()`) → path parameters → query → body (`prepare`, shared with the supervisor's
 * sockets) → handler → response. Nothing reaches a handler unauthenticated, unauthorised or
 * unvalidated.
 */
import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { Action, Authorization, Resource } from '../../shared/domain/acl.js';
import type { Account } from '../../shared/domain/model.js';
import type { Logger } from '../../shared/log.js';
import type { UseCase } from '../../shared/services/use-case.js';
import { prepare } from '../../shared/services/use-case.js';
import { readJsonBody } from './body.js';
import { readRawQuery } from './query.js';
import type { ResponseCache } from './response-cache.js';
import { API_PREFIX, JSON_CONTENT_TYPE, locationOf, sendBytes, sendJson, serialise } from './send.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One documented response of a route. */
export interface ResponseDoc {
  description: string;
  /** The JSON body's schema; omitted for an empty body. */
  schema?: z.ZodType;
  /** A non-JSON body (e.g. `application/zip`). */
  contentType?: string;
  /** Response headers worth documenting, name → meaning. */
  headers?: Record<string, string>;
}

export interface JsonReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A path under `/api/v1`; sent as an absolute `Location` on the request's own host. */
  location?: string;
}

export interface BytesReply {
  status: number;
  bytes: Buffer;
  contentType: string;
  headers?: Record<string, string>;
}

export type Reply = JsonReply | BytesReply;

export interface RouteContext<P, Q, B> {
  readonly req: Request;
  readonly res: Response;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The authenticated account (routes with `public: true` must not read it). */
  readonly caller: Account;
  /** The caller's reach for the route's `permission` (routes without one must not read it). */
  readonly auth: Authorization;
  readonly log: Logger;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Path under `/api/v1`, restify syntax (`/workflows/:id`). */
  path: string;
  /** Unique, stable name (OpenAPI `operationId`, request log). */
  name: string;
  summary: string;
  /** Groups routes in the OpenAPI document. */
  tag: string;
  /** No authentication (health, openapi.json). */
  public?: boolean;
  /**
   * A GET whose 200 answer depends only on the store, seen through the caller and the request URL:
   * it may be served from the response cache while the store's change feed has not moved (see
   * response-cache.ts for what that requires of the store's writes).
   */
  cacheable?: boolean;
  /** The role-matrix permission checked before anything else. */
  permission?: readonly [Resource, Action];
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Body size limit in bytes; default: the server's. */
  bodyLimit?: number;
  responses: Record<number, ResponseDoc>;
  /** Error statuses this route documents (the error body is the same for all). */
  errors: readonly number[];
  handle(ctx: RouteContext<P, Q, B>): Promise<Reply>;
}

/** A route with its types erased, for tables of routes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route with its types inferred from its schemas. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as AnyRoute;
}

/** The HTTP side of a route serving a use case: address, documentation, and how a result is answered. */
export interface ServedRoute<P, Q, B, R> extends Omit<RouteSpec<P, Q, B>, 'permission' | 'params' | 'query' | 'body' | 'handle' | 'public'> {
  reply(result: R, ctx: RouteContext<P, Q, B>): Reply;
}

/** A route whose permission, schemas and work are the use case's. */
export function serve<P, Q, B, R>(useCase: UseCase<P, Q, B, R>, http: ServedRoute<P, Q, B, R>): AnyRoute {
  const { reply, ...rest } = http;
  const spec: RouteSpec<P, Q, B> = {
    ...rest,
    permission: useCase.permission,
    params: useCase.params,
    query: useCase.query,
    body: useCase.body,
    async handle(ctx) {
      const result = await useCase.run({ caller: ctx.caller, auth: ctx.auth }, { params: ctx.params, query: ctx.query, body: ctx.body });
      return reply(result, ctx);
    },
  };
  return spec as AnyRoute;
}

export interface MountOptions {
  /** Resolves the caller from the request's credentials, or throws 401/403/429. */
  authenticate(req: Request): Promise<Account>;
  logger: Logger;
  /** Default body limit in bytes. */
  bodyLimit: number;
  /** Serves `cacheable` routes; none: every request is answered afresh. */
  cache?: ResponseCache;
}

const CALLER = Symbol('workty.caller');
type WithCaller = Request & { [CALLER]?: Account };

/** The authenticated account of a request, once known (for the request log). */
export function callerOf(req: Request): Account | undefined {
  return (req as WithCaller)[CALLER];
}

function missing(what: string): never {
  throw new Error(`Route bug: ${what} read on a route that does not declare it`);
}

async function run(route: AnyRoute, options: MountOptions, req: Request, res: Response): Promise<void> {
  let caller: Account | undefined;
  if (route.public !== true) {
    caller = await options.authenticate(req);
    (req as WithCaller)[CALLER] = caller;
  }
  // No body at all reads as `{}` (then "Path `name` is required."); a JSON null is not an object.
  const { auth, input: { params, query, body } } = await prepare(route, caller, {
    params: () => ({ ...req.params }),
    query: () => readRawQuery(req),
    body: () => readJsonBody(req, route.bodyLimit ?? options.bodyLimit),
  });
  const ctx: RouteContext<unknown, unknown, unknown> = {
    req, res, params, query, body,
    get caller() { return caller ?? missing('caller'); },
    get auth() { return auth ?? missing('auth'); },
    log: options.logger,
  };
  const cache = route.cacheable === true ? options.cache : undefined;
  if (cache !== undefined) {
    await runCached(cache, route, ctx);
    return;
  }
  const reply = await route.handle(ctx);
  if ('bytes' in reply) {
    sendBytes(res, reply.status, reply.bytes, reply.contentType, reply.headers);
    return;
  }
  const headers = { ...reply.headers };
  if (reply.location !== undefined) headers.Location = locationOf(req, reply.location);
  sendJson(req, res, reply.status, reply.body, headers);
}

/**
 * A cacheable route, once authenticated, authorised and validated: the kept answer while the store
 * has not changed, else the route's answer (kept when it is a 200).
 */
async function runCached(cache: ResponseCache, route: AnyRoute, ctx: RouteContext<unknown, unknown, unknown>): Promise<void> {
  const { req, res } = ctx;
  // The version is set by the versioning pre handler; it may shape the answer.
  const key = `${route.name}\n${ctx.caller._id}\n${String(res.getHeader('Api-Version'))}\n${req.url ?? ''}`;
  const { head, hit } = await cache.lookup(key);
  if (hit !== undefined) {
    res.sendRaw(hit.status, hit.body, hit.headers);
    return;
  }
  const reply = await route.handle(ctx);
  if ('bytes' in reply || reply.status !== 200 || reply.body === undefined || reply.location !== undefined) {
    throw new Error(`Route bug: cacheable route ${route.name} answered something other than a JSON 200`);
  }
  const body = Buffer.from(serialise(req, reply.body));
  const headers = { ...reply.headers, 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': String(body.length) };
  cache.put(key, head, { status: 200, headers, body });
  res.sendRaw(200, body, headers);
}

/** Registers the routes on the server under `/api/v1`. */
export function mountRoutes(server: Server, routes: readonly AnyRoute[], options: MountOptions): void {
  const names = new Set<string>();
  for (const spec of routes) {
    if (names.has(spec.name)) throw new Error(`Duplicate route name ${spec.name}`);
    names.add(spec.name);
    const handler = (req: Request, res: Response, next: (err?: unknown) => void): void => {
      run(spec, options, req, res).then(() => next(), next);
    };
    const mount = { path: `${API_PREFIX}${spec.path}`, name: spec.name };
    switch (spec.method) {
      case 'GET': server.get(mount, handler); break;
      case 'POST': server.post(mount, handler); break;
      case 'PUT': server.put(mount, handler); break;
      case 'DELETE': server.del(mount, handler); break;
    }
  }
}

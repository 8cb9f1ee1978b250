/** What every route module needs: its dependencies, and the shapes of list and document replies. */
import type { RestapiConfig } from '../../config/index.js';
import { BadRequestError, NotFoundError } from '../../shared/domain/errors.js';
import type { Page } from '../../shared/domain/query.js';
import type { PasswordHasher } from '../../shared/security/passwords.js';
import type { Store } from '../../shared/store/port.js';
import type { ParsedList } from '../http/query.js';
import { toReadQuery } from '../http/query.js';
import type { JsonReply, RouteContext } from '../http/route.js';
import { project } from '../../shared/domain/query.js';
import { represent } from '../representation/embeds.js';
import type { ApiDoc, EmbedContext, Representation } from '../representation/types.js';
import type { SupervisorProbe } from '../health.js';

export interface RouteDeps {
  store: Store;
  hasher: PasswordHasher;
  probe: SupervisorProbe;
  config: Pick<RestapiConfig, 'packageLimit' | 'tokenTtlMs' | 'restBodyLimit' | 'supervisorProbeTimeoutMs'>;
}

/** Documented header of list answers. */
export const RECORDS_COUNT = { 'Records-count': 'With count=true: the total of matching documents (all pages)' };
export const LOCATION = { Location: 'URL of the created document' };

/** Error statuses every authenticated route may answer. */
export const AUTH_ERRORS = [400, 401, 403, 429] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ctx = RouteContext<any, any, any>;

export function embedContext(store: Store, ctx: Ctx): EmbedContext {
  return { store, caller: ctx.caller };
}

function keep(docs: ApiDoc[], fields: string[] | undefined): ApiDoc[] {
  return fields === undefined ? docs : docs.map((doc) => project(doc, fields));
}

/** A list answer: represented, embedded, projected, with `Records-count` when counted. */
export async function listReply<S>(rep: Representation<S>, page: Page<S>, parsed: ParsedList, store: Store, ctx: Ctx): Promise<JsonReply> {
  const docs = await represent(rep, page.items as Partial<S>[], embedContext(store, ctx), parsed.embed);
  const headers: Record<string, string> = {};
  if (parsed.query.count === true && page.total !== null) headers['Records-count'] = String(page.total);
  return { status: 200, body: keep(docs, parsed.fields), headers };
}

/** Reads one document through `load` (given the store fields to fetch), or 404. */
export async function readReply<S>(
  rep: Representation<S>,
  what: string,
  id: string,
  query: { fields?: string | undefined; embed?: string | undefined },
  load: (fields: string[] | undefined) => Promise<S | null>,
  store: Store,
  ctx: Ctx,
): Promise<JsonReply> {
  const read = toReadQuery(rep, query);
  const doc = await load(read.storeFields);
  if (doc === null) throw new NotFoundError(what, id);
  const [api] = await represent(rep, [doc as Partial<S>], embedContext(store, ctx), read.embed);
  return { status: 200, body: keep([api!], read.fields)[0] };
}

/** One document as answered by a write. */
export function documentReply<S>(rep: Representation<S>, doc: S, status = 200, location?: string): JsonReply {
  const reply: JsonReply = { status, body: rep.toApi(doc as Partial<S>) };
  if (location !== undefined) reply.location = location;
  return reply;
}

/** An update that names no field changes nothing: malformed (400). */
export function requireChanges(body: object): void {
  if (!Object.values(body).some((value) => value !== undefined)) {
    throw new BadRequestError('Nothing to update: give at least one field', 1, [{ path: '', message: 'Nothing to update' }]);
  }
}

/** Drops undefined fields (the store's patches treat a present key as a change). */
export function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const noContent: JsonReply = { status: 204 };

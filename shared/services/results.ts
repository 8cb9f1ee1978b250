/**
 * What use cases answer, whatever the transport: documents in their API representation (2016 field
 * names, `embed` populated, `fields` projected), lists with their total, deletions. Also the small
 * rules every write shares (an update must change something; absent fields are no change).
 */
import { BadRequestError, NotFoundError } from '../domain/errors.js';
import type { Id } from '../domain/ids.js';
import type { Page } from '../domain/query.js';
import { project } from '../domain/query.js';
import { represent } from '../representation/embeds.js';
import type { ApiDoc, EmbedContext, Representation } from '../representation/types.js';
import type { ParsedList } from './list-query.js';
import { toReadQuery } from './list-query.js';
import type { Actor } from './use-case.js';

/** A page of documents; `total` is the number of all matching documents when the query asked to count. */
export interface ListResult {
  docs: ApiDoc[];
  total: number | null;
}

/** What a deletion answers (2016: `{id, deleted: true}`; ids are `_id` everywhere now). */
export interface Deleted {
  _id: Id;
  deleted: true;
}

export function deleted(id: Id): Deleted {
  return { _id: id, deleted: true };
}

export function embedContext(store: EmbedContext['store'], actor: Actor): EmbedContext {
  return { store, caller: actor.caller };
}

function keep(docs: ApiDoc[], fields: string[] | undefined): ApiDoc[] {
  return fields === undefined ? docs : docs.map((doc) => project(doc, fields));
}

/** A list: represented, embedded, projected, with the total when counted. */
export async function listResult<S>(rep: Representation<S>, page: Page<S>, parsed: ParsedList, ctx: EmbedContext): Promise<ListResult> {
  const docs = await represent(rep, page.items as Partial<S>[], ctx, parsed.embed);
  return { docs: keep(docs, parsed.fields), total: parsed.query.count === true ? page.total : null };
}

/** Reads one document through `load` (given the store fields to fetch), or throws NotFoundError. */
export async function readResult<S>(
  rep: Representation<S>,
  what: string,
  id: string,
  query: { fields?: string | undefined; embed?: string | undefined },
  load: (fields: string[] | undefined) => Promise<S | null>,
  ctx: EmbedContext,
): Promise<ApiDoc> {
  const read = toReadQuery(rep, query);
  const doc = await load(read.storeFields);
  if (doc === null) throw new NotFoundError(what, id);
  const [api] = await represent(rep, [doc as Partial<S>], ctx, read.embed);
  return keep([api!], read.fields)[0]!;
}

/** One document as answered by a write. */
export function toDocument<S>(rep: Representation<S>, doc: S): ApiDoc {
  return rep.toApi(doc as Partial<S>);
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

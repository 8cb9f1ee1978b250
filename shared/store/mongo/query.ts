/**
 * List queries translated to MongoDB: filter, sort, projection, skip, limit and count, computed by
 * the server (never fetch-all-then-filter).
 *
 * Safety: field names come only from `ENTITY_FIELDS` (checked by `normaliseQuery`), and every filter
 * value is wrapped in `$eq` after being cast to the field's stored type, so a value can never act as
 * an operator. A value that cannot be the field's type (a malformed id, `abc` for a number) matches
 * nothing, exactly as an equality on it would in SQL.
 */
import { Types } from 'mongoose';
import { isId } from '../../domain/ids.js';
import {
  fieldKind, normaliseQuery, scopeAccount, type FilterValue, type ListedEntity, type ListQuery, type NormalisedQuery,
  type Scope, type SortKey,
} from '../../domain/query.js';
import { emailKey } from './models/account.js';
import type { Raw } from './convert.js';

/** A filter no document satisfies (every document has an `_id`); a fresh object, as mongoose casts in place. */
export function matchNothing(): Raw {
  return { _id: { $exists: false } };
}

export function isMatchNothing(filter: Raw): boolean {
  const id = filter._id as Raw | undefined;
  return Object.keys(filter).length === 1 && id !== undefined && id !== null && id.$exists === false;
}

export interface MongoListQuery {
  filter: Raw;
  /** Keys in priority order; always ends with a unique tie-break so pages are stable. */
  sort: Record<string, 1 | -1>;
  /** Inclusion projection, or null for the whole (public part of the) document. */
  projection: Record<string, 1> | null;
  skip: number;
  limit: number;
  count: boolean;
}

/** Where a domain field is stored when that differs from its name (filter and sort only). */
const STORED_AS: Partial<Record<ListedEntity, Record<string, string>>> = {
  // Emails compare case-insensitively: equality and order use the lower-cased key.
  account: { email: 'emailKey' },
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The value as stored for a field of `kind`, or `undefined` when no stored value can equal it.
 * Query strings arrive as text, so numeric and boolean text is read as such.
 */
export function castFilterValue(entity: ListedEntity, field: string, value: FilterValue): unknown {
  if (value === null) return null;
  const kind = fieldKind(entity, field);
  switch (kind) {
    case 'id':
      return isId(value) ? new Types.ObjectId(value) : undefined;
    case 'date': {
      if (typeof value !== 'string' || !ISO_DATE.test(value)) return undefined;
      const date = new Date(value);
      return Number.isNaN(date.getTime()) || date.toISOString() !== value ? undefined : date;
    }
    case 'number':
      if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
      return undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return undefined;
    case 'string': {
      const text = String(value);
      return entity === 'account' && field === 'email' ? emailKey(text) : text;
    }
    default:
      return undefined;
  }
}

function storedPath(entity: ListedEntity, field: string): string {
  return STORED_AS[entity]?.[field] ?? field;
}

/** The equality filter of a normalised query; `matchNothing()` when a value cannot match. */
export function translateFilter(entity: ListedEntity, filter: Record<string, FilterValue>): Raw {
  const out: Raw = {};
  for (const [field, value] of Object.entries(filter)) {
    const cast = castFilterValue(entity, field, value);
    if (cast === undefined) return matchNothing();
    out[storedPath(entity, field)] = { $eq: cast };
  }
  return out;
}

/** Sort keys, then the tie-breaks (`created`, `_id`; `seq` for the journal) not already present. */
export function translateSort(entity: ListedEntity, sort: SortKey[], defaults: SortKey[] = []): Record<string, 1 | -1> {
  const out: Record<string, 1 | -1> = {};
  const keys = sort.length > 0 ? sort : defaults;
  const tieBreaks = entity === 'journal' ? ['seq'] : ['created', '_id'];
  for (const key of keys) {
    const path = storedPath(entity, key.field);
    if (!(path in out)) out[path] = key.direction === 'desc' ? -1 : 1;
  }
  for (const field of tieBreaks) {
    if (!(field in out)) out[field] = 1;
  }
  return out;
}

export function translateProjection(fields: string[] | null): Record<string, 1> | null {
  if (fields === null) return null;
  const out: Record<string, 1> = {};
  for (const field of fields) out[field] = 1;
  return out;
}

/** A whole list query (validated by `normaliseQuery` first, which throws BadRequestError). */
export function translateQuery(entity: ListedEntity, query: ListQuery | undefined, defaultSort: SortKey[] = []): MongoListQuery {
  const q: NormalisedQuery = normaliseQuery(entity, query);
  return {
    filter: translateFilter(entity, q.filter),
    sort: translateSort(entity, q.sort, defaultSort),
    projection: translateProjection(q.fields),
    skip: (q.pageNum - 1) * q.perPage,
    limit: q.perPage,
    count: q.count,
  };
}

/** The projection of a single read's `fields` (validated the same way as a list's). */
export function translateFields(entity: ListedEntity, fields: string[] | undefined): Record<string, 1> | null {
  return translateProjection(normaliseQuery(entity, { fields: fields ?? [] }).fields);
}

/** ANDs filters, dropping empty ones; `$and` keeps a caller's filter from overriding the scope. */
export function and(...filters: Raw[]): Raw {
  if (filters.some(isMatchNothing)) return matchNothing();
  const parts = filters.filter((f) => Object.keys(f).length > 0);
  if (parts.length === 0) return {};
  if (parts.length === 1) return parts[0] as Raw;
  return { $and: parts };
}

/** The equality on an id-valued path; `matchNothing()` for a malformed id. */
export function idEquals(path: string, id: unknown): Raw {
  return isId(id) ? { [path]: { $eq: new Types.ObjectId(id) } } : matchNothing();
}

/** A tenant scope on the owner path (`accountId`, or `_id` for accounts themselves). */
export function scopeFilter(scope: Scope, path = 'accountId'): Raw {
  const accountId = scopeAccount(scope);
  return accountId === null ? {} : idEquals(path, accountId);
}

/** Workties a reach may read: its tenant's, plus the catalogue's templates when `withTemplates`. */
export function worktyScopeFilter(scope: Scope, withTemplates: boolean): Raw {
  const own = scopeFilter(scope);
  if (scopeAccount(scope) === null || !withTemplates) return own;
  if (isMatchNothing(own)) return { template: { $eq: true } };
  return { $or: [own, { template: { $eq: true } }] };
}

/**
 * List queries as the store executes them: equality filters on known scalar fields, sort,
 * projection, pagination and total counts (API.md "Query conventions"). The known fields of each
 * entity are declared here once; REST validates against them and both stores translate them.
 */
import { BadRequestError } from './errors.js';
import type { Id } from './ids.js';

export type FieldKind = 'id' | 'string' | 'number' | 'boolean' | 'date' | 'array' | 'object';

/** Scalar fields can be filtered and sorted on; every field can be projected. */
const SCALAR: ReadonlySet<FieldKind> = new Set(['id', 'string', 'number', 'boolean', 'date']);

export const ENTITY_FIELDS = {
  account: {
    _id: 'id', name: 'string', email: 'string', aclRoleNames: 'array', amount: 'number',
    removed: 'boolean', removedDate: 'date', created: 'date', updated: 'date',
  },
  workflow: {
    _id: 'id', accountId: 'id', name: 'string', desc: 'string', worktiesInstancesIds: 'array',
    lastRunId: 'id', created: 'date', updated: 'date',
  },
  instance: {
    _id: 'id', workflowId: 'id', accountId: 'id', worktyId: 'id', name: 'string', desc: 'string',
    state: 'string', properties: 'array', target: 'object', retry: 'object', created: 'date', updated: 'date',
  },
  workty: {
    _id: 'id', name: 'string', desc: 'string', accountId: 'id', template: 'boolean', templateId: 'id',
    typeId: 'id', categoryId: 'id', languageTypeId: 'id', validationStateId: 'id',
    entryPointModuleFileName: 'string', properties: 'array', price: 'number', discountPercent: 'number',
    version: 'string', package: 'object', created: 'date', updated: 'date',
  },
  payment: {
    _id: 'id', accountId: 'id', worktyId: 'id', templateId: 'id', amount: 'number', msg: 'string', created: 'date',
  },
  device: {
    _id: 'id', name: 'string', desc: 'string', labels: 'array', disabled: 'boolean', state: 'string',
    lastSeen: 'date', facts: 'object', credentialIssued: 'date', created: 'date', updated: 'date',
  },
  run: {
    _id: 'id', workflowId: 'id', accountId: 'id', status: 'string', desired: 'string', instances: 'array',
    error: 'string', created: 'date', started: 'date', ended: 'date', updated: 'date',
  },
  token: { _id: 'id', accountId: 'id', name: 'string', expires: 'date', revoked: 'boolean', created: 'date' },
  journal: {
    runId: 'id', seq: 'number', at: 'date', type: 'string', instanceId: 'id', attempt: 'number', data: 'object',
  },
} as const satisfies Record<string, Record<string, FieldKind>>;

export type ListedEntity = keyof typeof ENTITY_FIELDS;

export type FilterValue = string | number | boolean | null;

export interface SortKey {
  field: string;
  direction: 'asc' | 'desc';
}

export interface ListQuery {
  /** Equality on known scalar fields, ANDed. */
  filter?: Record<string, FilterValue>;
  sort?: SortKey[];
  /** Projection; `_id` is always included. */
  fields?: string[];
  /** 1-based page number. */
  pageNum?: number;
  /** Page size; the store caps it at MAX_PAGE_SIZE. */
  perPage?: number;
  /** Also return the total number of matching documents (ignoring pagination). */
  count?: boolean;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface Page<T> {
  items: T[];
  /** Total matching documents when `count` was asked, else null. */
  total: number | null;
}

/** Whose documents a query may see: one tenant's, or everyone's (admins, the engine). */
export type Scope = { accountId: Id } | { all: true };
export const ALL: Scope = { all: true };

export function scopeAccount(scope: Scope): Id | null {
  return 'accountId' in scope ? scope.accountId : null;
}

export function isScalarField(entity: ListedEntity, field: string): boolean {
  const kind = (ENTITY_FIELDS[entity] as Record<string, FieldKind>)[field];
  return kind !== undefined && SCALAR.has(kind);
}

export function fieldKind(entity: ListedEntity, field: string): FieldKind | undefined {
  return (ENTITY_FIELDS[entity] as Record<string, FieldKind>)[field];
}

/**
 * Checks a query against the entity's known fields and fills in defaults; both stores call it first,
 * so an unknown or non-scalar field is refused the same way whoever asks.
 */
export function normaliseQuery(entity: ListedEntity, query: ListQuery = {}): Required<Omit<ListQuery, 'fields'>> & { fields: string[] | null } {
  const fail = (path: string, message: string): never => {
    throw new BadRequestError(message, 1, [{ path, message }]);
  };
  const filter = query.filter ?? {};
  for (const [field, value] of Object.entries(filter)) {
    if (!isScalarField(entity, field)) fail(field, `Unknown or non-filterable field "${field}"`);
    if (value !== null && typeof value === 'object') fail(field, `Filter on "${field}" must be a plain value`);
  }
  const sort = query.sort ?? [];
  for (const key of sort) {
    if (!isScalarField(entity, key.field)) fail('sort', `Cannot sort on unknown or non-scalar field "${key.field}"`);
  }
  let fields: string[] | null = null;
  if (query.fields && query.fields.length > 0) {
    for (const field of query.fields) {
      if (fieldKind(entity, field) === undefined) fail('fields', `Unknown field "${field}"`);
    }
    fields = [...new Set(entity === 'journal' ? query.fields : ['_id', ...query.fields])];
  }
  const pageNum = query.pageNum ?? 1;
  const perPage = query.perPage ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageNum) || pageNum < 1) fail('page_num', 'page_num must be an integer ≥ 1');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PAGE_SIZE) {
    fail('per_page', `per_page must be an integer between 1 and ${MAX_PAGE_SIZE}`);
  }
  return { filter, sort, fields, pageNum, perPage, count: query.count ?? false };
}

export type NormalisedQuery = ReturnType<typeof normaliseQuery>;

/** Keeps only the projected fields of a document (`_id` included by normaliseQuery). */
export function project<T extends object>(doc: T, fields: string[] | null): T {
  if (fields === null) return doc;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field in doc) out[field] = (doc as Record<string, unknown>)[field];
  }
  return out as T;
}

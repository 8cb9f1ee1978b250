/**
 * The list conventions of API.md, whatever the transport: `pretty`, `sort`, `fields`,
 * `page_num`/`per_page`, `count`, `embed`, and equality filters on known scalar fields. Values are
 * text, as in a query string; every schema is strict, so no unknown option reaches the store. The
 * result is the store's `ListQuery`: filtering, sorting and paging happen in the store, never here.
 */
import { z } from 'zod';
import type { FilterValue, ListQuery, SortKey } from '../domain/query.js';
import { isScalarField, MAX_PAGE_SIZE } from '../domain/query.js';
import type { ApiField, Representation } from '../representation/types.js';
import { objectId } from './fields.js';
import { badInput } from './validation.js';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const positiveInt = (max: number) => z.string().regex(/^\d+$/, { error: 'must be a whole number' }).transform(Number).pipe(z.number().min(1).max(max).int());

/** Accepted by every route. */
export const prettyParam = flag.optional().meta({ description: '`false`: compact JSON (default: pretty-printed)' });
export const EMPTY_QUERY = z.strictObject({ pretty: prettyParam });

const fieldsParam = z.string().optional().meta({ description: 'Comma-separated fields to return (`_id` always comes)' });
const embedParam = z.string().optional().meta({ description: 'Comma-separated references to populate in place (2016 names)' });

/** The query of a single read: `fields`, `embed`, `pretty`. */
export function readQuerySchema(extra: z.ZodRawShape = {}) {
  return z.strictObject({ pretty: prettyParam, fields: fieldsParam, embed: embedParam, ...extra });
}

function filterSchema(field: ApiField): z.ZodType<FilterValue> {
  switch (field.kind) {
    case 'id': return z.union([objectId, z.literal('null').transform(() => null)]);
    case 'number': return z.string().regex(/^-?\d+(?:\.\d+)?$/, { error: 'must be a number' }).transform(Number);
    case 'boolean': return flag;
    case 'date': return z.iso.datetime({ error: 'must be an ISO date-time' });
    default: return z.string().max(2000);
  }
}

/** The query of a list: conventions plus one optional equality filter per known scalar field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function listQuerySchema(rep: Representation<any>, extra: z.ZodRawShape = {}) {
  const filters: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(rep.fields)) {
    if (isScalarField(rep.entity, field.store)) {
      filters[name] = filterSchema(field).optional().meta({ description: `Only documents whose ${name} equals this` });
    }
  }
  return z.strictObject({
    ...filters,
    pretty: prettyParam,
    sort: z.string().optional().meta({ description: 'Comma-separated fields, `-` before one for descending, e.g. `-created,name`' }),
    fields: fieldsParam,
    page_num: positiveInt(Number.MAX_SAFE_INTEGER).optional().meta({ description: '1-based page number' }),
    per_page: positiveInt(MAX_PAGE_SIZE).optional().meta({ description: `Page size (default 100, at most ${MAX_PAGE_SIZE})` }),
    count: flag.optional().meta({ description: '`true`: header `Records-count` carries the total of matching documents' }),
    embed: embedParam,
    ...extra,
  });
}

const CONVENTIONS = new Set(['pretty', 'sort', 'fields', 'page_num', 'per_page', 'count', 'embed']);

function splitList(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Store fields behind the requested API fields, or undefined for all; 400 for an unknown one. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function resolveFields(rep: Representation<any>, value: string | undefined): { api: string[]; store: string[] } | undefined {
  const names = splitList(value);
  if (names.length === 0) return undefined;
  // `_id` always comes along, for documents that have one (journal entries are keyed by `seq`).
  const always = rep.fields._id === undefined ? [] : ['_id'];
  const store = new Set<string>(always);
  for (const name of names) {
    const field = rep.fields[name];
    if (field === undefined) throw badInput('fields', `Unknown field ${name}`);
    store.add(field.store);
  }
  return { api: [...new Set([...always, ...names])], store: [...store] };
}

/**
 * `embed` names grouped by their first segment (`worktiesinstances.state` → worktiesinstances:
 * [state]); 400 for a name the representation does not know, at any depth.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function parseEmbed(rep: Representation<any>, names: string[], prefix = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const full of names) {
    const [head = '', ...rest] = full.toLowerCase().split('.');
    const embed = rep.embeds[head];
    if (embed === undefined) {
      throw badInput('embed', `Unknown embed ${prefix}${head}; known: ${Object.keys(rep.embeds).map((n) => prefix + n).join(', ') || 'none'}`);
    }
    const nested = out.get(head) ?? [];
    if (rest.length > 0) {
      if (embed.target === undefined) throw badInput('embed', `${prefix}${head} has nothing to embed below it`);
      nested.push(rest.join('.'));
    }
    out.set(head, nested);
  }
  for (const [head, nested] of out) {
    const target = rep.embeds[head]?.target;
    if (nested.length > 0 && target !== undefined) parseEmbed(target(), nested, `${prefix}${head}.`);
  }
  return out;
}

export interface ParsedList {
  query: ListQuery;
  /** The API fields to keep, or undefined for all. */
  fields: string[] | undefined;
  embed: Map<string, string[]>;
}

/** Turns a parsed list query into the store's ListQuery, the projection and the embeds. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toListQuery(rep: Representation<any>, parsed: Record<string, unknown>, routeOnly: readonly string[] = []): ParsedList {
  const filter: Record<string, FilterValue> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value === undefined || CONVENTIONS.has(name) || routeOnly.includes(name)) continue;
    const field = rep.fields[name];
    if (field === undefined) throw badInput(name, `Unknown query parameter ${name}`);
    filter[field.store] = field.toStore ? field.toStore(value as FilterValue) : (value as FilterValue);
  }
  const sort: SortKey[] = splitList(parsed.sort as string | undefined).map((key) => {
    const descending = key.startsWith('-');
    const name = descending || key.startsWith('+') ? key.slice(1) : key;
    const field = rep.fields[name];
    if (field === undefined || !isScalarField(rep.entity, field.store)) throw badInput('sort', `Cannot sort on ${name}`);
    return { field: field.store, direction: descending ? 'desc' : 'asc' };
  });
  const fields = resolveFields(rep, parsed.fields as string | undefined);
  const query: ListQuery = { filter, sort, count: parsed.count === true };
  if (fields !== undefined) query.fields = fields.store;
  if (parsed.page_num !== undefined) query.pageNum = parsed.page_num as number;
  if (parsed.per_page !== undefined) query.perPage = parsed.per_page as number;
  return { query, fields: fields?.api, embed: parseEmbed(rep, splitList(parsed.embed as string | undefined)) };
}

/** Projection and embeds of a single read. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toReadQuery(rep: Representation<any>, parsed: { fields?: string | undefined; embed?: string | undefined }) {
  const fields = resolveFields(rep, parsed.fields);
  return { storeFields: fields?.store, fields: fields?.api, embed: parseEmbed(rep, splitList(parsed.embed)) };
}

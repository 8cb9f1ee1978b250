/**
 * List queries in SQL: equality filters become `WHERE`, sort keys `ORDER BY`, pages `LIMIT/OFFSET`,
 * totals `COUNT(*)`. Field names reach the SQL text only after `normaliseQuery` accepted them from
 * the entity's ENTITY_FIELDS whitelist (and they are checked again to be plain identifiers here);
 * every value is a bound parameter.
 */
import { fieldKind, normaliseQuery, project, type FilterValue, type ListedEntity, type ListQuery, type NormalisedQuery, type Page } from '../../domain/query.js';
import type { SqliteContext } from './database.js';

/** A list over one table. Everything here is adapter-owned SQL text, never user input. */
export interface ListSpec {
  entity: ListedEntity;
  table: string;
  /** Conditions always applied (scope, parent), ANDed with the filters. */
  where: string[];
  params: unknown[];
  /** The order when the query gives none, e.g. `"created" ASC, "_id" ASC`. */
  defaultOrder: string;
  /** Appended to every order so that pages are deterministic, e.g. `"_id" ASC`. */
  tieBreak: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `LIMIT +? OFFSET +?`, not `LIMIT ? OFFSET ?`: SQLite (3.4x and later) uses a bare bound LIMIT as a
 * planning hint and marks the statement to be planned again whenever that parameter is bound, i.e.
 * on every run (a full parse and plan, more than the query itself for a small page). The unary plus
 * makes it an expression the planner does not peek at, so the cached plan is kept.
 */
export const PAGE_CLAUSE = 'LIMIT +? OFFSET +?';

/** A whitelisted field as a quoted column name. */
export function column(entity: ListedEntity, field: string): string {
  if (fieldKind(entity, field) === undefined || !IDENTIFIER.test(field)) throw new Error(`Not a column of ${entity}: ${field}`);
  return `"${field}"`;
}

function bindable(value: FilterValue): string | number | null {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function whereClause(spec: ListSpec, q: NormalisedQuery): { sql: string; params: unknown[] } {
  const conditions = [...spec.where];
  const params = [...spec.params];
  for (const [field, value] of Object.entries(q.filter)) {
    if (value === null) {
      conditions.push(`${column(spec.entity, field)} IS NULL`);
    } else {
      conditions.push(`${column(spec.entity, field)} = ?`);
      params.push(bindable(value));
    }
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}` : '', params };
}

function orderClause(spec: ListSpec, q: NormalisedQuery): string {
  if (q.sort.length === 0) return `${spec.defaultOrder}, ${spec.tieBreak}`;
  const keys = q.sort.map((key) => `${column(spec.entity, key.field)} ${key.direction === 'desc' ? 'DESC' : 'ASC'}`);
  return `${keys.join(', ')}, ${spec.tieBreak}`;
}

/**
 * How a table's rows are read as arrays of columns (better-sqlite3's `raw()`) and made into row
 * objects of one fixed shape: building each row with named properties costs more than reading it.
 */
export interface RowCodec<Row> {
  /** The SELECT's column list, in the order `decode` reads the values. */
  readonly columns: string;
  decode(values: unknown[]): Row;
}

/**
 * The page of rows and, when asked, the total of all matching rows; on one snapshot. With a codec,
 * rows are read as arrays and decoded (see RowCodec); without, as objects of every column.
 */
export function selectPage<Row>(ctx: SqliteContext, spec: ListSpec, q: NormalisedQuery, codec?: RowCodec<Row>): { rows: Row[]; total: number | null } {
  const where = whereClause(spec, q);
  return ctx.read(() => {
    const tail = `FROM ${spec.table} ${where.sql} ORDER BY ${orderClause(spec, q)} ${PAGE_CLAUSE}`;
    const params = [...where.params, q.perPage, (q.pageNum - 1) * q.perPage];
    const rows = codec === undefined
      ? ctx.built(`SELECT * ${tail}`).all(...params) as Row[]
      : (ctx.raw(`SELECT ${codec.columns} ${tail}`).all(...params) as unknown[][]).map(codec.decode);
    let total: number | null = null;
    if (q.count) {
      const counted = ctx.built(`SELECT COUNT(*) AS n FROM ${spec.table} ${where.sql}`).get(...where.params) as { n: number };
      total = counted.n;
    }
    return { rows, total };
  });
}

/** Normalises the query, selects the page, maps rows to documents and projects them. */
export function listPage<Row, Doc extends object>(
  ctx: SqliteContext, spec: ListSpec, query: ListQuery | undefined, toDoc: (row: Row) => Doc,
): Page<Doc> {
  return listPageOf(ctx, spec, query, (rows: Row[]) => rows.map(toDoc));
}

/**
 * As `listPage`, with a mapper that sees the whole page at once (to fetch what the rows reference in
 * one query rather than one per row) and the projection (to skip what will not be returned).
 */
export function listPageOf<Row, Doc extends object>(
  ctx: SqliteContext, spec: ListSpec, query: ListQuery | undefined, toDocs: (rows: Row[], fields: string[] | null) => Doc[],
  codec?: RowCodec<Row>,
): Page<Doc> {
  const q = normaliseQuery(spec.entity, query);
  return ctx.read(() => {
    const { rows, total } = selectPage<Row>(ctx, spec, q, codec);
    return { items: toDocs(rows, q.fields).map((doc) => project(doc, q.fields)), total };
  });
}

/** The projection of a single read, checked against the entity's fields (BadRequestError if unknown). */
export function projection(entity: ListedEntity, fields: string[] | undefined): string[] | null {
  return normaliseQuery(entity, { fields: fields ?? [] }).fields;
}

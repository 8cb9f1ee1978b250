/**
 * How a stored document looks on the wire. Documents keep the 2016 field names (ORIGINAL.md
 * "Documents"); where the store's shape differs (an instance's `state` and `properties` are its 2016
 * `stateId` and `propertiesIds`), a representation says which stored field is behind each API field,
 * so `fields`, `sort` and filters given in API names reach the store in its own names.
 *
 * `embed` works as 2016's mongoose populate did: the id (or ids) in a field are replaced, in place,
 * by the documents they name; a document the caller may not see becomes null.
 */
import type { z } from 'zod';
import type { Account } from '../domain/model.js';
import type { FieldKind, FilterValue, ListedEntity } from '../domain/query.js';
import type { Store } from '../store/port.js';

export interface ApiField {
  /** The stored field behind it. */
  store: string;
  kind: FieldKind;
  /** Converts a filter value given in API terms to the store's (e.g. a state id to its name); throws 400. */
  toStore?: (value: FilterValue) => FilterValue;
  /** Derives the API value from the stored document (default: the stored field as is). */
  read?: (source: never) => unknown;
}

export type ApiDoc = Record<string, unknown>;

/** A stored document (possibly projected) and its API form, which embeds populate in place. */
export interface Pair<S> {
  source: Partial<S>;
  api: ApiDoc;
}

export interface EmbedContext {
  store: Store;
  caller: Account;
}

export interface Embed<S> {
  /** The API field whose id(s) become documents. */
  field: string;
  /** What a nested name (`worktiesinstances.state`) refers to: the embedded documents' representation. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  target?: () => Representation<any>;
  /**
   * Populates the field of every pair at once (one store call per embed, never one per document);
   * `nested` are the names below this one (already checked against `target`).
   */
  populate(pairs: Pair<S>[], ctx: EmbedContext, nested: string[]): Promise<void>;
}

export interface Representation<S> {
  /** The store's entity (for field kinds and query normalisation). */
  entity: ListedEntity;
  /** Every API field and the stored field behind it. */
  fields: Record<string, ApiField>;
  /** The API form of a stored document; only the fields present in `source` appear. */
  toApi(source: Partial<S>): ApiDoc;
  /** 2016 embed names (lower case) → what they populate. */
  embeds: Record<string, Embed<S>>;
  /** The document's schema (OpenAPI). */
  schema: z.ZodType;
}

/**
 * The API fields of an entity, in the store's field order: each stored field under its own name,
 * unless `replace` gives the API fields that take its place (e.g. `state` → `stateId`, `state`).
 */
export function apiFields(entity: Record<string, FieldKind>, replace: Record<string, Record<string, ApiField>> = {}): Record<string, ApiField> {
  const out: Record<string, ApiField> = {};
  for (const [name, kind] of Object.entries(entity)) {
    const replacement = replace[name];
    if (replacement === undefined) out[name] = { store: name, kind };
    else Object.assign(out, replacement);
  }
  return out;
}

interface PickStep {
  name: string;
  store: string;
  read: ((source: object) => unknown) | undefined;
}

/**
 * The steps of `pickApiFields` per field table, worked out once: every document of every response
 * goes through it, and walking the table with `Object.entries` each time allocated an array per field.
 */
const PICK_STEPS = new WeakMap<Record<string, ApiField>, readonly PickStep[]>();

function pickSteps(fields: Record<string, ApiField>): readonly PickStep[] {
  let steps = PICK_STEPS.get(fields);
  if (steps === undefined) {
    steps = Object.entries(fields).map(([name, field]) => ({ name, store: field.store, read: field.read as PickStep['read'] }));
    PICK_STEPS.set(fields, steps);
  }
  return steps;
}

/** The API form of a (possibly projected) stored document: the declared fields whose source is present. */
export function pickApiFields(source: object, fields: Record<string, ApiField>): ApiDoc {
  const out: ApiDoc = {};
  for (const step of pickSteps(fields)) {
    if (!Object.hasOwn(source, step.store)) continue;
    out[step.name] = step.read === undefined ? (source as Record<string, unknown>)[step.store] : step.read(source);
  }
  return out;
}

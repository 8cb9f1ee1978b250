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
import type { Account } from '../../shared/domain/model.js';
import type { FieldKind, FilterValue, ListedEntity } from '../../shared/domain/query.js';
import type { Store } from '../../shared/store/port.js';

export interface ApiField {
  /** The stored field behind it. */
  store: string;
  kind: FieldKind;
  /** Converts a filter value given in API terms to the store's (e.g. a state id to its name); throws 400. */
  toStore?: (value: FilterValue) => FilterValue;
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

/** API fields that are the stored fields under the same names. */
export function sameFields(entity: Record<string, FieldKind>): Record<string, ApiField> {
  return Object.fromEntries(Object.entries(entity).map(([name, kind]) => [name, { store: name, kind }]));
}

/**
 * The kinds of `embed` the 2016 API offered, as reusable populators: a reference to another
 * document (one batched store read per embed), a dictionary entry, and a document's own properties.
 * What the caller may not see (by the role matrix and its scope) is populated as null.
 */
import type { Resource } from '../domain/acl.js';
import { authorize } from '../domain/acl.js';
import type { DictionaryName } from '../domain/dictionaries.js';
import { dictionaryEntry } from '../domain/dictionaries.js';
import { ForbiddenError } from '../domain/errors.js';
import type { Authorization } from '../domain/acl.js';
import type { Account, Property } from '../domain/model.js';
import { parseEmbed } from '../services/list-query.js';
import type { ApiDoc, Embed, EmbedContext, Pair, Representation } from './types.js';

/** The caller's reach for viewing a resource, or null when the role has none. */
export function viewReach(caller: Account, resource: Resource): Authorization | null {
  try {
    return authorize(caller, resource, 'view');
  } catch (error) {
    if (error instanceof ForbiddenError) return null;
    throw error;
  }
}

/** Applies the parsed embeds to the pairs, in place. */
export async function applyEmbeds<S>(rep: Representation<S>, pairs: Pair<S>[], ctx: EmbedContext, embed: Map<string, string[]>): Promise<void> {
  if (pairs.length === 0) return;
  for (const [name, nested] of embed) {
    const spec = rep.embeds[name];
    if (spec !== undefined) await spec.populate(pairs, ctx, nested);
  }
}

/** Serialises stored documents and populates their embeds. */
export async function represent<S>(rep: Representation<S>, sources: Partial<S>[], ctx: EmbedContext, embed: Map<string, string[]>): Promise<ApiDoc[]> {
  const pairs = sources.map((source) => ({ source, api: rep.toApi(source) }));
  await applyEmbeds(rep, pairs, ctx, embed);
  return pairs.map((pair) => pair.api);
}

function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/**
 * A field holding one id (`many: false`) or a list of ids (`many: true`) of documents loaded in one
 * batch by `load`; each populated document is itself represented by `target` (nested embeds too).
 */
export function referenceEmbed<S, T extends { _id: string }>(options: {
  field: keyof S & string;
  apiField?: string;
  many?: boolean;
  target: () => Representation<T>;
  load(ids: string[], ctx: EmbedContext): Promise<T[]>;
}): Embed<S> {
  const apiField = options.apiField ?? options.field;
  return {
    field: apiField,
    target: options.target,
    async populate(pairs, ctx, nested) {
      const idsOf = (pair: Pair<S>): string[] => {
        const value = pair.source[options.field] as unknown;
        if (options.many === true) return Array.isArray(value) ? (value as string[]) : [];
        return typeof value === 'string' ? [value] : [];
      };
      const ids = distinct(pairs.flatMap(idsOf));
      const target = options.target();
      const loaded = ids.length === 0 ? [] : await options.load(ids, ctx);
      const children = loaded.map((source) => ({ source: source as Partial<T>, api: target.toApi(source) }));
      if (nested.length > 0) await applyEmbeds(target, children, ctx, parseEmbed(target, nested));
      const byId = new Map(children.map((child) => [child.source._id as string, child.api]));
      for (const pair of pairs) {
        if (!(options.field in pair.source)) continue;
        if (options.many === true) {
          pair.api[apiField] = idsOf(pair).map((id) => byId.get(id)).filter((doc) => doc !== undefined);
        } else {
          const [id] = idsOf(pair);
          pair.api[apiField] = id === undefined ? null : byId.get(id) ?? null;
        }
      }
    },
  };
}

/** A field holding a dictionary entry id, populated with the entry. */
export function dictionaryEmbed<S>(apiField: string, dictionary: DictionaryName): Embed<S> {
  return {
    field: apiField,
    async populate(pairs) {
      for (const pair of pairs) {
        const id = pair.api[apiField];
        if (typeof id === 'string') pair.api[apiField] = dictionaryEntry(dictionary, id) ?? null;
      }
    },
  };
}

/** `propertiesIds` populated with the document's own properties (no store read needed). */
export function propertiesEmbed<S extends { properties: Property[] }>(): Embed<S> {
  return {
    field: 'propertiesIds',
    async populate(pairs) {
      for (const pair of pairs) {
        if (pair.source.properties !== undefined) pair.api.propertiesIds = pair.source.properties.map((p) => ({ ...p }));
      }
    },
  };
}

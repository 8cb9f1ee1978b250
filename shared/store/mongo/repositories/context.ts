/** What every repository of the adapter shares: the models, transactions, and list/read helpers. */
import type { Model } from 'mongoose';
import type { Page } from '../../../domain/query.js';
import type { Raw } from '../convert.js';
import type { Models } from '../models/index.js';
import { and, type MongoListQuery } from '../query.js';
import type { Transactions } from '../transactions.js';

export interface Context {
  readonly models: Models;
  readonly tx: Transactions;
}

/** Stored fields left out of reads that do not name their fields (whitelisted out anyway). */
export const HIDDEN = {
  account: { passwordHash: 0, credentialsVersion: 0, emailKey: 0 },
  device: { secretHash: 0 },
  token: { tokenHash: 0 },
  run: { journalSeq: 0 },
  none: {},
} as const;

type Projection = Record<string, 0 | 1>;

/** One page of a translated list query within `scope`, counted by the server when asked. */
export async function findPage<R, T>(
  model: Model<R>,
  scope: Raw,
  query: MongoListQuery,
  out: (raw: object) => T,
  hidden: Projection = HIDDEN.none,
): Promise<Page<T>> {
  const filter = and(scope, query.filter);
  const rows = await model.find(filter, query.projection ?? hidden).sort(query.sort).skip(query.skip).limit(query.limit).lean();
  const total = query.count ? await model.countDocuments(filter) : null;
  return { items: rows.map((row) => out(row as object)), total };
}

/** One document matching `filter`, or null. */
export async function findOne<R, T>(
  model: Model<R>,
  filter: Raw,
  projection: Record<string, 1> | null,
  out: (raw: object) => T,
  hidden: Projection = HIDDEN.none,
): Promise<T | null> {
  const raw = await model.findOne(filter, projection ?? hidden).lean();
  return raw === null ? null : out(raw as object);
}

/** Orders `items` as `ids` lists them (for `getMany`: callers follow their own order). */
export function inOrderOf<T extends { _id: string }>(ids: readonly string[], items: T[]): T[] {
  const byId = new Map(items.map((item) => [item._id, item]));
  const seen = new Set<string>();
  const out: T[] = [];
  for (const id of ids) {
    const item = byId.get(id);
    if (item !== undefined && !seen.has(id)) {
      out.push(item);
      seen.add(id);
    }
  }
  return out;
}

/** Defined keys of a patch (an empty patch changes nothing and writes nothing). */
export function hasChanges(patch: object): boolean {
  return Object.values(patch).some((v) => v !== undefined);
}

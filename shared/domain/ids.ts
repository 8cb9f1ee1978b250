import { ObjectId } from 'bson';

/** A document id: 24 lower-case hex characters (a MongoDB ObjectId), in both stores. */
export type Id = string;

const OBJECT_ID = /^[0-9a-f]{24}$/;

export function newId(): Id {
  return new ObjectId().toHexString();
}

/** True for a well-formed id; upper-case hex is refused so that ids compare as plain strings. */
export function isId(value: unknown): value is Id {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** The current time as the ISO string every stored date uses (one call per document, never shared). */
export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Reading the 2016 payload envelopes (`{workflow: {id, ...}, requestId}`) into a use case's inputs:
 * the identifiers (REST's path parameters), the options (REST's query string) and the document (REST's
 * body). Only the envelope is checked here — that it is an object, which keys it may hold, that ids
 * are given — always as a 400 with the field's path, like a malformed REST request; everything inside
 * is validated by the use case's own schemas, exactly as over REST.
 */
import { BadRequestError } from '../../shared/domain/errors.js';
import type { RequestId } from '../../shared/protocol/clients.js';
import { badInput } from '../../shared/services/validation.js';

export type Fields = Record<string, unknown>;

const MAX_REQUEST_ID_LENGTH = 200;

function isObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** The request's `requestId` (a string or a finite number), or null; never throws (it is echoed even in errors). */
export function requestIdOf(payload: unknown): RequestId | null {
  if (!isObject(payload)) return null;
  const id = payload.requestId;
  if (typeof id === 'string' && id.length <= MAX_REQUEST_ID_LENGTH) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  return null;
}

/**
 * The payload without `requestId`: an object (a missing payload reads as `{}`); 400 when it is not
 * one, or when `requestId` is of the wrong kind.
 */
export function envelope(payload: unknown): Fields {
  if (payload === undefined) return {};
  if (!isObject(payload)) throw badInput('', 'The payload must be an object, e.g. {"workflow": {...}, "requestId": "r1"}');
  const { requestId, ...rest } = payload;
  if (requestId !== undefined && requestIdOf(payload) === null) {
    throw badInput('requestId', `requestId must be a string of at most ${MAX_REQUEST_ID_LENGTH} characters or a number`);
  }
  return rest;
}

/** 400 for any key of `fields` not in `allowed` (named with their path). */
export function onlyKeys(fields: Fields, allowed: readonly string[], path = ''): void {
  const unknown = Object.keys(fields).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => `\`${path}${key}\``).join(', ');
    throw new BadRequestError(`Unknown field${unknown.length > 1 ? 's' : ''} ${names}`, 1,
      unknown.map((key) => ({ path: `${path}${key}`, message: 'unknown field' })));
  }
}

/** The object under `key` (a copy); 400 when it is missing or not an object. */
export function entity(fields: Fields, key: string, path = ''): Fields {
  const value = fields[key];
  if (!isObject(value)) throw badInput(`${path}${key}`, `${path}${key} must be an object`);
  return { ...value };
}

/** The object under `key` if given (a copy), else undefined; 400 when it is not an object. */
export function optionalEntity(fields: Fields, key: string, path = ''): Fields | undefined {
  return fields[key] === undefined ? undefined : entity(fields, key, path);
}

/**
 * Takes the identifier out of an entity object: `id` (2016) or `_id`; 400 when neither is given or
 * they differ. The value's format is checked by the use case (like a REST path parameter).
 */
export function takeId(fields: Fields, path: string): unknown {
  const { id, _id: underscored } = fields;
  delete fields.id;
  delete fields._id;
  if (id !== undefined && underscored !== undefined && id !== underscored) {
    throw badInput(`${path}.id`, `${path}.id and ${path}._id differ: give one`);
  }
  const value = id ?? underscored;
  if (value === undefined) throw badInput(`${path}.id`, `Give ${path}.id`);
  return value;
}

/**
 * Options as the use case reads them (REST's query string is text): numbers and booleans become their
 * text; anything else is left for the schema to refuse.
 */
export function asOptions(fields: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  }
  return out;
}

/** Takes the listed keys out of `fields` (those present). */
export function take(fields: Fields, keys: readonly string[]): Fields {
  const out: Fields = {};
  for (const key of keys) {
    if (fields[key] !== undefined) out[key] = fields[key];
    delete fields[key];
  }
  return out;
}

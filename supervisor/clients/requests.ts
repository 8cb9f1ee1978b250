/**
 * A client request is declared as data: its 2016 event name, the use case of `shared/services` it
 * runs, how its payload envelope maps onto the use case's inputs, and what the acknowledgement
 * carries. The builders below cover the 2016 shapes (`refresh.all`, `refresh`, `add`, `upd`, `del`,
 * commands); nested ones (instances, properties) are written out in `contexts.ts`.
 */
import type { ListResult } from '../../shared/services/index.js';
import type { AnyUseCase } from '../../shared/services/use-case.js';
import type { Fields } from './payload.js';
import { asOptions, entity, onlyKeys, take, takeId } from './payload.js';

/** The raw inputs of a use case, read from a payload (validated by the use case afterwards). */
export interface RawInputs {
  params?: Fields;
  query?: Fields;
  body?: unknown;
}

export interface ClientRequest {
  event: string;
  useCase: AnyUseCase;
  /** Reads the payload (without `requestId`); throws a 400 for a malformed envelope. */
  read(fields: Fields): RawInputs;
  /** The acknowledgement's fields (beside `err` and `requestId`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  answer(result: any): Record<string, unknown>;
}

/** Options of a single read. */
export const READ_OPTIONS = ['fields', 'embed'] as const;

/** `refresh.all`: every other key of the payload is a list option (REST's query string). */
export function listRequest(event: string, useCase: AnyUseCase, ackKey: string): ClientRequest {
  return {
    event, useCase,
    read: (fields) => ({ query: asOptions(fields) }),
    answer: (result: ListResult) => ({ [ackKey]: result.docs, total: result.total }),
  };
}

/** `refresh`: `{<key>: {id}, fields?, embed?}`. */
export function readRequest(event: string, useCase: AnyUseCase, key: string): ClientRequest {
  return {
    event, useCase,
    read(fields) {
      onlyKeys(fields, [key, ...READ_OPTIONS]);
      const target = entity(fields, key);
      const id = takeId(target, key);
      onlyKeys(target, [], `${key}.`);
      return { params: { id }, query: asOptions(take(fields, READ_OPTIONS)) };
    },
    answer: (doc: unknown) => ({ [key]: doc }),
  };
}

/** `add`: `{<key>: {...document}}`. */
export function createRequest(event: string, useCase: AnyUseCase, key: string): ClientRequest {
  return {
    event, useCase,
    read(fields) {
      onlyKeys(fields, [key]);
      return { body: entity(fields, key) };
    },
    answer: (doc: unknown) => ({ [key]: doc }),
  };
}

/** `upd`: `{<key>: {id, ...changes}}`. */
export function updateRequest(event: string, useCase: AnyUseCase, key: string): ClientRequest {
  return {
    event, useCase,
    read(fields) {
      onlyKeys(fields, [key]);
      const body = entity(fields, key);
      return { params: { id: takeId(body, key) }, body };
    },
    answer: (doc: unknown) => ({ [key]: doc }),
  };
}

/**
 * `del` and commands: `{<key>: {id, ...options}}` (e.g. an account's `removing`); the answer goes under
 * `ackKey` (default: the payload's key).
 */
export function idRequest(event: string, useCase: AnyUseCase, key: string, options: { ackKey?: string; options?: readonly string[] } = {}): ClientRequest {
  return {
    event, useCase,
    read(fields) {
      onlyKeys(fields, [key]);
      const target = entity(fields, key);
      const id = takeId(target, key);
      const query = asOptions(take(target, options.options ?? []));
      onlyKeys(target, [], `${key}.`);
      return { params: { id }, query };
    },
    answer: (result: unknown) => ({ [options.ackKey ?? key]: result }),
  };
}

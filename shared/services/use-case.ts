/**
 * A use case is one operation of the API, independent of its transport. REST routes and socket
 * handlers are thin adapters over the same use cases: each use case declares the role-matrix
 * permission it needs and the schemas of its inputs, and `prepare` runs the same steps for every
 * transport, in this order: authorise (`authorize()`) → identifiers → options → document. Nothing
 * reaches `run` unauthorised or unvalidated, and a refused request has changed nothing.
 */
import type { z } from 'zod';
import type { Action, Authorization, Resource } from '../domain/acl.js';
import { authorize } from '../domain/acl.js';
import type { Account } from '../domain/model.js';
import { EMPTY_QUERY } from './list-query.js';
import { parseBody, parseInput } from './validation.js';

/** Who asks: the authenticated account and its reach for the use case's permission. */
export interface Actor {
  readonly caller: Account;
  readonly auth: Authorization;
}

/** The validated inputs of a use case. */
export interface UseCaseInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface UseCase<P = unknown, Q = unknown, B = unknown, R = unknown> {
  /** The role-matrix permission checked before anything else. */
  permission: readonly [Resource, Action];
  /** Identifiers (REST: path parameters); every failure is a 400. */
  params?: z.ZodType<P>;
  /** Options (REST: the query string) — list conventions, `fields`, `embed`; every failure is a 400. Default: none. */
  query?: z.ZodType<Q>;
  /** The document (REST: the JSON body): 400 when malformed, 409 `Validation Error` when a rule is broken. */
  body?: z.ZodType<B>;
  run(actor: Actor, input: UseCaseInput<P, Q, B>): Promise<R>;
}

/** A use case with its types erased, for tables of use cases. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyUseCase = UseCase<any, any, any, any>;

/** The result type of a use case. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ResultOf<U> = U extends UseCase<any, any, any, infer R> ? R : never;

/** Declares a use case with its types inferred from its schemas. */
export function useCase<P = Record<string, never>, Q = Record<string, never>, B = undefined, R = unknown>(
  spec: UseCase<P, Q, B, R>,
): UseCase<P, Q, B, R> {
  return spec;
}

/**
 * Where the raw inputs come from, read in the order `prepare` needs them (REST reads the query string
 * only after the path parameters are checked, and the body last).
 */
export interface InputSource {
  params(): unknown;
  query(): unknown;
  /** The raw document; `undefined` reads as `{}` (then "Path `name` is required."). */
  body(): Promise<unknown> | unknown;
}

/** What the pipeline needs of a declaration (use cases and REST routes both have it). */
export interface InputSpec {
  permission?: readonly [Resource, Action] | undefined;
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  body?: z.ZodType | undefined;
}

export interface Prepared {
  /** Undefined when the declaration names no permission (public REST routes). */
  auth: Authorization | undefined;
  input: UseCaseInput<unknown, unknown, unknown>;
}

/**
 * Authorises the caller, then validates identifiers, options and the document, in this order; throws
 * ForbiddenError (403), BadRequestError (400) or ValidationError (409) at the first failure.
 */
export async function prepare(spec: InputSpec, caller: Account | undefined, source: InputSource): Promise<Prepared> {
  let auth: Authorization | undefined;
  if (spec.permission !== undefined) {
    if (caller === undefined) throw new Error('Use case bug: a permission is checked without a caller');
    auth = authorize(caller, spec.permission[0], spec.permission[1]);
  }
  const params: unknown = spec.params === undefined ? {} : parseInput(spec.params, source.params(), 'path');
  const query: unknown = parseInput(spec.query ?? EMPTY_QUERY, source.query(), 'query');
  let body: unknown;
  if (spec.body !== undefined) {
    const raw = await source.body();
    body = parseBody(spec.body, raw === undefined ? {} : raw);
  }
  return { auth, input: { params, query, body } };
}

/** Runs a use case for an authenticated caller: `prepare`, then `run`. */
export async function execute<P, Q, B, R>(useCase: UseCase<P, Q, B, R>, caller: Account, source: InputSource): Promise<R> {
  const { auth, input } = await prepare(useCase, caller, source);
  return useCase.run({ caller, auth: auth! }, input as UseCaseInput<P, Q, B>);
}

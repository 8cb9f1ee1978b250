/**
 * The one mapping of errors to HTTP responses (API.md "Status codes and errors"): DomainErrors
 * from the domain and the store, restify's own errors (unknown route, method not allowed, ...) and
 * anything unexpected all leave as `{"error": {code, message, error_link, errors?}}`.
 */
import {
  DomainError, ErrorCode, TooManyRequestsError, UnauthorizedError,
} from '../../shared/domain/errors.js';
import type { FieldError } from '../../shared/domain/errors.js';

/** The realm of the `WWW-Authenticate` challenge. */
export const AUTH_REALM = 'workty';

/** Where `error_link` points: the error catalogue inside the OpenAPI document (resolvable on any host). */
export const ERROR_LINK_BASE = '/api/v1/openapi.json#/x-error-codes/';

/** What each code means, served in `openapi.json` under `x-error-codes`. */
export const ERROR_CATALOGUE: Record<number, string> = {
  [ErrorCode.invalidInput]: 'Unexpected or invalid input (see the message and `errors`)',
  [ErrorCode.notFound]: 'Not found, or owned by another account',
  [ErrorCode.notUpdated]: 'Not updated: the change is impossible in the current state (e.g. run while running)',
  [ErrorCode.notDeleted]: 'Not deleted',
  [ErrorCode.badPositionIndex]: 'Bad position_index (an integer from 0 to the number of instances)',
  [ErrorCode.badPositionId]: 'Bad position_id (the id of an instance of this workflow)',
  [ErrorCode.badPositionType]: 'Bad position_type (first or last)',
  [ErrorCode.forbidden]: 'The role lacks the permission',
  [ErrorCode.accountRemoved]: 'The account was removed',
  [ErrorCode.insufficientFunds]: 'Not enough funds: the balance does not cover the price',
  [ErrorCode.worktyNotOwned]: 'The workty is not owned by the account (install the template first)',
};

export interface ErrorBody {
  error: {
    code: number;
    message: string;
    error_link: string;
    errors?: FieldError[];
  };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** restify-errors carry `statusCode` and `body.code` (a string such as `ResourceNotFound`). */
interface HttpLikeError extends Error {
  statusCode: number;
}

function isHttpLike(error: unknown): error is HttpLikeError {
  return error instanceof Error && typeof (error as Partial<HttpLikeError>).statusCode === 'number';
}

function body(code: number, message: string, errors?: FieldError[]): ErrorBody {
  const error: ErrorBody['error'] = { code, message, error_link: `${ERROR_LINK_BASE}${code}` };
  if (errors !== undefined && errors.length > 0) error.errors = errors;
  return { error };
}

/** Maps any error to its status, body and headers; `internal` is true for a 5xx worth logging. */
export function toErrorResponse(error: unknown): ErrorResponse & { internal: boolean } {
  if (error instanceof DomainError) {
    const headers: Record<string, string> = {};
    if (error instanceof UnauthorizedError) headers['WWW-Authenticate'] = `Basic realm="${AUTH_REALM}"`;
    if (error instanceof TooManyRequestsError) headers['Retry-After'] = String(error.retryAfterSeconds);
    const errors = 'errors' in error ? (error as { errors?: FieldError[] }).errors : undefined;
    return { status: error.status, body: body(error.code, error.message, errors), headers, internal: false };
  }
  if (isHttpLike(error) && error.statusCode >= 400 && error.statusCode < 500) {
    // restify's own: unknown route (404), method not allowed (405), unsupported media type...
    const code = error.statusCode === 404 ? ErrorCode.notFound : ErrorCode.invalidInput;
    const message = error.statusCode === 404 ? 'No such route' : error.message;
    return { status: error.statusCode, body: body(code, message), headers: {}, internal: false };
  }
  return { status: 500, body: body(ErrorCode.invalidInput, 'Internal error'), headers: {}, internal: true };
}

/** 415: a body that is not JSON (HTTP-only, so it lives here rather than in the domain). */
export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  constructor(message: string) {
    super(message, ErrorCode.invalidInput);
  }
}

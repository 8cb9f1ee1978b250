/**
 * The error hierarchy every role uses. Each error carries the HTTP status and the 2016 error code it
 * maps to, so REST (one restify error handler) and socket.io (one ack helper) report it the same way.
 */

/** The 2016 error catalogue, kept where it applies (API.md "Status codes and errors"). */
export const ErrorCode = {
  invalidInput: 1,
  notFound: 2,
  notUpdated: 3,
  notDeleted: 4,
  badPositionIndex: 10,
  badPositionId: 11,
  badPositionType: 12,
  forbidden: 13,
  accountRemoved: 14,
  insufficientFunds: 15,
  worktyNotOwned: 17,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One failed rule of a validation: the field path and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** 400: malformed input (bad id, unknown query field, nothing to update, bad position...). */
export class BadRequestError extends DomainError {
  readonly status = 400;
  readonly errors: FieldError[] | undefined;
  constructor(message: string, code: ErrorCode = ErrorCode.invalidInput, errors?: FieldError[]) {
    super(message, code);
    this.errors = errors;
  }
}

/** 401: no or wrong credentials. The message never repeats what was sent. */
export class UnauthorizedError extends DomainError {
  readonly status = 401;
  constructor(message = 'Invalid credentials') {
    super(message, ErrorCode.invalidInput);
  }
}

/** 402: the account's balance does not cover the price. */
export class InsufficientFundsError extends DomainError {
  readonly status = 402;
  constructor(readonly needed: number, readonly balance: number) {
    super(`Not enough funds: the price is ${needed} cents, the balance is ${balance} cents`, ErrorCode.insufficientFunds);
  }
}

/** 403: the role lacks the permission (code 13), or the account was removed (code 14). */
export class ForbiddenError extends DomainError {
  readonly status = 403;
  constructor(message = 'Forbidden', code: ErrorCode = ErrorCode.forbidden) {
    super(message, code);
  }
}

/** 404: not found, or owned by another tenant: the two are indistinguishable on purpose. */
export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(what: string, id?: string) {
    super(id === undefined ? `${what} not found` : `${what} ${id} not found`, ErrorCode.notFound);
  }
}

/** 409: a validation rule of the stored document failed (message `Validation Error`). */
export class ValidationError extends DomainError {
  readonly status = 409;
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super('Validation Error', ErrorCode.invalidInput);
    this.errors = errors;
  }
}

/** 409: a duplicate (e.g. email) or a transition that is impossible now (e.g. run while running). */
export class ConflictError extends DomainError {
  readonly status = 409;
  constructor(message: string, code: ErrorCode = ErrorCode.notUpdated) {
    super(message, code);
  }
}

/** 413: a body or a package over its size limit. */
export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  constructor(message: string) {
    super(message, ErrorCode.invalidInput);
  }
}

/** 429: too many attempts (failed logins included); `retryAfterSeconds` feeds `Retry-After`. */
export class TooManyRequestsError extends DomainError {
  readonly status = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests; retry in ${retryAfterSeconds} s`, ErrorCode.invalidInput);
  }
}

/** A lifecycle was asked for a transition its state machine does not allow (a programming error). */
export class IllegalStateError extends Error {
  constructor(readonly machine: string, readonly from: string, readonly input: string) {
    super(`${machine}: input "${input}" is not allowed in state "${from}"`);
    this.name = 'IllegalStateError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

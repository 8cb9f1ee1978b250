/**
 * The one mapping of errors to socket acknowledgements (the REST error handler's counterpart): a
 * DomainError keeps its HTTP status as `statusCode`, its 2016 `code`, its message and its field
 * errors, exactly as REST answers them; anything else is an internal error (500), logged, whose
 * details stay in the log.
 */
import { DomainError, ErrorCode } from '../../shared/domain/errors.js';
import type { FieldError } from '../../shared/domain/errors.js';
import type { AckError, RequestId } from '../../shared/protocol/clients.js';

export function toAckError(error: unknown): AckError & { internal: boolean } {
  if (error instanceof DomainError) {
    const errors = 'errors' in error ? (error as { errors?: FieldError[] }).errors : undefined;
    const ack: AckError & { internal: boolean } = { statusCode: error.status, code: error.code, message: error.message, internal: false };
    if (errors !== undefined && errors.length > 0) ack.errors = errors;
    return ack;
  }
  return { statusCode: 500, code: ErrorCode.invalidInput, message: 'Internal error', internal: true };
}

/** The acknowledgement of a failed request. */
export function failure(error: unknown, requestId: RequestId | null): { ack: { err: AckError; requestId: RequestId | null }; internal: boolean } {
  const { internal, ...err } = toAckError(error);
  return { ack: { err, requestId }, internal };
}

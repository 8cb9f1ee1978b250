/** The answers of the client API: `{err: null, ...result}` or `{err: {statusCode, code, message, errors?}}`. */
import type { Ack, AckError } from '../../../shared/protocol/clients.js';

/** A refused request, with the REST status, the 2016 code and the failed fields of a validation. */
export class ApiError extends Error {
  constructor(readonly statusCode: number, readonly code: number, message: string, readonly errors: AckError['errors'] = []) {
    super(message);
    this.name = 'ApiError';
  }

  /** One line for a person: the message, and what each failed field says. */
  get explanation(): string {
    const fields = (this.errors ?? []).map((e) => `${e.path}: ${e.message}`);
    return fields.length === 0 ? this.message : `${this.message} — ${fields.join('; ')}`;
  }
}

/** The result of an acknowledgement, or the ApiError it carries. */
export function ok<T>(ack: Ack<T>): T {
  if (ack.err !== null) throw new ApiError(ack.err.statusCode, ack.err.code, ack.err.message, ack.err.errors);
  return ack;
}

/** What to tell the user about a failure. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.explanation;
  if (error instanceof Error) return error.message;
  return String(error);
}

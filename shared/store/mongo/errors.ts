/**
 * Mongoose and driver errors as the domain's: a failed schema rule is a ValidationError (409,
 * `Validation Error`, one `{path, message}` per failed path), a duplicate unique key a ConflictError.
 * Anything else (network, server) passes through unchanged, for the caller's 5xx handling.
 */
import mongoose from 'mongoose';
import { ConflictError, DomainError, ValidationError, type FieldError } from '../../domain/errors.js';
import { ruleMessage } from '../../domain/rules.js';
import { castReason } from './models/validators.js';

interface ErrorItem {
  name?: string;
  path?: string;
  kind?: string;
  message?: string;
}

/**
 * One field error per failed path, in mongoose's order, never quoting the rejected value. Inside
 * embedded documents mongoose names the leaf only (`Path \`maxAttempts\``); the message is given the
 * full path (`retry.maxAttempts`), as the error's `path` is.
 */
export function fieldErrors(error: { errors: Record<string, ErrorItem> }): FieldError[] {
  return Object.entries(error.errors).map(([key, item]) => {
    if (item.name === 'CastError') return { path: key, message: ruleMessage.invalid(key, castReason(item.kind ?? 'value')) };
    const message = item.message ?? ruleMessage.invalid(key, 'malformed');
    const leaf = `Path \`${item.path ?? key}\``;
    return { path: key, message: message.startsWith(leaf) ? `Path \`${key}\`${message.slice(leaf.length)}` : message };
  });
}

/** The duplicate-key error of a unique index (also inside bulk writes), else null. */
function duplicateKey(error: unknown): { keyPattern: Record<string, unknown> } | null {
  if (error === null || typeof error !== 'object') return null;
  const e = error as { code?: unknown; keyPattern?: unknown; writeErrors?: unknown; errorResponse?: { keyPattern?: unknown } };
  if (e.code !== 11000) return null;
  const keyPattern = e.keyPattern ?? e.errorResponse?.keyPattern;
  return { keyPattern: keyPattern !== null && typeof keyPattern === 'object' ? keyPattern as Record<string, unknown> : {} };
}

/** Messages of the unique indexes a user can run into (others are programming errors). */
function duplicateMessage(keyPattern: Record<string, unknown>): string {
  if ('emailKey' in keyPattern) return 'An account with this email exists already';
  if ('tokenHash' in keyPattern) return 'A token with this hash exists already';
  return `Duplicate key (${Object.keys(keyPattern).join(', ') || 'unique index'})`;
}

export function toDomainError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof mongoose.Error.ValidationError) return new ValidationError(fieldErrors(error));
  if (error instanceof mongoose.Error.CastError) {
    return new ValidationError(fieldErrors({ errors: { [error.path]: error } }));
  }
  const duplicate = duplicateKey(error);
  if (duplicate !== null) return new ConflictError(duplicateMessage(duplicate.keyPattern));
  return error;
}

/** Runs `work`, rethrowing its failure as a domain error where one applies. */
export async function mapErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDomainError(error);
  }
}

/** A duplicate key on the given unique path (e.g. a concurrent identical insert that is harmless). */
export function isDuplicateKeyOn(error: unknown, path: string): boolean {
  const duplicate = duplicateKey(error);
  return duplicate !== null && path in duplicate.keyPattern;
}

/** The ValidationError of a malformed id given for `path`. */
export function invalidId(path: string): ValidationError {
  return new ValidationError([{ path, message: ruleMessage.invalid(path, castReason('ObjectId')) }]);
}

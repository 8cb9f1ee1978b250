/**
 * Turning schema failures into the API's errors, for every transport: a document that breaks a
 * rule is a 409 `Validation Error` with mongoose-style messages (``Path `email` is required.``), as
 * the 2016 platform answered; malformed input (unknown fields, bad ids or option values) is a 400.
 */
import type { z } from 'zod';
import { BadRequestError, ErrorCode, ValidationError } from '../domain/errors.js';
import type { FieldError } from '../domain/errors.js';
import { ruleMessage } from '../domain/rules.js';

/** A 400 for one bad input field. */
export function badInput(path: string, message: string, code: ErrorCode = ErrorCode.invalidInput): BadRequestError {
  return new BadRequestError(message, code, [{ path, message }]);
}

type Issue = z.core.$ZodIssue;

function pathOf(issue: Issue): string {
  return issue.path.map(String).join('.');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const NOUN: Record<string, string> = { string: 'characters', array: 'items', set: 'items', file: 'bytes' };

/** Why a value fails, in words; never repeats the value (it may be a password). */
export function describeIssue(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be an integer' : `must be ${article(issue.expected)}`;
    case 'too_small': {
      const noun = NOUN[issue.origin];
      const bound = String(issue.minimum);
      return noun === undefined ? `must be at least ${bound}` : `must have at least ${bound} ${noun}`;
    }
    case 'too_big': {
      const noun = NOUN[issue.origin];
      const bound = String(issue.maximum);
      return noun === undefined ? `must be at most ${bound}` : `must have at most ${bound} ${noun}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown or read-only field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? `has an invalid format` : issue.message;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'has an invalid value';
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === 'nan' || expected === 'never') return 'a valid value';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Unknown fields anywhere, or a body that is not an object at all: malformed rather than invalid. */
function isMalformed(issue: Issue): boolean {
  return issue.code === 'unrecognized_keys' || (issue.path.length === 0 && issue.code === 'invalid_type');
}

/** Parses a request body; 400 for malformed structure, 409 `Validation Error` for broken rules. */
export function parseBody<T>(schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const malformed = result.error.issues.filter(isMalformed);
  if (malformed.length > 0) {
    const errors = malformed.map((issue): FieldError => ({
      path: pathOf(issue),
      message: issue.path.length === 0 && issue.code === 'invalid_type' ? 'The body must be a JSON object' : describeIssue(issue),
    }));
    throw new BadRequestError(errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('; '), 1, errors);
  }
  const errors = result.error.issues.map((issue): FieldError => {
    const path = pathOf(issue);
    const missing = issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined;
    return { path, message: missing ? ruleMessage.required(path) : ruleMessage.invalid(path, describeIssue(issue)) };
  });
  throw new ValidationError(errors);
}

/** Parses path parameters or a query; every failure is a 400 naming the parameter. */
export function parseInput<T>(schema: z.ZodType<T>, data: unknown, what: 'query' | 'path'): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  // One message per parameter: the first rule it breaks.
  const seen = new Set<string>();
  const issues = result.error.issues.filter((issue) => {
    const key = issue.code === 'unrecognized_keys' ? `?${issue.keys.join(',')}` : pathOf(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const errors = issues.map((issue): FieldError => {
    if (issue.code === 'unrecognized_keys') {
      return { path: issue.keys.join(','), message: `Unknown ${what} parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` };
    }
    const path = pathOf(issue);
    return { path, message: `${path} ${describeIssue(issue)}` };
  });
  throw new BadRequestError(errors.map((e) => e.message).join('; '), 1, errors);
}

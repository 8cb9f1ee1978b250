/**
 * Mongoose schema-type options built from the one set of rules (`shared/domain/rules.ts`), with the
 * 2016 message format: `Path \`name\` is required.` / `Path \`name\` is invalid: <why>.`
 * Mongoose replaces `{PATH}` with the failing path when it reports an error; `fieldErrors` then puts
 * the full path (e.g. `retry.maxAttempts`) in its place. The reasons use the same words as the
 * SQLite adapter's checks, so that a client sees the same message whichever store is configured.
 */
import { Schema } from 'mongoose';
import { ruleMessage } from '../../../domain/rules.js';

/** The message of a failed rule other than `required`. */
export const invalid = (why: string): string => ruleMessage.invalid('{PATH}', why);

export const REQUIRED: [true, string] = [true, ruleMessage.required('{PATH}')];

/** Options shared by every top-level schema: no `__v`, empty objects kept, ids as `_id` only. */
export const DOCUMENT_OPTIONS = { versionKey: false, minimize: false, id: false, strict: true } as const;

/** Options of embedded schemas: their errors are reported at their own paths only. */
export const EMBEDDED_OPTIONS = { ...DOCUMENT_OPTIONS, _id: false, storeSubdocValidationError: false } as const;

interface TextRule {
  readonly min?: number;
  readonly max: number;
  readonly pattern?: RegExp;
}

interface TextOptions {
  required?: boolean;
  default?: string;
  /** Why a value failing the pattern is wrong, in words (the message never quotes the value). */
  patternWhy?: string;
}

/** A string path with the rule's length bounds and pattern. */
export function text(rule: TextRule, options: TextOptions = {}) {
  return {
    type: String,
    ...(options.required === true ? { required: REQUIRED } : {}),
    ...(options.default !== undefined ? { default: options.default } : {}),
    ...(rule.min !== undefined && rule.min > 0
      ? { minlength: [rule.min, invalid(`shorter than the minimum length (${rule.min})`)] as [number, string] }
      : {}),
    maxlength: [rule.max, invalid(`longer than the maximum length (${rule.max})`)] as [number, string],
    ...(rule.pattern !== undefined
      ? { match: [rule.pattern, invalid(options.patternWhy ?? 'malformed')] as [RegExp, string] }
      : {}),
  };
}

interface RangeRule {
  readonly min: number;
  readonly max: number;
}

const INTEGER = { validator: (v: unknown) => v === null || v === undefined || Number.isInteger(v), message: invalid('must be an integer') };

/** A number path within the rule's range; `integer` adds the integer check (money, counts). */
export function number(rule: RangeRule, options: { integer?: boolean; required?: boolean; default?: number } = {}) {
  return {
    type: Number,
    ...(options.required === true ? { required: REQUIRED } : {}),
    ...(options.default !== undefined ? { default: options.default } : {}),
    min: [rule.min, invalid(`less than the minimum allowed value (${rule.min})`)] as [number, string],
    max: [rule.max, invalid(`more than the maximum allowed value (${rule.max})`)] as [number, string],
    ...(options.integer === true ? { validate: INTEGER } : {}),
  };
}

/** An integer ≥ `min` without an upper bound of its own (sequence numbers, attempt numbers). */
export function counter(min: number, options: { required?: boolean; default?: number } = {}) {
  return number({ min, max: Number.MAX_SAFE_INTEGER }, { integer: true, ...options });
}

/** A string path restricted to a closed list (states, roles, streams...). */
export function oneOf<const V extends string>(values: readonly V[], options: { required?: boolean; default?: V } = {}): EnumPath<V> {
  const path: EnumPath<V> = { type: String, enum: { values: [...values], message: invalid(`must be one of ${values.join(', ')}`) } };
  if (options.required === true) path.required = REQUIRED;
  if (options.default !== undefined) path.default = options.default;
  return path;
}

interface EnumPath<V extends string> {
  type: StringConstructor;
  enum: { values: V[]; message: string };
  required?: [true, string];
  default?: V;
}

/** An array-length validator: at most `max` items. */
export function itemCount(max: number, noun: string) {
  return {
    validator: (v: unknown) => !Array.isArray(v) || v.length <= max,
    message: invalid(`more than ${max} ${noun}`),
  };
}

/** A reference to another document (stored as an ObjectId). */
export function ref(options: { required?: boolean; nullable?: boolean } = {}) {
  return {
    type: Schema.Types.ObjectId,
    ...(options.required === true ? { required: REQUIRED } : {}),
    ...(options.nullable === true ? { default: null } : {}),
  };
}

/** A date set by the adapter. */
export function date(options: { required?: boolean; nullable?: boolean } = {}) {
  return {
    type: Date,
    ...(options.required === true ? { required: REQUIRED } : {}),
    ...(options.nullable === true ? { default: null } : {}),
  };
}

/** Why a value could not be read as the path's type, for `CastError`s (no value is quoted). */
export function castReason(kind: string): string {
  switch (kind.toLowerCase()) {
    case 'objectid': return 'must be a 24-hex id';
    case 'date': return 'must be an ISO date';
    case 'number': return 'must be a number';
    case 'boolean': return 'must be true or false';
    case 'string': return 'must be a string';
    case 'buffer': return 'must be binary data';
    default: return `must be a ${kind}`;
  }
}

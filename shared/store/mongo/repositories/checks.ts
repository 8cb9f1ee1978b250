/**
 * Checks of verb arguments that are not stored documents (engine inputs, journal inputs, log
 * chunks), made before a transaction starts. Same rules and words as the SQLite adapter's checks;
 * every failure is reported at once as a ValidationError.
 */
import { ValidationError, type FieldError } from '../../../domain/errors.js';
import { isId } from '../../../domain/ids.js';
import { JOURNAL_TYPES } from '../../../domain/model.js';
import { ruleMessage } from '../../../domain/rules.js';
import type { JournalInput } from '../../port.js';

export class Checks {
  readonly errors: FieldError[] = [];

  fail(path: string, why: string): void {
    this.errors.push({ path, message: ruleMessage.invalid(path, why) });
  }

  /** True when absent (and records `required` if it must be there). */
  private absent(path: string, value: unknown, required: boolean): boolean {
    if (value !== undefined && value !== null && value !== '') return false;
    if (required) this.errors.push({ path, message: ruleMessage.required(path) });
    return true;
  }

  id(path: string, value: unknown, required = false): void {
    if (!this.absent(path, value, required) && !isId(value)) this.fail(path, 'must be a 24-hex id');
  }

  integer(path: string, value: unknown, min: number, required = false): void {
    if (this.absent(path, value, required)) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, 'must be a number');
    if (!Number.isInteger(value)) return this.fail(path, 'must be an integer');
    if (value < min) this.fail(path, `less than the minimum allowed value (${min})`);
  }

  oneOf(path: string, value: unknown, allowed: readonly string[], required = false): void {
    if (this.absent(path, value, required)) return;
    if (typeof value !== 'string' || !allowed.includes(value)) this.fail(path, `must be one of ${allowed.join(', ')}`);
  }

  text(path: string, value: unknown, required = false): void {
    if (!this.absent(path, value, required) && typeof value !== 'string') this.fail(path, 'must be a string');
  }

  iso(path: string, value: unknown, required = false): void {
    if (this.absent(path, value, required)) return;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) this.fail(path, 'must be an ISO date');
  }

  journal(entries: unknown, path = 'journal'): void {
    if (!Array.isArray(entries)) return this.fail(path, 'must be an array of entries');
    (entries as JournalInput[]).forEach((entry, i) => {
      this.oneOf(`${path}.${i}.type`, entry?.type, JOURNAL_TYPES, true);
      this.id(`${path}.${i}.instanceId`, entry?.instanceId);
      this.integer(`${path}.${i}.attempt`, entry?.attempt, 1);
      const data: unknown = entry?.data;
      if (data !== undefined && (data === null || typeof data !== 'object' || Array.isArray(data))) this.fail(`${path}.${i}.data`, 'must be an object');
    });
  }
}

/** Runs the checks and throws the ValidationError of everything that failed. */
export function check(fill: (c: Checks) => void): void {
  const checks = new Checks();
  fill(checks);
  if (checks.errors.length > 0) throw new ValidationError(checks.errors);
}

/**
 * Store-level validation with the rules of `shared/domain/rules.ts`, reporting every failed rule at
 * once as a ValidationError (409 `Validation Error`) with mongoose-style messages, as the MongoDB
 * adapter's schemas do. Checks run before anything is written.
 */
import { dictionaryEntry, type DictionaryName } from '../../domain/dictionaries.js';
import { ValidationError, type FieldError } from '../../domain/errors.js';
import { isId } from '../../domain/ids.js';
import { RULES, ruleMessage } from '../../domain/rules.js';

interface TextRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** What the pattern means, for the message. */
  patternWhy?: string;
}

interface NumberRule {
  required?: boolean;
  min: number;
  max: number;
  integer?: boolean;
}

export class Checker {
  readonly errors: FieldError[] = [];

  fail(path: string, why: string): void {
    this.errors.push({ path, message: ruleMessage.invalid(path, why) });
  }

  missing(path: string): void {
    this.errors.push({ path, message: ruleMessage.required(path) });
  }

  /** True when the value is absent; records `required` when it must be present. */
  private absent(path: string, value: unknown, required: boolean | undefined, emptyIsAbsent: boolean): boolean {
    if (value === undefined || (required === true && (value === null || (emptyIsAbsent && value === '')))) {
      if (required === true) this.missing(path);
      return true;
    }
    return false;
  }

  text(path: string, value: unknown, rule: TextRule = {}): void {
    if (this.absent(path, value, rule.required, true)) return;
    if (typeof value !== 'string') return this.fail(path, 'must be a string');
    if (rule.min !== undefined && value.length < rule.min) return this.fail(path, `shorter than the minimum length (${rule.min})`);
    if (rule.max !== undefined && value.length > rule.max) return this.fail(path, `longer than the maximum length (${rule.max})`);
    if (rule.pattern !== undefined && !rule.pattern.test(value)) this.fail(path, rule.patternWhy ?? 'malformed');
  }

  number(path: string, value: unknown, rule: NumberRule): void {
    if (this.absent(path, value, rule.required, false)) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, 'must be a number');
    if (rule.integer === true && !Number.isInteger(value)) return this.fail(path, 'must be an integer');
    if (value < rule.min) return this.fail(path, `less than the minimum allowed value (${rule.min})`);
    if (value > rule.max) this.fail(path, `more than the maximum allowed value (${rule.max})`);
  }

  cents(path: string, value: unknown, required = false): void {
    this.number(path, value, { ...RULES.cents, integer: true, required });
  }

  boolean(path: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'boolean') this.fail(path, 'must be true or false');
  }

  oneOf(path: string, value: unknown, allowed: readonly string[], required = false): void {
    if (this.absent(path, value, required, true)) return;
    if (typeof value !== 'string' || !allowed.includes(value)) this.fail(path, `must be one of ${allowed.join(', ')}`);
  }

  id(path: string, value: unknown, required = false): void {
    if (this.absent(path, value, required, true)) return;
    if (!isId(value)) this.fail(path, 'must be a 24-hex id');
  }

  /** An entry id of one of the dictionaries (`typeId` must be a worktyTypes entry, ...). */
  dictionary(path: string, value: unknown, dictionary: DictionaryName, required = false): void {
    if (this.absent(path, value, required, true)) return;
    if (typeof value !== 'string' || dictionaryEntry(dictionary, value) === undefined) this.fail(path, `not an entry of ${dictionary}`);
  }

  iso(path: string, value: unknown, required = false): void {
    if (this.absent(path, value, required, true)) return;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) this.fail(path, 'must be an ISO date');
  }

  labels(path: string, value: unknown): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) return this.fail(path, 'must be an array of labels');
    if (value.length > RULES.labelsPerDevice.max) return this.fail(path, `more than ${RULES.labelsPerDevice.max} labels`);
    value.forEach((label, i) => this.text(`${path}.${i}`, label, { required: true, ...RULES.label, patternWhy: 'not a valid label' }));
  }

  propertyName(path: string, value: unknown): void {
    this.text(path, value, { required: true, ...RULES.propertyName, patternWhy: 'must start with a letter or _ and hold only letters, digits, _ . -' });
  }

  propertyValue(path: string, value: unknown): void {
    if (value === undefined) return this.missing(path);
    if (value === null || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.fail(path, 'must be a finite number');
      return;
    }
    if (typeof value !== 'string') return this.fail(path, 'must be a string, number, boolean or null');
    if (value.length > RULES.propertyValue.maxLength) this.fail(path, `longer than the maximum length (${RULES.propertyValue.maxLength})`);
  }

  /** A whole properties list: count, each name and value, no name twice. */
  properties(path: string, value: unknown): void {
    if (value === undefined) return;
    if (!Array.isArray(value)) return this.fail(path, 'must be an array of {name, value}');
    if (value.length > RULES.propertiesPerDocument.max) return this.fail(path, `more than ${RULES.propertiesPerDocument.max} properties`);
    const seen = new Set<string>();
    value.forEach((property: unknown, i) => {
      if (property === null || typeof property !== 'object') return this.fail(`${path}.${i}`, 'must be an object {name, value}');
      const { name, value: v } = property as { name?: unknown; value?: unknown };
      this.propertyName(`${path}.${i}.name`, name);
      this.propertyValue(`${path}.${i}.value`, v);
      if (typeof name === 'string') {
        if (seen.has(name)) this.fail(`${path}.${i}.name`, `duplicate property name "${name}"`);
        seen.add(name);
      }
    });
  }

  /** Throws the collected errors, if any. */
  check(): void {
    if (this.errors.length > 0) throw new ValidationError(this.errors);
  }
}

/** Validates with a fresh checker and throws at the end. */
export function validate(fn: (c: Checker) => void): void {
  const checker = new Checker();
  fn(checker);
  checker.check();
}

/** One failed rule found while writing (e.g. a property name already used by the document). */
export function invalid(path: string, why: string): ValidationError {
  return new ValidationError([{ path, message: ruleMessage.invalid(path, why) }]);
}

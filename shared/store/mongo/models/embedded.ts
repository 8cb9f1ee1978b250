/**
 * Embedded schemas used by several documents: properties (workties, instances, run snapshots), an
 * instance's target and retry policy, and a package reference.
 */
import { Schema, type Types } from 'mongoose';
import { RULES } from '../../../domain/rules.js';
import type { PropertyValue } from '../../../domain/model.js';
import { EMBEDDED_OPTIONS, REQUIRED, invalid, itemCount, number, ref, text } from './validators.js';

export interface PropertyRecord {
  _id: Types.ObjectId;
  name: string;
  value: PropertyValue;
}

function isPropertyValue(value: unknown): boolean {
  return value === null || ['boolean', 'number', 'string'].includes(typeof value);
}

export const propertySchema = new Schema<PropertyRecord>({
  name: text(RULES.propertyName, { required: true, patternWhy: 'must start with a letter or _ and hold only letters, digits, _ . -' }),
  value: {
    type: Schema.Types.Mixed,
    default: null,
    validate: [
      { validator: isPropertyValue, message: invalid('must be a string, number, boolean or null') },
      { validator: (v: unknown) => typeof v !== 'number' || Number.isFinite(v), message: invalid('must be a finite number') },
      {
        validator: (v: unknown) => typeof v !== 'string' || v.length <= RULES.propertyValue.maxLength,
        message: invalid(`longer than the maximum length (${RULES.propertyValue.maxLength})`),
      },
    ],
  },
}, { ...EMBEDDED_OPTIONS, _id: true });

/** The properties of one document: bounded in number, names unique (a task reads them as one object). */
export const properties = {
  type: [propertySchema],
  default: [] as PropertyRecord[],
  validate: [
    itemCount(RULES.propertiesPerDocument.max, 'properties'),
    {
      validator: (v: unknown) => {
        if (!Array.isArray(v)) return true;
        const names = v.map((p: { name?: unknown }) => p.name);
        return new Set(names).size === names.length;
      },
      message: invalid('holds a duplicate property name'),
    },
  ],
};

export interface TargetRecord {
  deviceId?: Types.ObjectId;
  labels?: string[];
}

const label = text(RULES.label, { required: true, patternWhy: 'not a valid label' });

/** Labels of a device or of an instance's target. */
export const labels = {
  type: [label],
  validate: itemCount(RULES.labelsPerDevice.max, 'labels'),
};

export const targetSchema = new Schema<TargetRecord>({
  deviceId: ref(),
  labels: { ...labels, default: undefined },
}, EMBEDDED_OPTIONS);

export interface RetryRecord {
  maxAttempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
}

export const retrySchema = new Schema<RetryRecord>({
  maxAttempts: number(RULES.retry.maxAttempts, { integer: true }),
  backoffMs: number(RULES.retry.backoffMs, { integer: true }),
  timeoutMs: number(RULES.retry.timeoutMs, { integer: true }),
}, EMBEDDED_OPTIONS);

export interface PackageRefRecord {
  hash: string;
  size: number;
}

export const packageRefSchema = new Schema<PackageRefRecord>({
  hash: { type: String, required: REQUIRED, match: [/^[0-9a-f]{64}$/, invalid('must be a SHA-256 in hex')] },
  size: { type: Number, required: REQUIRED, min: [0, invalid('must be at least 0')] },
}, EMBEDDED_OPTIONS);

/**
 * Building blocks of the request schemas, each built from the domain's RULES so that every transport
 * validates exactly what the stores enforce. Messages never repeat the value (it may be a secret).
 */
import { z } from 'zod';
import { ROLE_NAMES } from '../domain/model.js';
import { RULES } from '../domain/rules.js';

const ID = /^[0-9a-f]{24}$/;

/** A document id: 24 lower-case hex characters. */
export const objectId = z.string().regex(ID, { error: 'must be a 24-character lower-case hex id' })
  .meta({ description: 'A document id (24 lower-case hex characters)', example: '5f1d7f3b9c1e4a0012345678' });

/** An identifier `{id}` (REST: the path parameter). */
export const idParams = z.strictObject({ id: objectId });

export const nameField = z.string().min(RULES.name.min).max(RULES.name.max);
export const descField = z.string().max(RULES.desc.max);
export const emailField = z.string().max(RULES.email.max).regex(RULES.email.pattern, { error: 'must be an email address' });
export const passwordField = z.string().min(RULES.password.min).max(RULES.password.max)
  .meta({ description: `${RULES.password.min} to ${RULES.password.max} characters; stored as a bcrypt hash, never returned`, format: 'password' });
export const centsField = z.int().min(RULES.cents.min).max(RULES.cents.max).meta({ description: 'Integer cents' });
export const discountField = z.number().min(RULES.discountPercent.min).max(RULES.discountPercent.max);
export const rolesField = z.array(z.enum(ROLE_NAMES as unknown as ['admin', 'regular'])).min(1).max(ROLE_NAMES.length)
  .refine((roles) => new Set(roles).size === roles.length, { error: 'must not repeat a role' });

export const propertyNameField = z.string().min(RULES.propertyName.min).max(RULES.propertyName.max)
  .regex(RULES.propertyName.pattern, { error: 'must start with a letter or _ and hold only letters, digits, _ . -' });
export const propertyValueField = z.union([z.string().max(RULES.propertyValue.maxLength), z.number(), z.boolean(), z.null()]);

export const propertyInput = z.strictObject({ name: propertyNameField, value: propertyValueField.default(null) });
export const propertyPatch = z.strictObject({ name: propertyNameField.optional(), value: propertyValueField.optional() });

export const labelField = z.string().min(RULES.label.min).max(RULES.label.max)
  .regex(RULES.label.pattern, { error: 'must start with a letter or digit and hold only letters, digits, _ . -' });
export const labelsField = z.array(labelField).max(RULES.labelsPerDevice.max);

export const retryField = z.strictObject({
  maxAttempts: z.int().min(RULES.retry.maxAttempts.min).max(RULES.retry.maxAttempts.max).optional(),
  backoffMs: z.int().min(RULES.retry.backoffMs.min).max(RULES.retry.backoffMs.max).optional(),
  timeoutMs: z.int().min(RULES.retry.timeoutMs.min).max(RULES.retry.timeoutMs.max).optional(),
}).meta({ description: 'Attempts, backoff and timeout of this instance; missing fields take the engine defaults' });

/** At least one field: an update that changes nothing is malformed (400). */
export function nonEmpty<T extends object>(value: T): boolean {
  return Object.values(value).some((v) => v !== undefined);
}

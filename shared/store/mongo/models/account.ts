/** Accounts, with the secrets that only the `...Credentials` lookups return. */
import { Schema, type Types } from 'mongoose';
import { RULES } from '../../../domain/rules.js';
import { ROLE_NAMES, type RoleName } from '../../../domain/model.js';
import { DOCUMENT_OPTIONS, REQUIRED, date, number, oneOf, text } from './validators.js';

export interface AccountRecord {
  _id: Types.ObjectId;
  name: string;
  email: string;
  /** The email lower-cased: the unique key that makes emails compare case-insensitively. */
  emailKey: string;
  passwordHash: string;
  /** Incremented when the password hash changes or the account is removed (ends cached logins). */
  credentialsVersion: number;
  aclRoleNames: RoleName[];
  amount: number;
  removed: boolean;
  removedDate: Date | null;
  created: Date;
  updated: Date;
  /** Write-skew guard, see repositories/cascade.ts. */
  guard: number;
}

export const accountSchema = new Schema<AccountRecord>({
  name: text(RULES.name, { required: true }),
  email: text(RULES.email, { required: true, patternWhy: 'not an email address' }),
  emailKey: { type: String },
  passwordHash: { type: String, required: REQUIRED },
  credentialsVersion: { type: Number, default: 1 },
  // Required when absent; an empty list is allowed (an account without roles reaches nothing).
  aclRoleNames: { type: [oneOf(ROLE_NAMES)], required: REQUIRED, default: undefined },
  amount: number(RULES.cents, { integer: true, default: 0 }),
  removed: { type: Boolean, default: false },
  removedDate: date({ nullable: true }),
  created: date({ required: true }),
  updated: date({ required: true }),
  guard: { type: Number, default: 0 },
}, { ...DOCUMENT_OPTIONS, collection: 'accounts' });

accountSchema.index({ emailKey: 1 }, { unique: true, name: 'email_unique' });
accountSchema.index({ created: 1, _id: 1 }, { name: 'created' });

/** The unique key of an email: emails compare case-insensitively. */
export function emailKey(email: string): string {
  return email.toLowerCase();
}

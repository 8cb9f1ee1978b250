/** Workties (templates and installed copies) and the package archives they reference by hash. */
import { Schema, type Types } from 'mongoose';
import { RULES } from '../../../domain/rules.js';
import { DICTIONARIES, type DictionaryName } from '../../../domain/dictionaries.js';
import { packageRefSchema, properties, type PackageRefRecord, type PropertyRecord } from './embedded.js';
import { DOCUMENT_OPTIONS, REQUIRED, date, invalid, number, ref, text } from './validators.js';

export interface WorktyRecord {
  _id: Types.ObjectId;
  name: string;
  desc: string;
  accountId: Types.ObjectId;
  template: boolean;
  templateId: Types.ObjectId | null;
  typeId: Types.ObjectId;
  categoryId: Types.ObjectId;
  languageTypeId: Types.ObjectId;
  validationStateId: Types.ObjectId;
  entryPointModuleFileName: string;
  properties: PropertyRecord[];
  price: number;
  discountPercent: number;
  version: string;
  package: PackageRefRecord | null;
  created: Date;
  updated: Date;
  /** Write-skew guard, see repositories/cascade.ts. */
  guard: number;
}

/** A reference to an entry of one of the built-in dictionaries (ids are stable across installs). */
function dictionaryRef(dictionary: DictionaryName) {
  const ids = new Set(DICTIONARIES[dictionary].map((e) => e._id));
  return {
    type: Schema.Types.ObjectId,
    required: REQUIRED,
    validate: {
      validator: (v: unknown) => v === null || v === undefined || ids.has(String(v)),
      message: invalid(`not an entry of ${dictionary}`),
    },
  };
}

export const worktySchema = new Schema<WorktyRecord>({
  name: text(RULES.name, { required: true }),
  desc: text(RULES.desc, { default: '' }),
  accountId: ref({ required: true }),
  template: { type: Boolean, default: false },
  templateId: ref({ nullable: true }),
  typeId: dictionaryRef('worktyTypes'),
  categoryId: dictionaryRef('worktyCategories'),
  languageTypeId: dictionaryRef('languageTypes'),
  validationStateId: dictionaryRef('validationStates'),
  entryPointModuleFileName: text(RULES.entryPoint, { required: true, patternWhy: 'must be a relative path inside the package' }),
  properties,
  price: number(RULES.cents, { integer: true, default: 0 }),
  discountPercent: number(RULES.discountPercent, { default: 0 }),
  version: text(RULES.version, { default: '' }),
  package: { type: packageRefSchema, default: null },
  created: date({ required: true }),
  updated: date({ required: true }),
  guard: { type: Number, default: 0 },
}, { ...DOCUMENT_OPTIONS, collection: 'workties' });

worktySchema.index({ accountId: 1, created: 1, _id: 1 }, { name: 'owner_created' });
worktySchema.index({ template: 1, created: 1, _id: 1 }, { name: 'template_created' });
worktySchema.index({ created: 1, _id: 1 }, { name: 'created' });
worktySchema.index({ 'package.hash': 1 }, { name: 'package' });

export interface PackageRecord {
  _id: Types.ObjectId;
  /** SHA-256 of the bytes, hex: the package's address. */
  hash: string;
  size: number;
  bytes: Buffer;
  created: Date;
  /** Write-skew guard, see repositories/cascade.ts. */
  guard: number;
}

export const packageSchema = new Schema<PackageRecord>({
  hash: { type: String, required: REQUIRED, match: [/^[0-9a-f]{64}$/, invalid('must be a SHA-256 in hex')] },
  size: { type: Number, required: REQUIRED, min: [0, invalid('must be at least 0')] },
  bytes: { type: Buffer, required: REQUIRED },
  created: date({ required: true }),
  guard: { type: Number, default: 0 },
}, { ...DOCUMENT_OPTIONS, collection: 'packages' });

packageSchema.index({ hash: 1 }, { unique: true, name: 'hash_unique' });

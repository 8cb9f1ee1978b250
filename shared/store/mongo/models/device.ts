/** Devices (worker boards) with their credential, and socket tokens. */
import { Schema, type Types } from 'mongoose';
import { RULES } from '../../../domain/rules.js';
import { DEVICE_STATES, type DeviceState } from '../../../domain/states.js';
import { labels } from './embedded.js';
import { DOCUMENT_OPTIONS, EMBEDDED_OPTIONS, REQUIRED, counter, date, oneOf, ref, text } from './validators.js';

export interface DeviceFactsRecord {
  arch: string;
  cpus: number;
  memoryBytes: number;
  os: string;
  osRelease: string;
  hostname: string;
  temperatureC: number | null;
  runtimes: string[];
  agentVersion: string;
  protocolVersion: number;
  slots: number;
}

const factText = text(RULES.name, { required: true });

const factsSchema = new Schema<DeviceFactsRecord>({
  arch: factText,
  cpus: counter(0, { required: true }),
  memoryBytes: counter(0, { required: true }),
  os: factText,
  osRelease: factText,
  hostname: factText,
  temperatureC: { type: Number, default: null },
  runtimes: { type: [text(RULES.name)], default: [] as string[] },
  agentVersion: text(RULES.version, { required: true }),
  protocolVersion: counter(0, { required: true }),
  slots: counter(0, { required: true }),
}, EMBEDDED_OPTIONS);

export interface DeviceRecord {
  _id: Types.ObjectId;
  name: string;
  desc: string;
  labels: string[];
  disabled: boolean;
  state: DeviceState;
  lastSeen: Date | null;
  facts: DeviceFactsRecord | null;
  /** The stored form of the device secret (`hashSecret`). */
  secretHash: string;
  credentialIssued: Date;
  created: Date;
  updated: Date;
}

export const deviceSchema = new Schema<DeviceRecord>({
  name: text(RULES.name, { required: true }),
  desc: text(RULES.desc, { default: '' }),
  labels: { ...labels, default: [] as string[] },
  disabled: { type: Boolean, default: false },
  state: oneOf(DEVICE_STATES, { required: true, default: 'disconnected' }),
  lastSeen: date({ nullable: true }),
  facts: { type: factsSchema, default: null },
  secretHash: { type: String, required: REQUIRED },
  credentialIssued: date({ required: true }),
  created: date({ required: true }),
  updated: date({ required: true }),
}, { ...DOCUMENT_OPTIONS, collection: 'devices' });

deviceSchema.index({ created: 1, _id: 1 }, { name: 'created' });

export interface TokenRecord {
  _id: Types.ObjectId;
  accountId: Types.ObjectId;
  name: string;
  /** The stored form of the token (`hashSecret`). */
  tokenHash: string;
  expires: Date;
  revoked: boolean;
  created: Date;
}

export const tokenSchema = new Schema<TokenRecord>({
  accountId: ref({ required: true }),
  name: text(RULES.tokenName, { default: '' }),
  tokenHash: { type: String, required: REQUIRED },
  expires: date({ required: true }),
  revoked: { type: Boolean, default: false },
  created: date({ required: true }),
}, { ...DOCUMENT_OPTIONS, collection: 'tokens' });

tokenSchema.index({ tokenHash: 1 }, { unique: true, name: 'hash_unique' });
tokenSchema.index({ accountId: 1, created: 1, _id: 1 }, { name: 'owner_created' });
tokenSchema.index({ expires: 1 }, { name: 'expires' });
tokenSchema.index({ created: 1, _id: 1 }, { name: 'created' });

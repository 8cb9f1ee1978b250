/**
 * The change feed: one document per committed change, numbered by a counter document that every
 * writing transaction increments last (see `transactions.ts` for why this gives commit order).
 */
import { Schema, type Types } from 'mongoose';
import type { EntityKind } from '../../../domain/model.js';
import { DOCUMENT_OPTIONS, counter, date, oneOf, ref } from './validators.js';

export const ENTITY_KINDS: readonly EntityKind[] = ['account', 'workflow', 'instance', 'workty', 'payment', 'device', 'run', 'token'];
export const CHANGE_OPS = ['created', 'updated', 'deleted'] as const;

export interface ChangeRecord {
  _id: Types.ObjectId;
  seq: number;
  at: Date;
  entity: EntityKind;
  op: (typeof CHANGE_OPS)[number];
  id: Types.ObjectId;
  accountId: Types.ObjectId | null;
  data: Record<string, unknown>;
}

export const changeSchema = new Schema<ChangeRecord>({
  seq: counter(1, { required: true }),
  at: date({ required: true }),
  entity: oneOf(ENTITY_KINDS, { required: true }),
  op: oneOf(CHANGE_OPS, { required: true }),
  id: ref({ required: true }),
  accountId: ref({ nullable: true }),
  data: { type: Schema.Types.Mixed, default: {} },
}, { ...DOCUMENT_OPTIONS, collection: 'changes' });

changeSchema.index({ seq: 1 }, { unique: true, name: 'seq_unique' });

/** Named counters; `changes` holds the last sequence number given to a change. */
export interface CounterRecord {
  _id: string;
  seq: number;
}

export const CHANGES_COUNTER = 'changes';

export const counterSchema = new Schema<CounterRecord>({
  _id: { type: String },
  seq: counter(0, { required: true, default: 0 }),
}, { ...DOCUMENT_OPTIONS, collection: 'counters' });

/** Workflows and their workty instances. */
import { Schema, type Types } from 'mongoose';
import { RULES } from '../../../domain/rules.js';
import { INSTANCE_STATES, type InstanceState } from '../../../domain/states.js';
import { properties, retrySchema, targetSchema, type PropertyRecord, type RetryRecord, type TargetRecord } from './embedded.js';
import { DOCUMENT_OPTIONS, date, itemCount, oneOf, ref, text } from './validators.js';

export interface WorkflowRecord {
  _id: Types.ObjectId;
  accountId: Types.ObjectId;
  name: string;
  desc: string;
  /** The instances in execution order. */
  worktiesInstancesIds: Types.ObjectId[];
  lastRunId: Types.ObjectId | null;
  created: Date;
  updated: Date;
}

export const workflowSchema = new Schema<WorkflowRecord>({
  accountId: ref({ required: true }),
  name: text(RULES.name, { required: true }),
  desc: text(RULES.desc, { default: '' }),
  worktiesInstancesIds: {
    type: [{ type: Schema.Types.ObjectId }],
    validate: itemCount(RULES.instancesPerWorkflow.max, 'instances'),
  },
  lastRunId: ref({ nullable: true }),
  created: date({ required: true }),
  updated: date({ required: true }),
}, { ...DOCUMENT_OPTIONS, collection: 'workflows' });

workflowSchema.index({ accountId: 1, created: 1, _id: 1 }, { name: 'owner_created' });
workflowSchema.index({ created: 1, _id: 1 }, { name: 'created' });

export interface InstanceRecord {
  _id: Types.ObjectId;
  workflowId: Types.ObjectId;
  accountId: Types.ObjectId;
  worktyId: Types.ObjectId;
  name: string;
  desc: string;
  state: InstanceState;
  properties: PropertyRecord[];
  target: TargetRecord | null;
  retry: RetryRecord | null;
  created: Date;
  updated: Date;
}

export const instanceSchema = new Schema<InstanceRecord>({
  workflowId: ref({ required: true }),
  accountId: ref({ required: true }),
  worktyId: ref({ required: true }),
  name: text(RULES.name, { required: true }),
  desc: text(RULES.desc, { default: '' }),
  state: oneOf(INSTANCE_STATES, { required: true, default: 'initial' }),
  properties,
  target: { type: targetSchema, default: null },
  retry: { type: retrySchema, default: null },
  created: date({ required: true }),
  updated: date({ required: true }),
}, { ...DOCUMENT_OPTIONS, collection: 'worktyinstances' });

instanceSchema.index({ workflowId: 1 }, { name: 'workflow' });
instanceSchema.index({ accountId: 1, created: 1, _id: 1 }, { name: 'owner_created' });
instanceSchema.index({ worktyId: 1 }, { name: 'workty' });

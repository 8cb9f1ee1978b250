/**
 * Runs (with their instance snapshots and attempts), their journal, and captured output.
 *
 * Opaque JSON supplied by tasks (an attempt's `result`, a checkpoint's `data`, a journal entry's
 * `data`) is stored as JSON text: its keys may be anything (`$`-prefixed, dotted), which MongoDB
 * would refuse or misread in updates, and nothing ever queries inside it.
 */
import { Schema, type Types } from 'mongoose';
import { JOURNAL_TYPES, type JournalType, type LogStream, type RunDesired } from '../../../domain/model.js';
import { ATTEMPT_STATUSES, INSTANCE_STATES, RUN_STATUSES, type AttemptStatus, type InstanceState, type RunStatus } from '../../../domain/states.js';
import { RULES } from '../../../domain/rules.js';
import {
  packageRefSchema, properties, retrySchema, targetSchema, type PackageRefRecord, type PropertyRecord,
  type RetryRecord, type TargetRecord,
} from './embedded.js';
import { DOCUMENT_OPTIONS, EMBEDDED_OPTIONS, REQUIRED, counter, date, oneOf, ref, text } from './validators.js';

export const RUN_DESIRED: readonly RunDesired[] = ['running', 'paused', 'stopped'];
export const LOG_STREAMS: readonly LogStream[] = ['stdout', 'stderr'];

export interface AttemptRecord {
  number: number;
  deviceId: Types.ObjectId;
  status: AttemptStatus;
  leaseToken: string;
  leaseExpires: Date;
  dispatched: Date;
  started: Date | null;
  ended: Date | null;
  exitCode: number | null;
  /** JSON text of the task's result, or null. */
  result: string | null;
  error: string | null;
  /** False when the failure is one no retry can fix. */
  retryable: boolean;
  lastSeq: number;
}

const attemptSchema = new Schema<AttemptRecord>({
  number: counter(1, { required: true }),
  deviceId: ref({ required: true }),
  status: oneOf(ATTEMPT_STATUSES, { required: true }),
  leaseToken: { type: String, required: REQUIRED },
  leaseExpires: date({ required: true }),
  dispatched: date({ required: true }),
  started: date({ nullable: true }),
  ended: date({ nullable: true }),
  exitCode: { type: Number, default: null },
  result: { type: String, default: null },
  error: { type: String, default: null },
  retryable: { type: Boolean, default: true },
  lastSeq: counter(0, { required: true, default: 0 }),
}, EMBEDDED_OPTIONS);

export interface CheckpointRecord {
  state: string;
  /** JSON text of the task's checkpoint data. */
  data: string;
}

const checkpointSchema = new Schema<CheckpointRecord>({
  state: text(RULES.name, { required: true }),
  data: { type: String, default: 'null' },
}, EMBEDDED_OPTIONS);

export interface RunInstanceRecord {
  instanceId: Types.ObjectId;
  worktyId: Types.ObjectId;
  name: string;
  runtime: string;
  entryPoint: string;
  package: PackageRefRecord | null;
  properties: PropertyRecord[];
  target: TargetRecord | null;
  retry: RetryRecord | null;
  state: InstanceState;
  attempts: AttemptRecord[];
  checkpoint: CheckpointRecord | null;
  notBefore: Date | null;
}

const runInstanceSchema = new Schema<RunInstanceRecord>({
  instanceId: ref({ required: true }),
  worktyId: ref({ required: true }),
  name: text(RULES.name, { required: true }),
  runtime: text(RULES.name, { required: true }),
  entryPoint: text(RULES.entryPoint, { required: true, patternWhy: 'must be a relative path inside the package' }),
  package: { type: packageRefSchema, default: null },
  properties,
  target: { type: targetSchema, default: null },
  retry: { type: retrySchema, default: null },
  state: oneOf(INSTANCE_STATES, { required: true, default: 'initial' }),
  attempts: { type: [attemptSchema], default: [] as AttemptRecord[] },
  checkpoint: { type: checkpointSchema, default: null },
  notBefore: date({ nullable: true }),
}, EMBEDDED_OPTIONS);

export interface RunRecord {
  _id: Types.ObjectId;
  workflowId: Types.ObjectId;
  accountId: Types.ObjectId;
  status: RunStatus;
  desired: RunDesired;
  instances: RunInstanceRecord[];
  error: string | null;
  /** The last journal sequence number given out for this run (journal `seq` is dense from 1). */
  journalSeq: number;
  created: Date;
  started: Date | null;
  ended: Date | null;
  updated: Date;
}

export const runSchema = new Schema<RunRecord>({
  workflowId: ref({ required: true }),
  accountId: ref({ required: true }),
  status: oneOf(RUN_STATUSES, { required: true, default: 'queued' }),
  desired: oneOf(RUN_DESIRED, { required: true, default: 'running' }),
  instances: { type: [runInstanceSchema], default: [] as RunInstanceRecord[] },
  error: { type: String, default: null },
  journalSeq: counter(0, { required: true, default: 0 }),
  created: date({ required: true }),
  started: date({ nullable: true }),
  ended: date({ nullable: true }),
  updated: date({ required: true }),
}, { ...DOCUMENT_OPTIONS, collection: 'runs' });

runSchema.index({ workflowId: 1, created: 1, _id: 1 }, { name: 'workflow_created' });
runSchema.index({ accountId: 1, created: 1, _id: 1 }, { name: 'owner_created' });
runSchema.index({ created: 1, _id: 1 }, { name: 'created' });
runSchema.index({ status: 1, created: 1 }, { name: 'status_created' });
runSchema.index({ 'instances.attempts.deviceId': 1 }, { name: 'attempt_device' });
// Live attempts are few among all historical ones: lease expiry finds them through this index.
runSchema.index({ 'instances.attempts.status': 1 }, { name: 'attempt_status' });

export interface JournalRecord {
  _id: Types.ObjectId;
  runId: Types.ObjectId;
  seq: number;
  at: Date;
  type: JournalType;
  instanceId: Types.ObjectId | null;
  attempt: number | null;
  /** JSON text of the entry's details. */
  data: string;
}

export const journalSchema = new Schema<JournalRecord>({
  runId: ref({ required: true }),
  seq: counter(1, { required: true }),
  at: date({ required: true }),
  type: oneOf(JOURNAL_TYPES, { required: true }),
  instanceId: ref({ nullable: true }),
  attempt: { ...counter(1), default: null },
  data: { type: String, default: '{}' },
}, { ...DOCUMENT_OPTIONS, collection: 'journal' });

journalSchema.index({ runId: 1, seq: 1 }, { unique: true, name: 'run_seq_unique' });

export interface LogRecord {
  _id: Types.ObjectId;
  runId: Types.ObjectId;
  instanceId: Types.ObjectId;
  attempt: number;
  seq: number;
  stream: LogStream;
  text: string;
  at: Date;
}

export const logSchema = new Schema<LogRecord>({
  runId: ref({ required: true }),
  instanceId: ref({ required: true }),
  attempt: counter(1, { required: true }),
  seq: counter(0, { required: true }),
  stream: oneOf(LOG_STREAMS, { required: true }),
  text: { type: String, default: '' },
  at: date({ required: true }),
}, { ...DOCUMENT_OPTIONS, collection: 'logs' });

logSchema.index({ runId: 1, instanceId: 1, attempt: 1, seq: 1 }, { unique: true, name: 'attempt_seq_unique' });

/** Bytes of output stored per attempt, so that appends can be bounded without summing chunks. */
export interface LogTotalRecord {
  _id: Types.ObjectId;
  runId: Types.ObjectId;
  instanceId: Types.ObjectId;
  attempt: number;
  bytes: number;
}

export const logTotalSchema = new Schema<LogTotalRecord>({
  runId: ref({ required: true }),
  instanceId: ref({ required: true }),
  attempt: counter(1, { required: true }),
  bytes: counter(0, { required: true, default: 0 }),
}, { ...DOCUMENT_OPTIONS, collection: 'logtotals' });

logTotalSchema.index({ runId: 1, instanceId: 1, attempt: 1 }, { unique: true, name: 'attempt_unique' });

/**
 * The adapter's boundary: ObjectIds and Dates inside MongoDB, 24-hex strings and ISO strings outside.
 * Each entity's output is built from a whitelist of its domain fields, so stored-only fields (hashes,
 * the email key, counters) can never leak into a returned document, whatever was fetched.
 */
import { Types } from 'mongoose';
import { isId, type Id } from '../../domain/ids.js';
import type {
  Account, Attempt, ChangeEvent, Checkpoint, Device, DeviceFacts, DictionaryEntry, InstanceTarget, JournalEntry,
  LogChunk, PackageRef, Payment, Property, RetryPolicy, Run, RunInstance, Token, Workflow, Workty, WorktyInstance,
} from '../../domain/model.js';

export type Raw = Record<string, unknown>;
type Converter = (value: unknown) => unknown;

/** The ObjectId of a well-formed id, else null (a malformed id matches nothing). */
export function toObjectId(id: unknown): Types.ObjectId | null {
  return isId(id) ? new Types.ObjectId(id) : null;
}

/** The ObjectIds of the well-formed ids among `ids`, in order. */
export function toObjectIds(ids: readonly unknown[]): Types.ObjectId[] {
  return ids.map(toObjectId).filter((v): v is Types.ObjectId => v !== null);
}

export function idOut(value: unknown): Id {
  // Duck-typed: lean documents carry the driver's ObjectId, hydrated ones mongoose's.
  const hex = (value as { toHexString?: () => string } | null)?.toHexString;
  return typeof hex === 'function' ? hex.call(value) : String(value);
}

export function idOrNullOut(value: unknown): Id | null {
  return value === null || value === undefined ? null : idOut(value);
}

export function dateOut(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export function dateOrNullOut(value: unknown): string | null {
  return value === null || value === undefined ? null : dateOut(value);
}

/** Opaque task JSON is kept as text (see models/run.ts); `undefined` is stored as null. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value) ?? 'null';
}

export function fromJsonText(text: unknown, fallback: unknown = null): unknown {
  if (typeof text !== 'string') return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

const same: Converter = (v) => v;
const copyArray: Converter = (v) => (Array.isArray(v) ? [...(v as unknown[])] : []);
const idsOut: Converter = (v) => (Array.isArray(v) ? v.map(idOut) : []);

/** Builds an output function from a field whitelist; fields absent from the stored doc stay absent. */
function whitelist<T>(fields: Record<string, Converter>): (doc: object) => T {
  const entries = Object.entries(fields);
  return (doc) => {
    const raw = doc as Raw;
    const out: Raw = {};
    for (const [name, convert] of entries) {
      if (name in raw) out[name] = convert(raw[name]);
    }
    return out as T;
  };
}

const propertyOut = whitelist<Property>({ _id: idOut, name: same, value: (v) => (v === undefined ? null : v) });
const propertiesOut: Converter = (v) => (Array.isArray(v) ? (v as Raw[]).map(propertyOut) : []);

const targetOut: Converter = (v) => {
  if (v === null || v === undefined) return null;
  const raw = v as Raw;
  const out: InstanceTarget = {};
  if (raw.deviceId !== undefined && raw.deviceId !== null) out.deviceId = idOut(raw.deviceId);
  if (Array.isArray(raw.labels)) out.labels = [...(raw.labels as string[])];
  return out;
};

const retryOut: Converter = (v) => {
  if (v === null || v === undefined) return null;
  const raw = v as Raw;
  const out: Partial<RetryPolicy> = {};
  for (const key of ['maxAttempts', 'backoffMs', 'timeoutMs'] as const) {
    if (typeof raw[key] === 'number') out[key] = raw[key];
  }
  return out;
};

const packageOut: Converter = (v) =>
  (v === null || v === undefined ? null : whitelist<PackageRef>({ hash: same, size: same })(v as Raw));

const factsOut: Converter = (v) => (v === null || v === undefined ? null : whitelist<DeviceFacts>({
  arch: same, cpus: same, memoryBytes: same, os: same, osRelease: same, hostname: same,
  temperatureC: (t) => (typeof t === 'number' ? t : null), runtimes: copyArray, agentVersion: same,
  protocolVersion: same, slots: same,
})(v as Raw));

export const accountOut = whitelist<Account>({
  _id: idOut, name: same, email: same, aclRoleNames: copyArray, amount: same, removed: same,
  removedDate: dateOrNullOut, created: dateOut, updated: dateOut,
});

export const workflowOut = whitelist<Workflow>({
  _id: idOut, accountId: idOut, name: same, desc: same, worktiesInstancesIds: idsOut, lastRunId: idOrNullOut,
  created: dateOut, updated: dateOut,
});

export const instanceOut = whitelist<WorktyInstance>({
  _id: idOut, workflowId: idOut, accountId: idOut, worktyId: idOut, name: same, desc: same, state: same,
  properties: propertiesOut, target: targetOut, retry: retryOut, created: dateOut, updated: dateOut,
});

export const worktyOut = whitelist<Workty>({
  _id: idOut, name: same, desc: same, accountId: idOut, template: same, templateId: idOrNullOut, typeId: idOut,
  categoryId: idOut, languageTypeId: idOut, validationStateId: idOut, entryPointModuleFileName: same,
  properties: propertiesOut, price: same, discountPercent: same, version: same, package: packageOut,
  created: dateOut, updated: dateOut,
});

export const paymentOut = whitelist<Payment>({
  _id: idOut, accountId: idOut, worktyId: idOut, templateId: idOut, amount: same, msg: same, created: dateOut,
});

export const deviceOut = whitelist<Device>({
  _id: idOut, name: same, desc: same, labels: copyArray, disabled: same, state: same, lastSeen: dateOrNullOut,
  facts: factsOut, credentialIssued: dateOut, created: dateOut, updated: dateOut,
});

export const tokenOut = whitelist<Token>({
  _id: idOut, accountId: idOut, name: same, expires: dateOut, revoked: same, created: dateOut,
});

export const dictionaryEntryOut = whitelist<DictionaryEntry>({
  _id: idOut, name: same, desc: same, parentId: idOrNullOut, version: same, runtime: same,
});

const attemptOut = whitelist<Attempt>({
  number: same, deviceId: idOut, status: same, leaseToken: same, leaseExpires: dateOut, dispatched: dateOut,
  started: dateOrNullOut, ended: dateOrNullOut, exitCode: same, result: (v) => fromJsonText(v), error: same,
  // Attempts stored before the flag existed could be retried.
  retryable: (v) => v !== false, lastSeq: same,
});

const checkpointOut: Converter = (v) => (v === null || v === undefined ? null : whitelist<Checkpoint>({
  state: same, data: (d) => fromJsonText(d),
})(v as Raw));

const runInstanceOut = whitelist<RunInstance>({
  instanceId: idOut, worktyId: idOut, name: same, runtime: same, entryPoint: same, package: packageOut,
  properties: propertiesOut, target: targetOut, retry: retryOut, state: same,
  attempts: (v) => (Array.isArray(v) ? (v as Raw[]).map(attemptOut) : []), checkpoint: checkpointOut,
  notBefore: dateOrNullOut,
});

export const runOut = whitelist<Run>({
  _id: idOut, workflowId: idOut, accountId: idOut, status: same, desired: same,
  instances: (v) => (Array.isArray(v) ? (v as Raw[]).map(runInstanceOut) : []), error: same, created: dateOut,
  started: dateOrNullOut, ended: dateOrNullOut, updated: dateOut,
});

export const journalOut = whitelist<JournalEntry>({
  runId: idOut, seq: same, at: dateOut, type: same, instanceId: idOrNullOut, attempt: same,
  data: (v) => fromJsonText(v, {}),
});

export const logChunkOut = whitelist<LogChunk>({
  runId: idOut, instanceId: idOut, attempt: same, seq: same, stream: same, text: same, at: dateOut,
});

export const changeOut = whitelist<ChangeEvent>({
  seq: same, at: dateOut, entity: same, op: same, id: idOut, accountId: idOrNullOut,
  data: (v) => (v !== null && typeof v === 'object' ? { ...(v as Raw) } : {}),
});

/** A hydrated mongoose document or a lean one, as a plain object for the output functions. */
export function plain(doc: unknown): Raw {
  const maybe = doc as { toObject?: (o: object) => Raw };
  return typeof maybe.toObject === 'function' ? maybe.toObject({ depopulate: true, virtuals: false }) : (doc as Raw);
}

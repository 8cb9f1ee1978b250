/**
 * Every stored document of Workty, as one set of types used by all roles. Field names keep the 2016
 * documents' names where one existed (ORIGINAL.md "Documents"); dates are ISO strings, money is
 * integer cents, ids are 24-hex ObjectIds.
 *
 * Secrets (password hashes, device and token hashes) are on separate `...Credentials` types that only
 * the store and the authentication code see; no document type here carries one.
 */
import type { Id } from './ids.js';
import type { AttemptStatus, DeviceState, InstanceState, RunStatus } from './states.js';

export type RoleName = 'admin' | 'regular';
export const ROLE_NAMES: readonly RoleName[] = ['admin', 'regular'];

/** A property value as a task receives it in its JSON properties. */
export type PropertyValue = string | number | boolean | null;

/** A named value: a workty's default, or an instance's own copy of it. */
export interface Property {
  _id: Id;
  name: string;
  value: PropertyValue;
}

export interface Account {
  _id: Id;
  name: string;
  email: string;
  aclRoleNames: RoleName[];
  /** Balance in integer cents. */
  amount: number;
  removed: boolean;
  removedDate: string | null;
  created: string;
  updated: string;
}

/** What authentication needs; never serialised. `credentialsVersion` changes with the password or removal. */
export interface AccountCredentials {
  account: Account;
  passwordHash: string;
  credentialsVersion: number;
}

export interface Workflow {
  _id: Id;
  accountId: Id;
  name: string;
  desc: string;
  /** The instances in execution order. */
  worktiesInstancesIds: Id[];
  /** The newest run, if any (its status is the workflow's live state). */
  lastRunId: Id | null;
  created: string;
  updated: string;
}

/** Where an instance may run: a given board, or any board carrying all these labels. */
export interface InstanceTarget {
  deviceId?: Id;
  labels?: string[];
}

/** How often and how long an instance may be attempted. Missing fields take the engine's defaults. */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubled for each further one. */
  backoffMs: number;
  /** An attempt running longer than this is killed and counts as failed. */
  timeoutMs: number;
}

export interface WorktyInstance {
  _id: Id;
  workflowId: Id;
  /** The workflow's owner, denormalised so that every query can be scoped by tenant. */
  accountId: Id;
  worktyId: Id;
  name: string;
  desc: string;
  /** The instance's state in the workflow's latest run. */
  state: InstanceState;
  properties: Property[];
  target: InstanceTarget | null;
  retry: Partial<RetryPolicy> | null;
  created: string;
  updated: string;
}

/** A package archive, addressed by the SHA-256 of its bytes. */
export interface PackageRef {
  hash: string;
  size: number;
}

export interface Workty {
  _id: Id;
  name: string;
  desc: string;
  /** The owner; for a template, the admin who published it. */
  accountId: Id;
  /** A catalogue entry visible to everyone, installed into accounts through payments. */
  template: boolean;
  /** For an installed copy: the template it was copied from. */
  templateId: Id | null;
  typeId: Id;
  categoryId: Id;
  languageTypeId: Id;
  validationStateId: Id;
  /** The file the worker starts, relative to the package root (2016 name). */
  entryPointModuleFileName: string;
  properties: Property[];
  /** Price in integer cents. */
  price: number;
  discountPercent: number;
  version: string;
  package: PackageRef | null;
  created: string;
  updated: string;
}

export interface Payment {
  _id: Id;
  accountId: Id;
  /** The installed copy. */
  worktyId: Id;
  /** The template that was bought. */
  templateId: Id;
  /** Cents charged: price × (100 − discountPercent) / 100, rounded half up. */
  amount: number;
  msg: string;
  created: string;
}

/** What a board reports about itself when it connects. */
export interface DeviceFacts {
  arch: string;
  cpus: number;
  memoryBytes: number;
  os: string;
  osRelease: string;
  hostname: string;
  temperatureC: number | null;
  runtimes: string[];
  /** Version of each runtime of `runtimes` as it reports it (`unknown` when it has no version option). */
  runtimeVersions?: Record<string, string>;
  agentVersion: string;
  protocolVersion: number;
  slots: number;
}

export interface Device {
  _id: Id;
  name: string;
  desc: string;
  labels: string[];
  disabled: boolean;
  state: DeviceState;
  lastSeen: string | null;
  facts: DeviceFacts | null;
  /** When the current credential was issued (rotation invalidates the previous one). */
  credentialIssued: string;
  created: string;
  updated: string;
}

export interface DeviceCredentials {
  device: Device;
  /** SHA-256 of the device secret (a high-entropy random string, so a slow hash is not needed). */
  secretHash: string;
}

/** A bearer token for socket.io clients; the token itself is shown once and only its hash is kept. */
export interface Token {
  _id: Id;
  accountId: Id;
  name: string;
  expires: string;
  revoked: boolean;
  created: string;
}

export interface TokenCredentials {
  token: Token;
  tokenHash: string;
}

/** One entry of a dictionary (2016: a document of its own collection). Ids are stable across installs. */
export interface DictionaryEntry {
  _id: Id;
  name: string;
  desc: string;
  /** Categories form a tree. */
  parentId: Id | null;
  /** Language types: version and the executable a worker needs for it. */
  version: string | null;
  runtime: string | null;
}

export interface Attempt {
  /** 1-based; unique per (run, instance). */
  number: number;
  deviceId: Id;
  status: AttemptStatus;
  /** Proves that a report comes from the current holder of the attempt. */
  leaseToken: string;
  leaseExpires: string;
  dispatched: string;
  /** When the worker started the task's process; null if it never did (lost, or failed before it could start). */
  started: string | null;
  ended: string | null;
  exitCode: number | null;
  result: unknown;
  error: string | null;
  /** False when the failure is one no retry can fix (bad package, unknown runtime): the instance fails at once. */
  retryable: boolean;
  /** Highest sequence number of the worker's reports applied for this attempt. */
  lastSeq: number;
}

/** A workflow-SDK checkpoint: the task's state machine state and its data, for resuming. */
export interface Checkpoint {
  state: string;
  data: unknown;
}

/** An instance as frozen into a run when the run is requested; later edits affect later runs only. */
export interface RunInstance {
  instanceId: Id;
  worktyId: Id;
  name: string;
  runtime: string;
  entryPoint: string;
  package: PackageRef | null;
  properties: Property[];
  target: InstanceTarget | null;
  retry: Partial<RetryPolicy> | null;
  state: InstanceState;
  attempts: Attempt[];
  checkpoint: Checkpoint | null;
  /** Not before this time (retry backoff). */
  notBefore: string | null;
}

/** The state a user asked for; the supervisor moves `status` towards it. */
export type RunDesired = 'running' | 'paused' | 'stopped';

export interface Run {
  _id: Id;
  workflowId: Id;
  accountId: Id;
  status: RunStatus;
  desired: RunDesired;
  instances: RunInstance[];
  error: string | null;
  created: string;
  started: string | null;
  ended: string | null;
  updated: string;
}

export const JOURNAL_TYPES = [
  'run.requested',
  'run.command',
  'run.status',
  'instance.state',
  'attempt.dispatched',
  'attempt.started',
  'attempt.progress',
  'attempt.checkpoint',
  'attempt.ended',
  'attempt.retry',
] as const;
/** What a journal entry records; `data` carries the details (from/to states, exit code, error...). */
export type JournalType = (typeof JOURNAL_TYPES)[number];

/** One append-only record of a run's history. `seq` is dense and 1-based per run. */
export interface JournalEntry {
  runId: Id;
  seq: number;
  at: string;
  type: JournalType;
  instanceId: Id | null;
  attempt: number | null;
  data: Record<string, unknown>;
}

export type LogStream = 'stdout' | 'stderr';

/** A piece of an attempt's captured output; `seq` orders and deduplicates the worker's chunks. */
export interface LogChunk {
  runId: Id;
  instanceId: Id;
  attempt: number;
  seq: number;
  stream: LogStream;
  text: string;
  at: string;
}

export type EntityKind = 'account' | 'workflow' | 'instance' | 'workty' | 'payment' | 'device' | 'run' | 'token';

/**
 * One committed change, in commit order, so that other processes (the supervisor's sockets, the
 * engine) learn of what REST or another supervisor wrote. `accountId` is the owner the change
 * concerns (null: templates and devices, whose audience is decided by kind).
 */
export interface ChangeEvent {
  seq: number;
  at: string;
  entity: EntityKind;
  op: 'created' | 'updated' | 'deleted';
  id: Id;
  accountId: Id | null;
  /** A small hint (e.g. the new status); subscribers re-read the document for the rest. */
  data: Record<string, unknown>;
}

/**
 * The worker protocol, version 1: supervisor namespace `/worker` over WSS, plus HTTPS package
 * downloads. Written down in docs/protocol/v1.md; these types are the single source of both ends
 * (they parameterise the supervisor's `Namespace` and the worker's `Socket`).
 *
 * Every message that changes state is acknowledged; reports carry per-attempt sequence numbers so
 * that a worker can resend its outbox after a reconnect and the supervisor applies each report once.
 */
import type { Checkpoint, DeviceFacts, PropertyValue } from '../domain/model.js';

/** Bumped on any incompatible change; the supervisor refuses agents outside its supported range. */
export const PROTOCOL_VERSION = 1;
export const MIN_SUPPORTED_PROTOCOL_VERSION = 1;

export const WORKER_NAMESPACE = '/worker';
/** HTTPS path prefix of package downloads on the supervisor: GET `${PACKAGE_PATH}/<sha256>`. */
export const PACKAGE_PATH = '/worker/packages';
/** HTTPS path where a board checks its credential (`enrol`): GET with Basic deviceId:secret. */
export const CREDENTIAL_PATH = '/worker/credential';

/** Sent as socket.io `auth` in the handshake. */
export interface WorkerAuth {
  deviceId: string;
  secret: string;
  protocolVersion: number;
  agentVersion: string;
}

export const REFUSAL_CODES = ['bad-credentials', 'disabled', 'protocol-version', 'bad-handshake', 'shutting-down'] as const;
/**
 * Why a handshake was refused (the `connect_error`'s `data.code`).
 * - `bad-credentials`: unknown device or wrong / rotated secret;
 * - `disabled`: an admin disabled the device;
 * - `protocol-version`: the agent speaks a version outside the supervisor's supported range;
 * - `bad-handshake`: missing or malformed auth fields;
 * - `shutting-down`: the supervisor is stopping; retry soon.
 */
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** `connect_error.data` of a refused handshake; the error's message says why in words. */
export interface Refusal {
  code: RefusalCode;
  /** How long the worker should wait before trying again. */
  retryAfterMs: number;
}

/** Identifies one attempt and proves the sender holds its lease. */
export interface AttemptKey {
  runId: string;
  instanceId: string;
  attempt: number;
  leaseToken: string;
}

/** What a worker holds when it (re)connects: running attempts and finished ones not yet acknowledged. */
export interface HeldAttempt extends AttemptKey {
  status: 'running' | 'finished';
}

export interface Hello {
  facts: DeviceFacts;
  held: HeldAttempt[];
}

export interface HelloAck {
  /** Lease length granted to this worker's attempts. */
  leaseMs: number;
  /** Renew at this interval (about half the lease). */
  renewEveryMs: number;
  /** Held attempts the supervisor no longer considers this worker's: kill them and drop their reports. */
  cancel: AttemptKey[];
}

/** An attempt handed to a worker. */
export interface Dispatch extends AttemptKey {
  /** The instance's name, for logs. */
  name: string;
  runtime: string;
  /** Relative path inside the package. */
  entryPoint: string;
  package: { hash: string; size: number } | null;
  properties: Record<string, PropertyValue>;
  timeoutMs: number;
  /** Output kept per attempt; beyond it the worker truncates and says so. */
  maxLogBytes: number;
  /** For SDK tasks: resume from here (a re-dispatched attempt). */
  checkpoint: Checkpoint | null;
}

export const DISPATCH_REJECTIONS = ['no-slot', 'unknown-runtime', 'shutting-down', 'duplicate', 'invalid'] as const;
/**
 * Why a worker declined a dispatch.
 * - `no-slot`: all its slots are busy;
 * - `unknown-runtime`: the board has no such runtime (its hello's `facts.runtimes` say which it has);
 * - `shutting-down`: it is draining;
 * - `duplicate`: it already holds this attempt (treat as accepted);
 * - `invalid`: the dispatch is malformed (a supervisor bug); `message` says which field.
 */
export type DispatchRejection = (typeof DISPATCH_REJECTIONS)[number];

export type DispatchAck = { accepted: true } | { accepted: false; reason: DispatchRejection; message: string };

interface ReportBase {
  key: AttemptKey;
  /** Per attempt, 1-based, dense: the supervisor applies each (attempt, seq) once. */
  seq: number;
  /** When it happened on the board (ISO). */
  at: string;
}

export type Report =
  | (ReportBase & { type: 'started'; pid: number | null })
  | (ReportBase & { type: 'log'; stream: 'stdout' | 'stderr'; text: string })
  /** An SDK task entered a state of its state machine. */
  | (ReportBase & { type: 'progress'; state: string })
  | (ReportBase & { type: 'checkpoint'; checkpoint: Checkpoint })
  | (ReportBase & {
      type: 'finished';
      outcome: 'completed' | 'failed' | 'stopped';
      exitCode: number | null;
      signal: string | null;
      result: unknown;
      /** Why it failed, in words (e.g. `timed out after 5000 ms`, `package escapes its folder`). */
      error: string | null;
      /** A failure no retry can fix (bad package, unknown runtime). */
      retryable: boolean;
    });

export type ReportType = Report['type'];

/** A batch of outbox entries, oldest first; `outboxSeq` is the worker's own monotonic counter. */
export interface ReportBatch {
  entries: Array<{ outboxSeq: number; report: Report }>;
}

export interface ReportBatchAck {
  /** Every entry up to and including this outboxSeq is durable on the supervisor (applied or a duplicate). */
  ackedThrough: number;
  /** Attempts whose reports were refused as stale (lease lost): stop them and drop their entries. */
  stale: AttemptKey[];
}

export interface LeaseRenewal {
  held: AttemptKey[];
}

export interface LeaseRenewalAck {
  /** Attempts whose lease is gone: kill them. */
  lost: AttemptKey[];
}

export interface Cancel {
  key: AttemptKey;
  reason: 'stop' | 'lease-lost' | 'run-stopped';
}

/** A worker going away gives back attempts it will not finish; they are re-dispatched without a penalty. */
export interface Release {
  keys: AttemptKey[];
  reason: 'shutdown';
}

export type Ack<T> = (response: T) => void;

export interface WorkerToSupervisorEvents {
  hello: (hello: Hello, ack: Ack<HelloAck>) => void;
  reports: (batch: ReportBatch, ack: Ack<ReportBatchAck>) => void;
  'lease:renew': (renewal: LeaseRenewal, ack: Ack<LeaseRenewalAck>) => void;
  release: (release: Release, ack: Ack<{ released: number }>) => void;
  /** The worker stops taking new attempts (graceful shutdown begun). */
  draining: (ack: Ack<{ ok: true }>) => void;
}

export interface SupervisorToWorkerEvents {
  dispatch: (dispatch: Dispatch, ack: Ack<DispatchAck>) => void;
  cancel: (cancel: Cancel, ack: Ack<{ cancelled: boolean }>) => void;
}

/** What the supervisor keeps on each worker socket (`socket.data`). */
export interface WorkerSocketData {
  deviceId: string;
  agentVersion: string;
  protocolVersion: number;
}

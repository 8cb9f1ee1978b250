/**
 * A run as stored: one `runs` row, its instance snapshot in `run_instances` (one row per instance, in
 * execution order), the attempts in `attempts`, and its append-only `journal` (dense seq per run).
 * This module assembles Run documents and appends journal entries; the verbs are in runs.ts and
 * run-engine.ts.
 */
import { nowIso, type Id } from '../../domain/ids.js';
import {
  JOURNAL_TYPES, type Attempt, type Checkpoint, type InstanceTarget, type JournalEntry, type JournalType, type Property,
  type RetryPolicy, type Run, type RunDesired, type RunInstance,
} from '../../domain/model.js';
import type { AttemptStatus, InstanceState, RunStatus } from '../../domain/states.js';
import type { JournalInput } from '../port.js';
import { json, parseJson, type SqliteContext } from './database.js';
import { validate } from './validate.js';

export interface RunRow {
  _id: Id;
  workflowId: Id;
  accountId: Id;
  status: RunStatus;
  desired: RunDesired;
  error: string | null;
  created: string;
  started: string | null;
  ended: string | null;
  updated: string;
}

export interface RunInstanceRow {
  runId: Id;
  idx: number;
  instanceId: Id;
  worktyId: Id;
  name: string;
  runtime: string;
  entryPoint: string;
  packageHash: string | null;
  packageSize: number | null;
  properties: string;
  target: string | null;
  retry: string | null;
  state: InstanceState;
  checkpoint: string | null;
  notBefore: string | null;
}

export interface AttemptRow {
  runId: Id;
  idx: number;
  number: number;
  deviceId: Id;
  status: AttemptStatus;
  leaseToken: string;
  leaseExpires: string;
  dispatched: string;
  started: string | null;
  ended: string | null;
  exitCode: number | null;
  result: string | null;
  error: string | null;
  /** 1 or 0 (SQLite has no booleans). */
  retryable: number;
  lastSeq: number;
}

interface JournalRow {
  runId: Id;
  seq: number;
  at: string;
  type: JournalType;
  instanceId: Id | null;
  attempt: number | null;
  data: string;
}

export function toAttempt(row: AttemptRow): Attempt {
  return {
    number: row.number, deviceId: row.deviceId, status: row.status, leaseToken: row.leaseToken, leaseExpires: row.leaseExpires,
    dispatched: row.dispatched, started: row.started, ended: row.ended, exitCode: row.exitCode,
    result: parseJson<unknown>(row.result), error: row.error, retryable: row.retryable !== 0, lastSeq: row.lastSeq,
  };
}

function toRunInstance(row: RunInstanceRow, attempts: Attempt[]): RunInstance {
  return {
    instanceId: row.instanceId, worktyId: row.worktyId, name: row.name, runtime: row.runtime, entryPoint: row.entryPoint,
    package: row.packageHash === null ? null : { hash: row.packageHash, size: row.packageSize ?? 0 },
    properties: JSON.parse(row.properties) as Property[], target: parseJson<InstanceTarget>(row.target),
    retry: parseJson<Partial<RetryPolicy>>(row.retry), state: row.state, attempts,
    checkpoint: parseJson<Checkpoint>(row.checkpoint), notBefore: row.notBefore,
  };
}

export function toJournalEntry(row: JournalRow): JournalEntry {
  return { ...row, data: JSON.parse(row.data) as Record<string, unknown> };
}

export function runRow(ctx: SqliteContext, id: Id): RunRow | undefined {
  return ctx.stmt('SELECT * FROM runs WHERE _id = ?').get(id) as RunRow | undefined;
}

export function runInstanceRow(ctx: SqliteContext, runId: Id, idx: number): RunInstanceRow | undefined {
  return ctx.stmt('SELECT * FROM run_instances WHERE runId = ? AND idx = ?').get(runId, idx) as RunInstanceRow | undefined;
}

/** The run document; `withInstances: false` skips the snapshot (projections without `instances`). */
export function toRun(ctx: SqliteContext, row: RunRow, withInstances = true): Run {
  let instances: RunInstance[] = [];
  if (withInstances) {
    const byIndex = new Map<number, Attempt[]>();
    for (const attempt of ctx.stmt('SELECT * FROM attempts WHERE runId = ? ORDER BY idx, number').all(row._id) as AttemptRow[]) {
      let list = byIndex.get(attempt.idx);
      if (list === undefined) byIndex.set(attempt.idx, (list = []));
      list.push(toAttempt(attempt));
    }
    const rows = ctx.stmt('SELECT * FROM run_instances WHERE runId = ? ORDER BY idx').all(row._id) as RunInstanceRow[];
    instances = rows.map((ri) => toRunInstance(ri, byIndex.get(ri.idx) ?? []));
  }
  return { ...row, instances };
}

export function loadRun(ctx: SqliteContext, id: Id): Run | null {
  return ctx.read(() => {
    const row = runRow(ctx, id);
    return row === undefined ? null : toRun(ctx, row);
  });
}

export function insertRunInstance(ctx: SqliteContext, row: RunInstanceRow): void {
  ctx.stmt(`INSERT INTO run_instances (runId, idx, instanceId, worktyId, name, runtime, entryPoint, packageHash, packageSize,
    properties, target, retry, state, checkpoint, notBefore) VALUES (@runId, @idx, @instanceId, @worktyId, @name, @runtime,
    @entryPoint, @packageHash, @packageSize, @properties, @target, @retry, @state, @checkpoint, @notBefore)`).run(row);
}

export function checkJournalInputs(entries: readonly JournalInput[]): void {
  validate((c) => {
    if (!Array.isArray(entries)) return c.fail('journal', 'must be an array of entries');
    entries.forEach((entry, i) => {
      c.oneOf(`journal.${i}.type`, entry.type, JOURNAL_TYPES, true);
      if (entry.instanceId !== undefined && entry.instanceId !== null) c.id(`journal.${i}.instanceId`, entry.instanceId);
      if (entry.attempt !== undefined && entry.attempt !== null) c.number(`journal.${i}.attempt`, entry.attempt, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true });
      if (entry.data !== undefined && (entry.data === null || typeof entry.data !== 'object' || Array.isArray(entry.data))) {
        c.fail(`journal.${i}.data`, 'must be an object');
      }
    });
  });
}

/** Appends entries with the next dense sequence numbers; inside the caller's write transaction. */
export function appendJournalEntries(ctx: SqliteContext, runId: Id, entries: readonly JournalInput[]): JournalEntry[] {
  let seq = (ctx.stmt('SELECT COALESCE(MAX(seq), 0) AS seq FROM journal WHERE runId = ?').get(runId) as { seq: number }).seq;
  return entries.map((entry) => {
    seq += 1;
    const row: JournalRow = {
      runId, seq, at: nowIso(), type: entry.type, instanceId: entry.instanceId ?? null, attempt: entry.attempt ?? null,
      data: json(entry.data ?? {}) ?? '{}',
    };
    ctx.stmt('INSERT INTO journal (runId, seq, at, type, instanceId, attempt, data) VALUES (@runId, @seq, @at, @type, @instanceId, @attempt, @data)').run(row);
    return toJournalEntry(row);
  });
}

/**
 * The change event of a run: its status, what the user asked for, and the newest journal seq, so a
 * subscriber can fetch the entries it has not seen.
 */
export function runChanged(ctx: SqliteContext, runId: Id, op: 'created' | 'updated'): void {
  const row = runRow(ctx, runId);
  if (row === undefined) return;
  const { seq } = ctx.stmt('SELECT COALESCE(MAX(seq), 0) AS seq FROM journal WHERE runId = ?').get(runId) as { seq: number };
  ctx.change('run', op, runId, row.accountId, { workflowId: row.workflowId, status: row.status, desired: row.desired, journalSeq: seq });
}

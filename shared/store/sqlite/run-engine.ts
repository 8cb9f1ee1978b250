/**
 * The engine's verbs on runs. Each is one write transaction that checks its precondition first
 * (compare-and-set on a status or state, the lease token, the report's sequence number) and returns
 * null when the precondition no longer holds, so that several supervisors may race on the same run
 * and exactly one of them wins each step.
 *
 * INVARIANTS
 * - A report changes an attempt only while the attempt is live (`dispatched` or `running`), only with
 *   the attempt's lease token, and only with a seq above the last applied one: duplicates and stale
 *   holders are ignored, so each (run, instance, attempt, seq) is applied at most once.
 * - `dispatch` moves the instance from `waiting` to `running` in the same transaction as it records
 *   the attempt: two dispatchers cannot both claim it.
 * - A workflow instance's `state` mirrors its state in the workflow's newest run only.
 */
import { IllegalStateError, NotFoundError } from '../../domain/errors.js';
import { nowIso, type Id } from '../../domain/ids.js';
import type { Attempt, JournalEntry, LogChunk, Run } from '../../domain/model.js';
import {
  FINAL_ATTEMPT_STATUSES, INSTANCE_STATES, RUN_STATUSES, isFinalRunStatus, type InstanceState, type RunStatus,
} from '../../domain/states.js';
import type { AttemptRef, AttemptReport, DispatchInput, EndedAttempt, JournalInput, ReportOutcome, RunStep, RunStepChange } from '../port.js';
import { ACTIVE_STATUSES_SQL, dropPackageIfUnused } from './cascade.js';
import { json, type SqliteContext } from './database.js';
import { setWorkflowInstanceState } from './instances.js';
import {
  appendJournalEntries, checkJournalInputs, loadRun, runChanged, runInstanceRow, runRow, toAttempt, toRun,
  type AttemptRow, type RunInstanceRow, type RunRow,
} from './run-documents.js';
import { validate } from './validate.js';

const LIVE_ATTEMPTS_SQL = `('dispatched', 'running')`;

function mustLoad(ctx: SqliteContext, runId: Id): Run {
  const run = loadRun(ctx, runId);
  if (run === null) throw new NotFoundError('Run', runId);
  return run;
}

function instanceAt(ctx: SqliteContext, runId: Id, index: number): RunInstanceRow {
  const row = runInstanceRow(ctx, runId, index);
  if (row === undefined) throw new RangeError(`Run ${runId} has no instance #${index}`);
  return row;
}

/** Sets a run instance's state (and the workflow instance's, if this is the workflow's newest run). */
function applyInstanceState(ctx: SqliteContext, run: RunRow, instance: RunInstanceRow, state: InstanceState, notBefore?: string | null): void {
  ctx.stmt('UPDATE run_instances SET state = ?, notBefore = ? WHERE runId = ? AND idx = ?')
    .run(state, notBefore === undefined ? instance.notBefore : notBefore, run._id, instance.idx);
  const workflow = ctx.stmt('SELECT lastRunId FROM workflows WHERE _id = ?').get(run.workflowId) as { lastRunId: Id | null } | undefined;
  if (workflow?.lastRunId === run._id) setWorkflowInstanceState(ctx, instance.instanceId, state);
}

function touchRun(ctx: SqliteContext, runId: Id): void {
  ctx.stmt('UPDATE runs SET updated = ? WHERE _id = ?').run(nowIso(), runId);
}

export function listActive(ctx: SqliteContext): Run[] {
  return ctx.read(() => {
    const rows = ctx.stmt(`SELECT * FROM runs WHERE status IN ${ACTIVE_STATUSES_SQL} ORDER BY created, _id`).all() as RunRow[];
    return rows.map((row) => toRun(ctx, row));
  });
}

function checkStep(from: RunStatus, to: RunStatus, change: RunStepChange, prefix = ''): void {
  validate((c) => {
    c.oneOf(`${prefix}from`, from, RUN_STATUSES, true);
    c.oneOf(`${prefix}to`, to, RUN_STATUSES, true);
    (change.instances ?? []).forEach((step, i) => {
      c.number(`${prefix}instances.${i}.index`, step.index, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, required: true });
      c.oneOf(`${prefix}instances.${i}.from`, step.from, INSTANCE_STATES, true);
      c.oneOf(`${prefix}instances.${i}.to`, step.to, INSTANCE_STATES, true);
      if (step.notBefore !== undefined && step.notBefore !== null) c.iso(`${prefix}instances.${i}.notBefore`, step.notBefore, true);
    });
    if (change.error !== undefined && change.error !== null) c.text(`${prefix}error`, change.error, { max: 4096 });
  });
  checkJournalInputs(change.journal ?? []);
}

/** Applies a step inside the caller's write transaction; false (nothing written) when a compare-and-set fails. */
function applyStep(ctx: SqliteContext, runId: Id, from: RunStatus, to: RunStatus, change: RunStepChange): boolean {
  const row = runRow(ctx, runId);
  if (row === undefined || row.status !== from) return false;
  if (isFinalRunStatus(from)) throw new IllegalStateError('run', from, to);
  const instances = (change.instances ?? []).map((step) => ({ step, instance: instanceAt(ctx, runId, step.index) }));
  if (instances.some(({ step, instance }) => instance.state !== step.from)) return false;
  const now = nowIso();
  const next: RunRow = {
    ...row, status: to, updated: now, error: change.error === undefined ? row.error : change.error,
    started: row.started ?? (to === 'running' ? now : null), ended: isFinalRunStatus(to) ? now : row.ended,
  };
  ctx.stmt('UPDATE runs SET status = @status, error = @error, started = @started, ended = @ended, updated = @updated WHERE _id = @_id').run(next);
  const journal: JournalInput[] = [];
  for (const { step, instance } of instances) {
    applyInstanceState(ctx, row, instance, step.to, step.notBefore);
    journal.push({ type: 'instance.state', instanceId: instance.instanceId, data: { index: step.index, from: step.from, to: step.to } });
  }
  if (from !== to) {
    // Causal order: a run starts (or resumes) before its instance moves, and ends after it.
    const status: JournalInput = { type: 'run.status', data: next.error === null ? { from, to } : { from, to, error: next.error } };
    if (to === 'running') journal.unshift(status);
    else journal.push(status);
  }
  appendJournalEntries(ctx, runId, [...journal, ...(change.journal ?? [])]);
  if (isFinalRunStatus(to)) {
    // The run no longer holds its packages; those no workty uses any more go now.
    const hashes = ctx.column('SELECT DISTINCT packageHash FROM run_instances WHERE runId = ? AND packageHash IS NOT NULL').all(runId) as string[];
    for (const hash of hashes) dropPackageIfUnused(ctx, hash);
  }
  return true;
}

/** One engine step: run status CAS plus instance moves (each a CAS), error, journal. */
export function transition(ctx: SqliteContext, runId: Id, from: RunStatus, to: RunStatus, change: RunStepChange = {}): Run | null {
  checkStep(from, to, change);
  return ctx.write(() => {
    if (!applyStep(ctx, runId, from, to, change)) return null;
    runChanged(ctx, runId, 'updated');
    return mustLoad(ctx, runId);
  });
}

/** Claims a waiting, due instance of a running run for a device, under a lease. */
export function dispatch(ctx: SqliteContext, input: DispatchInput): Attempt | null {
  validate((c) => {
    c.id('deviceId', input.deviceId, true);
    c.number('instanceIndex', input.instanceIndex, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, required: true });
    c.text('leaseToken', input.leaseToken, { required: true });
    c.iso('leaseExpires', input.leaseExpires, true);
  });
  return ctx.write(() => {
    const row = runRow(ctx, input.runId);
    if (row === undefined || row.status !== 'running') return null;
    const instance = instanceAt(ctx, input.runId, input.instanceIndex);
    const now = nowIso();
    if (instance.state !== 'waiting' || (instance.notBefore !== null && instance.notBefore > now)) return null;
    const { last } = ctx.stmt('SELECT COALESCE(MAX(number), 0) AS last FROM attempts WHERE runId = ? AND idx = ?').get(input.runId, instance.idx) as { last: number };
    const attempt: AttemptRow = {
      runId: input.runId, idx: instance.idx, number: last + 1, deviceId: input.deviceId, status: 'dispatched', leaseToken: input.leaseToken,
      leaseExpires: new Date(input.leaseExpires).toISOString(), dispatched: now, started: null, ended: null, exitCode: null,
      result: null, error: null, retryable: 1, lastSeq: 0,
    };
    ctx.stmt(`INSERT INTO attempts (runId, idx, number, deviceId, status, leaseToken, leaseExpires, dispatched, started, ended, exitCode,
      result, error, retryable, lastSeq) VALUES (@runId, @idx, @number, @deviceId, @status, @leaseToken, @leaseExpires, @dispatched, @started,
      @ended, @exitCode, @result, @error, @retryable, @lastSeq)`).run(attempt);
    applyInstanceState(ctx, row, instance, 'running', null);
    touchRun(ctx, row._id);
    appendJournalEntries(ctx, row._id, [
      { type: 'instance.state', instanceId: instance.instanceId, attempt: attempt.number, data: { index: instance.idx, from: 'waiting', to: 'running' } },
      { type: 'attempt.dispatched', instanceId: instance.instanceId, attempt: attempt.number, data: { deviceId: input.deviceId } },
    ]);
    runChanged(ctx, row._id, 'updated');
    return toAttempt(attempt);
  });
}

function checkRef(c: Parameters<Parameters<typeof validate>[0]>[0], path: string, ref: AttemptRef): void {
  c.id(`${path}runId`, ref.runId, true);
  c.id(`${path}instanceId`, ref.instanceId, true);
  c.number(`${path}attempt`, ref.attempt, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true, required: true });
  c.text(`${path}leaseToken`, ref.leaseToken, { required: true });
}

function attemptOf(ctx: SqliteContext, ref: AttemptRef): { instance: RunInstanceRow; attempt: AttemptRow } | null {
  const instance = ctx.stmt('SELECT * FROM run_instances WHERE runId = ? AND instanceId = ?').get(ref.runId, ref.instanceId) as RunInstanceRow | undefined;
  if (instance === undefined) return null;
  const attempt = ctx.stmt('SELECT * FROM attempts WHERE runId = ? AND idx = ? AND number = ?').get(ref.runId, instance.idx, ref.attempt) as AttemptRow | undefined;
  return attempt === undefined ? null : { instance, attempt };
}

const isLive = (attempt: AttemptRow): boolean => !FINAL_ATTEMPT_STATUSES.includes(attempt.status);

function checkReport(c: Parameters<Parameters<typeof validate>[0]>[0], path: string, input: AttemptReport): void {
  checkRef(c, path, input);
  c.number(`${path}seq`, input.seq, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true, required: true });
  c.oneOf(`${path}type`, input.type, ['started', 'progress', 'checkpoint', 'finished'], true);
  if (input.type === 'finished') {
    c.oneOf(`${path}status`, input.status, ['completed', 'failed', 'stopped'], true);
    c.boolean(`${path}retryable`, input.retryable);
    if (input.error !== null) c.text(`${path}error`, input.error, { max: 4096 });
  }
  if (input.type === 'progress') c.text(`${path}state`, input.state, { required: true, max: 200 });
  if (input.type === 'checkpoint') c.text(`${path}checkpoint.state`, input.checkpoint?.state, { required: true, max: 200 });
}

/** One report inside the caller's write transaction. */
function applyReport(ctx: SqliteContext, input: AttemptReport): 'applied' | 'duplicate' | 'stale' {
  const found = attemptOf(ctx, input);
  if (found === null || found.attempt.leaseToken !== input.leaseToken) return 'stale';
  const { instance, attempt } = found;
  if (input.seq <= attempt.lastSeq) return 'duplicate';
  if (!isLive(attempt)) return 'stale';

  const now = nowIso();
  const next: AttemptRow = { ...attempt, lastSeq: input.seq };
  const at = { instanceId: instance.instanceId, attempt: attempt.number };
  let entry: JournalInput;
  switch (input.type) {
    case 'started':
      if (attempt.status === 'dispatched') {
        next.status = 'running';
        next.started = now;
      }
      entry = { type: 'attempt.started', ...at, data: { deviceId: attempt.deviceId, pid: input.pid } };
      break;
    case 'progress':
      entry = { type: 'attempt.progress', ...at, data: { state: input.state } };
      break;
    case 'checkpoint':
      ctx.stmt('UPDATE run_instances SET checkpoint = ? WHERE runId = ? AND idx = ?').run(json(input.checkpoint), input.runId, instance.idx);
      entry = { type: 'attempt.checkpoint', ...at, data: { state: input.checkpoint.state } };
      break;
    case 'finished':
      // An attempt that ends without having started (bad package, download failed) keeps started null.
      next.status = input.status;
      next.ended = now;
      next.exitCode = input.exitCode;
      next.result = json(input.result ?? null);
      next.error = input.error;
      next.retryable = input.retryable ? 1 : 0;
      entry = {
        type: 'attempt.ended', ...at,
        data: { status: input.status, exitCode: input.exitCode, signal: input.signal, error: input.error, retryable: input.retryable },
      };
      break;
  }
  ctx.stmt(`UPDATE attempts SET status = @status, started = @started, ended = @ended, exitCode = @exitCode, result = @result,
    error = @error, retryable = @retryable, lastSeq = @lastSeq WHERE runId = @runId AND idx = @idx AND number = @number`).run(next);
  appendJournalEntries(ctx, input.runId, [entry]);
  return 'applied';
}

/** A worker's reports on one attempt, each applied once, for the lease holder only; then the follow-up step. */
export function report(ctx: SqliteContext, inputs: AttemptReport[], followUp?: RunStep): ReportOutcome {
  validate((c) => {
    if (!Array.isArray(inputs) || inputs.length === 0) return c.fail('reports', 'must be a non-empty array');
    inputs.forEach((input, i) => {
      checkReport(c, `reports.${i}.`, input);
      const first = inputs[0]!;
      if (input.runId !== first.runId || input.instanceId !== first.instanceId || input.attempt !== first.attempt) {
        c.fail(`reports.${i}`, 'all reports must be on the same attempt');
      }
      if (i > 0 && input.seq <= inputs[i - 1]!.seq) c.fail(`reports.${i}.seq`, 'must ascend');
    });
  });
  if (followUp !== undefined) checkStep(followUp.from, followUp.to, followUp.change, 'followUp.');
  return ctx.write((): ReportOutcome => {
    let applied = false;
    let ended = false;
    let stale = false;
    for (const input of inputs) {
      const outcome = applyReport(ctx, input);
      if (outcome === 'stale') {
        stale = true;
        break;
      }
      if (outcome === 'applied') {
        applied = true;
        if (input.type === 'finished') ended = true;
      }
    }
    if (!applied) return { outcome: stale ? 'stale' : 'duplicate', run: null, followedUp: false };
    const runId = inputs[0]!.runId;
    let followedUp = false;
    if (ended && followUp !== undefined) {
      // The step is left out, not failed, when it no longer holds: a savepoint undoes its half-writes.
      try {
        followedUp = ctx.write(() => {
          if (!applyStep(ctx, runId, followUp.from, followUp.to, followUp.change)) throw new StepMissed();
          return true;
        });
      } catch (error) {
        if (!(error instanceof StepMissed)) throw error;
      }
    }
    if (!followedUp) touchRun(ctx, runId);
    runChanged(ctx, runId, 'updated');
    return { outcome: stale ? 'stale' : 'applied', run: mustLoad(ctx, runId), followedUp };
  });
}

class StepMissed extends Error {}

/** Not a user-visible change: no change event (renewals come every few seconds per board). */
export function renewLeases(ctx: SqliteContext, deviceId: Id, keys: AttemptRef[], leaseExpires: string): { lost: AttemptRef[] } {
  validate((c) => {
    c.id('deviceId', deviceId, true);
    c.iso('leaseExpires', leaseExpires, true);
    if (!Array.isArray(keys)) c.fail('keys', 'must be an array');
    else keys.forEach((key, i) => checkRef(c, `keys.${i}.`, key));
  });
  const until = new Date(leaseExpires).toISOString();
  return ctx.write(() => {
    const lost: AttemptRef[] = [];
    for (const key of keys) {
      const found = attemptOf(ctx, key);
      if (found === null || found.attempt.deviceId !== deviceId || found.attempt.leaseToken !== key.leaseToken || !isLive(found.attempt)) {
        lost.push(key);
        continue;
      }
      ctx.stmt('UPDATE attempts SET leaseExpires = MAX(leaseExpires, ?) WHERE runId = ? AND idx = ? AND number = ?')
        .run(until, key.runId, found.instance.idx, key.attempt);
    }
    return { lost };
  });
}

/** Ends attempts (inside the caller's write) with a journal entry and the run's change event. */
function endAttemptRows(ctx: SqliteContext, rows: Array<AttemptRow & { instanceId: Id }>, status: 'lost' | 'released', error: string): EndedAttempt[] {
  const out: EndedAttempt[] = [];
  for (const { instanceId, ...attempt } of rows) {
    const ended: AttemptRow = { ...attempt, status, ended: nowIso(), error };
    ctx.stmt('UPDATE attempts SET status = ?, ended = ?, error = ? WHERE runId = ? AND idx = ? AND number = ?')
      .run(status, ended.ended, error, ended.runId, ended.idx, ended.number);
    appendJournalEntries(ctx, ended.runId, [{
      type: 'attempt.ended', instanceId, attempt: ended.number,
      data: { status, exitCode: null, signal: null, error, retryable: true, deviceId: ended.deviceId },
    }]);
    out.push({ runId: ended.runId, instanceId, instanceIndex: ended.idx, attempt: toAttempt(ended) });
  }
  for (const runId of new Set(out.map((e) => e.runId))) {
    touchRun(ctx, runId);
    runChanged(ctx, runId, 'updated');
  }
  return out;
}

export const LEASE_EXPIRED_ERROR = 'lease expired: its worker stopped renewing it (gone or unreachable)';

export function expireLeases(ctx: SqliteContext, now: Date): EndedAttempt[] {
  const cutoff = now.toISOString();
  return ctx.write(() => {
    const expired = ctx.stmt(`SELECT a.*, ri.instanceId FROM attempts a JOIN run_instances ri ON ri.runId = a.runId AND ri.idx = a.idx
      WHERE a.status IN ${LIVE_ATTEMPTS_SQL} AND a.leaseExpires < ? ORDER BY a.runId, a.idx, a.number`).all(cutoff) as Array<AttemptRow & { instanceId: Id }>;
    return endAttemptRows(ctx, expired, 'lost', LEASE_EXPIRED_ERROR);
  });
}

export function endAttempts(ctx: SqliteContext, deviceId: Id, keys: AttemptRef[], status: 'lost' | 'released', error: string): EndedAttempt[] {
  validate((c) => {
    c.id('deviceId', deviceId, true);
    c.oneOf('status', status, ['lost', 'released'], true);
    c.text('error', error, { required: true, max: 4096 });
    if (!Array.isArray(keys)) c.fail('keys', 'must be an array');
    else keys.forEach((key, i) => checkRef(c, `keys.${i}.`, key));
  });
  return ctx.write(() => {
    const rows: Array<AttemptRow & { instanceId: Id }> = [];
    for (const key of keys) {
      const found = attemptOf(ctx, key);
      if (found === null || found.attempt.deviceId !== deviceId || found.attempt.leaseToken !== key.leaseToken || !isLive(found.attempt)) continue;
      rows.push({ ...found.attempt, instanceId: found.instance.instanceId });
    }
    return endAttemptRows(ctx, rows, status, error);
  });
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, cut on a character boundary. */
function utf8Prefix(text: string, maxBytes: number): { text: string; bytes: number } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, bytes: bytes.length };
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return { text: bytes.toString('utf8', 0, end), bytes: end };
}

/**
 * Stores chunks not stored yet (same run, instance, attempt and seq = same chunk), up to
 * `maxBytesPerAttempt` UTF-8 bytes per attempt: the chunk that crosses the bound is cut, later ones
 * are dropped. Chunks of unknown runs or instances are ignored. Returns how many were stored.
 */
export function appendLogs(ctx: SqliteContext, chunks: Array<Omit<LogChunk, 'at'>>, maxBytesPerAttempt: number): number {
  validate((c) => {
    c.number('maxBytesPerAttempt', maxBytesPerAttempt, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, required: true });
    chunks.forEach((chunk, i) => {
      c.number(`chunks.${i}.attempt`, chunk.attempt, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true, required: true });
      c.number(`chunks.${i}.seq`, chunk.seq, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, required: true });
      c.oneOf(`chunks.${i}.stream`, chunk.stream, ['stdout', 'stderr'], true);
      if (typeof chunk.text !== 'string') c.fail(`chunks.${i}.text`, 'must be a string');
    });
  });
  return ctx.write(() => {
    const used = new Map<string, number>();
    let stored = 0;
    for (const chunk of chunks) {
      if (ctx.stmt('SELECT 1 FROM run_instances WHERE runId = ? AND instanceId = ?').get(chunk.runId, chunk.instanceId) === undefined) continue;
      const key = JSON.stringify([chunk.runId, chunk.instanceId, chunk.attempt]);
      const exists = ctx.stmt('SELECT 1 FROM logs WHERE runId = ? AND instanceId = ? AND attempt = ? AND seq = ?')
        .get(chunk.runId, chunk.instanceId, chunk.attempt, chunk.seq);
      if (exists !== undefined) continue;
      const before = used.get(key) ?? (ctx.stmt('SELECT COALESCE(SUM(bytes), 0) AS n FROM logs WHERE runId = ? AND instanceId = ? AND attempt = ?')
        .get(chunk.runId, chunk.instanceId, chunk.attempt) as { n: number }).n;
      const cut = utf8Prefix(chunk.text, Math.max(0, maxBytesPerAttempt - before));
      used.set(key, before + cut.bytes);
      if (cut.bytes === 0 && chunk.text.length > 0) continue;
      ctx.stmt('INSERT INTO logs (runId, instanceId, attempt, seq, stream, text, bytes, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(chunk.runId, chunk.instanceId, chunk.attempt, chunk.seq, chunk.stream, cut.text, cut.bytes, nowIso());
      stored += 1;
    }
    return stored;
  });
}

export function appendJournal(ctx: SqliteContext, runId: Id, entries: JournalInput[]): JournalEntry[] {
  checkJournalInputs(entries);
  return ctx.write(() => {
    if (runRow(ctx, runId) === undefined) throw new NotFoundError('Run', runId);
    const appended = appendJournalEntries(ctx, runId, entries);
    if (appended.length > 0) runChanged(ctx, runId, 'updated');
    return appended;
  });
}

/**
 * Runs, the engine's side (used by the supervisor only): compare-and-set transitions, dispatch under
 * a lease, exactly-once application of worker reports, lease renewal and expiry, output and journal.
 *
 * INVARIANTS
 * - Every verb reads the run inside its transaction and writes it back (`save`), so two engines
 *   working on one run conflict and one is retried against the other's result: the preconditions
 *   below (status is `from`, instance is `waiting`, lease token matches, seq is new) are
 *   compare-and-set, and a lost race returns null.
 * - A report changes an attempt only while it is live (`dispatched` or `running`), only with its
 *   lease token, and only with a seq above the last applied one: each (run, instance, attempt, seq)
 *   is applied at most once. A report batch and its follow-up step are one transaction.
 * - A run never leaves a final status (IllegalStateError). When it reaches one, the packages only it
 *   still held are dropped.
 * - Lease renewals are not a user-visible change and emit no ChangeEvent.
 */
import { Types } from 'mongoose';
import { IllegalStateError, NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Attempt, JournalEntry, LogChunk, Run } from '../../../domain/model.js';
import { ACTIVE_RUN_STATUSES, INSTANCE_STATES, RUN_STATUSES, isFinalRunStatus, type RunStatus } from '../../../domain/states.js';
import type {
  AttemptRef, AttemptReport, DispatchInput, EndedAttempt, JournalInput, ReportOutcome, RunStep, RunStepChange,
} from '../../port.js';
import { idOut, plain, runOut, toJsonText, toObjectId } from '../convert.js';
import { idEquals } from '../query.js';
import type { Tx } from '../transactions.js';
import { dropUnusedPackages } from './cascade.js';
import { check, type Checks } from './checks.js';
import type { Context } from './context.js';
import { appendJournal, runChanged, runInstanceAt, setRunInstanceState, type RunDoc } from './journal.js';
import { checkLogChunks, openLogTotal, storeLogChunks } from './logs.js';

/** Attempts that hold a lease. */
const LIVE_ATTEMPT = ['dispatched', 'running'] as const;
const REPORT_TYPES = ['started', 'progress', 'checkpoint', 'finished'] as const;
const FINISHED_STATUSES = ['completed', 'failed', 'stopped'] as const;

function isLive(status: string): boolean {
  return (LIVE_ATTEMPT as readonly string[]).includes(status);
}

/** The instance-state journal entry with the instance's position, as the port documents it. */
function withIndex(entry: JournalInput, index: number): JournalInput {
  return { ...entry, data: { index, ...(entry.data ?? {}) } };
}

function byRun(keys: AttemptRef[]): Map<string, AttemptRef[]> {
  const out = new Map<string, AttemptRef[]>();
  for (const key of keys) {
    const list = out.get(key.runId) ?? [];
    list.push(key);
    out.set(key.runId, list);
  }
  return out;
}

export const LEASE_EXPIRED_ERROR = 'lease expired: its worker stopped renewing it (gone or unreachable)';

type AttemptDoc = RunDoc['instances'][number]['attempts'][number];

function checkRef(c: Checks, path: string, ref: AttemptRef): void {
  c.id(`${path}runId`, ref?.runId, true);
  c.id(`${path}instanceId`, ref?.instanceId, true);
  c.integer(`${path}attempt`, ref?.attempt, 1, true);
  c.text(`${path}leaseToken`, ref?.leaseToken, true);
}

function checkStep(c: Checks, from: RunStatus, to: RunStatus, change: RunStepChange, prefix = ''): void {
  c.oneOf(`${prefix}from`, from, RUN_STATUSES, true);
  c.oneOf(`${prefix}to`, to, RUN_STATUSES, true);
  (change.instances ?? []).forEach((step, i) => {
    c.integer(`${prefix}instances.${i}.index`, step.index, 0, true);
    c.oneOf(`${prefix}instances.${i}.from`, step.from, INSTANCE_STATES, true);
    c.oneOf(`${prefix}instances.${i}.to`, step.to, INSTANCE_STATES, true);
    if (step.notBefore !== undefined && step.notBefore !== null) c.iso(`${prefix}instances.${i}.notBefore`, step.notBefore, true);
  });
  if (change.error !== undefined && change.error !== null) c.text(`${prefix}error`, change.error);
  c.journal(change.journal ?? [], `${prefix}journal`);
}

function checkReport(c: Checks, path: string, input: AttemptReport): void {
  checkRef(c, path, input);
  c.integer(`${path}seq`, input?.seq, 1, true);
  c.oneOf(`${path}type`, input?.type, REPORT_TYPES, true);
  if (input?.type === 'finished') {
    c.oneOf(`${path}status`, input.status, FINISHED_STATUSES, true);
    if (typeof input.retryable !== 'boolean') c.fail(`${path}retryable`, 'must be true or false');
    if (input.error !== null) c.text(`${path}error`, input.error);
  }
  if (input?.type === 'progress') c.text(`${path}state`, input.state, true);
  if (input?.type === 'checkpoint') c.text(`${path}checkpoint.state`, input.checkpoint?.state, true);
}

function findAttempt(run: RunDoc | null, ref: AttemptRef): { index: number; attempt: AttemptDoc } | null {
  if (run === null) return null;
  const index = run.instances.findIndex((i) => idOut(i.instanceId) === ref.instanceId);
  const attempt = run.instances[index]?.attempts.find((a) => a.number === ref.attempt);
  return attempt === undefined ? null : { index, attempt };
}

export class MongoRunEngine {
  constructor(protected readonly ctx: Context) {}

  async listActive(): Promise<Run[]> {
    const rows = await this.ctx.models.Run.find({ status: { $in: [...ACTIVE_RUN_STATUSES] } }, { journalSeq: 0 }).sort({ created: 1, _id: 1 }).lean();
    return rows.map(runOut);
  }

  async transition(runId: Id, from: RunStatus, to: RunStatus, change: RunStepChange = {}): Promise<Run | null> {
    check((c) => checkStep(c, from, to, change));
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(runId, tx);
      if (run === null) return null;
      const entries = await this.applyStep(run, from, to, change, tx);
      if (entries === null) return null;
      const out = await this.saveRun(run, entries, tx);
      if (isFinalRunStatus(to)) await dropUnusedPackages(this.ctx, tx, run.instances.flatMap((i) => (i.package ? [i.package.hash] : [])));
      return out;
    });
  }

  async dispatch(input: DispatchInput): Promise<Attempt | null> {
    check((c) => {
      c.id('deviceId', input.deviceId, true);
      c.integer('instanceIndex', input.instanceIndex, 0, true);
      c.text('leaseToken', input.leaseToken, true);
      c.iso('leaseExpires', input.leaseExpires, true);
    });
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(input.runId, tx);
      if (run === null || run.status !== 'running') return null;
      const instance = runInstanceAt(run, input.instanceIndex);
      const now = new Date();
      if (instance.state !== 'waiting' || (instance.notBefore !== null && instance.notBefore > now)) return null;
      const number = instance.attempts.reduce((last, a) => Math.max(last, a.number), 0) + 1;
      instance.attempts.push({
        number, deviceId: new Types.ObjectId(input.deviceId), status: 'dispatched', leaseToken: input.leaseToken,
        leaseExpires: new Date(input.leaseExpires), dispatched: now, started: null, ended: null, exitCode: null,
        result: null, error: null, retryable: true, lastSeq: 0,
      });
      await openLogTotal(this.ctx, tx, run._id, instance.instanceId, number);
      const state = withIndex(await setRunInstanceState(this.ctx, tx, run, input.instanceIndex, 'running', null), input.instanceIndex);
      const dispatched: JournalInput = {
        type: 'attempt.dispatched', instanceId: idOut(instance.instanceId), attempt: number, data: { deviceId: input.deviceId },
      };
      const out = await this.saveRun(run, [{ ...state, attempt: number }, dispatched], tx);
      const attempt = out.instances[input.instanceIndex]?.attempts.find((a) => a.number === number);
      if (attempt === undefined) throw new Error('The dispatched attempt is missing after saving its run');
      return attempt;
    });
  }

  async report(inputs: AttemptReport[], followUp?: RunStep): Promise<ReportOutcome> {
    check((c) => {
      if (!Array.isArray(inputs) || inputs.length === 0) return c.fail('reports', 'must be a non-empty array');
      const first = inputs[0]!;
      inputs.forEach((input, i) => {
        checkReport(c, `reports.${i}.`, input);
        if (input.runId !== first.runId || input.instanceId !== first.instanceId || input.attempt !== first.attempt) {
          c.fail(`reports.${i}`, 'all reports must be on the same attempt');
        }
        if (i > 0 && input.seq <= inputs[i - 1]!.seq) c.fail(`reports.${i}.seq`, 'must ascend');
      });
      if (followUp !== undefined) checkStep(c, followUp.from, followUp.to, followUp.change, 'followUp.');
    });
    return this.ctx.tx.run(async (tx): Promise<ReportOutcome> => {
      const run = await this.loadRun(inputs[0]!.runId, tx);
      const entries: JournalInput[] = [];
      let applied = false;
      let ended = false;
      let stale = false;
      for (const input of inputs) {
        const outcome = this.applyReport(run, input, entries);
        if (outcome === 'stale') {
          stale = true;
          break;
        }
        if (outcome === 'applied') {
          applied = true;
          if (input.type === 'finished') ended = true;
        }
      }
      if (!applied || run === null) return { outcome: stale ? 'stale' : 'duplicate', run: null, followedUp: false };
      let followedUp = false;
      if (ended && followUp !== undefined) {
        // Left out, not failed, when it no longer holds: applyStep changes nothing then.
        const step = await this.applyStep(run, followUp.from, followUp.to, followUp.change, tx);
        if (step !== null) {
          entries.push(...step);
          followedUp = true;
        }
      }
      const out = await this.saveRun(run, entries, tx);
      if (followedUp && isFinalRunStatus(followUp!.to)) {
        await dropUnusedPackages(this.ctx, tx, run.instances.flatMap((i) => (i.package ? [i.package.hash] : [])));
      }
      return { outcome: stale ? 'stale' : 'applied', run: out, followedUp };
    });
  }

  /** Extends (never shortens) the listed live leases of the device; returns the ones it does not hold. */
  async renewLeases(deviceId: Id, keys: AttemptRef[], leaseExpires: string): Promise<{ lost: AttemptRef[] }> {
    check((c) => {
      c.id('deviceId', deviceId, true);
      c.iso('leaseExpires', leaseExpires, true);
      if (!Array.isArray(keys)) c.fail('keys', 'must be an array');
      else keys.forEach((key, i) => checkRef(c, `keys.${i}.`, key));
    });
    const until = new Date(leaseExpires);
    return this.ctx.tx.run(async (tx) => {
      const lost: AttemptRef[] = [];
      for (const [runId, refs] of byRun(keys)) {
        const run = await this.loadRun(runId, tx);
        let changed = false;
        for (const ref of refs) {
          const found = findAttempt(run, ref);
          if (found === null || idOut(found.attempt.deviceId) !== deviceId || found.attempt.leaseToken !== ref.leaseToken || !isLive(found.attempt.status)) {
            lost.push(ref);
            continue;
          }
          if (found.attempt.leaseExpires < until) found.attempt.leaseExpires = until;
          changed = true;
        }
        // Not a user-visible change: saved without a journal entry or a ChangeEvent.
        if (changed && run !== null) await run.save();
      }
      return { lost };
    });
  }

  /** Ends as `lost` every live attempt whose lease ended before `now`; returns them. */
  expireLeases(now: Date): Promise<EndedAttempt[]> {
    return this.ctx.tx.run(async (tx) => {
      const runs = await this.ctx.models.Run.find({
        'instances.attempts': { $elemMatch: { status: { $in: [...LIVE_ATTEMPT] }, leaseExpires: { $lt: now } } },
      }).sort({ _id: 1 }).session(tx.session);
      const expired: EndedAttempt[] = [];
      for (const run of runs) {
        const picked = run.instances.flatMap((instance, index) => instance.attempts
          .filter((a) => isLive(a.status) && a.leaseExpires < now)
          .map((attempt) => ({ index, attempt })));
        expired.push(...(await this.endAttemptDocs(run, picked, 'lost', LEASE_EXPIRED_ERROR, tx)));
      }
      return expired;
    });
  }

  /** Ends the listed live attempts held by the device (lost or released); returns the ones it ended. */
  async endAttempts(deviceId: Id, keys: AttemptRef[], status: 'lost' | 'released', error: string): Promise<EndedAttempt[]> {
    check((c) => {
      c.id('deviceId', deviceId, true);
      c.oneOf('status', status, ['lost', 'released'], true);
      c.text('error', error, true);
      if (!Array.isArray(keys)) c.fail('keys', 'must be an array');
      else keys.forEach((key, i) => checkRef(c, `keys.${i}.`, key));
    });
    return this.ctx.tx.run(async (tx) => {
      const ended: EndedAttempt[] = [];
      for (const [runId, refs] of byRun(keys)) {
        const run = await this.loadRun(runId, tx);
        if (run === null) continue;
        const picked = refs.flatMap((ref) => {
          const found = findAttempt(run, ref);
          const ok = found !== null && idOut(found.attempt.deviceId) === deviceId && found.attempt.leaseToken === ref.leaseToken && isLive(found.attempt.status);
          return ok ? [found] : [];
        });
        ended.push(...(await this.endAttemptDocs(run, picked, status, error, tx)));
      }
      return ended;
    });
  }

  /** One report applied to the loaded run (nothing saved yet); its journal entry goes to `entries`. */
  private applyReport(run: RunDoc | null, input: AttemptReport, entries: JournalInput[]): 'applied' | 'duplicate' | 'stale' {
    const found = findAttempt(run, input);
    if (found === null || found.attempt.leaseToken !== input.leaseToken) return 'stale';
    const { attempt, index } = found;
    if (input.seq <= attempt.lastSeq) return 'duplicate';
    if (!isLive(attempt.status)) return 'stale';
    const instance = run!.instances[index]!;
    const now = new Date();
    const at = { instanceId: input.instanceId, attempt: attempt.number };
    attempt.lastSeq = input.seq;
    switch (input.type) {
      case 'started':
        if (attempt.status === 'dispatched') {
          attempt.status = 'running';
          attempt.started = now;
        }
        entries.push({ type: 'attempt.started', ...at, data: { deviceId: idOut(attempt.deviceId), pid: input.pid } });
        break;
      case 'progress':
        entries.push({ type: 'attempt.progress', ...at, data: { state: input.state } });
        break;
      case 'checkpoint':
        instance.checkpoint = { state: input.checkpoint.state, data: toJsonText(input.checkpoint.data) };
        entries.push({ type: 'attempt.checkpoint', ...at, data: { state: input.checkpoint.state } });
        break;
      case 'finished':
        // An attempt that ends without having started (bad package, download failed) keeps started null.
        attempt.status = input.status;
        attempt.ended = now;
        attempt.exitCode = input.exitCode;
        attempt.result = toJsonText(input.result ?? null);
        attempt.error = input.error;
        attempt.retryable = input.retryable;
        entries.push({
          type: 'attempt.ended', ...at,
          data: { status: input.status, exitCode: input.exitCode, signal: input.signal, error: input.error, retryable: input.retryable },
        });
        break;
    }
    return 'applied';
  }

  /**
   * A run step on the loaded run: every compare-and-set is checked before anything changes, so on
   * null nothing did. Returns the journal entries (causal order: a run starts before its instances
   * move, and ends after them).
   */
  private async applyStep(run: RunDoc, from: RunStatus, to: RunStatus, change: RunStepChange, tx: Tx): Promise<JournalInput[] | null> {
    if (run.status !== from) return null;
    if (isFinalRunStatus(from)) throw new IllegalStateError('run', from, to);
    const steps = change.instances ?? [];
    if (steps.some((step) => runInstanceAt(run, step.index).state !== step.from)) return null;
    const now = new Date();
    run.status = to;
    if (change.error !== undefined) run.error = change.error;
    if (to === 'running' && run.started === null) run.started = now;
    if (isFinalRunStatus(to)) run.ended = now;
    const entries: JournalInput[] = [];
    for (const step of steps) entries.push(withIndex(await setRunInstanceState(this.ctx, tx, run, step.index, step.to, step.notBefore), step.index));
    if (from !== to) {
      const status: JournalInput = { type: 'run.status', data: run.error === null ? { from, to } : { from, to, error: run.error } };
      if (to === 'running') entries.unshift(status);
      else entries.push(status);
    }
    return [...entries, ...(change.journal ?? [])];
  }

  private async endAttemptDocs(run: RunDoc, picked: Array<{ index: number; attempt: AttemptDoc }>, status: 'lost' | 'released', error: string, tx: Tx): Promise<EndedAttempt[]> {
    if (picked.length === 0) return [];
    const entries: JournalInput[] = [];
    for (const { index, attempt } of picked) {
      attempt.status = status;
      attempt.ended = new Date();
      attempt.error = error;
      entries.push({
        type: 'attempt.ended', instanceId: idOut(run.instances[index]!.instanceId), attempt: attempt.number,
        data: { status, exitCode: null, signal: null, error, retryable: true, deviceId: idOut(attempt.deviceId) },
      });
    }
    const out = await this.saveRun(run, entries, tx);
    return picked.flatMap(({ index, attempt }) => {
      const stored = out.instances[index]?.attempts.find((a) => a.number === attempt.number);
      return stored === undefined ? [] : [{ runId: out._id, instanceId: out.instances[index]!.instanceId, instanceIndex: index, attempt: stored }];
    });
  }

  async appendLogs(chunks: Array<Omit<LogChunk, 'at'>>, maxBytesPerAttempt: number): Promise<number> {
    checkLogChunks(chunks, maxBytesPerAttempt);
    if (chunks.length === 0) return 0;
    return this.ctx.tx.run((tx) => storeLogChunks(this.ctx, tx, chunks, maxBytesPerAttempt));
  }

  async appendJournal(runId: Id, entries: JournalInput[]): Promise<JournalEntry[]> {
    check((c) => c.journal(entries, 'entries'));
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(runId, tx);
      if (run === null) throw new NotFoundError('Run', runId);
      if (entries.length === 0) return [];
      const appended = await appendJournal(this.ctx, tx, run, entries);
      await run.save();
      runChanged(tx, run, 'updated');
      return appended;
    });
  }

  protected loadRun(runId: Id, tx: Tx): Promise<RunDoc | null> {
    return this.ctx.models.Run.findOne(idEquals('_id', runId)).session(tx.session);
  }

  /** Journals `entries`, saves the run and records its change; returns the run as the port's type. */
  protected async saveRun(run: RunDoc, entries: JournalInput[], tx: Tx): Promise<Run> {
    await appendJournal(this.ctx, tx, run, entries);
    run.updated = new Date();
    await run.save();
    runChanged(tx, run, 'updated');
    return runOut(plain(run));
  }
}

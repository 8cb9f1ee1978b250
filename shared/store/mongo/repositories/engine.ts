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
 *   is applied at most once.
 * - A run never leaves a final status (IllegalStateError). When it reaches one, the packages only it
 *   still held are dropped.
 * - Lease renewals are not a user-visible change and emit no ChangeEvent.
 */
import { Types } from 'mongoose';
import { IllegalStateError, NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Attempt, JournalEntry, LogChunk, Run } from '../../../domain/model.js';
import {
  ACTIVE_RUN_STATUSES, FINAL_ATTEMPT_STATUSES, INSTANCE_STATES, RUN_STATUSES, isFinalRunStatus, type InstanceState,
  type RunStatus,
} from '../../../domain/states.js';
import type { AttemptReport, DispatchInput, JournalInput } from '../../port.js';
import { idOut, plain, runOut, toJsonText, toObjectId } from '../convert.js';
import { idEquals } from '../query.js';
import type { Tx } from '../transactions.js';
import { dropUnusedPackages } from './cascade.js';
import { check } from './checks.js';
import type { Context } from './context.js';
import { appendJournal, runChanged, runInstanceAt, setRunInstanceState, type RunDoc } from './journal.js';
import { checkLogChunks, openLogTotal, storeLogChunks } from './logs.js';

/** Attempts that hold a lease. */
const LIVE_ATTEMPT = ['dispatched', 'running'] as const;
const REPORTED_STATUSES = ['running', 'completed', 'failed', 'stopped'] as const;

function isLive(status: string): boolean {
  return (LIVE_ATTEMPT as readonly string[]).includes(status);
}

export class MongoRunEngine {
  constructor(protected readonly ctx: Context) {}

  async listActive(): Promise<Run[]> {
    const rows = await this.ctx.models.Run.find({ status: { $in: [...ACTIVE_RUN_STATUSES] } }, { journalSeq: 0 }).sort({ created: 1, _id: 1 }).lean();
    return rows.map(runOut);
  }

  async transition(runId: Id, from: RunStatus, to: RunStatus, change: {
    error?: string | null;
    instance?: { index: number; state: InstanceState; notBefore?: string | null };
    journal?: JournalInput[];
  } = {}): Promise<Run | null> {
    check((c) => {
      c.oneOf('from', from, RUN_STATUSES, true);
      c.oneOf('to', to, RUN_STATUSES, true);
      if (change.instance !== undefined) c.oneOf('instance.state', change.instance.state, INSTANCE_STATES, true);
      c.journal(change.journal ?? []);
    });
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(runId, tx);
      if (run === null || run.status !== from) return null;
      if (isFinalRunStatus(from)) throw new IllegalStateError('run', from, to);
      const now = new Date();
      run.status = to;
      if (change.error !== undefined) run.error = change.error;
      if (to === 'running' && run.started === null) run.started = now;
      if (isFinalRunStatus(to)) run.ended = now;
      const entries: JournalInput[] = [{ type: 'run.status', data: run.error === null ? { from, to } : { from, to, error: run.error } }];
      if (change.instance !== undefined) {
        const { index, state, notBefore } = change.instance;
        entries.push(await setRunInstanceState(this.ctx, tx, run, index, state, notBefore));
      }
      const out = await this.saveRun(run, [...entries, ...(change.journal ?? [])], tx);
      if (isFinalRunStatus(to)) {
        await dropUnusedPackages(this.ctx, tx, run.instances.flatMap((i) => (i.package ? [i.package.hash] : [])));
      }
      return out;
    });
  }

  async setInstanceState(runId: Id, index: number, from: InstanceState, to: InstanceState, journal: JournalInput[] = []): Promise<Run | null> {
    check((c) => {
      c.oneOf('from', from, INSTANCE_STATES, true);
      c.oneOf('to', to, INSTANCE_STATES, true);
      c.journal(journal);
    });
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(runId, tx);
      if (run === null) return null;
      if (runInstanceAt(run, index).state !== from) return null;
      const entry = await setRunInstanceState(this.ctx, tx, run, index, to);
      return this.saveRun(run, [entry, ...journal], tx);
    });
  }

  async dispatch(input: DispatchInput): Promise<{ run: Run; attempt: Attempt } | null> {
    check((c) => {
      c.id('deviceId', input.deviceId, true);
      c.integer('instanceIndex', input.instanceIndex, 0, true);
      c.text('leaseToken', input.leaseToken, true);
      c.iso('leaseExpires', input.leaseExpires, true);
    });
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(input.runId, tx);
      if (run === null || isFinalRunStatus(run.status)) return null;
      const instance = runInstanceAt(run, input.instanceIndex);
      if (instance.state !== 'waiting') return null;
      const number = instance.attempts.reduce((last, a) => Math.max(last, a.number), 0) + 1;
      instance.attempts.push({
        number, deviceId: new Types.ObjectId(input.deviceId), status: 'dispatched', leaseToken: input.leaseToken,
        leaseExpires: new Date(input.leaseExpires), dispatched: new Date(), started: null, ended: null, exitCode: null,
        result: null, error: null, lastSeq: 0,
      });
      await openLogTotal(this.ctx, tx, run._id, instance.instanceId, number);
      const dispatched: JournalInput = {
        type: 'attempt.dispatched', instanceId: idOut(instance.instanceId), attempt: number, data: { deviceId: input.deviceId },
      };
      const state = await setRunInstanceState(this.ctx, tx, run, input.instanceIndex, 'running');
      const out = await this.saveRun(run, [dispatched, { ...state, attempt: number }], tx);
      const attempt = out.instances[input.instanceIndex]?.attempts.find((a) => a.number === number);
      if (attempt === undefined) throw new Error('The dispatched attempt is missing after saving its run');
      return { run: out, attempt };
    });
  }

  async report(input: AttemptReport): Promise<Run | null> {
    check((c) => {
      c.integer('seq', input.seq, 1, true);
      c.integer('attempt', input.attempt, 1, true);
      c.oneOf('status', input.status, REPORTED_STATUSES);
      c.journal(input.journal ?? []);
    });
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(input.runId, tx);
      const instance = run?.instances.find((i) => idOut(i.instanceId) === input.instanceId);
      const attempt = instance?.attempts.find((a) => a.number === input.attempt);
      if (run === null || instance === undefined || attempt === undefined || attempt.leaseToken !== input.leaseToken) return null;
      if ((FINAL_ATTEMPT_STATUSES as readonly string[]).includes(attempt.status) || input.seq <= attempt.lastSeq) return null;

      const now = new Date();
      const at = { instanceId: input.instanceId, attempt: attempt.number };
      const entries: JournalInput[] = [];
      attempt.lastSeq = input.seq;
      if (input.status === 'running') {
        if (attempt.status === 'dispatched') {
          attempt.status = 'running';
          attempt.started = now;
          entries.push({ type: 'attempt.started', ...at, data: {} });
        }
      } else if (input.status !== undefined) {
        attempt.status = input.status;
        attempt.started ??= now;
        attempt.ended = now;
        attempt.exitCode = input.exitCode ?? null;
        attempt.result = toJsonText(input.result ?? null);
        attempt.error = input.error ?? null;
        entries.push({ type: 'attempt.ended', ...at, data: { status: input.status, exitCode: attempt.exitCode, error: attempt.error } });
      }
      if (input.checkpoint !== undefined) {
        instance.checkpoint = input.checkpoint === null ? null : { state: input.checkpoint.state, data: toJsonText(input.checkpoint.data) };
        if (input.checkpoint !== null) entries.push({ type: 'attempt.checkpoint', ...at, data: { state: input.checkpoint.state } });
      }
      for (const entry of input.journal ?? []) {
        entries.push({ ...entry, instanceId: entry.instanceId ?? at.instanceId, attempt: entry.attempt ?? at.attempt });
      }
      return this.saveRun(run, entries, tx);
    });
  }

  /** Extends (never shortens) the leases of the device's live attempts; returns how many. */
  async renewLeases(deviceId: Id, leaseExpires: string): Promise<number> {
    check((c) => c.iso('leaseExpires', leaseExpires, true));
    const device = toObjectId(deviceId);
    if (device === null) return 0;
    const until = new Date(leaseExpires);
    return this.ctx.tx.run(async (tx) => {
      const runs = await this.ctx.models.Run.find({
        'instances.attempts': { $elemMatch: { deviceId: device, status: { $in: [...LIVE_ATTEMPT] } } },
      }).session(tx.session);
      let renewed = 0;
      for (const run of runs) {
        for (const attempt of run.instances.flatMap((i) => i.attempts)) {
          if (!attempt.deviceId.equals(device) || !isLive(attempt.status)) continue;
          if (attempt.leaseExpires < until) attempt.leaseExpires = until;
          renewed += 1;
        }
        await run.save();
      }
      return renewed;
    });
  }

  /** Marks live attempts whose lease ended before `now` as `lost`; returns them, by run, instance, number. */
  expireLeases(now: Date): Promise<Array<{ runId: Id; instanceIndex: number; attempt: Attempt }>> {
    return this.ctx.tx.run(async (tx) => {
      const runs = await this.ctx.models.Run.find({
        'instances.attempts': { $elemMatch: { status: { $in: [...LIVE_ATTEMPT] }, leaseExpires: { $lt: now } } },
      }).sort({ _id: 1 }).session(tx.session);
      const expired: Array<{ runId: Id; instanceIndex: number; attempt: Attempt }> = [];
      for (const run of runs) {
        const lost: Array<{ index: number; number: number }> = [];
        const entries: JournalInput[] = [];
        run.instances.forEach((instance, index) => {
          for (const attempt of [...instance.attempts].sort((a, b) => a.number - b.number)) {
            if (!isLive(attempt.status) || !(attempt.leaseExpires < now)) continue;
            attempt.status = 'lost';
            attempt.ended = new Date();
            attempt.error = 'lease expired';
            lost.push({ index, number: attempt.number });
            entries.push({
              type: 'attempt.ended', instanceId: idOut(instance.instanceId), attempt: attempt.number,
              data: { status: 'lost', deviceId: idOut(attempt.deviceId), error: attempt.error },
            });
          }
        });
        const out = await this.saveRun(run, entries, tx);
        for (const { index, number } of lost) {
          const attempt = out.instances[index]?.attempts.find((a) => a.number === number);
          if (attempt !== undefined) expired.push({ runId: out._id, instanceIndex: index, attempt });
        }
      }
      return expired;
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

/**
 * Runs, the engine's side (used by the supervisor only): compare-and-set transitions, dispatch under
 * a lease, exactly-once application of worker reports, lease renewal and expiry, output and journal.
 *
 * INVARIANTS
 * - Every verb reads the run inside its transaction and writes it back (`save`), so two engines
 *   working on one run conflict and one is retried against the other's result: the checks below
 *   (state is `from`, instance is `waiting`, lease token matches, seq is new) are compare-and-set.
 * - A report is applied at most once per (run, instance, attempt, seq): `lastSeq` only grows, and
 *   an attempt in a final status takes no more reports.
 * - Lease bookkeeping (renewals) is not a user-visible change and emits no ChangeEvent.
 */
import { NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Attempt, JournalEntry, LogChunk, Run } from '../../../domain/model.js';
import {
  ACTIVE_RUN_STATUSES, FINAL_ATTEMPT_STATUSES, isFinalRunStatus, type InstanceState, type RunStatus,
} from '../../../domain/states.js';
import type { AttemptReport, DispatchInput, JournalInput } from '../../port.js';
import { idOut, plain, runOut, toJsonText, toObjectId } from '../convert.js';
import { invalidId } from '../errors.js';
import { idEquals } from '../query.js';
import type { Tx } from '../transactions.js';
import type { Context } from './context.js';
import { appendJournal, setRunInstanceState, type RunDoc } from './journal.js';
import { openLogTotal, storeLogChunks } from './logs.js';

/** Attempts that hold a lease. */
const LIVE_ATTEMPT = ['dispatched', 'running'] as const;

export class MongoRunEngine {
  constructor(protected readonly ctx: Context) {}

  async listActive(): Promise<Run[]> {
    const rows = await this.ctx.models.Run.find({ status: { $in: [...ACTIVE_RUN_STATUSES] } }, { journalSeq: 0 }).sort({ created: 1, _id: 1 }).lean();
    return rows.map(runOut);
  }

  transition(runId: Id, from: RunStatus, to: RunStatus, change?: {
    error?: string | null;
    instance?: { index: number; state: InstanceState; notBefore?: string | null };
    journal?: JournalInput[];
  }): Promise<Run | null> {
    return this.ctx.tx.run(async (tx) => {
      const run = await this.ctx.models.Run.findOne({ ...idEquals('_id', runId), status: { $eq: from } }).session(tx.session);
      if (run === null) return null;
      const now = new Date();
      run.status = to;
      if (to === 'running' && run.started === null) run.started = now;
      if (isFinalRunStatus(to)) run.ended = now;
      if (change?.error !== undefined) run.error = change.error;
      const entries: JournalInput[] = [{ type: 'run.status', data: { from, to, ...(change?.error ? { error: change.error } : {}) } }];
      if (change?.instance !== undefined) {
        const { index, state, notBefore } = change.instance;
        entries.push(await setRunInstanceState(this.ctx, tx, run, index, state, notBefore));
      }
      entries.push(...(change?.journal ?? []));
      return this.saveRun(run, entries, tx, { status: to });
    });
  }

  setInstanceState(runId: Id, index: number, from: InstanceState, to: InstanceState, journal: JournalInput[] = []): Promise<Run | null> {
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(runId, tx);
      if (run === null || run.instances[index]?.state !== from) return null;
      const entry = await setRunInstanceState(this.ctx, tx, run, index, to);
      return this.saveRun(run, [entry, ...journal], tx, { instanceIndex: index, state: to });
    });
  }

  dispatch(input: DispatchInput): Promise<{ run: Run; attempt: Attempt } | null> {
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(input.runId, tx);
      const instance = run?.instances[input.instanceIndex];
      if (run === null || instance === undefined || instance.state !== 'waiting') return null;
      const deviceId = toObjectId(input.deviceId);
      if (deviceId === null) throw invalidId('deviceId');
      const number = instance.attempts.length + 1;
      const now = new Date();
      instance.attempts.push({
        number, deviceId, status: 'dispatched',
        leaseToken: input.leaseToken, leaseExpires: new Date(input.leaseExpires), dispatched: now, started: null,
        ended: null, exitCode: null, result: null, error: null, lastSeq: 0,
      });
      await openLogTotal(this.ctx, tx, run._id, instance.instanceId, number);
      const stateEntry = await setRunInstanceState(this.ctx, tx, run, input.instanceIndex, 'running');
      const dispatched: JournalInput = {
        type: 'attempt.dispatched', instanceId: idOut(instance.instanceId), attempt: number,
        data: { deviceId: input.deviceId, leaseExpires: input.leaseExpires },
      };
      const out = await this.saveRun(run, [stateEntry, dispatched], tx, { instanceIndex: input.instanceIndex, attempt: number });
      const attempt = out.instances[input.instanceIndex]?.attempts[number - 1];
      if (attempt === undefined) throw new Error('The dispatched attempt is missing after saving the run');
      return { run: out, attempt };
    });
  }

  report(input: AttemptReport): Promise<Run | null> {
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(input.runId, tx);
      const instance = run?.instances.find((i) => idOut(i.instanceId) === input.instanceId);
      const attempt = instance?.attempts.find((a) => a.number === input.attempt);
      if (run === null || instance === undefined || attempt === undefined) return null;
      if (attempt.leaseToken !== input.leaseToken || !(input.seq > attempt.lastSeq)) return null;
      if ((FINAL_ATTEMPT_STATUSES as readonly string[]).includes(attempt.status)) return null;

      const now = new Date();
      const ids = { instanceId: input.instanceId, attempt: input.attempt };
      const entries: JournalInput[] = [];
      attempt.lastSeq = input.seq;
      if (input.exitCode !== undefined) attempt.exitCode = input.exitCode;
      if (input.result !== undefined) attempt.result = toJsonText(input.result);
      if (input.error !== undefined) attempt.error = input.error;
      if (input.status === 'running' && attempt.status === 'dispatched') {
        attempt.status = 'running';
        attempt.started = now;
        entries.push({ type: 'attempt.started', ...ids, data: {} });
      } else if (input.status !== undefined && input.status !== 'running') {
        attempt.status = input.status;
        attempt.started ??= now;
        attempt.ended = now;
        entries.push({ type: 'attempt.ended', ...ids, data: { status: input.status, exitCode: attempt.exitCode, error: attempt.error } });
      }
      if (input.checkpoint !== undefined) {
        instance.checkpoint = input.checkpoint === null ? null : { state: input.checkpoint.state, data: toJsonText(input.checkpoint.data) };
        if (input.checkpoint !== null) entries.push({ type: 'attempt.checkpoint', ...ids, data: { state: input.checkpoint.state } });
      }
      for (const entry of input.journal ?? []) entries.push({ instanceId: input.instanceId, attempt: input.attempt, ...entry });
      return this.saveRun(run, entries, tx, { instanceId: input.instanceId, attempt: input.attempt, attemptStatus: attempt.status });
    });
  }

  renewLeases(deviceId: Id, leaseExpires: string): Promise<number> {
    return this.ctx.tx.run(async (tx) => {
      const device = toObjectId(deviceId);
      if (device === null) return 0;
      const until = new Date(leaseExpires);
      const runs = await this.ctx.models.Run.find({
        'instances.attempts': { $elemMatch: { deviceId: device, status: { $in: [...LIVE_ATTEMPT] } } },
      }).session(tx.session);
      let renewed = 0;
      for (const run of runs) {
        for (const attempt of run.instances.flatMap((i) => i.attempts)) {
          if (idOut(attempt.deviceId) === deviceId && isLive(attempt.status)) {
            attempt.leaseExpires = until;
            renewed += 1;
          }
        }
        await run.save();
      }
      return renewed;
    });
  }

  expireLeases(now: Date): Promise<Array<{ runId: Id; instanceIndex: number; attempt: Attempt }>> {
    return this.ctx.tx.run(async (tx) => {
      const runs = await this.ctx.models.Run.find({
        'instances.attempts': { $elemMatch: { status: { $in: [...LIVE_ATTEMPT] }, leaseExpires: { $lt: now } } },
      }).session(tx.session);
      const expired: Array<{ runId: Id; instanceIndex: number; attempt: Attempt }> = [];
      for (const run of runs) {
        const lost: Array<{ index: number; number: number }> = [];
        const entries: JournalInput[] = [];
        run.instances.forEach((instance, index) => {
          for (const attempt of instance.attempts) {
            if (!isLive(attempt.status) || attempt.leaseExpires >= now) continue;
            attempt.status = 'lost';
            attempt.ended = new Date();
            lost.push({ index, number: attempt.number });
            entries.push({
              type: 'attempt.ended', instanceId: idOut(instance.instanceId), attempt: attempt.number,
              data: { status: 'lost', reason: 'lease expired' },
            });
          }
        });
        const out = await this.saveRun(run, entries, tx, { attemptsLost: lost.length });
        for (const { index, number } of lost) {
          const attempt = out.instances[index]?.attempts[number - 1];
          if (attempt !== undefined) expired.push({ runId: out._id, instanceIndex: index, attempt });
        }
      }
      return expired;
    });
  }

  appendLogs(chunks: Array<Omit<LogChunk, 'at'>>, maxBytesPerAttempt: number): Promise<number> {
    if (chunks.length === 0) return Promise.resolve(0);
    return this.ctx.tx.run((tx) => storeLogChunks(this.ctx, tx, chunks, maxBytesPerAttempt));
  }

  appendJournal(runId: Id, entries: JournalInput[]): Promise<JournalEntry[]> {
    return this.ctx.tx.run(async (tx) => {
      const run = await this.loadRun(runId, tx);
      if (run === null) throw new NotFoundError('Run', runId);
      const appended = await appendJournal(this.ctx, tx, run, entries);
      await run.save();
      return appended;
    });
  }

  protected loadRun(runId: Id, tx: Tx): Promise<RunDoc | null> {
    return this.ctx.models.Run.findOne(idEquals('_id', runId)).session(tx.session);
  }

  /** Journals `entries`, saves the run and records its change; returns the run as the port's type. */
  private async saveRun(run: RunDoc, entries: JournalInput[], tx: Tx, hint: Record<string, unknown>): Promise<Run> {
    await appendJournal(this.ctx, tx, run, entries);
    run.updated = new Date();
    await run.save();
    tx.change('run', 'updated', run._id, run.accountId, { status: run.status, ...hint });
    return runOut(plain(run));
  }
}

function isLive(status: string): boolean {
  return (LIVE_ATTEMPT as readonly string[]).includes(status);
}

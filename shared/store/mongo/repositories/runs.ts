/**
 * Runs, the user's side: run/resume, pause, stop (recorded durably as the run's `desired` state for
 * the engine to act on), and reading runs, their journal and captured output. The engine's verbs
 * are in engine.ts; `MongoRuns` joins both into the port's RunRepository.
 */
import type { Types } from 'mongoose';
import { ConflictError, NotFoundError } from '../../../domain/errors.js';
import { runtimeOfLanguageType } from '../../../domain/dictionaries.js';
import type { Id } from '../../../domain/ids.js';
import type { JournalEntry, LogChunk, Run } from '../../../domain/model.js';
import type { ListQuery, Page, Scope } from '../../../domain/query.js';
import { ACTIVE_RUN_STATUSES } from '../../../domain/states.js';
import type { RunRepository } from '../../port.js';
import { idOut, journalOut, logChunkOut, plain, runOut, type Raw } from '../convert.js';
import type { InstanceRecord, WorktyRecord } from '../models/index.js';
import type { RunInstanceRecord } from '../models/run.js';
import { and, idEquals, scopeFilter, translateFields, translateQuery } from '../query.js';
import type { Tx } from '../transactions.js';
import { HIDDEN, findOne, findPage, type Context } from './context.js';
import { MongoRunEngine } from './engine.js';
import { check } from './checks.js';
import { appendJournal, runChanged, type RunDoc } from './journal.js';

/** The active run of a workflow (a fresh filter each time: mongoose casts filters in place). */
const activeRunOf = (workflowId: Types.ObjectId): Raw => ({ workflowId, status: { $in: [...ACTIVE_RUN_STATUSES] } });

/** The instances frozen into a new run, in workflow order; ConflictError when one cannot run. */
export function snapshotInstances(order: readonly Id[], instances: readonly InstanceRecord[], workties: ReadonlyMap<Id, WorktyRecord>): RunInstanceRecord[] {
  const byId = new Map(instances.map((i) => [idOut(i._id), i]));
  const ordered = order.map((id) => byId.get(id)).filter((i): i is InstanceRecord => i !== undefined);
  return ordered.map((instance) => {
    const workty = workties.get(idOut(instance.worktyId));
    if (workty === undefined) throw new ConflictError(`Instance "${instance.name}" refers to a workty that no longer exists`);
    const runtime = runtimeOfLanguageType(idOut(workty.languageTypeId));
    if (runtime === undefined) throw new ConflictError(`The workty of instance "${instance.name}" has no known runtime`);
    return {
      instanceId: instance._id,
      worktyId: workty._id,
      name: instance.name,
      runtime,
      entryPoint: workty.entryPointModuleFileName,
      package: workty.package ? { hash: workty.package.hash, size: workty.package.size } : null,
      properties: instance.properties.map((p) => ({ _id: p._id, name: p.name, value: p.value })),
      target: instance.target,
      retry: instance.retry,
      state: 'initial',
      attempts: [],
      checkpoint: null,
      notBefore: null,
    };
  });
}

export class MongoRuns extends MongoRunEngine implements RunRepository {
  constructor(ctx: Context) {
    super(ctx);
  }

  async request(workflowId: Id, scope: Scope, by: Id): Promise<Run> {
    check((c) => c.id('by', by, true));
    return this.ctx.tx.run(async (tx) => {
      const { Workflow, Run: Runs, Instance, Workty } = this.ctx.models;
      const workflow = await Workflow.findOne(this.workflowFilter(workflowId, scope)).session(tx.session);
      if (workflow === null) throw new NotFoundError('Workflow', workflowId);
      const active = await Runs.findOne(activeRunOf(workflow._id)).session(tx.session);
      if (active !== null) return this.resume(active, by, tx);

      const instances = await Instance.find({ workflowId: workflow._id }).session(tx.session).lean();
      if (instances.length === 0) throw new ConflictError('The workflow has no instances to run');
      const workties = await Workty.find({ _id: { $in: instances.map((i) => i.worktyId) } }).session(tx.session).lean();
      const snapshot = snapshotInstances(
        workflow.worktiesInstancesIds.map(idOut), instances, new Map(workties.map((w) => [idOut(w._id), w])),
      );
      const now = new Date();
      const run = new Runs({
        workflowId: workflow._id, accountId: workflow.accountId, status: 'queued', desired: 'running',
        instances: snapshot, error: null, journalSeq: 0, created: now, started: null, ended: null, updated: now,
      });
      await appendJournal(this.ctx, tx, run, [{ type: 'run.requested', data: { by, instances: snapshot.length } }]);
      await run.save({ session: tx.session });
      runChanged(tx, run, 'created');
      workflow.lastRunId = run._id;
      workflow.updated = now;
      await workflow.save();
      const reset = instances.filter((i) => i.state !== 'initial');
      if (reset.length > 0) {
        await Instance.updateMany({ _id: { $in: reset.map((i) => i._id) } }, { $set: { state: 'initial', updated: now } }, { session: tx.session });
        for (const i of reset) tx.change('instance', 'updated', i._id, i.accountId, { workflowId: idOut(workflow._id), state: 'initial' });
      }
      tx.change('workflow', 'updated', workflow._id, workflow.accountId, { lastRunId: idOut(run._id) });
      return runOut(plain(run));
    });
  }

  async command(workflowId: Id, scope: Scope, command: 'pause' | 'stop', by: Id): Promise<Run> {
    check((c) => {
      c.oneOf('command', command, ['pause', 'stop'], true);
      c.id('by', by, true);
    });
    return this.ctx.tx.run(async (tx) => {
      const workflow = await this.ctx.models.Workflow.findOne(this.workflowFilter(workflowId, scope), { _id: 1 }).session(tx.session).lean();
      if (workflow === null) throw new NotFoundError('Workflow', workflowId);
      const run = await this.ctx.models.Run.findOne(activeRunOf(workflow._id)).session(tx.session);
      if (run === null) throw new ConflictError(`The workflow has no active run to ${command}`);
      if (run.desired === 'stopped') throw new ConflictError('The run is being stopped already');
      if (command === 'pause' && run.desired === 'paused') throw new ConflictError('The run is paused already');
      run.desired = command === 'pause' ? 'paused' : 'stopped';
      return this.recordCommand(run, command, by, tx);
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Run | null> {
    return findOne(this.ctx.models.Run, this.runFilter(id, scope), translateFields('run', fields), runOut, HIDDEN.run);
  }

  async list(workflowId: Id, scope: Scope, query?: ListQuery): Promise<Page<Run>> {
    const q = translateQuery('run', query);
    const workflow = await this.ctx.models.Workflow.findOne(this.workflowFilter(workflowId, scope), { _id: 1 }).lean();
    if (workflow === null) throw new NotFoundError('Workflow', workflowId);
    return findPage(this.ctx.models.Run, and({ workflowId: { $eq: workflow._id } }, scopeFilter(scope)), q, runOut, HIDDEN.run);
  }

  async journal(runId: Id, scope: Scope, query?: ListQuery): Promise<Page<JournalEntry>> {
    const q = translateQuery('journal', query);
    const run = await this.ctx.models.Run.findOne(this.runFilter(runId, scope), { _id: 1 }).lean();
    if (run === null) throw new NotFoundError('Run', runId);
    return findPage(this.ctx.models.Journal, { runId: { $eq: run._id } }, q, journalOut);
  }

  /** All captured output of the run (bounded per attempt), by instance order, attempt and seq. */
  async logs(runId: Id, scope: Scope, filter: { instanceId?: Id; attempt?: number } = {}): Promise<LogChunk[]> {
    const run = await this.ctx.models.Run.findOne(this.runFilter(runId, scope), { 'instances.instanceId': 1 })
      .lean<{ _id: Types.ObjectId; instances: Array<{ instanceId: Types.ObjectId }> }>();
    if (run === null) throw new NotFoundError('Run', runId);
    const conditions: Raw[] = [{ runId: { $eq: run._id } }];
    if (filter.instanceId !== undefined) conditions.push(idEquals('instanceId', filter.instanceId));
    if (filter.attempt !== undefined) conditions.push({ attempt: { $eq: filter.attempt } });
    const rows = await this.ctx.models.Log.find(and(...conditions)).sort({ attempt: 1, seq: 1 }).lean();
    const position = new Map(run.instances.map((instance, index) => [idOut(instance.instanceId), index]));
    const chunks = rows.map(logChunkOut);
    const rank = (c: LogChunk): number => position.get(c.instanceId) ?? Number.MAX_SAFE_INTEGER;
    return chunks.sort((a, b) => rank(a) - rank(b) || a.attempt - b.attempt || a.seq - b.seq);
  }

  /** Run or resume on an active run: resumes a paused (or pausing) run, else ConflictError. */
  private resume(run: RunDoc, by: Id, tx: Tx): Promise<Run> {
    if (run.desired !== 'paused') {
      throw new ConflictError(run.desired === 'stopped'
        ? 'The run is being stopped; run the workflow again once it has stopped'
        : `The workflow is ${run.status} already`);
    }
    run.desired = 'running';
    return this.recordCommand(run, 'resume', by, tx);
  }

  private recordCommand(run: RunDoc, command: 'pause' | 'stop' | 'resume', by: Id, tx: Tx): Promise<Run> {
    return this.saveRun(run, [{ type: 'run.command', data: { command, by } }], tx);
  }

  private workflowFilter(workflowId: Id, scope: Scope): Raw {
    return and(idEquals('_id', workflowId), scopeFilter(scope));
  }

  private runFilter(runId: Id, scope: Scope): Raw {
    return and(idEquals('_id', runId), scopeFilter(scope));
  }
}

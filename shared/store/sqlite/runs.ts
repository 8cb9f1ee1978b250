/**
 * Runs: the user's verbs (run/resume, pause, stop), the history reads, and the engine verbs of
 * run-engine.ts behind the one RunRepository.
 */
import { runtimeOfLanguageType } from '../../domain/dictionaries.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { newId, nowIso, type Id } from '../../domain/ids.js';
import type { JournalEntry, LogChunk, Run } from '../../domain/model.js';
import { normaliseQuery, project, scopeAccount, type ListQuery, type Page, type Scope } from '../../domain/query.js';
import type { AttemptRef, AttemptReport, DispatchInput, EndedAttempt, JournalInput, ReportOutcome, RunRepository, RunStep } from '../port.js';
import { ACTIVE_STATUSES_SQL } from './cascade.js';
import type { SqliteContext } from './database.js';
import { setWorkflowInstanceState } from './instances.js';
import { listPage, projection, type ListSpec } from './query.js';
import * as engine from './run-engine.js';
import {
  appendJournalEntries, insertRunInstance, loadRun, runChanged, runRow, toJournalEntry, toRun, type RunRow,
} from './run-documents.js';
import { validate } from './validate.js';
import { scopedWorkflow } from './workflows.js';

interface SnapshotRow {
  _id: Id;
  worktyId: Id;
  name: string;
  state: string;
  properties: string;
  target: string | null;
  retry: string | null;
  languageTypeId: Id;
  entryPointModuleFileName: string;
  packageHash: string | null;
  packageSize: number | null;
}

export class SqliteRuns implements RunRepository {
  constructor(private readonly ctx: SqliteContext) {}

  private scopedRun(id: Id, scope: Scope): RunRow {
    const row = runRow(this.ctx, id);
    const tenant = scopeAccount(scope);
    if (row === undefined || (tenant !== null && row.accountId !== tenant)) throw new NotFoundError('Run', id);
    return row;
  }

  private activeRun(workflowId: Id): RunRow | undefined {
    return this.ctx.stmt(`SELECT * FROM runs WHERE workflowId = ? AND status IN ${ACTIVE_STATUSES_SQL}
      ORDER BY created DESC, _id DESC LIMIT 1`).get(workflowId) as RunRow | undefined;
  }

  private setDesired(run: RunRow, desired: RunRow['desired'], command: string, by: Id): Run {
    this.ctx.stmt('UPDATE runs SET desired = ?, updated = ? WHERE _id = ?').run(desired, nowIso(), run._id);
    appendJournalEntries(this.ctx, run._id, [{ type: 'run.command', data: { command, by, desired } }]);
    runChanged(this.ctx, run._id, 'updated');
    return this.load(run._id);
  }

  private load(id: Id): Run {
    const run = loadRun(this.ctx, id);
    if (run === null) throw new NotFoundError('Run', id);
    return run;
  }

  async request(workflowId: Id, scope: Scope, by: Id): Promise<Run> {
    validate((c) => c.id('by', by, true));
    return this.ctx.write(() => {
      const workflow = scopedWorkflow(this.ctx, workflowId, scope);
      const active = this.activeRun(workflowId);
      if (active !== undefined) {
        if (active.desired === 'paused') return this.setDesired(active, 'running', 'resume', by);
        throw new ConflictError(active.desired === 'stopped'
          ? `Workflow ${workflowId} is being stopped; run it again once the stop is done`
          : `Workflow ${workflowId} is already ${active.status}`);
      }
      const snapshot = this.ctx.stmt(`SELECT i._id, i.worktyId, i.name, i.state, i.properties, i.target, i.retry, w.languageTypeId,
          w.entryPointModuleFileName, w.packageHash, w.packageSize
        FROM instances i JOIN workties w ON w._id = i.worktyId WHERE i.workflowId = ? ORDER BY i.position`).all(workflowId) as SnapshotRow[];
      if (snapshot.length === 0) throw new ConflictError(`Workflow ${workflowId} has no workty instances to run`);

      const now = nowIso();
      const run: RunRow = {
        _id: newId(), workflowId, accountId: workflow.accountId, status: 'queued', desired: 'running', error: null,
        created: now, started: null, ended: null, updated: now,
      };
      this.ctx.stmt(`INSERT INTO runs (_id, workflowId, accountId, status, desired, error, created, started, ended, updated)
        VALUES (@_id, @workflowId, @accountId, @status, @desired, @error, @created, @started, @ended, @updated)`).run(run);
      snapshot.forEach((instance, idx) => {
        insertRunInstance(this.ctx, {
          runId: run._id, idx, instanceId: instance._id, worktyId: instance.worktyId, name: instance.name,
          runtime: runtimeOfLanguageType(instance.languageTypeId) ?? 'unknown', entryPoint: instance.entryPointModuleFileName,
          packageHash: instance.packageHash, packageSize: instance.packageSize, properties: instance.properties,
          target: instance.target, retry: instance.retry, state: 'initial', checkpoint: null, notBefore: null,
        });
      });
      appendJournalEntries(this.ctx, run._id, [{ type: 'run.requested', data: { by, instances: snapshot.length } }]);
      runChanged(this.ctx, run._id, 'created');
      this.ctx.stmt('UPDATE workflows SET lastRunId = ?, updated = ? WHERE _id = ?').run(run._id, nowIso(), workflowId);
      this.ctx.change('workflow', 'updated', workflowId, workflow.accountId, { lastRunId: run._id });
      for (const instance of snapshot) setWorkflowInstanceState(this.ctx, instance._id, 'initial');
      return this.load(run._id);
    });
  }

  async command(workflowId: Id, scope: Scope, command: 'pause' | 'stop', by: Id): Promise<Run> {
    validate((c) => {
      c.oneOf('command', command, ['pause', 'stop'], true);
      c.id('by', by, true);
    });
    return this.ctx.write(() => {
      scopedWorkflow(this.ctx, workflowId, scope);
      const active = this.activeRun(workflowId);
      if (active === undefined) throw new ConflictError(`Workflow ${workflowId} has no active run to ${command}`);
      if (command === 'pause') {
        if (active.desired !== 'running') {
          throw new ConflictError(active.desired === 'paused' ? `Workflow ${workflowId} is already paused or pausing` : `Workflow ${workflowId} is being stopped`);
        }
        return this.setDesired(active, 'paused', 'pause', by);
      }
      if (active.desired === 'stopped') throw new ConflictError(`Workflow ${workflowId} is already being stopped`);
      return this.setDesired(active, 'stopped', 'stop', by);
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Run | null> {
    const wanted = projection('run', fields);
    return this.ctx.read(() => {
      const row = runRow(this.ctx, id);
      const tenant = scopeAccount(scope);
      if (row === undefined || (tenant !== null && row.accountId !== tenant)) return null;
      return project(toRun(this.ctx, row, wanted === null || wanted.includes('instances')), wanted);
    });
  }

  async list(workflowId: Id, scope: Scope, query?: ListQuery): Promise<Page<Run>> {
    const wanted = normaliseQuery('run', query).fields;
    const withInstances = wanted === null || wanted.includes('instances');
    return this.ctx.read(() => {
      scopedWorkflow(this.ctx, workflowId, scope);
      const spec: ListSpec = {
        entity: 'run', table: 'runs', where: ['workflowId = ?'], params: [workflowId], defaultOrder: '"created" ASC', tieBreak: '"_id" ASC',
      };
      return listPage(this.ctx, spec, query, (row: RunRow) => toRun(this.ctx, row, withInstances));
    });
  }

  async journal(runId: Id, scope: Scope, query?: ListQuery): Promise<Page<JournalEntry>> {
    return this.ctx.read(() => {
      this.scopedRun(runId, scope);
      const spec: ListSpec = { entity: 'journal', table: 'journal', where: ['runId = ?'], params: [runId], defaultOrder: 'seq ASC', tieBreak: 'seq ASC' };
      return listPage(this.ctx, spec, query, toJournalEntry);
    });
  }

  async logs(runId: Id, scope: Scope, filter: { instanceId?: Id; attempt?: number } = {}): Promise<LogChunk[]> {
    return this.ctx.read(() => {
      this.scopedRun(runId, scope);
      const rows = this.ctx.stmt(`SELECT l.runId, l.instanceId, l.attempt, l.seq, l.stream, l.text, l.at
          FROM logs l JOIN run_instances ri ON ri.runId = l.runId AND ri.instanceId = l.instanceId
          WHERE l.runId = @runId AND (@instanceId IS NULL OR l.instanceId = @instanceId) AND (@attempt IS NULL OR l.attempt = @attempt)
          ORDER BY ri.idx, l.attempt, l.seq`)
        .all({ runId, instanceId: filter.instanceId ?? null, attempt: filter.attempt ?? null }) as LogChunk[];
      return rows;
    });
  }

  // Engine verbs (run-engine.ts).

  async listActive(): Promise<Run[]> {
    return engine.listActive(this.ctx);
  }

  async transition(...args: Parameters<RunRepository['transition']>): Promise<Run | null> {
    return engine.transition(this.ctx, ...args);
  }

  async dispatch(input: DispatchInput): ReturnType<RunRepository['dispatch']> {
    return engine.dispatch(this.ctx, input);
  }

  async report(reports: AttemptReport[], followUp?: RunStep): Promise<ReportOutcome> {
    return engine.report(this.ctx, reports, followUp);
  }

  async renewLeases(deviceId: Id, keys: AttemptRef[], leaseExpires: string): Promise<{ lost: AttemptRef[] }> {
    return engine.renewLeases(this.ctx, deviceId, keys, leaseExpires);
  }

  async expireLeases(now: Date): Promise<EndedAttempt[]> {
    return engine.expireLeases(this.ctx, now);
  }

  async endAttempts(...args: Parameters<RunRepository['endAttempts']>): Promise<EndedAttempt[]> {
    return engine.endAttempts(this.ctx, ...args);
  }

  async appendLogs(chunks: Array<Omit<LogChunk, 'at'>>, maxBytesPerAttempt: number): Promise<number> {
    return engine.appendLogs(this.ctx, chunks, maxBytesPerAttempt);
  }

  async appendJournal(runId: Id, entries: JournalInput[]): Promise<JournalEntry[]> {
    return engine.appendJournal(this.ctx, runId, entries);
  }
}

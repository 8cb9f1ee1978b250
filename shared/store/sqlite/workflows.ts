/** Workflows; their ordered `worktiesInstancesIds` is read from the instances' positions. */
import { NotFoundError } from '../../domain/errors.js';
import { newId, nowIso, type Id } from '../../domain/ids.js';
import type { Workflow } from '../../domain/model.js';
import { project, scopeAccount, type ListQuery, type Page, type Scope } from '../../domain/query.js';
import { RULES } from '../../domain/rules.js';
import type { NewWorkflow, WorkflowPatch, WorkflowRepository } from '../port.js';
import { assertNoActiveRun, deleteWorkflowData } from './cascade.js';
import { placeholders, type SqliteContext } from './database.js';
import { assertAccountExists } from './owners.js';
import { listPageOf, projection, type ListSpec, type RowCodec } from './query.js';
import { validate, type Checker } from './validate.js';

export interface WorkflowRow {
  _id: Id;
  accountId: Id;
  name: string;
  desc: string;
  lastRunId: Id | null;
  created: string;
  updated: string;
}

/** Workflow rows read as arrays (pages of a list). */
const workflowCodec: RowCodec<WorkflowRow> = {
  columns: '_id, accountId, name, "desc", lastRunId, created, updated',
  decode: (v) => ({
    _id: v[0] as Id, accountId: v[1] as Id, name: v[2] as string, desc: v[3] as string, lastRunId: v[4] as Id | null,
    created: v[5] as string, updated: v[6] as string,
  }),
};

export function workflowRow(ctx: SqliteContext, id: Id): WorkflowRow | undefined {
  return ctx.stmt('SELECT * FROM workflows WHERE _id = ?').get(id) as WorkflowRow | undefined;
}

/** The workflow if the scope reaches it, else NotFoundError (another tenant's looks missing). */
export function scopedWorkflow(ctx: SqliteContext, id: Id, scope: Scope): WorkflowRow {
  const row = workflowRow(ctx, id);
  const tenant = scopeAccount(scope);
  if (row === undefined || (tenant !== null && row.accountId !== tenant)) throw new NotFoundError('Workflow', id);
  return row;
}

export function toWorkflow(ctx: SqliteContext, row: WorkflowRow): Workflow {
  const ids = ctx.column('SELECT _id FROM instances WHERE workflowId = ? ORDER BY position').all(row._id) as Id[];
  return withInstanceIds(row, ids);
}

function withInstanceIds(row: WorkflowRow, ids: Id[]): Workflow {
  return {
    _id: row._id, accountId: row.accountId, name: row.name, desc: row.desc, worktiesInstancesIds: ids,
    lastRunId: row.lastRunId, created: row.created, updated: row.updated,
  };
}

/** A page of workflows with their instance ids read in one query (none when they are not projected). */
function toWorkflows(ctx: SqliteContext, rows: WorkflowRow[], fields: string[] | null): Workflow[] {
  if (rows.length === 0 || (fields !== null && !fields.includes('worktiesInstancesIds'))) return rows.map((row) => withInstanceIds(row, []));
  const byWorkflow = new Map<Id, Id[]>(rows.map((row) => [row._id, []]));
  const instances = ctx
    .raw(`SELECT workflowId, _id FROM instances WHERE workflowId IN (${placeholders(rows.length)}) ORDER BY workflowId, position`)
    .all(...rows.map((row) => row._id)) as Array<[workflowId: Id, id: Id]>;
  for (const [workflowId, id] of instances) byWorkflow.get(workflowId)!.push(id);
  return rows.map((row) => withInstanceIds(row, byWorkflow.get(row._id)!));
}

/** Marks the workflow changed (its instances or last run) with its change event. */
export function touchWorkflow(ctx: SqliteContext, row: WorkflowRow, data: Record<string, unknown> = {}): void {
  ctx.stmt('UPDATE workflows SET updated = ? WHERE _id = ?').run(nowIso(), row._id);
  ctx.change('workflow', 'updated', row._id, row.accountId, data);
}

function checkFields(c: Checker, input: Partial<NewWorkflow>, creating: boolean): void {
  if (creating) c.id('accountId', input.accountId, true);
  c.text('name', input.name, { required: creating, ...RULES.name });
  c.text('desc', input.desc, RULES.desc);
}

export class SqliteWorkflows implements WorkflowRepository {
  constructor(private readonly ctx: SqliteContext) {}

  async create(input: NewWorkflow): Promise<Workflow> {
    validate((c) => checkFields(c, input, true));
    return this.ctx.write(() => {
      assertAccountExists(this.ctx, input.accountId);
      const now = nowIso();
      const row: WorkflowRow = { _id: newId(), accountId: input.accountId, name: input.name, desc: input.desc ?? '', lastRunId: null, created: now, updated: now };
      this.ctx.stmt(`INSERT INTO workflows (_id, accountId, name, "desc", lastRunId, created, updated)
        VALUES (@_id, @accountId, @name, @desc, @lastRunId, @created, @updated)`).run(row);
      this.ctx.change('workflow', 'created', row._id, row.accountId);
      return { ...row, worktiesInstancesIds: [] };
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Workflow | null> {
    const wanted = projection('workflow', fields);
    return this.ctx.read(() => {
      const row = workflowRow(this.ctx, id);
      const tenant = scopeAccount(scope);
      if (row === undefined || (tenant !== null && row.accountId !== tenant)) return null;
      return project(toWorkflow(this.ctx, row), wanted);
    });
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Workflow>> {
    const tenant = scopeAccount(scope);
    const spec: ListSpec = {
      entity: 'workflow', table: 'workflows', where: tenant === null ? [] : ['accountId = ?'], params: tenant === null ? [] : [tenant],
      defaultOrder: '"created" ASC', tieBreak: '"_id" ASC',
    };
    return listPageOf(this.ctx, spec, query, (rows: WorkflowRow[], fields) => toWorkflows(this.ctx, rows, fields), workflowCodec);
  }

  async update(id: Id, scope: Scope, patch: WorkflowPatch): Promise<Workflow> {
    validate((c) => checkFields(c, patch, false));
    return this.ctx.write(() => {
      const row = scopedWorkflow(this.ctx, id, scope);
      if (patch.name === undefined && patch.desc === undefined) return toWorkflow(this.ctx, row);
      const next: WorkflowRow = { ...row, name: patch.name ?? row.name, desc: patch.desc ?? row.desc, updated: nowIso() };
      this.ctx.stmt('UPDATE workflows SET name = @name, "desc" = @desc, updated = @updated WHERE _id = @_id').run(next);
      this.ctx.change('workflow', 'updated', id, row.accountId);
      return toWorkflow(this.ctx, next);
    });
  }

  async delete(id: Id, scope: Scope): Promise<void> {
    this.ctx.write(() => {
      const row = scopedWorkflow(this.ctx, id, scope);
      assertNoActiveRun(this.ctx, 'workflowId', id, `Workflow ${id}`);
      deleteWorkflowData(this.ctx, id, row.accountId);
    });
  }
}

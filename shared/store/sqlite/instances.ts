/**
 * Workty instances: placed at a position in their workflow (dense 0-based `position` column, unique
 * per workflow), with their own copy of the workty's properties.
 */
import { BadRequestError, ErrorCode, NotFoundError } from '../../domain/errors.js';
import { isId, newId, nowIso, type Id } from '../../domain/ids.js';
import type { InstanceTarget, Property, RetryPolicy, WorktyInstance } from '../../domain/model.js';
import { project, scopeAccount, type ListQuery, type Page, type Scope } from '../../domain/query.js';
import { RULES } from '../../domain/rules.js';
import type { InstancePatch, InstancePosition, InstanceRepository, NewInstance, PropertyPatch } from '../port.js';
import { json, parseJson, placeholders, type SqliteContext } from './database.js';
import { checkPropertyPatch, copyProperties, withPropertyChanged } from './properties.js';
import { listPage, projection, type ListSpec } from './query.js';
import { invalid, validate, type Checker } from './validate.js';
import { scopedWorkflow, touchWorkflow, type WorkflowRow } from './workflows.js';

export interface InstanceRow {
  _id: Id;
  workflowId: Id;
  accountId: Id;
  worktyId: Id;
  position: number;
  name: string;
  desc: string;
  state: string;
  properties: string;
  target: string | null;
  retry: string | null;
  created: string;
  updated: string;
}

export function toInstance(row: InstanceRow): WorktyInstance {
  return {
    _id: row._id, workflowId: row.workflowId, accountId: row.accountId, worktyId: row.worktyId, name: row.name, desc: row.desc,
    state: row.state as WorktyInstance['state'], properties: JSON.parse(row.properties) as Property[],
    target: parseJson<InstanceTarget>(row.target), retry: parseJson<Partial<RetryPolicy>>(row.retry),
    created: row.created, updated: row.updated,
  };
}

function checkTarget(c: Checker, target: unknown): void {
  if (target === undefined || target === null) return;
  if (typeof target !== 'object' || Array.isArray(target)) return c.fail('target', 'must be {deviceId} or {labels}');
  const { deviceId, labels, ...rest } = target as Record<string, unknown>;
  for (const key of Object.keys(rest)) c.fail(`target.${key}`, 'not a target field');
  c.id('target.deviceId', deviceId);
  c.labels('target.labels', labels);
}

function checkRetry(c: Checker, retry: unknown): void {
  if (retry === undefined || retry === null) return;
  if (typeof retry !== 'object' || Array.isArray(retry)) return c.fail('retry', 'must be {maxAttempts, backoffMs, timeoutMs}');
  const { maxAttempts, backoffMs, timeoutMs, ...rest } = retry as Record<string, unknown>;
  for (const key of Object.keys(rest)) c.fail(`retry.${key}`, 'not a retry field');
  c.number('retry.maxAttempts', maxAttempts, { ...RULES.retry.maxAttempts, integer: true });
  c.number('retry.backoffMs', backoffMs, { ...RULES.retry.backoffMs, integer: true });
  c.number('retry.timeoutMs', timeoutMs, { ...RULES.retry.timeoutMs, integer: true });
}

function checkFields(c: Checker, input: NewInstance | InstancePatch): void {
  c.text('name', input.name, RULES.name);
  c.text('desc', input.desc, RULES.desc);
  checkTarget(c, input.target);
  checkRetry(c, input.retry);
}

/** The 0-based index a new instance takes among `length` (API.md positions; codes 12, 10, 11). */
function resolvePosition(ctx: SqliteContext, workflowId: Id, length: number, position: InstancePosition | undefined): number {
  if (position === undefined || position === null) return length;
  const keys = Object.keys(position);
  if (keys.length === 0) return length;
  if (keys.length > 1) throw new BadRequestError('Give one of position_type, position_index, position_id', ErrorCode.badPositionType);
  if ('type' in position) {
    if (position.type === 'first') return 0;
    if (position.type === 'last') return length;
    throw new BadRequestError(`Bad position_type "${String(position.type)}": use first or last`, ErrorCode.badPositionType);
  }
  if ('index' in position) {
    const index = position.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > length) {
      throw new BadRequestError(`Bad position_index ${String(index)}: use 0..${length}`, ErrorCode.badPositionIndex);
    }
    return index;
  }
  if ('beforeId' in position) {
    const before = isId(position.beforeId)
      ? ctx.stmt('SELECT position FROM instances WHERE _id = ? AND workflowId = ?').get(position.beforeId, workflowId) as { position: number } | undefined
      : undefined;
    if (before === undefined) throw new BadRequestError(`Bad position_id ${String(position.beforeId)}: not an instance of this workflow`, ErrorCode.badPositionId);
    return before.position;
  }
  throw new BadRequestError(`Unknown position "${keys[0] ?? ''}"`, ErrorCode.badPositionType);
}

/**
 * Moves the instances at `from` and after by `delta` (+1 or -1). Two passes through negative
 * positions, because SQLite checks the (workflowId, position) uniqueness row by row.
 */
function shiftPositions(ctx: SqliteContext, workflowId: Id, from: number, delta: 1 | -1): void {
  ctx.stmt('UPDATE instances SET position = -position - 1 WHERE workflowId = ? AND position >= ?').run(workflowId, from);
  ctx.stmt('UPDATE instances SET position = -position - 1 + ? WHERE workflowId = ? AND position < 0').run(delta, workflowId);
}

interface OwnWorktyRow {
  accountId: Id;
  template: number;
  name: string;
  properties: string;
}

export class SqliteInstances implements InstanceRepository {
  constructor(private readonly ctx: SqliteContext) {}

  private row(workflowId: Id, id: Id): InstanceRow | undefined {
    return this.ctx.stmt('SELECT * FROM instances WHERE _id = ? AND workflowId = ?').get(id, workflowId) as InstanceRow | undefined;
  }

  /** The instance of a workflow the scope reaches, else NotFoundError. */
  private scoped(workflowId: Id, id: Id, scope: Scope): { workflow: WorkflowRow; row: InstanceRow } {
    const workflow = scopedWorkflow(this.ctx, workflowId, scope);
    const row = this.row(workflowId, id);
    if (row === undefined) throw new NotFoundError('Workty instance', id);
    return { workflow, row };
  }

  async add(workflowId: Id, scope: Scope, input: NewInstance, position?: InstancePosition): Promise<WorktyInstance> {
    validate((c) => {
      c.id('worktyId', input.worktyId, true);
      checkFields(c, input);
    });
    return this.ctx.write(() => {
      const workflow = scopedWorkflow(this.ctx, workflowId, scope);
      const { n: length } = this.ctx.stmt('SELECT COUNT(*) AS n FROM instances WHERE workflowId = ?').get(workflowId) as { n: number };
      const index = resolvePosition(this.ctx, workflowId, length, position);
      const workty = this.ctx.stmt('SELECT accountId, template, name, properties FROM workties WHERE _id = ?').get(input.worktyId) as OwnWorktyRow | undefined;
      if (workty === undefined || workty.template === 1 || workty.accountId !== workflow.accountId) {
        throw new BadRequestError(`Workty ${input.worktyId} is not a workty of the workflow's owner (install it first)`, ErrorCode.worktyNotOwned);
      }
      if (length >= RULES.instancesPerWorkflow.max) throw invalid('worktiesInstancesIds', `more than ${RULES.instancesPerWorkflow.max} instances`);
      shiftPositions(this.ctx, workflowId, index, 1);
      const now = nowIso();
      const row: InstanceRow = {
        _id: newId(), workflowId, accountId: workflow.accountId, worktyId: input.worktyId, position: index,
        name: input.name ?? workty.name, desc: input.desc ?? '', state: 'initial',
        properties: JSON.stringify(copyProperties(JSON.parse(workty.properties) as Property[])),
        target: json(input.target ?? null), retry: json(input.retry ?? null), created: now, updated: now,
      };
      this.ctx.stmt(`INSERT INTO instances (_id, workflowId, accountId, worktyId, position, name, "desc", state, properties, target,
        retry, created, updated) VALUES (@_id, @workflowId, @accountId, @worktyId, @position, @name, @desc, @state, @properties,
        @target, @retry, @created, @updated)`).run(row);
      this.ctx.change('instance', 'created', row._id, row.accountId, { workflowId });
      touchWorkflow(this.ctx, workflow);
      return toInstance(row);
    });
  }

  async get(workflowId: Id, id: Id, scope: Scope, fields?: string[]): Promise<WorktyInstance | null> {
    const wanted = projection('instance', fields);
    const row = this.row(workflowId, id);
    const tenant = scopeAccount(scope);
    if (row === undefined || (tenant !== null && row.accountId !== tenant)) return null;
    return project(toInstance(row), wanted);
  }

  async list(workflowId: Id, scope: Scope, query?: ListQuery): Promise<Page<WorktyInstance>> {
    return this.ctx.read(() => {
      scopedWorkflow(this.ctx, workflowId, scope);
      const spec: ListSpec = {
        entity: 'instance', table: 'instances', where: ['workflowId = ?'], params: [workflowId],
        defaultOrder: 'position ASC', tieBreak: 'position ASC',
      };
      return listPage(this.ctx, spec, query, toInstance);
    });
  }

  async getMany(ids: Id[], scope: Scope): Promise<WorktyInstance[]> {
    const wanted = [...new Set(ids.filter(isId))];
    if (wanted.length === 0) return [];
    const tenant = scopeAccount(scope);
    const rows = this.ctx.built(`SELECT * FROM instances WHERE _id IN (${placeholders(wanted.length)})`).all(...wanted) as InstanceRow[];
    const byId = new Map(rows.filter((row) => tenant === null || row.accountId === tenant).map((row) => [row._id, row]));
    return wanted.flatMap((id) => {
      const row = byId.get(id);
      return row === undefined ? [] : [toInstance(row)];
    });
  }

  async update(workflowId: Id, id: Id, scope: Scope, patch: InstancePatch): Promise<WorktyInstance> {
    validate((c) => checkFields(c, patch));
    return this.ctx.write(() => {
      const { row } = this.scoped(workflowId, id, scope);
      if (patch.name === undefined && patch.desc === undefined && patch.target === undefined && patch.retry === undefined) return toInstance(row);
      const next: InstanceRow = {
        ...row, name: patch.name ?? row.name, desc: patch.desc ?? row.desc,
        target: patch.target === undefined ? row.target : json(patch.target),
        retry: patch.retry === undefined ? row.retry : json(patch.retry), updated: nowIso(),
      };
      this.save(next);
      this.ctx.change('instance', 'updated', id, row.accountId, { workflowId });
      return toInstance(next);
    });
  }

  private save(row: InstanceRow): void {
    this.ctx.stmt(`UPDATE instances SET name = @name, "desc" = @desc, properties = @properties, target = @target, retry = @retry,
      updated = @updated WHERE _id = @_id`).run(row);
  }

  async delete(workflowId: Id, id: Id, scope: Scope): Promise<void> {
    this.ctx.write(() => {
      const { workflow, row } = this.scoped(workflowId, id, scope);
      this.ctx.stmt('DELETE FROM instances WHERE _id = ?').run(id);
      shiftPositions(this.ctx, workflowId, row.position + 1, -1);
      this.ctx.change('instance', 'deleted', id, row.accountId, { workflowId });
      touchWorkflow(this.ctx, workflow);
    });
  }

  async updateProperty(workflowId: Id, id: Id, propertyId: Id, scope: Scope, patch: PropertyPatch): Promise<WorktyInstance> {
    validate((c) => checkPropertyPatch(c, patch));
    return this.ctx.write(() => {
      const { row } = this.scoped(workflowId, id, scope);
      const properties = withPropertyChanged(JSON.parse(row.properties) as Property[], propertyId, patch);
      const next: InstanceRow = { ...row, properties: JSON.stringify(properties), updated: nowIso() };
      this.save(next);
      this.ctx.change('instance', 'updated', id, row.accountId, { workflowId });
      return toInstance(next);
    });
  }
}

/** Sets the state of a workflow's instance (the state in its latest run), with its change event. */
export function setWorkflowInstanceState(ctx: SqliteContext, instanceId: Id, state: string): void {
  const row = ctx.stmt('SELECT _id, workflowId, accountId, state FROM instances WHERE _id = ?').get(instanceId) as
    Pick<InstanceRow, '_id' | 'workflowId' | 'accountId' | 'state'> | undefined;
  if (row === undefined || row.state === state) return;
  ctx.stmt('UPDATE instances SET state = ?, updated = ? WHERE _id = ?').run(state, nowIso(), instanceId);
  ctx.change('instance', 'updated', instanceId, row.accountId, { workflowId: row.workflowId, state });
}

/** Workty instances: placed in a workflow's order, with their own copies of the workty's properties. */
import type { PipelineStage } from 'mongoose';
import { BadRequestError, ErrorCode, NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { WorktyInstance } from '../../../domain/model.js';
import type { ListQuery, Page, Scope } from '../../../domain/query.js';
import type { InstancePatch, InstancePosition, InstanceRepository, NewInstance, PropertyPatch } from '../../port.js';
import { idOut, instanceOut, plain, toObjectId, toObjectIds, type Raw } from '../convert.js';
import { and, idEquals, scopeFilter, translateFields, translateQuery } from '../query.js';
import type { Tx } from '../transactions.js';
import { guard } from './cascade.js';
import { check } from './checks.js';
import { findOne, hasChanges, inOrderOf, type Context } from './context.js';
import { insertionIndex } from './positions.js';
import { applyPropertyPatch, newProperties } from './properties.js';

export class MongoInstances implements InstanceRepository {
  constructor(private readonly ctx: Context) {}

  async add(workflowId: Id, scope: Scope, input: NewInstance, position?: InstancePosition): Promise<WorktyInstance> {
    check((c) => c.id('worktyId', input.worktyId, true));
    return this.ctx.tx.run(async (tx) => {
      const { Workflow, Workty, Instance } = this.ctx.models;
      const workflow = await Workflow.findOne(this.workflowFilter(workflowId, scope)).session(tx.session);
      if (workflow === null) throw new NotFoundError('Workflow', workflowId);
      const index = insertionIndex(workflow.worktiesInstancesIds.map(idOut), position);
      // Only the owner's own workties (not templates): a foreign or missing one is refused alike.
      const workty = await Workty.findOne({
        _id: { $eq: toObjectId(input.worktyId) }, accountId: { $eq: workflow.accountId }, template: { $eq: false },
      }).session(tx.session).lean();
      if (workty === null || !(await guard(Workty, workty._id, tx))) {
        const message = `Workty ${input.worktyId} is not a workty of the workflow's owner (install it first)`;
        throw new BadRequestError(message, ErrorCode.worktyNotOwned, [{ path: 'worktyId', message }]);
      }
      const now = new Date();
      const instance = new Instance({
        workflowId: workflow._id,
        accountId: workflow.accountId,
        worktyId: workty._id,
        name: input.name ?? workty.name,
        desc: input.desc ?? '',
        state: 'initial',
        properties: newProperties(workty.properties),
        target: input.target ?? null,
        retry: input.retry ?? null,
        created: now,
        updated: now,
      });
      await instance.save({ session: tx.session });
      workflow.worktiesInstancesIds.splice(index, 0, instance._id);
      workflow.updated = now;
      await workflow.save();
      tx.change('instance', 'created', instance._id, instance.accountId, { workflowId: idOut(workflow._id) });
      tx.change('workflow', 'updated', workflow._id, workflow.accountId);
      return instanceOut(plain(instance));
    });
  }

  async get(workflowId: Id, id: Id, scope: Scope, fields?: string[]): Promise<WorktyInstance | null> {
    return findOne(this.ctx.models.Instance, this.filter(workflowId, id, scope), translateFields('instance', fields), instanceOut);
  }

  async list(workflowId: Id, scope: Scope, query?: ListQuery): Promise<Page<WorktyInstance>> {
    const { Workflow, Instance } = this.ctx.models;
    const q = translateQuery('instance', query);
    const workflow = await Workflow.findOne(this.workflowFilter(workflowId, scope), { worktiesInstancesIds: 1 }).lean();
    if (workflow === null) throw new NotFoundError('Workflow', workflowId);
    const filter = and({ workflowId: { $eq: workflow._id } }, scopeFilter(scope), q.filter);
    // The workflow's order (an instance's position in its id list), computed by the server: the
    // default order, and the tie-break of a given sort.
    const sort: Record<string, 1 | -1> = {};
    for (const key of query?.sort ?? []) sort[key.field] ??= key.direction === 'desc' ? -1 : 1;
    sort.__position ??= 1;
    sort._id ??= 1;
    const pipeline: PipelineStage[] = [
      { $match: filter },
      { $addFields: { __position: { $indexOfArray: [workflow.worktiesInstancesIds, '$_id'] } } },
      { $sort: sort },
    ];
    if (q.skip > 0) pipeline.push({ $skip: q.skip });
    pipeline.push({ $limit: q.limit });
    if (q.projection !== null) pipeline.push({ $project: q.projection });
    const rows = await Instance.aggregate<Raw>(pipeline);
    const total = q.count ? await Instance.countDocuments(filter) : null;
    return { items: rows.map(instanceOut), total };
  }

  async getMany(ids: Id[], scope: Scope): Promise<WorktyInstance[]> {
    const rows = await this.ctx.models.Instance.find(and({ _id: { $in: toObjectIds(ids) } }, scopeFilter(scope))).lean();
    return inOrderOf(ids, rows.map(instanceOut));
  }

  update(workflowId: Id, id: Id, scope: Scope, patch: InstancePatch): Promise<WorktyInstance> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.load(workflowId, id, scope, tx);
      if (!hasChanges(patch)) return instanceOut(plain(doc));
      if (patch.name !== undefined) doc.name = patch.name;
      if (patch.desc !== undefined) doc.desc = patch.desc;
      if (patch.target !== undefined) doc.set('target', patch.target);
      if (patch.retry !== undefined) doc.set('retry', patch.retry);
      doc.updated = new Date();
      await doc.save();
      tx.change('instance', 'updated', doc._id, doc.accountId, { workflowId: idOut(doc.workflowId) });
      return instanceOut(plain(doc));
    });
  }

  delete(workflowId: Id, id: Id, scope: Scope): Promise<void> {
    return this.ctx.tx.run(async (tx) => {
      const { Instance, Workflow } = this.ctx.models;
      const doc = await this.load(workflowId, id, scope, tx);
      await Instance.deleteOne({ _id: doc._id }, { session: tx.session });
      await Workflow.updateOne(
        { _id: doc.workflowId },
        { $pull: { worktiesInstancesIds: doc._id }, $set: { updated: new Date() } },
        { session: tx.session },
      );
      tx.change('instance', 'deleted', doc._id, doc.accountId, { workflowId: idOut(doc.workflowId) });
      tx.change('workflow', 'updated', doc.workflowId, doc.accountId);
    });
  }

  updateProperty(workflowId: Id, id: Id, propertyId: Id, scope: Scope, patch: PropertyPatch): Promise<WorktyInstance> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.load(workflowId, id, scope, tx);
      applyPropertyPatch(doc.properties, propertyId, patch);
      doc.updated = new Date();
      await doc.save();
      tx.change('instance', 'updated', doc._id, doc.accountId, { workflowId: idOut(doc.workflowId) });
      return instanceOut(plain(doc));
    });
  }

  private workflowFilter(workflowId: Id, scope: Scope): Raw {
    return and(idEquals('_id', workflowId), scopeFilter(scope));
  }

  private filter(workflowId: Id, id: Id, scope: Scope): Raw {
    return and(idEquals('_id', id), idEquals('workflowId', workflowId), scopeFilter(scope));
  }

  private async load(workflowId: Id, id: Id, scope: Scope, tx: Tx) {
    const doc = await this.ctx.models.Instance.findOne(this.filter(workflowId, id, scope)).session(tx.session);
    if (doc === null) throw new NotFoundError('Workty instance', id);
    return doc;
  }
}

/** Workflows: CRUD; a delete takes the instances and the (finished) runs with it. */
import { ConflictError, NotFoundError } from '../../../domain/errors.js';
import type { Id } from '../../../domain/ids.js';
import type { Workflow } from '../../../domain/model.js';
import type { ListQuery, Page, Scope } from '../../../domain/query.js';
import type { NewWorkflow, WorkflowPatch, WorkflowRepository } from '../../port.js';
import { plain, workflowOut, type Raw } from '../convert.js';
import { and, idEquals, scopeFilter, translateFields, translateQuery } from '../query.js';
import { deleteWorkflows, hasActiveRun, requireOwner } from './cascade.js';
import { findOne, findPage, hasChanges, type Context } from './context.js';

export class MongoWorkflows implements WorkflowRepository {
  constructor(private readonly ctx: Context) {}

  create(input: NewWorkflow): Promise<Workflow> {
    return this.ctx.tx.run(async (tx) => {
      const now = new Date();
      const doc = new this.ctx.models.Workflow({
        accountId: input.accountId, name: input.name, desc: input.desc ?? '', worktiesInstancesIds: [], lastRunId: null,
        created: now, updated: now,
      });
      await doc.validate();
      await requireOwner(this.ctx, tx, doc.accountId);
      await doc.save({ session: tx.session });
      tx.change('workflow', 'created', doc._id, doc.accountId);
      return workflowOut(plain(doc));
    });
  }

  async get(id: Id, scope: Scope, fields?: string[]): Promise<Workflow | null> {
    return findOne(this.ctx.models.Workflow, this.filter(id, scope), translateFields('workflow', fields), workflowOut);
  }

  async list(scope: Scope, query?: ListQuery): Promise<Page<Workflow>> {
    return findPage(this.ctx.models.Workflow, scopeFilter(scope), translateQuery('workflow', query), workflowOut);
  }

  update(id: Id, scope: Scope, patch: WorkflowPatch): Promise<Workflow> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.ctx.models.Workflow.findOne(this.filter(id, scope)).session(tx.session);
      if (doc === null) throw new NotFoundError('Workflow', id);
      if (!hasChanges(patch)) return workflowOut(plain(doc));
      if (patch.name !== undefined) doc.name = patch.name;
      if (patch.desc !== undefined) doc.desc = patch.desc;
      doc.updated = new Date();
      await doc.save();
      tx.change('workflow', 'updated', doc._id, doc.accountId);
      return workflowOut(plain(doc));
    });
  }

  delete(id: Id, scope: Scope): Promise<void> {
    return this.ctx.tx.run(async (tx) => {
      const filter = this.filter(id, scope);
      const doc = await this.ctx.models.Workflow.findOne(filter, { _id: 1 }).session(tx.session).lean();
      if (doc === null) throw new NotFoundError('Workflow', id);
      if (await hasActiveRun(this.ctx, tx, { workflowId: { $eq: doc._id } })) {
        throw new ConflictError('The workflow has an active run; stop it before deleting the workflow', 4);
      }
      await deleteWorkflows(this.ctx, tx, { _id: { $eq: doc._id } });
    });
  }

  private filter(id: Id, scope: Scope): Raw {
    return and(idEquals('_id', id), scopeFilter(scope));
  }
}

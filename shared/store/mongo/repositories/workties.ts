/** Workties: templates (the catalogue) and installed copies, with embedded properties and a package. */
import { ConflictError, NotFoundError } from '../../../domain/errors.js';
import { idOf } from '../../../domain/dictionaries.js';
import type { Id } from '../../../domain/ids.js';
import type { Workty } from '../../../domain/model.js';
import type { ListQuery, Page, Scope } from '../../../domain/query.js';
import type { NewWorkty, PropertyInput, PropertyPatch, WorktyPatch, WorktyRepository, WorktyScope } from '../../port.js';
import { idOut, plain, toObjectIds, worktyOut, type Raw } from '../convert.js';
import type { PropertyRecord } from '../models/embedded.js';
import { and, idEquals, scopeFilter, translateFields, translateQuery, worktyScopeFilter } from '../query.js';
import type { Tx } from '../transactions.js';
import { dropUnusedPackages, requireOwner } from './cascade.js';
import { findOne, findPage, hasChanges, inOrderOf, type Context } from './context.js';
import { storePackage } from './packages.js';
import { applyPropertyPatch, newProperties } from './properties.js';

/** The version of a workty created without one (the SQLite adapter's default too). */
export const DEFAULT_WORKTY_VERSION = '1.0.0';

/** Whose audience a workty change concerns: templates are everyone's (null), copies their owner's. */
export function worktyAudience(workty: { template: boolean; accountId: unknown }): unknown {
  return workty.template ? null : workty.accountId;
}

/** Records a change of a workty for its audience. */
function worktyChanged(tx: Tx, op: 'created' | 'updated' | 'deleted', workty: { _id: unknown; template: boolean; accountId: unknown }): void {
  tx.change('workty', op, workty._id, worktyAudience(workty), { template: workty.template });
}

export class MongoWorkties implements WorktyRepository {
  constructor(private readonly ctx: Context) {}

  create(input: NewWorkty): Promise<Workty> {
    return this.ctx.tx.run(async (tx) => {
      const now = new Date();
      const doc = new this.ctx.models.Workty({
        name: input.name,
        desc: input.desc ?? '',
        accountId: input.accountId,
        template: input.template ?? false,
        templateId: null,
        typeId: input.typeId,
        categoryId: input.categoryId,
        languageTypeId: input.languageTypeId,
        validationStateId: input.validationStateId ?? idOf.validationState('in progress'),
        entryPointModuleFileName: input.entryPointModuleFileName,
        properties: newProperties(input.properties),
        price: input.price ?? 0,
        discountPercent: input.discountPercent ?? 0,
        version: input.version ?? DEFAULT_WORKTY_VERSION,
        package: null,
        created: now,
        updated: now,
      });
      await doc.validate();
      await requireOwner(this.ctx, tx, doc.accountId);
      if (input.packageBytes !== undefined && input.packageBytes !== null) {
        doc.package = await storePackage(this.ctx, tx, input.packageBytes);
      }
      await doc.save({ session: tx.session });
      worktyChanged(tx, 'created', doc);
      return worktyOut(plain(doc));
    });
  }

  async get(id: Id, reach: WorktyScope, fields?: string[]): Promise<Workty | null> {
    const filter = and(idEquals('_id', id), worktyScopeFilter(reach.scope, reach.withTemplates));
    return findOne(this.ctx.models.Workty, filter, translateFields('workty', fields), worktyOut);
  }

  async list(reach: WorktyScope, query?: ListQuery): Promise<Page<Workty>> {
    return findPage(this.ctx.models.Workty, worktyScopeFilter(reach.scope, reach.withTemplates), translateQuery('workty', query), worktyOut);
  }

  async getMany(ids: Id[], reach: WorktyScope): Promise<Workty[]> {
    const filter = and({ _id: { $in: toObjectIds(ids) } }, worktyScopeFilter(reach.scope, reach.withTemplates));
    const rows = await this.ctx.models.Workty.find(filter).lean();
    return inOrderOf(ids, rows.map(worktyOut));
  }

  update(id: Id, scope: Scope, patch: WorktyPatch): Promise<Workty> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.load(id, scope, tx);
      if (!hasChanges(patch)) return worktyOut(plain(doc));
      const previousPackage = doc.package?.hash ?? null;
      const simple = [
        'name', 'desc', 'template', 'typeId', 'categoryId', 'languageTypeId', 'validationStateId',
        'entryPointModuleFileName', 'price', 'discountPercent', 'version',
      ] as const;
      for (const field of simple) {
        if (patch[field] !== undefined) doc.set(field, patch[field]);
      }
      doc.updated = new Date();
      await doc.validate();
      if (patch.packageBytes !== undefined) {
        doc.set('package', patch.packageBytes === null ? null : await storePackage(this.ctx, tx, patch.packageBytes));
      }
      await doc.save();
      if (previousPackage !== null && previousPackage !== (doc.package?.hash ?? null)) {
        await dropUnusedPackages(this.ctx, tx, [previousPackage]);
      }
      worktyChanged(tx, 'updated', doc);
      return worktyOut(plain(doc));
    });
  }

  delete(id: Id, scope: Scope): Promise<void> {
    return this.ctx.tx.run(async (tx) => {
      const { Workty, Instance } = this.ctx.models;
      const doc = await Workty.findOne(this.filter(id, scope), { _id: 1, accountId: 1, template: 1, package: 1 }).session(tx.session).lean();
      if (doc === null) throw new NotFoundError('Workty', id);
      if ((await Instance.exists({ worktyId: { $eq: doc._id } }).session(tx.session)) !== null) {
        throw new ConflictError('The workty is used by workflow instances; delete them first', 4);
      }
      await Workty.deleteOne({ _id: doc._id }, { session: tx.session });
      if (doc.package) await dropUnusedPackages(this.ctx, tx, [doc.package.hash]);
      worktyChanged(tx, 'deleted', doc);
    });
  }

  addProperty(id: Id, scope: Scope, input: PropertyInput): Promise<Workty> {
    return this.changeProperties(id, scope, (properties) => {
      properties.push(...newProperties([input]));
    });
  }

  updateProperty(id: Id, propertyId: Id, scope: Scope, patch: PropertyPatch): Promise<Workty> {
    return this.changeProperties(id, scope, (properties) => applyPropertyPatch(properties, propertyId, patch));
  }

  deleteProperty(id: Id, propertyId: Id, scope: Scope): Promise<Workty> {
    return this.changeProperties(id, scope, (properties) => {
      const index = properties.findIndex((p) => idOut(p._id) === propertyId);
      if (index < 0) throw new NotFoundError('Property', propertyId);
      properties.splice(index, 1);
    });
  }

  private changeProperties(id: Id, scope: Scope, change: (properties: PropertyRecord[]) => void): Promise<Workty> {
    return this.ctx.tx.run(async (tx) => {
      const doc = await this.load(id, scope, tx);
      change(doc.properties);
      doc.updated = new Date();
      await doc.save();
      worktyChanged(tx, 'updated', doc);
      return worktyOut(plain(doc));
    });
  }

  private filter(id: Id, scope: Scope): Raw {
    return and(idEquals('_id', id), scopeFilter(scope));
  }

  private async load(id: Id, scope: Scope, tx: Tx) {
    const doc = await this.ctx.models.Workty.findOne(this.filter(id, scope)).session(tx.session);
    if (doc === null) throw new NotFoundError('Workty', id);
    return doc;
  }
}

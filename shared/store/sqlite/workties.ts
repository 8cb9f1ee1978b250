/** Workties (templates and installed copies), their properties and their package references. */
import { idOf } from '../../domain/dictionaries.js';
import { ConflictError, NotFoundError } from '../../domain/errors.js';
import { isId, newId, nowIso, type Id } from '../../domain/ids.js';
import type { Property, Workty } from '../../domain/model.js';
import { project, scopeAccount, type ListQuery, type Page, type Scope } from '../../domain/query.js';
import { RULES } from '../../domain/rules.js';
import type { NewWorkty, PropertyInput, PropertyPatch, WorktyPatch, WorktyRepository, WorktyScope } from '../port.js';
import { dropPackageIfUnused } from './cascade.js';
import { bit, placeholders, type SqliteContext } from './database.js';
import { storePackage } from './packages.js';
import { listPage, projection, type ListSpec } from './query.js';
import { assertAccountExists } from './owners.js';
import { checkPropertyPatch, copyProperties, withProperty, withPropertyChanged, withoutProperty } from './properties.js';
import { validate, type Checker } from './validate.js';

export interface WorktyRow {
  _id: Id;
  accountId: Id;
  name: string;
  desc: string;
  template: number;
  templateId: Id | null;
  typeId: Id;
  categoryId: Id;
  languageTypeId: Id;
  validationStateId: Id;
  entryPointModuleFileName: string;
  properties: string;
  price: number;
  discountPercent: number;
  version: string;
  packageHash: string | null;
  packageSize: number | null;
  created: string;
  updated: string;
}

/** Defaults of a new workty. */
export const WORKTY_DEFAULTS = { validationState: 'in progress', version: '1.0.0' } as const;

export function toWorkty(row: WorktyRow): Workty {
  return {
    _id: row._id, name: row.name, desc: row.desc, accountId: row.accountId, template: row.template === 1,
    templateId: row.templateId, typeId: row.typeId, categoryId: row.categoryId, languageTypeId: row.languageTypeId,
    validationStateId: row.validationStateId, entryPointModuleFileName: row.entryPointModuleFileName,
    properties: JSON.parse(row.properties) as Property[], price: row.price, discountPercent: row.discountPercent,
    version: row.version,
    package: row.packageHash === null ? null : { hash: row.packageHash, size: row.packageSize ?? 0 },
    created: row.created, updated: row.updated,
  };
}

/** Templates concern everyone, not one tenant. */
export function worktyOwner(row: Pick<WorktyRow, 'template' | 'accountId'>): Id | null {
  return row.template === 1 ? null : row.accountId;
}

export function insertWorkty(ctx: SqliteContext, row: WorktyRow): void {
  ctx.stmt(`INSERT INTO workties (_id, accountId, name, "desc", template, templateId, typeId, categoryId, languageTypeId,
    validationStateId, entryPointModuleFileName, properties, price, discountPercent, version, packageHash, packageSize, created, updated)
    VALUES (@_id, @accountId, @name, @desc, @template, @templateId, @typeId, @categoryId, @languageTypeId, @validationStateId,
    @entryPointModuleFileName, @properties, @price, @discountPercent, @version, @packageHash, @packageSize, @created, @updated)`).run(row);
}

function saveWorkty(ctx: SqliteContext, row: WorktyRow): void {
  ctx.stmt(`UPDATE workties SET name = @name, "desc" = @desc, template = @template, typeId = @typeId, categoryId = @categoryId,
    languageTypeId = @languageTypeId, validationStateId = @validationStateId, entryPointModuleFileName = @entryPointModuleFileName,
    properties = @properties, price = @price, discountPercent = @discountPercent, version = @version, packageHash = @packageHash,
    packageSize = @packageSize, updated = @updated WHERE _id = @_id`).run(row);
}

function checkFields(c: Checker, input: Partial<NewWorkty>, creating: boolean): void {
  if (creating) c.id('accountId', input.accountId, true);
  c.text('name', input.name, { required: creating, ...RULES.name });
  c.text('desc', input.desc, RULES.desc);
  c.boolean('template', input.template);
  c.dictionary('typeId', input.typeId, 'worktyTypes', creating);
  c.dictionary('categoryId', input.categoryId, 'worktyCategories', creating);
  c.dictionary('languageTypeId', input.languageTypeId, 'languageTypes', creating);
  c.dictionary('validationStateId', input.validationStateId, 'validationStates');
  c.text('entryPointModuleFileName', input.entryPointModuleFileName, {
    required: creating, ...RULES.entryPoint, patternWhy: 'must be a relative path inside the package',
  });
  if (creating) c.properties('properties', input.properties);
  c.cents('price', input.price);
  c.number('discountPercent', input.discountPercent, RULES.discountPercent);
  c.text('version', input.version, RULES.version);
  if (input.packageBytes !== undefined && input.packageBytes !== null && !Buffer.isBuffer(input.packageBytes)) {
    c.fail('packageBytes', 'must be the bytes of a zip archive');
  }
}

const PATCH_KEYS = [
  'name', 'desc', 'template', 'typeId', 'categoryId', 'languageTypeId', 'validationStateId', 'entryPointModuleFileName',
  'price', 'discountPercent', 'version', 'packageBytes',
] as const satisfies ReadonlyArray<keyof WorktyPatch>;

function visible(row: WorktyRow | undefined, reach: WorktyScope): row is WorktyRow {
  if (row === undefined) return false;
  const tenant = scopeAccount(reach.scope);
  return tenant === null || row.accountId === tenant || (reach.withTemplates && row.template === 1);
}

export class SqliteWorkties implements WorktyRepository {
  constructor(private readonly ctx: SqliteContext) {}

  private row(id: Id): WorktyRow | undefined {
    return this.ctx.stmt('SELECT * FROM workties WHERE _id = ?').get(id) as WorktyRow | undefined;
  }

  /** A workty the scope may change (its own, or any for `all`); templates are not in a tenant's reach. */
  private writable(id: Id, scope: Scope): WorktyRow {
    const row = this.row(id);
    if (!visible(row, { scope, withTemplates: false })) throw new NotFoundError('Workty', id);
    return row;
  }

  async create(input: NewWorkty): Promise<Workty> {
    validate((c) => checkFields(c, input, true));
    return this.ctx.write(() => {
      assertAccountExists(this.ctx, input.accountId);
      const ref = input.packageBytes ? storePackage(this.ctx, input.packageBytes) : null;
      const now = nowIso();
      const row: WorktyRow = {
        _id: newId(), accountId: input.accountId, name: input.name, desc: input.desc ?? '', template: bit(input.template ?? false),
        templateId: null, typeId: input.typeId, categoryId: input.categoryId, languageTypeId: input.languageTypeId,
        validationStateId: input.validationStateId ?? idOf.validationState(WORKTY_DEFAULTS.validationState),
        entryPointModuleFileName: input.entryPointModuleFileName,
        properties: JSON.stringify(copyProperties(input.properties ?? [])),
        price: input.price ?? 0, discountPercent: input.discountPercent ?? 0, version: input.version ?? WORKTY_DEFAULTS.version,
        packageHash: ref?.hash ?? null, packageSize: ref?.size ?? null, created: now, updated: now,
      };
      insertWorkty(this.ctx, row);
      this.ctx.change('workty', 'created', row._id, worktyOwner(row), { template: row.template === 1 });
      return toWorkty(row);
    });
  }

  async get(id: Id, reach: WorktyScope, fields?: string[]): Promise<Workty | null> {
    const wanted = projection('workty', fields);
    const row = this.row(id);
    return visible(row, reach) ? project(toWorkty(row), wanted) : null;
  }

  async list(reach: WorktyScope, query?: ListQuery): Promise<Page<Workty>> {
    const tenant = scopeAccount(reach.scope);
    let where: string[] = [];
    if (tenant !== null) where = [reach.withTemplates ? 'accountId = ? OR template = 1' : 'accountId = ?'];
    const spec: ListSpec = {
      entity: 'workty', table: 'workties', where, params: tenant === null ? [] : [tenant],
      defaultOrder: '"created" ASC', tieBreak: '"_id" ASC',
    };
    return listPage(this.ctx, spec, query, toWorkty);
  }

  async getMany(ids: Id[], reach: WorktyScope): Promise<Workty[]> {
    const wanted = [...new Set(ids.filter(isId))];
    if (wanted.length === 0) return [];
    const rows = this.ctx.built(`SELECT * FROM workties WHERE _id IN (${placeholders(wanted.length)})`).all(...wanted) as WorktyRow[];
    const byId = new Map(rows.filter((row) => visible(row, reach)).map((row) => [row._id, row]));
    return wanted.flatMap((id) => {
      const row = byId.get(id);
      return row === undefined ? [] : [toWorkty(row)];
    });
  }

  async update(id: Id, scope: Scope, patch: WorktyPatch): Promise<Workty> {
    validate((c) => checkFields(c, patch, false));
    return this.ctx.write(() => {
      const row = this.writable(id, scope);
      if (!PATCH_KEYS.some((key) => patch[key] !== undefined)) return toWorkty(row);
      const next: WorktyRow = { ...row, updated: nowIso() };
      if (patch.name !== undefined) next.name = patch.name;
      if (patch.desc !== undefined) next.desc = patch.desc;
      if (patch.template !== undefined) next.template = bit(patch.template);
      if (patch.typeId !== undefined) next.typeId = patch.typeId;
      if (patch.categoryId !== undefined) next.categoryId = patch.categoryId;
      if (patch.languageTypeId !== undefined) next.languageTypeId = patch.languageTypeId;
      if (patch.validationStateId !== undefined) next.validationStateId = patch.validationStateId;
      if (patch.entryPointModuleFileName !== undefined) next.entryPointModuleFileName = patch.entryPointModuleFileName;
      if (patch.price !== undefined) next.price = patch.price;
      if (patch.discountPercent !== undefined) next.discountPercent = patch.discountPercent;
      if (patch.version !== undefined) next.version = patch.version;
      if (patch.packageBytes !== undefined) {
        const ref = patch.packageBytes === null ? null : storePackage(this.ctx, patch.packageBytes);
        next.packageHash = ref?.hash ?? null;
        next.packageSize = ref?.size ?? null;
      }
      saveWorkty(this.ctx, next);
      if (row.packageHash !== next.packageHash) dropPackageIfUnused(this.ctx, row.packageHash);
      this.ctx.change('workty', 'updated', id, worktyOwner(next), { template: next.template === 1 });
      return toWorkty(next);
    });
  }

  async delete(id: Id, scope: Scope): Promise<void> {
    this.ctx.write(() => {
      const row = this.writable(id, scope);
      const used = this.ctx.stmt('SELECT COUNT(*) AS n FROM instances WHERE worktyId = ?').get(id) as { n: number };
      if (used.n > 0) throw new ConflictError(`Workty ${id} is used by ${used.n} workflow instance(s); delete them first`);
      this.ctx.stmt('DELETE FROM workties WHERE _id = ?').run(id);
      dropPackageIfUnused(this.ctx, row.packageHash);
      this.ctx.change('workty', 'deleted', id, worktyOwner(row), { template: row.template === 1 });
    });
  }

  /** Applies `edit` to the workty's properties list and saves it, with one change event. */
  private editProperties(id: Id, scope: Scope, edit: (properties: Property[]) => Property[]): Workty {
    return this.ctx.write(() => {
      const row = this.writable(id, scope);
      const properties = edit(JSON.parse(row.properties) as Property[]);
      const next: WorktyRow = { ...row, properties: JSON.stringify(properties), updated: nowIso() };
      saveWorkty(this.ctx, next);
      this.ctx.change('workty', 'updated', id, worktyOwner(next), { template: next.template === 1 });
      return toWorkty(next);
    });
  }

  async addProperty(id: Id, scope: Scope, input: PropertyInput): Promise<Workty> {
    validate((c) => {
      c.propertyName('name', input.name);
      c.propertyValue('value', input.value);
    });
    return this.editProperties(id, scope, (properties) => withProperty(properties, input));
  }

  async updateProperty(id: Id, propertyId: Id, scope: Scope, patch: PropertyPatch): Promise<Workty> {
    validate((c) => checkPropertyPatch(c, patch));
    return this.editProperties(id, scope, (properties) => withPropertyChanged(properties, propertyId, patch));
  }

  async deleteProperty(id: Id, propertyId: Id, scope: Scope): Promise<Workty> {
    return this.editProperties(id, scope, (properties) => withoutProperty(properties, propertyId));
  }
}

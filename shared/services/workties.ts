/**
 * Workties: templates published by admins (the catalogue everyone reads) and the copies installed
 * into accounts by payments. Regular users read their own and the templates; only admins write.
 * Answers never carry package bytes: `package` is `{hash, size}`; the bytes come from `package`.
 */
import { z } from 'zod';
import { isAdmin } from '../domain/acl.js';
import type { DictionaryName } from '../domain/dictionaries.js';
import { dictionaryEntry, idOf } from '../domain/dictionaries.js';
import { ErrorCode, ForbiddenError, NotFoundError } from '../domain/errors.js';
import type { Workty } from '../domain/model.js';
import { RULES } from '../domain/rules.js';
import { worktyRep } from '../representation/documents.js';
import type { WorktyPatch } from '../store/port.js';
import type { ServiceDeps } from './deps.js';
import {
  centsField, descField, discountField, idParams, nameField, objectId, propertyInput, propertyPatch,
} from './fields.js';
import { listQuerySchema, readQuerySchema, toListQuery } from './list-query.js';
import { checkPackage, decodePackage, packageField } from './packages.js';
import { defined, deleted, embedContext, listResult, readResult, requireChanges, toDocument } from './results.js';
import { useCase } from './use-case.js';

export const worktyPropertyParams = z.strictObject({ id: objectId, pid: objectId });

function dictionaryId(dictionary: DictionaryName) {
  return objectId.refine((id) => dictionaryEntry(dictionary, id) !== undefined, {
    error: `must be the id of an entry of ${dictionary} (GET /api/v1/dictionaries/${dictionary})`,
  });
}

const entryPointField = z.string().min(1).max(RULES.entryPoint.max)
  .regex(RULES.entryPoint.pattern, { error: 'must be a relative path inside the package' });

const propertiesField = z.array(propertyInput).max(RULES.propertiesPerDocument.max)
  .refine((list) => new Set(list.map((p) => p.name)).size === list.length, { error: 'must not repeat a property name' });

const worktyFields = {
  name: nameField,
  desc: descField.optional(),
  template: z.boolean().optional().meta({ description: 'A catalogue entry visible to everyone (default false)' }),
  typeId: dictionaryId('worktyTypes').optional().meta({ description: 'Default: inout' }),
  categoryId: dictionaryId('worktyCategories').optional().meta({ description: 'Default: unsorted' }),
  languageTypeId: dictionaryId('languageTypes'),
  validationStateId: dictionaryId('validationStates').optional(),
  entryPointModuleFileName: entryPointField,
  price: centsField.optional(),
  discountPercent: discountField.optional(),
  version: z.string().max(RULES.version.max).optional(),
  compressedCode: packageField.optional(),
};

export const newWorkty = z.strictObject({ ...worktyFields, properties: propertiesField.optional() });

export const worktyUpdate = z.strictObject({
  ...worktyFields,
  name: nameField.optional(),
  languageTypeId: dictionaryId('languageTypes').optional(),
  entryPointModuleFileName: entryPointField.optional(),
  compressedCode: packageField.nullable().optional().meta({ description: 'null removes the package' }),
});

/** A package as downloaded: the zip and its SHA-256. */
export interface PackageDownload {
  bytes: Buffer;
  hash: string;
}

function findProperty(workty: Workty, match: (p: Workty['properties'][number]) => boolean) {
  const property = workty.properties.find(match);
  if (property === undefined) throw new NotFoundError('Property');
  return { ...property };
}

export function worktyUseCases({ store, limits }: ServiceDeps) {
  return {
    /** The caller's own workties and the templates. */
    list: useCase({
      permission: ['workties', 'view'],
      query: listQuerySchema(worktyRep),
      async run(actor, { query }) {
        const parsed = toListQuery(worktyRep, query);
        const page = await store.workties.list({ scope: actor.auth.scope, withTemplates: actor.auth.withTemplates }, parsed.query);
        return listResult(worktyRep, page, parsed, embedContext(store, actor));
      },
    }),
    /** A workty or a template (admins). */
    create: useCase({
      permission: ['workties', 'create'],
      body: newWorkty,
      async run(actor, { body }) {
        const { compressedCode, ...rest } = body;
        const packageBytes = compressedCode === undefined ? null : decodePackage(compressedCode, limits.packageLimit);
        if (packageBytes !== null) await checkPackage(packageBytes, rest.entryPointModuleFileName);
        const workty = await store.workties.create({
          ...defined(rest),
          name: rest.name,
          languageTypeId: rest.languageTypeId,
          entryPointModuleFileName: rest.entryPointModuleFileName,
          accountId: actor.caller._id,
          typeId: rest.typeId ?? idOf.worktyType('inout'),
          categoryId: rest.categoryId ?? idOf.category('unsorted'),
          packageBytes,
        });
        return toDocument(worktyRep, workty);
      },
    }),
    get: useCase({
      permission: ['workties', 'view'],
      params: idParams,
      query: readQuerySchema(),
      async run(actor, { params: { id }, query }) {
        const reach = { scope: actor.auth.scope, withTemplates: actor.auth.withTemplates };
        return readResult(worktyRep, 'Workty', id, query, (fields) => store.workties.get(id, reach, fields), embedContext(store, actor));
      },
    }),
    /** Update a workty or replace its package (admins). */
    update: useCase({
      permission: ['workties', 'update'],
      params: idParams,
      body: worktyUpdate,
      async run(actor, { params, body }) {
        requireChanges(body);
        const { compressedCode, ...rest } = body;
        const patch: WorktyPatch = defined(rest);
        if (compressedCode === null) patch.packageBytes = null;
        if (compressedCode !== undefined && compressedCode !== null) {
          const bytes = decodePackage(compressedCode, limits.packageLimit);
          let entryPoint = rest.entryPointModuleFileName;
          if (entryPoint === undefined) {
            const current = await store.workties.get(params.id, { scope: actor.auth.scope, withTemplates: false }, ['entryPointModuleFileName']);
            if (current === null) throw new NotFoundError('Workty', params.id);
            entryPoint = current.entryPointModuleFileName;
          }
          await checkPackage(bytes, entryPoint);
          patch.packageBytes = bytes;
        }
        return toDocument(worktyRep, await store.workties.update(params.id, actor.auth.scope, patch));
      },
    }),
    /** 409 while instances use it. */
    delete: useCase({
      permission: ['workties', 'delete'],
      params: idParams,
      async run(actor, { params }) {
        await store.workties.delete(params.id, actor.auth.scope);
        return deleted(params.id);
      },
    }),
    /** The zip of an own workty; templates are downloaded by admins only (code 17). */
    package: useCase({
      permission: ['workties', 'view'],
      params: idParams,
      async run(actor, { params: { id } }): Promise<PackageDownload> {
        const reach = { scope: actor.auth.scope, withTemplates: actor.auth.withTemplates };
        const workty = await store.workties.get(id, reach, ['accountId', 'package', 'template']);
        if (workty === null) throw new NotFoundError('Workty', id);
        if (!isAdmin(actor.caller) && workty.accountId !== actor.caller._id) {
          throw new ForbiddenError('This template is not yours: install it first (POST /api/v1/payments)', ErrorCode.worktyNotOwned);
        }
        const bytes = workty.package === null || workty.package === undefined ? null : await store.packages.get(workty.package.hash);
        if (bytes === null) throw new NotFoundError('Package of workty', id);
        return { bytes, hash: workty.package!.hash };
      },
    }),
    /** Adds a property (name and default value) to a workty (admins); answers the property. */
    addProperty: useCase({
      permission: ['workties', 'update'],
      params: idParams,
      body: propertyInput,
      async run(actor, { params, body }) {
        const workty = await store.workties.addProperty(params.id, actor.auth.scope, body);
        return findProperty(workty, (p) => p.name === body.name);
      },
    }),
    /** Renames a workty property or changes its default value (admins); answers the property. */
    updateProperty: useCase({
      permission: ['workties', 'update'],
      params: worktyPropertyParams,
      body: propertyPatch,
      async run(actor, { params: { id, pid }, body }) {
        requireChanges(body);
        const workty = await store.workties.updateProperty(id, pid, actor.auth.scope, defined(body));
        return findProperty(workty, (p) => p._id === pid);
      },
    }),
    deleteProperty: useCase({
      permission: ['workties', 'update'],
      params: worktyPropertyParams,
      async run(actor, { params: { id, pid } }) {
        await store.workties.deleteProperty(id, pid, actor.auth.scope);
        return deleted(pid);
      },
    }),
  };
}

export type WorktyUseCases = ReturnType<typeof worktyUseCases>;

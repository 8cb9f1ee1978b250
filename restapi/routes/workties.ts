/**
 * Workties: templates published by admins (the catalogue everyone reads) and the copies installed
 * into accounts by payments. Regular users read their own and the templates; only admins write.
 * Answers never carry package bytes: `package` is `{hash, size}`, the bytes come from
 * `GET /workties/:id/package`.
 */
import { z } from 'zod';
import { isAdmin } from '../../shared/domain/acl.js';
import type { DictionaryName } from '../../shared/domain/dictionaries.js';
import { dictionaryEntry, idOf } from '../../shared/domain/dictionaries.js';
import { ErrorCode, ForbiddenError, NotFoundError } from '../../shared/domain/errors.js';
import type { Workty } from '../../shared/domain/model.js';
import { RULES } from '../../shared/domain/rules.js';
import type { WorktyPatch } from '../../shared/store/port.js';
import { listQuerySchema, readQuerySchema, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { worktyRep } from '../representation/documents.js';
import {
  centsField, descField, discountField, idParams, nameField, objectId, propertyInput, propertyPatch,
} from '../schemas/common.js';
import { propertyDoc, worktyDoc } from '../schemas/documents.js';
import { checkPackage, decodePackage, packageField } from './packages.js';
import type { RouteDeps } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, defined, documentReply, listReply, noContent, readReply, requireChanges,
} from './support.js';

const propertyParams = z.strictObject({ id: objectId, pid: objectId });

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

const newWorkty = z.strictObject({ ...worktyFields, properties: propertiesField.optional() });

const worktyUpdate = z.strictObject({
  ...worktyFields,
  name: nameField.optional(),
  languageTypeId: dictionaryId('languageTypes').optional(),
  entryPointModuleFileName: entryPointField.optional(),
  compressedCode: packageField.nullable().optional().meta({ description: 'null removes the package' }),
});

export function worktyRoutes({ store, config }: RouteDeps): AnyRoute[] {
  // A package may be sent as a serialised Buffer: up to about four JSON bytes per package byte.
  const uploadLimit = Math.max(config.restBodyLimit, config.packageLimit * 4 + 64 * 1024);
  const findProperty = (workty: Workty, match: (p: Workty['properties'][number]) => boolean) => {
    const property = workty.properties.find(match);
    if (property === undefined) throw new NotFoundError('Property');
    return { ...property };
  };
  return [
    route({
      method: 'GET', path: '/workties', name: 'listWorkties', tag: 'workties',
      summary: 'List workties: the caller\'s own and the templates (embed: account, properties, type, category, languagetype, validationstate)',
      permission: ['workties', 'view'],
      query: listQuerySchema(worktyRep),
      responses: { 200: { description: 'The workties (without package bytes)', schema: z.array(worktyDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      async handle(ctx) {
        const parsed = toListQuery(worktyRep, ctx.query);
        const page = await store.workties.list({ scope: ctx.auth.scope, withTemplates: ctx.auth.withTemplates }, parsed.query);
        return listReply(worktyRep, page, parsed, store, ctx);
      },
    }),
    route({
      method: 'POST', path: '/workties', name: 'createWorkty', tag: 'workties',
      summary: 'Create a workty or publish a template (admins)',
      permission: ['workties', 'create'],
      body: newWorkty,
      bodyLimit: uploadLimit,
      responses: { 201: { description: 'The new workty', schema: worktyDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      async handle(ctx) {
        const { compressedCode, ...rest } = ctx.body;
        const packageBytes = compressedCode === undefined ? null : decodePackage(compressedCode, config.packageLimit);
        if (packageBytes !== null) await checkPackage(packageBytes, rest.entryPointModuleFileName);
        const workty = await store.workties.create({
          ...defined(rest),
          name: rest.name,
          languageTypeId: rest.languageTypeId,
          entryPointModuleFileName: rest.entryPointModuleFileName,
          accountId: ctx.caller._id,
          typeId: rest.typeId ?? idOf.worktyType('inout'),
          categoryId: rest.categoryId ?? idOf.category('unsorted'),
          packageBytes,
        });
        return documentReply(worktyRep, workty, 201, `/workties/${workty._id}`);
      },
    }),
    route({
      method: 'GET', path: '/workties/:id', name: 'getWorkty', tag: 'workties',
      summary: 'One workty (without package bytes)',
      permission: ['workties', 'view'],
      params: idParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The workty', schema: worktyDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id } = ctx.params;
        const reach = { scope: ctx.auth.scope, withTemplates: ctx.auth.withTemplates };
        return readReply(worktyRep, 'Workty', id, ctx.query, (fields) => store.workties.get(id, reach, fields), store, ctx);
      },
    }),
    route({
      method: 'PUT', path: '/workties/:id', name: 'updateWorkty', tag: 'workties',
      summary: 'Update a workty or replace its package (admins)',
      permission: ['workties', 'update'],
      params: idParams,
      body: worktyUpdate,
      bodyLimit: uploadLimit,
      responses: { 200: { description: 'The updated workty', schema: worktyDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        requireChanges(ctx.body);
        const { compressedCode, ...rest } = ctx.body;
        const patch: WorktyPatch = defined(rest);
        if (compressedCode === null) patch.packageBytes = null;
        if (compressedCode !== undefined && compressedCode !== null) {
          const bytes = decodePackage(compressedCode, config.packageLimit);
          let entryPoint = rest.entryPointModuleFileName;
          if (entryPoint === undefined) {
            const current = await store.workties.get(ctx.params.id, { scope: ctx.auth.scope, withTemplates: false }, ['entryPointModuleFileName']);
            if (current === null) throw new NotFoundError('Workty', ctx.params.id);
            entryPoint = current.entryPointModuleFileName;
          }
          await checkPackage(bytes, entryPoint);
          patch.packageBytes = bytes;
        }
        return documentReply(worktyRep, await store.workties.update(ctx.params.id, ctx.auth.scope, patch));
      },
    }),
    route({
      method: 'DELETE', path: '/workties/:id', name: 'deleteWorkty', tag: 'workties',
      summary: 'Delete a workty (409 while instances use it)',
      permission: ['workties', 'delete'],
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        await store.workties.delete(ctx.params.id, ctx.auth.scope);
        return noContent;
      },
    }),
    route({
      method: 'GET', path: '/workties/:id/package', name: 'getWorktyPackage', tag: 'workties',
      summary: 'Download the package (a zip) of an own workty; templates are downloaded by admins only (code 17)',
      permission: ['workties', 'view'],
      params: idParams,
      responses: { 200: { description: 'The zip archive', contentType: 'application/zip' } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id } = ctx.params;
        const reach = { scope: ctx.auth.scope, withTemplates: ctx.auth.withTemplates };
        const workty = await store.workties.get(id, reach, ['accountId', 'package', 'template']);
        if (workty === null) throw new NotFoundError('Workty', id);
        if (!isAdmin(ctx.caller) && workty.accountId !== ctx.caller._id) {
          throw new ForbiddenError('This template is not yours: install it first (POST /api/v1/payments)', ErrorCode.worktyNotOwned);
        }
        const bytes = workty.package === null || workty.package === undefined ? null : await store.packages.get(workty.package.hash);
        if (bytes === null) throw new NotFoundError('Package of workty', id);
        return {
          status: 200, bytes, contentType: 'application/zip',
          headers: { 'Content-Disposition': `attachment; filename="workty-${id}.zip"`, ETag: `"${workty.package!.hash}"` },
        };
      },
    }),
    route({
      method: 'POST', path: '/workties/:id/properties', name: 'addWorktyProperty', tag: 'workties',
      summary: 'Add a property (name and default value) to a workty (admins)',
      permission: ['workties', 'update'],
      params: idParams,
      body: propertyInput,
      responses: { 201: { description: 'The new property', schema: propertyDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        const workty = await store.workties.addProperty(ctx.params.id, ctx.auth.scope, ctx.body);
        const property = findProperty(workty, (p) => p.name === ctx.body.name);
        return { status: 201, body: property, location: `/workties/${workty._id}/properties/${property._id}` };
      },
    }),
    route({
      method: 'PUT', path: '/workties/:id/properties/:pid', name: 'updateWorktyProperty', tag: 'workties',
      summary: 'Rename a workty property or change its default value (admins)',
      permission: ['workties', 'update'],
      params: propertyParams,
      body: propertyPatch,
      responses: { 200: { description: 'The updated property', schema: propertyDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        requireChanges(ctx.body);
        const { id, pid } = ctx.params;
        const workty = await store.workties.updateProperty(id, pid, ctx.auth.scope, defined(ctx.body));
        return { status: 200, body: findProperty(workty, (p) => p._id === pid) };
      },
    }),
    route({
      method: 'DELETE', path: '/workties/:id/properties/:pid', name: 'deleteWorktyProperty', tag: 'workties',
      summary: 'Remove a property from a workty (admins)',
      permission: ['workties', 'update'],
      params: propertyParams,
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        await store.workties.deleteProperty(ctx.params.id, ctx.params.pid, ctx.auth.scope);
        return noContent;
      },
    }),
  ];
}

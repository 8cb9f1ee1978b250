/**
 * Workty instances of a workflow (`/workflows/:id/worktiesInstances`). Every read and write names
 * both ids, and the store checks both: an instance of another workflow, or a property of another
 * instance, is not found. New instances go last unless a position says otherwise (API.md).
 */
import { z } from 'zod';
import { ErrorCode, NotFoundError, ValidationError } from '../../shared/domain/errors.js';
import { isId } from '../../shared/domain/ids.js';
import type { InstanceTarget, WorktyInstance } from '../../shared/domain/model.js';
import type { InstancePosition, InstancePatch } from '../../shared/store/port.js';
import { badInput } from '../http/errors.js';
import { listQuerySchema, readQuerySchema, prettyParam, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { instanceRep } from '../representation/documents.js';
import {
  descField, labelsField, nameField, objectId, propertyPatch, retryField,
} from '../schemas/common.js';
import { instanceDoc, propertyDoc } from '../schemas/documents.js';
import type { RouteDeps } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, defined, documentReply, listReply, noContent, readReply, requireChanges,
} from './support.js';

const workflowParams = z.strictObject({ id: objectId });
const instanceParams = z.strictObject({ id: objectId, iid: objectId });
const propertyParams = z.strictObject({ id: objectId, iid: objectId, pid: objectId });

const POSITION_DOC = {
  position_type: 'first or last (code 12 otherwise)',
  position_index: '0 to the number of instances: insert at that index (code 10 otherwise)',
  position_id: 'insert before that instance of this workflow (code 11 otherwise)',
} as const;

const positionQuery = {
  position_type: z.string().optional().meta({ description: POSITION_DOC.position_type }),
  position_index: z.string().optional().meta({ description: POSITION_DOC.position_index }),
  position_id: z.string().optional().meta({ description: POSITION_DOC.position_id }),
};

const targetFields = {
  deviceId: objectId.nullable().optional().meta({ description: 'Run only on this device (or give labels)' }),
  labels: labelsField.nullable().optional().meta({ description: 'Run only on devices carrying all these labels' }),
};

const newInstance = z.strictObject({
  worktyId: objectId.meta({ description: 'One of the caller\'s own workties (code 17 otherwise)' }),
  name: nameField.optional().meta({ description: 'Default: the workty\'s name' }),
  desc: descField.optional(),
  ...targetFields,
  retry: retryField.nullable().optional(),
  // The 2016 server read positions from the query or the body; both work.
  position_type: z.unknown().optional().meta({ description: POSITION_DOC.position_type }),
  position_index: z.unknown().optional().meta({ description: POSITION_DOC.position_index }),
  position_id: z.unknown().optional().meta({ description: POSITION_DOC.position_id }),
});

const instanceUpdate = z.strictObject({
  name: nameField.optional(),
  desc: descField.optional(),
  ...targetFields,
  retry: retryField.nullable().optional(),
});

/** Where a new instance goes; 400 with code 12, 10 or 11 for a bad type, index or id. */
export function parsePosition(given: { position_type?: unknown; position_index?: unknown; position_id?: unknown }): InstancePosition {
  const named = (['position_type', 'position_index', 'position_id'] as const).filter((key) => given[key] !== undefined);
  if (named.length > 1) throw badInput(named.join(','), `Give at most one of ${named.join(', ')}`);
  if (given.position_type !== undefined) {
    if (given.position_type !== 'first' && given.position_type !== 'last') {
      throw badInput('position_type', 'position_type must be first or last', ErrorCode.badPositionType);
    }
    return { type: given.position_type };
  }
  if (given.position_index !== undefined) {
    const raw = given.position_index;
    const index = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(index) || index < 0) {
      throw badInput('position_index', 'position_index must be a whole number from 0 to the number of instances', ErrorCode.badPositionIndex);
    }
    return { index };
  }
  if (given.position_id !== undefined) {
    if (!isId(given.position_id)) throw badInput('position_id', 'position_id must be an instance id', ErrorCode.badPositionId);
    return { beforeId: given.position_id };
  }
  return {};
}

/** The target from `deviceId`/`labels` when either is given; 409 when both name one. */
function targetOf(body: { deviceId?: string | null | undefined; labels?: string[] | null | undefined }): InstanceTarget | null | undefined {
  if (body.deviceId === undefined && body.labels === undefined) return undefined;
  const hasDevice = typeof body.deviceId === 'string';
  const hasLabels = Array.isArray(body.labels) && body.labels.length > 0;
  if (hasDevice && hasLabels) {
    throw new ValidationError([{ path: 'deviceId', message: 'Path `deviceId` is invalid: give deviceId or labels, not both.' }]);
  }
  if (hasDevice) return { deviceId: body.deviceId! };
  if (hasLabels) return { labels: [...new Set(body.labels!)] };
  return null;
}

function propertyOf(instance: WorktyInstance, propertyId: string) {
  const property = instance.properties.find((p) => p._id === propertyId);
  if (property === undefined) throw new NotFoundError('Property', propertyId);
  return property;
}

export function instanceRoutes({ store }: RouteDeps): AnyRoute[] {
  const base = '/workflows/:id/worktiesInstances';
  const requireWorkflow = async (id: string, scope: Parameters<typeof store.workflows.get>[1]): Promise<void> => {
    if ((await store.workflows.get(id, scope, ['_id'])) === null) throw new NotFoundError('Workflow', id);
  };
  return [
    route({
      method: 'GET', path: base, name: 'listInstances', tag: 'instances',
      summary: 'The workflow\'s instances in execution order (embed: workflow, workty, state, properties)',
      permission: ['workflows', 'view'],
      params: workflowParams,
      query: listQuerySchema(instanceRep),
      responses: { 200: { description: 'The instances', schema: z.array(instanceDoc), headers: RECORDS_COUNT } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const parsed = toListQuery(instanceRep, ctx.query);
        await requireWorkflow(ctx.params.id, ctx.auth.scope);
        return listReply(instanceRep, await store.instances.list(ctx.params.id, ctx.auth.scope, parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'POST', path: base, name: 'addInstance', tag: 'instances',
      summary: 'Add an instance of one of the caller\'s workties (last by default), copying its properties',
      permission: ['workflows', 'update'],
      params: workflowParams,
      query: z.strictObject({ pretty: prettyParam, ...positionQuery }),
      body: newInstance,
      responses: { 201: { description: 'The new instance', schema: instanceDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        const { position_type, position_index, position_id, deviceId, labels, ...rest } = ctx.body;
        const fromQuery = ctx.query;
        const position = parsePosition({
          position_type: position_type ?? fromQuery.position_type,
          position_index: position_index ?? fromQuery.position_index,
          position_id: position_id ?? fromQuery.position_id,
        });
        const target = targetOf({ deviceId, labels });
        const input = { ...defined(rest), worktyId: rest.worktyId, ...(target === undefined ? {} : { target }) };
        const instance = await store.instances.add(ctx.params.id, ctx.auth.scope, input, position);
        return documentReply(instanceRep, instance, 201, `/workflows/${ctx.params.id}/worktiesInstances/${instance._id}`);
      },
    }),
    route({
      method: 'GET', path: `${base}/:iid`, name: 'getInstance', tag: 'instances',
      summary: 'One instance of the workflow (embed: workflow, workty, state, properties)',
      permission: ['workflows', 'view'],
      params: instanceParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The instance', schema: instanceDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id, iid } = ctx.params;
        return readReply(instanceRep, 'Workty instance', iid, ctx.query, (fields) => store.instances.get(id, iid, ctx.auth.scope, fields), store, ctx);
      },
    }),
    route({
      method: 'PUT', path: `${base}/:iid`, name: 'updateInstance', tag: 'instances',
      summary: 'Rename, describe, retarget an instance or set its retry policy',
      permission: ['workflows', 'update'],
      params: instanceParams,
      body: instanceUpdate,
      responses: { 200: { description: 'The updated instance', schema: instanceDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        requireChanges(ctx.body);
        const { deviceId, labels, ...rest } = ctx.body;
        const patch: InstancePatch = defined(rest);
        const target = targetOf({ deviceId, labels });
        if (target !== undefined) patch.target = target;
        const instance = await store.instances.update(ctx.params.id, ctx.params.iid, ctx.auth.scope, patch);
        return documentReply(instanceRep, instance);
      },
    }),
    route({
      method: 'DELETE', path: `${base}/:iid`, name: 'deleteInstance', tag: 'instances',
      summary: 'Remove an instance from the workflow',
      permission: ['workflows', 'update'],
      params: instanceParams,
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        await store.instances.delete(ctx.params.id, ctx.params.iid, ctx.auth.scope);
        return noContent;
      },
    }),
    route({
      method: 'PUT', path: `${base}/:iid/properties/:pid`, name: 'updateInstanceProperty', tag: 'instances',
      summary: 'Set one property of the instance',
      permission: ['workflows', 'update'],
      params: propertyParams,
      body: propertyPatch,
      responses: { 200: { description: 'The updated property', schema: propertyDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        requireChanges(ctx.body);
        const { id, iid, pid } = ctx.params;
        const instance = await store.instances.updateProperty(id, iid, pid, ctx.auth.scope, defined(ctx.body));
        return { status: 200, body: { ...propertyOf(instance, pid) } };
      },
    }),
  ];
}

/**
 * Workty instances of a workflow. Every read and write names both ids, and the store checks both: an
 * instance of another workflow, or a property of another instance, is not found. New instances go
 * last unless a position says otherwise (API.md).
 */
import { z } from 'zod';
import { ErrorCode, NotFoundError, ValidationError } from '../domain/errors.js';
import { isId } from '../domain/ids.js';
import type { InstanceTarget, WorktyInstance } from '../domain/model.js';
import type { Scope } from '../domain/query.js';
import { instanceRep } from '../representation/documents.js';
import type { InstancePatch, InstancePosition } from '../store/port.js';
import type { ServiceDeps } from './deps.js';
import { descField, labelsField, nameField, objectId, propertyPatch, retryField } from './fields.js';
import { listQuerySchema, prettyParam, readQuerySchema, toListQuery } from './list-query.js';
import { defined, deleted, embedContext, listResult, readResult, requireChanges, toDocument } from './results.js';
import { useCase } from './use-case.js';
import { badInput } from './validation.js';

export const workflowParams = z.strictObject({ id: objectId });
export const instanceParams = z.strictObject({ id: objectId, iid: objectId });
export const instancePropertyParams = z.strictObject({ id: objectId, iid: objectId, pid: objectId });

const POSITION_DOC = {
  position_type: 'first or last (code 12 otherwise)',
  position_index: '0 to the number of instances: insert at that index (code 10 otherwise)',
  position_id: 'insert before that instance of this workflow (code 11 otherwise)',
} as const;

/** Positions given as options (REST: the query string). */
export const positionOptions = z.strictObject({
  pretty: prettyParam,
  position_type: z.string().optional().meta({ description: POSITION_DOC.position_type }),
  position_index: z.string().optional().meta({ description: POSITION_DOC.position_index }),
  position_id: z.string().optional().meta({ description: POSITION_DOC.position_id }),
});

const targetFields = {
  deviceId: objectId.nullable().optional().meta({ description: 'Run only on this device (or give labels)' }),
  labels: labelsField.nullable().optional().meta({ description: 'Run only on devices carrying all these labels' }),
};

export const newInstance = z.strictObject({
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

export const instanceUpdate = z.strictObject({
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

export function instanceUseCases({ store }: ServiceDeps) {
  const requireWorkflow = async (id: string, scope: Scope): Promise<void> => {
    if ((await store.workflows.get(id, scope, ['_id'])) === null) throw new NotFoundError('Workflow', id);
  };
  return {
    /** The workflow's instances in execution order. */
    list: useCase({
      permission: ['workflows', 'view'],
      params: workflowParams,
      query: listQuerySchema(instanceRep),
      async run(actor, { params, query }) {
        const parsed = toListQuery(instanceRep, query);
        await requireWorkflow(params.id, actor.auth.scope);
        return listResult(instanceRep, await store.instances.list(params.id, actor.auth.scope, parsed.query), parsed, embedContext(store, actor));
      },
    }),
    /** An instance of one of the caller's workties (last by default), with copies of its properties. */
    add: useCase({
      permission: ['workflows', 'update'],
      params: workflowParams,
      query: positionOptions,
      body: newInstance,
      async run(actor, { params, query, body }) {
        const { position_type, position_index, position_id, deviceId, labels, ...rest } = body;
        const position = parsePosition({
          position_type: position_type ?? query.position_type,
          position_index: position_index ?? query.position_index,
          position_id: position_id ?? query.position_id,
        });
        const target = targetOf({ deviceId, labels });
        const input = { ...defined(rest), worktyId: rest.worktyId, ...(target === undefined ? {} : { target }) };
        return toDocument(instanceRep, await store.instances.add(params.id, actor.auth.scope, input, position));
      },
    }),
    get: useCase({
      permission: ['workflows', 'view'],
      params: instanceParams,
      query: readQuerySchema(),
      async run(actor, { params: { id, iid }, query }) {
        return readResult(instanceRep, 'Workty instance', iid, query, (fields) => store.instances.get(id, iid, actor.auth.scope, fields), embedContext(store, actor));
      },
    }),
    update: useCase({
      permission: ['workflows', 'update'],
      params: instanceParams,
      body: instanceUpdate,
      async run(actor, { params, body }) {
        requireChanges(body);
        const { deviceId, labels, ...rest } = body;
        const patch: InstancePatch = defined(rest);
        const target = targetOf({ deviceId, labels });
        if (target !== undefined) patch.target = target;
        return toDocument(instanceRep, await store.instances.update(params.id, params.iid, actor.auth.scope, patch));
      },
    }),
    delete: useCase({
      permission: ['workflows', 'update'],
      params: instanceParams,
      async run(actor, { params }) {
        await store.instances.delete(params.id, params.iid, actor.auth.scope);
        return deleted(params.iid);
      },
    }),
    /** Sets one property of the instance; answers the property. */
    updateProperty: useCase({
      permission: ['workflows', 'update'],
      params: instancePropertyParams,
      body: propertyPatch,
      async run(actor, { params: { id, iid, pid }, body }) {
        requireChanges(body);
        const instance = await store.instances.updateProperty(id, iid, pid, actor.auth.scope, defined(body));
        return { ...propertyOf(instance, pid) };
      },
    }),
  };
}

export type InstanceUseCases = ReturnType<typeof instanceUseCases>;

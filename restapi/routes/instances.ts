/**
 * Workty instances of a workflow (`/workflows/:id/worktiesInstances`): both ids are checked by the
 * store; positions come from the query string or the body (`shared/services/instances.ts`).
 */
import { z } from 'zod';
import { instanceDoc, propertyDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import type { RouteServices } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, documentReply, listReply, noContentReply, okReply,
} from './support.js';

export function instanceRoutes({ instances }: RouteServices): AnyRoute[] {
  const base = '/workflows/:id/worktiesInstances';
  return [
    serve(instances.list, {
      method: 'GET', path: base, name: 'listInstances', cacheable: true, tag: 'instances',
      summary: 'The workflow\'s instances in execution order (embed: workflow, workty, state, properties)',
      responses: { 200: { description: 'The instances', schema: z.array(instanceDoc), headers: RECORDS_COUNT } },
      errors: [...AUTH_ERRORS, 404],
      reply: listReply,
    }),
    serve(instances.add, {
      method: 'POST', path: base, name: 'addInstance', tag: 'instances',
      summary: 'Add an instance of one of the caller\'s workties (last by default), copying its properties',
      responses: { 201: { description: 'The new instance', schema: instanceDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: (instance, ctx) => documentReply(instance, 201, `/workflows/${ctx.params.id}/worktiesInstances/${String(instance._id)}`),
    }),
    serve(instances.get, {
      method: 'GET', path: `${base}/:iid`, name: 'getInstance', cacheable: true, tag: 'instances',
      summary: 'One instance of the workflow (embed: workflow, workty, state, properties)',
      responses: { 200: { description: 'The instance', schema: instanceDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(instances.update, {
      method: 'PUT', path: `${base}/:iid`, name: 'updateInstance', tag: 'instances',
      summary: 'Rename, describe, retarget an instance or set its retry policy',
      responses: { 200: { description: 'The updated instance', schema: instanceDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: okReply,
    }),
    serve(instances.delete, {
      method: 'DELETE', path: `${base}/:iid`, name: 'deleteInstance', tag: 'instances',
      summary: 'Remove an instance from the workflow',
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      reply: noContentReply,
    }),
    serve(instances.updateProperty, {
      method: 'PUT', path: `${base}/:iid/properties/:pid`, name: 'updateInstanceProperty', tag: 'instances',
      summary: 'Set one property of the instance',
      responses: { 200: { description: 'The updated property', schema: propertyDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: (property) => ({ status: 200, body: property }),
    }),
  ];
}

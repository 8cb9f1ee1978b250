/** Workflows: a user's own, or (admins) everyone's. */
import { z } from 'zod';
import { workflowDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import type { RouteServices } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, createdReply, listReply, noContentReply, okReply,
} from './support.js';

const EMBEDS = 'embed: worktiesinstances, account, worktiesinstances.state, worktiesinstances.properties, worktiesinstances.workty';

export function workflowRoutes({ workflows }: RouteServices): AnyRoute[] {
  return [
    serve(workflows.list, {
      method: 'GET', path: '/workflows', name: 'listWorkflows', cacheable: true, tag: 'workflows',
      summary: `List workflows (${EMBEDS})`,
      responses: { 200: { description: 'The workflows', schema: z.array(workflowDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      reply: listReply,
    }),
    serve(workflows.create, {
      method: 'POST', path: '/workflows', name: 'createWorkflow', tag: 'workflows',
      summary: 'Create a workflow (owned by the caller)',
      responses: { 201: { description: 'The new workflow', schema: workflowDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      reply: createdReply('/workflows'),
    }),
    serve(workflows.get, {
      method: 'GET', path: '/workflows/:id', name: 'getWorkflow', cacheable: true, tag: 'workflows',
      summary: `One workflow (${EMBEDS})`,
      responses: { 200: { description: 'The workflow', schema: workflowDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(workflows.update, {
      method: 'PUT', path: '/workflows/:id', name: 'updateWorkflow', tag: 'workflows',
      summary: 'Rename or describe a workflow',
      responses: { 200: { description: 'The updated workflow', schema: workflowDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      reply: okReply,
    }),
    serve(workflows.delete, {
      method: 'DELETE', path: '/workflows/:id', name: 'deleteWorkflow', tag: 'workflows',
      summary: 'Delete a workflow with its instances and finished runs (409 while a run is active)',
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      reply: noContentReply,
    }),
  ];
}

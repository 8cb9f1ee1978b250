/** Workflows: a user's own, or (admins) everyone's. */
import { z } from 'zod';
import { listQuerySchema, readQuerySchema, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { workflowRep } from '../representation/documents.js';
import { descField, idParams, nameField } from '../schemas/common.js';
import { workflowDoc } from '../schemas/documents.js';
import type { RouteDeps } from './support.js';
import {
  AUTH_ERRORS, LOCATION, RECORDS_COUNT, defined, documentReply, listReply, noContent, readReply, requireChanges,
} from './support.js';

const newWorkflow = z.strictObject({ name: nameField, desc: descField.optional() });
const workflowUpdate = z.strictObject({ name: nameField.optional(), desc: descField.optional() });

const EMBEDS = 'embed: worktiesinstances, account, worktiesinstances.state, worktiesinstances.properties, worktiesinstances.workty';

export function workflowRoutes({ store }: RouteDeps): AnyRoute[] {
  return [
    route({
      method: 'GET', path: '/workflows', name: 'listWorkflows', tag: 'workflows',
      summary: `List workflows (${EMBEDS})`,
      permission: ['workflows', 'view'],
      query: listQuerySchema(workflowRep),
      responses: { 200: { description: 'The workflows', schema: z.array(workflowDoc), headers: RECORDS_COUNT } },
      errors: AUTH_ERRORS,
      async handle(ctx) {
        const parsed = toListQuery(workflowRep, ctx.query);
        return listReply(workflowRep, await store.workflows.list(ctx.auth.scope, parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'POST', path: '/workflows', name: 'createWorkflow', tag: 'workflows',
      summary: 'Create a workflow (owned by the caller)',
      permission: ['workflows', 'create'],
      body: newWorkflow,
      responses: { 201: { description: 'The new workflow', schema: workflowDoc, headers: LOCATION } },
      errors: [...AUTH_ERRORS, 409, 413, 415],
      async handle(ctx) {
        const workflow = await store.workflows.create({ accountId: ctx.caller._id, ...defined(ctx.body), name: ctx.body.name });
        return documentReply(workflowRep, workflow, 201, `/workflows/${workflow._id}`);
      },
    }),
    route({
      method: 'GET', path: '/workflows/:id', name: 'getWorkflow', tag: 'workflows',
      summary: `One workflow (${EMBEDS})`,
      permission: ['workflows', 'view'],
      params: idParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The workflow', schema: workflowDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id } = ctx.params;
        return readReply(workflowRep, 'Workflow', id, ctx.query, (fields) => store.workflows.get(id, ctx.auth.scope, fields), store, ctx);
      },
    }),
    route({
      method: 'PUT', path: '/workflows/:id', name: 'updateWorkflow', tag: 'workflows',
      summary: 'Rename or describe a workflow',
      permission: ['workflows', 'update'],
      params: idParams,
      body: workflowUpdate,
      responses: { 200: { description: 'The updated workflow', schema: workflowDoc } },
      errors: [...AUTH_ERRORS, 404, 409, 413, 415],
      async handle(ctx) {
        requireChanges(ctx.body);
        return documentReply(workflowRep, await store.workflows.update(ctx.params.id, ctx.auth.scope, defined(ctx.body)));
      },
    }),
    route({
      method: 'DELETE', path: '/workflows/:id', name: 'deleteWorkflow', tag: 'workflows',
      summary: 'Delete a workflow with its instances and finished runs (409 while a run is active)',
      permission: ['workflows', 'delete'],
      params: idParams,
      responses: { 204: { description: 'Deleted' } },
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        await store.workflows.delete(ctx.params.id, ctx.auth.scope);
        return noContent;
      },
    }),
  ];
}

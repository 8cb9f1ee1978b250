/** Workflows: a user's own, or (admins) everyone's. */
import { z } from 'zod';
import { workflowRep } from '../representation/documents.js';
import type { ServiceDeps } from './deps.js';
import { descField, idParams, nameField } from './fields.js';
import { listQuerySchema, readQuerySchema, toListQuery } from './list-query.js';
import { defined, deleted, embedContext, listResult, readResult, requireChanges, toDocument } from './results.js';
import { useCase } from './use-case.js';

export const newWorkflow = z.strictObject({ name: nameField, desc: descField.optional() });
export const workflowUpdate = z.strictObject({ name: nameField.optional(), desc: descField.optional() });

export function workflowUseCases({ store }: ServiceDeps) {
  return {
    list: useCase({
      permission: ['workflows', 'view'],
      query: listQuerySchema(workflowRep),
      async run(actor, { query }) {
        const parsed = toListQuery(workflowRep, query);
        return listResult(workflowRep, await store.workflows.list(actor.auth.scope, parsed.query), parsed, embedContext(store, actor));
      },
    }),
    /** Owned by the caller, whoever the caller is (admins included). */
    create: useCase({
      permission: ['workflows', 'create'],
      body: newWorkflow,
      async run(actor, { body }) {
        return toDocument(workflowRep, await store.workflows.create({ accountId: actor.caller._id, ...defined(body), name: body.name }));
      },
    }),
    get: useCase({
      permission: ['workflows', 'view'],
      params: idParams,
      query: readQuerySchema(),
      async run(actor, { params: { id }, query }) {
        return readResult(workflowRep, 'Workflow', id, query, (fields) => store.workflows.get(id, actor.auth.scope, fields), embedContext(store, actor));
      },
    }),
    update: useCase({
      permission: ['workflows', 'update'],
      params: idParams,
      body: workflowUpdate,
      async run(actor, { params: { id }, body }) {
        requireChanges(body);
        return toDocument(workflowRep, await store.workflows.update(id, actor.auth.scope, defined(body)));
      },
    }),
    /** With its instances and finished runs; 409 while a run is active. */
    delete: useCase({
      permission: ['workflows', 'delete'],
      params: idParams,
      async run(actor, { params: { id } }) {
        await store.workflows.delete(id, actor.auth.scope);
        return deleted(id);
      },
    }),
  };
}

export type WorkflowUseCases = ReturnType<typeof workflowUseCases>;

/**
 * Running workflows and reading their history. Run, stop and pause are recorded in the store before
 * they are answered: they are durable whether or not a supervisor is up, and the supervisor carries
 * them out when it sees them in the change feed.
 */
import { z } from 'zod';
import { NotFoundError } from '../domain/errors.js';
import type { Scope } from '../domain/query.js';
import { journalRep, runRep } from '../representation/documents.js';
import type { ServiceDeps } from './deps.js';
import { idParams, objectId } from './fields.js';
import { listQuerySchema, prettyParam, readQuerySchema, toListQuery } from './list-query.js';
import { embedContext, listResult, readResult, toDocument } from './results.js';
import { useCase } from './use-case.js';

export const logOptions = z.strictObject({
  pretty: prettyParam,
  instance: objectId.optional().meta({ description: 'Only this instance\'s output' }),
  attempt: z.string().regex(/^\d+$/, { error: 'must be a whole number' }).transform(Number).pipe(z.int().min(1)).optional()
    .meta({ description: 'Only this attempt (1-based)' }),
});

export function runUseCases({ store }: ServiceDeps) {
  const requireRun = async (id: string, scope: Scope): Promise<void> => {
    if ((await store.runs.get(id, scope, ['_id'])) === null) throw new NotFoundError('Run', id);
  };
  return {
    /** Run the workflow, or resume its paused run; 409 while it runs or when it has no instances. */
    run: useCase({
      permission: ['runs', 'create'],
      params: idParams,
      async run(actor, { params }) {
        return toDocument(runRep, await store.runs.request(params.id, actor.auth.scope, actor.caller._id));
      },
    }),
    /** Stop the active run (its running attempt is killed); 409 when nothing runs. */
    stop: useCase({
      permission: ['runs', 'update'],
      params: idParams,
      async run(actor, { params }) {
        return toDocument(runRep, await store.runs.command(params.id, actor.auth.scope, 'stop', actor.caller._id));
      },
    }),
    /** Pause the active run (the running attempt finishes, nothing further starts); 409 when impossible. */
    pause: useCase({
      permission: ['runs', 'update'],
      params: idParams,
      async run(actor, { params }) {
        return toDocument(runRep, await store.runs.command(params.id, actor.auth.scope, 'pause', actor.caller._id));
      },
    }),
    /** The runs of a workflow. */
    list: useCase({
      permission: ['runs', 'view'],
      params: idParams,
      query: listQuerySchema(runRep),
      async run(actor, { params, query }) {
        const parsed = toListQuery(runRep, query);
        if ((await store.workflows.get(params.id, actor.auth.scope, ['_id'])) === null) throw new NotFoundError('Workflow', params.id);
        return listResult(runRep, await store.runs.list(params.id, actor.auth.scope, parsed.query), parsed, embedContext(store, actor));
      },
    }),
    get: useCase({
      permission: ['runs', 'view'],
      params: idParams,
      query: readQuerySchema(),
      async run(actor, { params: { id }, query }) {
        return readResult(runRep, 'Run', id, query, (fields) => store.runs.get(id, actor.auth.scope, fields), embedContext(store, actor));
      },
    }),
    /** Everything that happened in a run, in order (default sort: seq). */
    journal: useCase({
      permission: ['runs', 'view'],
      params: idParams,
      query: listQuerySchema(journalRep),
      async run(actor, { params, query }) {
        const parsed = toListQuery(journalRep, query);
        await requireRun(params.id, actor.auth.scope);
        return listResult(journalRep, await store.runs.journal(params.id, actor.auth.scope, parsed.query), parsed, embedContext(store, actor));
      },
    }),
    /** Captured output of the run's attempts, in order. */
    logs: useCase({
      permission: ['runs', 'view'],
      params: idParams,
      query: logOptions,
      async run(actor, { params, query }) {
        await requireRun(params.id, actor.auth.scope);
        const filter: { instanceId?: string; attempt?: number } = {};
        if (query.instance !== undefined) filter.instanceId = query.instance;
        if (query.attempt !== undefined) filter.attempt = query.attempt;
        return store.runs.logs(params.id, actor.auth.scope, filter);
      },
    }),
  };
}

export type RunUseCases = ReturnType<typeof runUseCases>;

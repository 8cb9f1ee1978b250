/**
 * Running workflows and reading their history. Run, stop and pause are recorded in the store before
 * the answer (202 + the run): they are durable whether or not a supervisor is up, and the supervisor
 * carries them out when it sees them. This server never talks to the supervisor to serve them.
 */
import { z } from 'zod';
import { NotFoundError } from '../../shared/domain/errors.js';
import type { Scope } from '../../shared/domain/query.js';
import { listQuerySchema, prettyParam, readQuerySchema, toListQuery } from '../http/query.js';
import { route } from '../http/route.js';
import type { AnyRoute, JsonReply } from '../http/route.js';
import { journalRep, runRep } from '../representation/documents.js';
import { idParams } from '../schemas/common.js';
import { journalEntryDoc, logChunkDoc, runDoc } from '../schemas/documents.js';
import type { RouteDeps } from './support.js';
import { AUTH_ERRORS, RECORDS_COUNT, listReply, readReply } from './support.js';
import type { Run } from '../../shared/domain/model.js';
import { objectId } from '../schemas/common.js';

const ACCEPTED = { 202: { description: 'Accepted and recorded; the run as it stands', schema: runDoc, headers: { Location: 'URL of the run' } } };

function accepted(run: Run): JsonReply {
  return { status: 202, body: runRep.toApi(run), location: `/runs/${run._id}` };
}

export function runRoutes({ store }: RouteDeps): AnyRoute[] {
  const requireRun = async (id: string, scope: Scope): Promise<void> => {
    if ((await store.runs.get(id, scope, ['_id'])) === null) throw new NotFoundError('Run', id);
  };
  return [
    route({
      method: 'PUT', path: '/workflows/:id/running', name: 'runWorkflow', tag: 'runs',
      summary: 'Run the workflow, or resume its paused run (409 while it runs, or when it has no instances)',
      permission: ['runs', 'create'],
      params: idParams,
      responses: ACCEPTED,
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        return accepted(await store.runs.request(ctx.params.id, ctx.auth.scope, ctx.caller._id));
      },
    }),
    route({
      method: 'DELETE', path: '/workflows/:id/running', name: 'stopWorkflow', tag: 'runs',
      summary: 'Stop the active run (the running attempt is killed); 409 when nothing runs',
      permission: ['runs', 'update'],
      params: idParams,
      responses: ACCEPTED,
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        return accepted(await store.runs.command(ctx.params.id, ctx.auth.scope, 'stop', ctx.caller._id));
      },
    }),
    route({
      method: 'PUT', path: '/workflows/:id/pausing', name: 'pauseWorkflow', tag: 'runs',
      summary: 'Pause the active run (the running attempt finishes, nothing further starts); 409 when impossible',
      permission: ['runs', 'update'],
      params: idParams,
      responses: ACCEPTED,
      errors: [...AUTH_ERRORS, 404, 409],
      async handle(ctx) {
        return accepted(await store.runs.command(ctx.params.id, ctx.auth.scope, 'pause', ctx.caller._id));
      },
    }),
    route({
      method: 'GET', path: '/workflows/:id/runs', name: 'listRuns', tag: 'runs',
      summary: 'The workflow\'s runs',
      permission: ['runs', 'view'],
      params: idParams,
      query: listQuerySchema(runRep),
      responses: { 200: { description: 'The runs', schema: z.array(runDoc), headers: RECORDS_COUNT } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const parsed = toListQuery(runRep, ctx.query);
        if ((await store.workflows.get(ctx.params.id, ctx.auth.scope, ['_id'])) === null) throw new NotFoundError('Workflow', ctx.params.id);
        return listReply(runRep, await store.runs.list(ctx.params.id, ctx.auth.scope, parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'GET', path: '/runs/:id', name: 'getRun', tag: 'runs',
      summary: 'One run with its instances and their attempts',
      permission: ['runs', 'view'],
      params: idParams,
      query: readQuerySchema(),
      responses: { 200: { description: 'The run', schema: runDoc } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const { id } = ctx.params;
        return readReply(runRep, 'Run', id, ctx.query, (fields) => store.runs.get(id, ctx.auth.scope, fields), store, ctx);
      },
    }),
    route({
      method: 'GET', path: '/runs/:id/journal', name: 'getRunJournal', tag: 'runs',
      summary: 'Everything that happened in a run, in order (default sort: seq)',
      permission: ['runs', 'view'],
      params: idParams,
      query: listQuerySchema(journalRep),
      responses: { 200: { description: 'The journal entries', schema: z.array(journalEntryDoc), headers: RECORDS_COUNT } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        const parsed = toListQuery(journalRep, ctx.query);
        await requireRun(ctx.params.id, ctx.auth.scope);
        return listReply(journalRep, await store.runs.journal(ctx.params.id, ctx.auth.scope, parsed.query), parsed, store, ctx);
      },
    }),
    route({
      method: 'GET', path: '/runs/:id/logs', name: 'getRunLogs', tag: 'runs',
      summary: 'Captured output of the run\'s attempts, in order',
      permission: ['runs', 'view'],
      params: idParams,
      query: z.strictObject({
        pretty: prettyParam,
        instance: objectId.optional().meta({ description: 'Only this instance\'s output' }),
        attempt: z.string().regex(/^\d+$/, { error: 'must be a whole number' }).transform(Number).pipe(z.int().min(1)).optional()
          .meta({ description: 'Only this attempt (1-based)' }),
      }),
      responses: { 200: { description: 'The output chunks', schema: z.array(logChunkDoc) } },
      errors: [...AUTH_ERRORS, 404],
      async handle(ctx) {
        await requireRun(ctx.params.id, ctx.auth.scope);
        const filter: { instanceId?: string; attempt?: number } = {};
        if (ctx.query.instance !== undefined) filter.instanceId = ctx.query.instance;
        if (ctx.query.attempt !== undefined) filter.attempt = ctx.query.attempt;
        const chunks = await store.runs.logs(ctx.params.id, ctx.auth.scope, filter);
        return { status: 200, body: chunks };
      },
    }),
  ];
}

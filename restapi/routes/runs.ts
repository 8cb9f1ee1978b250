/**
 * Running workflows and reading their history. Run, stop and pause are recorded in the store before
 * the answer (202 + the run): durable whether or not a supervisor is up. This server never talks to
 * the supervisor to serve them.
 */
import { z } from 'zod';
import type { ApiDoc } from '../../shared/representation/types.js';
import { journalEntryDoc, logChunkDoc, runDoc } from '../../shared/representation/schemas.js';
import { serve } from '../http/route.js';
import type { AnyRoute, JsonReply } from '../http/route.js';
import type { RouteServices } from './support.js';
import { AUTH_ERRORS, RECORDS_COUNT, listReply, okReply } from './support.js';

const ACCEPTED = { 202: { description: 'Accepted and recorded; the run as it stands', schema: runDoc, headers: { Location: 'URL of the run' } } };

function accepted(run: ApiDoc): JsonReply {
  return { status: 202, body: run, location: `/runs/${String(run._id)}` };
}

export function runRoutes({ runs }: RouteServices): AnyRoute[] {
  return [
    serve(runs.run, {
      method: 'PUT', path: '/workflows/:id/running', name: 'runWorkflow', tag: 'runs',
      summary: 'Run the workflow, or resume its paused run (409 while it runs, or when it has no instances)',
      responses: ACCEPTED,
      errors: [...AUTH_ERRORS, 404, 409],
      reply: accepted,
    }),
    serve(runs.stop, {
      method: 'DELETE', path: '/workflows/:id/running', name: 'stopWorkflow', tag: 'runs',
      summary: 'Stop the active run (the running attempt is killed); 409 when nothing runs',
      responses: ACCEPTED,
      errors: [...AUTH_ERRORS, 404, 409],
      reply: accepted,
    }),
    serve(runs.pause, {
      method: 'PUT', path: '/workflows/:id/pausing', name: 'pauseWorkflow', tag: 'runs',
      summary: 'Pause the active run (the running attempt finishes, nothing further starts); 409 when impossible',
      responses: ACCEPTED,
      errors: [...AUTH_ERRORS, 404, 409],
      reply: accepted,
    }),
    serve(runs.list, {
      method: 'GET', path: '/workflows/:id/runs', name: 'listRuns', tag: 'runs',
      summary: 'The workflow\'s runs',
      responses: { 200: { description: 'The runs', schema: z.array(runDoc), headers: RECORDS_COUNT } },
      errors: [...AUTH_ERRORS, 404],
      reply: listReply,
    }),
    serve(runs.get, {
      method: 'GET', path: '/runs/:id', name: 'getRun', tag: 'runs',
      summary: 'One run with its instances and their attempts',
      responses: { 200: { description: 'The run', schema: runDoc } },
      errors: [...AUTH_ERRORS, 404],
      reply: okReply,
    }),
    serve(runs.journal, {
      method: 'GET', path: '/runs/:id/journal', name: 'getRunJournal', tag: 'runs',
      summary: 'Everything that happened in a run, in order (default sort: seq)',
      responses: { 200: { description: 'The journal entries', schema: z.array(journalEntryDoc), headers: RECORDS_COUNT } },
      errors: [...AUTH_ERRORS, 404],
      reply: listReply,
    }),
    serve(runs.logs, {
      method: 'GET', path: '/runs/:id/logs', name: 'getRunLogs', tag: 'runs',
      summary: 'Captured output of the run\'s attempts, in order',
      responses: { 200: { description: 'The output chunks', schema: z.array(logChunkDoc) } },
      errors: [...AUTH_ERRORS, 404],
      reply: (chunks) => ({ status: 200, body: chunks }),
    }),
  ];
}

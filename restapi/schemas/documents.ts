/**
 * REST-only document schemas (health, the error body) and the named schemas of `openapi.json`'s
 * `components.schemas`; the documents themselves are in `shared/representation/schemas.ts`.
 */
import { z } from 'zod';
import {
  accountDoc, deviceDoc, deviceWithSecretDoc, dictionaryEntryDoc, instanceDoc, journalEntryDoc, logChunkDoc, paymentDoc,
  propertyDoc, runDoc, tokenDoc, tokenWithSecretDoc, workflowDoc, worktyDoc,
} from '../../shared/representation/schemas.js';

export const healthDoc = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  store: z.enum(['ok', 'unreachable']),
  supervisor: z.enum(['ok', 'unreachable']),
});

export const errorDoc = z.object({
  error: z.object({
    code: z.int().meta({ description: 'The 2016 error code (see x-error-codes)' }),
    message: z.string(),
    error_link: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional()
      .meta({ description: 'Validation failures, one per field' }),
  }),
});

/** Named schemas of `components.schemas`; routes refer to them by `$ref`. */
export const COMPONENTS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ['Error', errorDoc], ['Account', accountDoc], ['Workflow', workflowDoc], ['WorktyInstance', instanceDoc],
  ['Property', propertyDoc], ['Workty', worktyDoc], ['Payment', paymentDoc], ['Device', deviceDoc],
  ['DeviceWithSecret', deviceWithSecretDoc], ['Run', runDoc], ['JournalEntry', journalEntryDoc],
  ['LogChunk', logChunkDoc], ['Token', tokenDoc], ['TokenWithSecret', tokenWithSecretDoc],
  ['DictionaryEntry', dictionaryEntryDoc], ['Health', healthDoc],
];

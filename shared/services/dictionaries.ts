/**
 * Dictionaries (workty types, categories, language types, validation states, instance and device
 * states, run statuses, roles): what a client needs to fill in ids such as `languageTypeId`. Read by
 * every account; names are case-insensitive.
 */
import { z } from 'zod';
import { DICTIONARY_NAMES } from '../domain/dictionaries.js';
import type { DictionaryName } from '../domain/dictionaries.js';
import { NotFoundError } from '../domain/errors.js';
import type { ServiceDeps } from './deps.js';
import { useCase } from './use-case.js';

const BY_LOWER_NAME = new Map<string, DictionaryName>(DICTIONARY_NAMES.map((name) => [name.toLowerCase(), name]));

export const dictionaryParams = z.strictObject({ name: z.string().max(100) });

export function dictionaryUseCases({ store }: Pick<ServiceDeps, 'store'>) {
  return {
    /** The names of the dictionaries. */
    names: useCase({
      permission: ['dictionaries', 'view'],
      async run(): Promise<string[]> {
        return [...DICTIONARY_NAMES];
      },
    }),
    /** The entries of one dictionary (404 for an unknown name). */
    get: useCase({
      permission: ['dictionaries', 'view'],
      params: dictionaryParams,
      async run(_actor, { params }) {
        const name = BY_LOWER_NAME.get(params.name.toLowerCase());
        if (name === undefined) throw new NotFoundError('Dictionary', params.name);
        return store.dictionaries.list(name);
      },
    }),
  };
}

export type DictionaryUseCases = ReturnType<typeof dictionaryUseCases>;

/**
 * The dictionaries of the 2016 platform (ORIGINAL.md "Dictionaries"), plus what the new engine
 * adds (shell language type, failed/stopped instance states). Entry ids are derived from the
 * dictionary and entry names, so every install and every restart agrees on them without a lookup.
 */
import { createHash } from 'node:crypto';
import type { Id } from './ids.js';
import type { DictionaryEntry } from './model.js';
import { DEVICE_STATES, INSTANCE_STATES, RUN_STATUSES } from './states.js';

export const DICTIONARY_NAMES = [
  'worktyTypes',
  'worktyCategories',
  'languageTypes',
  'validationStates',
  'instanceStates',
  'deviceStates',
  'runStatuses',
  'roles',
] as const;
export type DictionaryName = (typeof DICTIONARY_NAMES)[number];

export function dictionaryEntryId(dictionary: DictionaryName, name: string): Id {
  return createHash('sha1').update(`workty:${dictionary}:${name}`).digest('hex').slice(0, 24);
}

function entry(dictionary: DictionaryName, name: string, extra: Partial<DictionaryEntry> = {}): DictionaryEntry {
  return { _id: dictionaryEntryId(dictionary, name), name, desc: extra.desc ?? '', parentId: null, version: null, runtime: null, ...extra };
}

const category = (name: string, parent?: string): DictionaryEntry =>
  entry('worktyCategories', name, { parentId: parent === undefined ? null : dictionaryEntryId('worktyCategories', parent) });

export const DICTIONARIES: Record<DictionaryName, readonly DictionaryEntry[]> = {
  worktyTypes: [
    entry('worktyTypes', 'in', { desc: 'Reads data in' }),
    entry('worktyTypes', 'out', { desc: 'Writes data out' }),
    entry('worktyTypes', 'inout', { desc: 'Reads and writes' }),
  ],
  worktyCategories: [
    category('clouding'),
    category('google-drive', 'clouding'),
    category('dropbox', 'clouding'),
    category('unsorted'),
    category('unit-tests', 'unsorted'),
  ],
  languageTypes: [
    entry('languageTypes', 'nodejs', { version: '20', runtime: 'node' }),
    entry('languageTypes', 'python', { version: '3', runtime: 'python3' }),
    entry('languageTypes', 'shell', { version: 'posix', runtime: 'sh' }),
    entry('languageTypes', 'java', { version: '17', runtime: 'java' }),
  ],
  validationStates: [
    entry('validationStates', 'in progress'),
    entry('validationStates', 'approved'),
    entry('validationStates', 'rejected'),
  ],
  instanceStates: INSTANCE_STATES.map((name) => entry('instanceStates', name)),
  deviceStates: DEVICE_STATES.map((name) => entry('deviceStates', name)),
  runStatuses: RUN_STATUSES.map((name) => entry('runStatuses', name)),
  roles: [
    entry('roles', 'admin', { desc: 'Everything' }),
    entry('roles', 'regular', { desc: 'Own account, own workflows, installed workties' }),
  ],
};

/** Looks an entry up by id in one dictionary; undefined when the id is not one of its entries. */
export function dictionaryEntry(dictionary: DictionaryName, id: Id): DictionaryEntry | undefined {
  return DICTIONARIES[dictionary].find((e) => e._id === id);
}

/** The executable a worker needs for a language type id, e.g. `node` for nodejs. */
export function runtimeOfLanguageType(languageTypeId: Id): string | undefined {
  return dictionaryEntry('languageTypes', languageTypeId)?.runtime ?? undefined;
}

export const idOf = {
  worktyType: (name: string): Id => dictionaryEntryId('worktyTypes', name),
  category: (name: string): Id => dictionaryEntryId('worktyCategories', name),
  languageType: (name: string): Id => dictionaryEntryId('languageTypes', name),
  validationState: (name: string): Id => dictionaryEntryId('validationStates', name),
  instanceState: (name: string): Id => dictionaryEntryId('instanceStates', name),
  deviceState: (name: string): Id => dictionaryEntryId('deviceStates', name),
};

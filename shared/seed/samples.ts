/**
 * The sample template workties made on first start: the two 2016 test tasks re-created for Node,
 * plus one in Python and one in shell. Their sources live in `shared/seed/workties/<folder>/`.
 */
import { idOf } from '../domain/dictionaries.js';
import type { PropertyInput } from '../store/port.js';

export interface SampleWorkty {
  /** Folder under shared/seed/workties/. */
  folder: string;
  name: string;
  desc: string;
  language: 'nodejs' | 'python' | 'shell';
  entryPointModuleFileName: string;
  properties: PropertyInput[];
  /** Cents. */
  price: number;
  discountPercent: number;
}

export const SAMPLE_WORKTIES: readonly SampleWorkty[] = [
  {
    folder: 'wait-and-print',
    name: 'wait-and-print',
    desc: 'Waits `timeout` milliseconds, then prints its properties (2016 test task #1)',
    language: 'nodejs',
    entryPointModuleFileName: 'index.js',
    properties: [{ name: 'timeout', value: 1000 }],
    price: 100,
    discountPercent: 0,
  },
  {
    folder: 'print-and-exit',
    name: 'print-and-exit',
    desc: 'Prints its properties and exits (2016 test task #2)',
    language: 'nodejs',
    entryPointModuleFileName: 'index.js',
    properties: [{ name: 'greeting', value: 'hello from a board' }],
    price: 0,
    discountPercent: 0,
  },
  {
    folder: 'python-word-count',
    name: 'python-word-count',
    desc: 'Counts the words of `text` and returns {words, characters} as its result',
    language: 'python',
    entryPointModuleFileName: 'main.py',
    properties: [{ name: 'text', value: 'the quick brown fox jumps over the lazy dog' }],
    price: 250,
    discountPercent: 20,
  },
  {
    folder: 'shell-board-report',
    name: 'shell-board-report',
    desc: 'Prints the board\'s kernel, uptime and free disk',
    language: 'shell',
    entryPointModuleFileName: 'run.sh',
    properties: [],
    price: 0,
    discountPercent: 0,
  },
];

export function sampleDictionaryIds(sample: SampleWorkty): { typeId: string; categoryId: string; languageTypeId: string; validationStateId: string } {
  return {
    typeId: idOf.worktyType('inout'),
    categoryId: idOf.category('unit-tests'),
    languageTypeId: idOf.languageType(sample.language),
    validationStateId: idOf.validationState('approved'),
  };
}

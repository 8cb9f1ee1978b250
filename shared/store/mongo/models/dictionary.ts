/** Dictionary entries of every dictionary in one collection, keyed by their stable derived ids. */
import { Schema, type Types } from 'mongoose';
import { DICTIONARY_NAMES, type DictionaryName } from '../../../domain/dictionaries.js';
import { RULES } from '../../../domain/rules.js';
import { DOCUMENT_OPTIONS, counter, oneOf, ref, text } from './validators.js';

export interface DictionaryEntryRecord {
  _id: Types.ObjectId;
  dictionary: DictionaryName;
  /** Position in the list it was first inserted from, so that lists keep their declared order. */
  order: number;
  name: string;
  desc: string;
  parentId: Types.ObjectId | null;
  version: string | null;
  runtime: string | null;
}

export const dictionaryEntrySchema = new Schema<DictionaryEntryRecord>({
  dictionary: oneOf(DICTIONARY_NAMES, { required: true }),
  order: counter(0, { required: true }),
  name: text(RULES.name, { required: true }),
  desc: text(RULES.desc, { default: '' }),
  parentId: ref({ nullable: true }),
  version: { ...text(RULES.version), default: null },
  runtime: { ...text(RULES.name), default: null },
}, { ...DOCUMENT_OPTIONS, collection: 'dictionaries' });

dictionaryEntrySchema.index({ dictionary: 1, name: 1 }, { unique: true, name: 'dictionary_name_unique' });
dictionaryEntrySchema.index({ dictionary: 1, order: 1 }, { name: 'dictionary_order' });

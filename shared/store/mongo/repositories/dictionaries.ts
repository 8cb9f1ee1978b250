/** Dictionaries: seeded idempotently at every start, listed in their declared order. */
import { Types, type AnyBulkWriteOperation } from 'mongoose';
import { DICTIONARY_NAMES, type DictionaryName } from '../../../domain/dictionaries.js';
import { NotFoundError } from '../../../domain/errors.js';
import type { DictionaryEntry } from '../../../domain/model.js';
import type { DictionaryRepository } from '../../port.js';
import { dictionaryEntryOut, toObjectId } from '../convert.js';
import { mapErrors } from '../errors.js';
import type { DictionaryEntryRecord } from '../models/dictionary.js';
import type { Context } from './context.js';

function knownDictionary(name: DictionaryName): void {
  if (!DICTIONARY_NAMES.includes(name)) throw new NotFoundError('Dictionary', String(name));
}

export class MongoDictionaries implements DictionaryRepository {
  constructor(private readonly ctx: Context) {}

  /**
   * Upserts that only insert (`$setOnInsert`): existing entries stay as they are, and concurrent
   * starts of several processes agree (the server retries a duplicate-key upsert on `_id` itself).
   */
  async ensure(name: DictionaryName, entries: readonly DictionaryEntry[]): Promise<number> {
    knownDictionary(name);
    return mapErrors(() => this.insertMissing(name, entries));
  }

  private async insertMissing(name: DictionaryName, entries: readonly DictionaryEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const { DictionaryEntry: Entry } = this.ctx.models;
    const last = await Entry.findOne({ dictionary: { $eq: name } }, { order: 1 }).sort({ order: -1 }).lean();
    const base = (last?.order ?? -1) + 1;
    const operations: Array<AnyBulkWriteOperation<DictionaryEntryRecord>> = [];
    for (const [i, entry] of entries.entries()) {
      const id = toObjectId(entry._id) ?? new Types.ObjectId();
      const doc = new Entry({
        _id: id, dictionary: name, order: base + i, name: entry.name, desc: entry.desc, parentId: entry.parentId,
        version: entry.version, runtime: entry.runtime,
      });
      await doc.validate();
      const { _id: _ignored, ...fields } = doc.toObject();
      operations.push({ updateOne: { filter: { _id: id }, update: { $setOnInsert: fields }, upsert: true } });
    }
    const result = await Entry.bulkWrite(operations, { ordered: true });
    return result.upsertedCount;
  }

  async list(name: DictionaryName): Promise<DictionaryEntry[]> {
    knownDictionary(name);
    const rows = await this.ctx.models.DictionaryEntry.find({ dictionary: { $eq: name } }).sort({ order: 1, _id: 1 }).lean();
    return rows.map(dictionaryEntryOut);
  }
}

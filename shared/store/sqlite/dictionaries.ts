/** Dictionaries (worktyTypes, languageTypes, ...): seeded entries with stable ids, in insertion order. */
import { DICTIONARY_NAMES, type DictionaryName } from '../../domain/dictionaries.js';
import { NotFoundError } from '../../domain/errors.js';
import type { DictionaryEntry } from '../../domain/model.js';
import type { DictionaryRepository } from '../port.js';
import type { SqliteContext } from './database.js';

function known(name: DictionaryName): void {
  if (!DICTIONARY_NAMES.includes(name)) throw new NotFoundError('Dictionary', String(name));
}

export class SqliteDictionaries implements DictionaryRepository {
  constructor(private readonly ctx: SqliteContext) {}

  async ensure(name: DictionaryName, entries: readonly DictionaryEntry[]): Promise<number> {
    known(name);
    return this.ctx.write(() => {
      let inserted = 0;
      for (const entry of entries) {
        inserted += this.ctx.stmt(`INSERT INTO dictionary_entries (dictionary, _id, name, "desc", parentId, version, runtime)
          VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dictionary, _id) DO NOTHING`)
          .run(name, entry._id, entry.name, entry.desc, entry.parentId, entry.version, entry.runtime).changes;
      }
      return inserted;
    });
  }

  async list(name: DictionaryName): Promise<DictionaryEntry[]> {
    known(name);
    return this.ctx.stmt(`SELECT _id, name, "desc", parentId, version, runtime FROM dictionary_entries
      WHERE dictionary = ? ORDER BY rowid`).all(name) as DictionaryEntry[];
  }
}

/**
 * Versioned schema migrations. The version lives in `PRAGMA user_version` (part of the database
 * header, so it commits or rolls back with the migration's transaction). Migrations are applied in
 * order, each in its own `BEGIN IMMEDIATE` transaction that re-reads the version first, so two
 * processes opening the same new file apply each migration once. A database written by a newer
 * Workty (a higher version than the last migration here) is refused rather than misread.
 */
import type { Connection } from './database.js';
import { SCHEMA_V1 } from './schema-v1.js';

export interface Migration {
  /** 1, 2, 3...: the `user_version` the database has once this migration ran. */
  version: number;
  description: string;
  up(db: Connection): void;
}

/** Every migration in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'initial schema', up: (db) => db.exec(SCHEMA_V1) },
  {
    version: 2,
    description: 'attempts remember whether their failure may be retried',
    up: (db) => db.exec('ALTER TABLE attempts ADD COLUMN retryable INTEGER NOT NULL DEFAULT 1 CHECK (retryable IN (0, 1))'),
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersionOf(db: Connection): number {
  return Number(db.pragma('user_version', { simple: true }));
}

export interface MigrationOutcome {
  from: number;
  to: number;
  /** Versions applied by this call (empty when the file was up to date). */
  applied: number[];
}

/** Refused: the file was written by a newer schema than this code knows. */
export class SchemaTooNewError extends Error {
  constructor(readonly file: string, readonly found: number, readonly supported: number) {
    super(`SQLite store ${file} has schema version ${found}, newer than the ${supported} this Workty knows: ` +
      'it was written by a newer Workty. Upgrade Workty (or restore a backup made by this version); the file was left untouched.');
    this.name = 'SchemaTooNewError';
  }
}

export function migrate(db: Connection, migrations: readonly Migration[] = MIGRATIONS): MigrationOutcome {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`SQLite migrations out of order: #${i} has version ${m.version}`);
  });
  const latest = migrations.length;
  const from = schemaVersionOf(db);
  if (from > latest) throw new SchemaTooNewError(db.name, from, latest);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    db.transaction(() => {
      const now = schemaVersionOf(db);
      if (now >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
      applied.push(migration.version);
    }).immediate();
  }
  return { from, to: schemaVersionOf(db), applied };
}

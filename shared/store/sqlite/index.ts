/**
 * The embedded store: one SQLite file (WAL) through better-sqlite3, shared by the restapi and the
 * supervisor processes of one host. Opening it creates the file (mode 0600) and applies pending
 * schema migrations; a file written by a newer schema is refused.
 */
import type { Logger } from '../../log.js';
import type { Store } from '../port.js';
import { SqliteAccounts } from './accounts.js';
import { SqliteChanges } from './changes.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openConnection, SqliteContext, type Connection } from './database.js';
import { SqliteDevices } from './devices.js';
import { SqliteDictionaries } from './dictionaries.js';
import { SqliteInstances } from './instances.js';
import { migrate } from './migrations.js';
import { SqlitePackages } from './packages.js';
import { SqlitePayments } from './payments.js';
import { SqliteRuns } from './runs.js';
import { SqliteTokens } from './tokens.js';
import { SqliteWorkflows } from './workflows.js';
import { SqliteWorkties } from './workties.js';

export { MIGRATIONS, SCHEMA_VERSION, SchemaTooNewError, migrate, schemaVersionOf } from './migrations.js';
export type { Migration, MigrationOutcome } from './migrations.js';
export { DEFAULT_BUSY_TIMEOUT_MS } from './database.js';

export interface SqliteStoreOptions {
  /** The database file; created (mode 0600) when missing. Its directory must exist. */
  file: string;
  /** Operator log for opening and migrations. */
  logger?: Logger;
  /** How long a write waits for another process's write lock. @default 5000 */
  busyTimeoutMs?: number;
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly accounts;
  readonly workflows;
  readonly instances;
  readonly workties;
  readonly packages;
  readonly payments;
  readonly devices;
  readonly tokens;
  readonly dictionaries;
  readonly runs;
  readonly changes;
  private closed = false;

  private readonly ctx: SqliteContext;

  constructor(private readonly db: Connection) {
    const ctx = new SqliteContext(db);
    this.ctx = ctx;
    this.accounts = new SqliteAccounts(ctx);
    this.workflows = new SqliteWorkflows(ctx);
    this.instances = new SqliteInstances(ctx);
    this.workties = new SqliteWorkties(ctx);
    this.packages = new SqlitePackages(ctx);
    this.payments = new SqlitePayments(ctx);
    this.devices = new SqliteDevices(ctx);
    this.tokens = new SqliteTokens(ctx);
    this.dictionaries = new SqliteDictionaries(ctx);
    this.runs = new SqliteRuns(ctx);
    this.changes = new SqliteChanges(ctx);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('SQLite store is closed');
    // Prepared once: health checks may be polled often.
    this.ctx.stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const db = openConnection(options.file, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  try {
    const outcome = migrate(db);
    if (outcome.applied.length > 0) {
      options.logger?.info({ file: options.file, from: outcome.from, to: outcome.to, applied: outcome.applied }, 'store schema migrated');
    }
    options.logger?.debug({ file: options.file, schemaVersion: outcome.to }, 'store opened');
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db);
}

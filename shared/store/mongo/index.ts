/**
 * The MongoDB store adapter (mongoose): `openMongoStore` connects on a dedicated connection, refuses
 * a server without transactions, creates the collections and indexes, and returns the `Store`.
 */
import type { Connection } from 'mongoose';
import type { Logger } from '../../log.js';
import type { Store } from '../port.js';
import { connectMongo, describeMongoUrl } from './connection.js';
import { allModels, createModels } from './models/index.js';
import { MongoAccounts } from './repositories/accounts.js';
import { MongoChanges } from './repositories/changes.js';
import type { Context } from './repositories/context.js';
import { MongoDevices } from './repositories/devices.js';
import { MongoDictionaries } from './repositories/dictionaries.js';
import { MongoInstances } from './repositories/instances.js';
import { MongoPackages } from './repositories/packages.js';
import { MongoPayments } from './repositories/payments.js';
import { MongoRuns } from './repositories/runs.js';
import { MongoTokens } from './repositories/tokens.js';
import { MongoWorkflows } from './repositories/workflows.js';
import { MongoWorkties } from './repositories/workties.js';
import { Transactions } from './transactions.js';

export interface MongoStoreOptions {
  /** A `mongodb://` or `mongodb+srv://` URL of a replica set (or mongos); may name the database. */
  url: string;
  /** Operator log (open, close); never given the URL's credentials. */
  logger?: Logger;
}

class MongoStore implements Store {
  readonly kind = 'mongodb' as const;
  readonly accounts: MongoAccounts;
  readonly workflows: MongoWorkflows;
  readonly instances: MongoInstances;
  readonly workties: MongoWorkties;
  readonly packages: MongoPackages;
  readonly payments: MongoPayments;
  readonly devices: MongoDevices;
  readonly tokens: MongoTokens;
  readonly dictionaries: MongoDictionaries;
  readonly runs: MongoRuns;
  readonly changes: MongoChanges;
  private closing: Promise<void> | null = null;

  constructor(private readonly connection: Connection, ctx: Context, private readonly logger: Logger | undefined) {
    this.accounts = new MongoAccounts(ctx);
    this.workflows = new MongoWorkflows(ctx);
    this.instances = new MongoInstances(ctx);
    this.workties = new MongoWorkties(ctx);
    this.packages = new MongoPackages(ctx);
    this.payments = new MongoPayments(ctx);
    this.devices = new MongoDevices(ctx);
    this.tokens = new MongoTokens(ctx);
    this.dictionaries = new MongoDictionaries(ctx);
    this.runs = new MongoRuns(ctx);
    this.changes = new MongoChanges(ctx);
  }

  async ping(): Promise<void> {
    const db = this.connection.db;
    if (this.closing !== null || db === undefined) throw new Error('The MongoDB store is closed');
    await db.admin().command({ ping: 1 });
  }

  close(): Promise<void> {
    this.closing ??= this.connection.close().then(() => {
      this.logger?.info({ database: this.connection.name }, 'MongoDB store closed');
    });
    return this.closing;
  }
}

export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const connection = await connectMongo(options.url);
  try {
    const models = createModels(connection);
    // Collections and indexes (mongoose `init`: createCollection + createIndexes), before any use:
    // transactions cannot create collections on every server version.
    await Promise.all(allModels(models).map((model) => model.init()));
    const tx = new Transactions(connection, models);
    await tx.prepareCounter();
    options.logger?.info({ database: connection.name, server: describeMongoUrl(options.url) }, 'MongoDB store open');
    return new MongoStore(connection, { models, tx }, options.logger);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}

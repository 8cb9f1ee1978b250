/**
 * Stores on a MongoDB server for integration suites: each `create()` opens a store on a fresh
 * random database of the server named by a base URL (a replica set), and `destroy()` closes every
 * store it opened and drops that database. Shaped as the store contract's `StoreFactory`, so
 * `describeStoreContract('mongodb', mongoStoreFactory(url))` runs the one contract on this adapter.
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { Store } from '../../../shared/store/port.js';
import { openMongoStore } from '../../../shared/store/mongo/index.js';

/** The URL with its database path replaced by `database` (hosts and options kept). */
export function withDatabase(url: string, database: string): string {
  const queryAt = url.indexOf('?');
  const address = queryAt < 0 ? url : url.slice(0, queryAt);
  const options = queryAt < 0 ? '' : url.slice(queryAt);
  const schemeEnd = address.indexOf('://') + 3;
  const pathStart = address.indexOf('/', schemeEnd);
  const hosts = pathStart < 0 ? address : address.slice(0, pathStart);
  return `${hosts}/${database}${options}`;
}

/** A unique database name for one test's store. */
export function testDatabaseName(): string {
  return `workty_test_${randomBytes(6).toString('hex')}`;
}

/** Drops the database the URL names (through a short-lived connection of its own). */
export async function dropDatabase(url: string): Promise<void> {
  const connection = await mongoose.createConnection(url).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

export interface MongoStoreUnderTest {
  store: Store;
  /** The database URL (for checks made around the port, e.g. listing indexes). */
  url: string;
  openAnother(): Promise<Store>;
  destroy(): Promise<void>;
}

export function mongoStoreFactory(baseUrl: string): { create(): Promise<MongoStoreUnderTest> } {
  return {
    async create() {
      const url = withDatabase(baseUrl, testDatabaseName());
      const store = await openMongoStore({ url });
      const others: Store[] = [];
      return {
        store,
        url,
        async openAnother() {
          const other = await openMongoStore({ url });
          others.push(other);
          return other;
        },
        async destroy() {
          await Promise.all([store, ...others].map((s) => s.close()));
          await dropDatabase(url);
        },
      };
    },
  };
}

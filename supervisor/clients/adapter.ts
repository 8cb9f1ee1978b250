/**
 * The socket.io adapter that links several supervisor processes, chosen to fit the store:
 *
 * - MongoDB store (several hosts): `@socket.io/mongo-adapter`, on a capped collection of the same
 *   database, through its own connection (the store's stays the store's);
 * - embedded SQLite store (one host): `@socket.io/cluster-adapter` when this process is a node cluster
 *   worker (IPC through the primary, which calls `setupPrimary()` from the same package);
 * - otherwise none: socket.io's in-memory adapter, one process.
 *
 * Delivery never depends on it: every supervisor follows the shared change feed and translates it
 * for its own sockets only (`fanout.ts`), so a change reaches each socket once however many
 * processes there are, adapter or not. What the adapter carries is the cross-process "read the feed
 * now" after a supervisor commits a client's request (`FEED_POKE`), so that sockets of the other
 * processes see it at once rather than at their next poll, and socket.io's own cross-node operations
 * (`fetchSockets()`, `serverSideEmit()`).
 */
import cluster from 'node:cluster';
import { createAdapter as createClusterAdapter } from '@socket.io/cluster-adapter';
import { createAdapter as createMongoAdapter } from '@socket.io/mongo-adapter';
import mongoose from 'mongoose';
import type { Logger } from '../../shared/log.js';

/** The server-side event a supervisor sends its peers after committing a client's request. */
export const FEED_POKE = 'workty:feed-poke';

/** The capped collection of the MongoDB adapter. */
export const MONGO_ADAPTER_COLLECTION = 'socket.io-adapter-events';
const MONGO_ADAPTER_COLLECTION_BYTES = 16 * 1024 * 1024;

export interface ClientAdapter {
  /** Which one (for the log and the health report). */
  kind: 'mongodb' | 'node-cluster' | 'in-memory';
  /** The adapter constructor for the socket.io server; undefined: socket.io's in-memory one. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  adapter: ((nsp: any) => any) | undefined;
  /** True when other supervisor processes may be listening (poke them after a commit). */
  shared: boolean;
  /** Closes the adapter's own connection, if any. Idempotent. */
  close(): Promise<void>;
}

export interface ClientAdapterOptions {
  /** The store's MongoDB URL; unset for the embedded store. */
  mongodbUrl?: string | undefined;
  logger: Logger;
}

export async function createClientAdapter(options: ClientAdapterOptions): Promise<ClientAdapter> {
  if (options.mongodbUrl !== undefined) {
    // The driver mongoose ships (the store's adapter depends on it already).
    const client = new mongoose.mongo.MongoClient(options.mongodbUrl);
    await client.connect();
    const db = client.db();
    try {
      await db.createCollection(MONGO_ADAPTER_COLLECTION, { capped: true, size: MONGO_ADAPTER_COLLECTION_BYTES });
    } catch (error) {
      // Made by another supervisor already (code 48: NamespaceExists).
      if ((error as { code?: number }).code !== 48) {
        await client.close();
        throw error;
      }
    }
    options.logger.info({ collection: MONGO_ADAPTER_COLLECTION }, 'socket.io adapter: MongoDB');
    let closing: Promise<void> | null = null;
    return {
      kind: 'mongodb',
      adapter: createMongoAdapter(db.collection(MONGO_ADAPTER_COLLECTION)),
      shared: true,
      close: () => (closing ??= client.close()),
    };
  }
  if (cluster.isWorker) {
    options.logger.info({ worker: cluster.worker?.id }, 'socket.io adapter: node cluster');
    return { kind: 'node-cluster', adapter: createClusterAdapter(), shared: true, close: async () => {} };
  }
  return { kind: 'in-memory', adapter: undefined, shared: false, close: async () => {} };
}

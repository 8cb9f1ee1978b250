/**
 * Opening the dedicated mongoose connection and checking that the server can run transactions
 * (a replica set member or a mongos), which every multi-record change of the store needs.
 */
import mongoose, { type Connection } from 'mongoose';

/** How long to look for a server before giving up at open (then per operation). */
export const SERVER_SELECTION_TIMEOUT_MS = 10_000;

/** The URL without its credentials, for messages and logs. */
export function describeMongoUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@').replace(/\?.*$/, '');
}

/** The parts of the `hello` reply that say what kind of server this is. */
export interface HelloReply {
  setName?: unknown;
  msg?: unknown;
}

/** True for a replica set member (`setName`) or a sharded cluster's router (`isdbgrid`). */
export function supportsTransactions(hello: HelloReply): boolean {
  return (typeof hello.setName === 'string' && hello.setName.length > 0) || hello.msg === 'isdbgrid';
}

export function standaloneServerMessage(where: string): string {
  return `MongoDB at ${where} is a standalone server, but Workty needs transactions, which MongoDB offers `
    + 'only on a replica set. Run it as a single-node replica set: start mongod with `--replSet rs0`, '
    + 'run `rs.initiate()` once in mongosh, and add `?replicaSet=rs0` to WORKTY_MONGODB_URL if needed.';
}

/**
 * Connects (never through the global mongoose connection) and refuses a standalone server.
 * The caller compiles the models on the returned connection.
 */
export async function connectMongo(url: string): Promise<Connection> {
  const where = describeMongoUrl(url);
  const connection = mongoose.createConnection(url, {
    autoIndex: true,
    autoCreate: true,
    // Fail at once instead of queueing operations while disconnected.
    bufferCommands: false,
    serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
  });
  try {
    await connection.asPromise();
    const db = connection.db;
    if (db === undefined) throw new Error('no database handle after connecting');
    // `hello` since MongoDB 4.4.2; `isMaster` before (same fields).
    const hello = await db.admin().command({ hello: 1 }).catch(() => db.admin().command({ isMaster: 1 })) as HelloReply;
    if (!supportsTransactions(hello)) throw new Error(standaloneServerMessage(where));
    return connection;
  } catch (error) {
    await connection.close().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.startsWith('MongoDB at ') ? message : `Cannot open the MongoDB store at ${where}: ${message}`, { cause: error });
  }
}

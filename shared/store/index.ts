/**
 * Opens the configured store: MongoDB when a URL is given, else the embedded SQLite file under the
 * data directory. Adapters are loaded on demand, so a board-sized supervisor on SQLite never loads
 * mongoose.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Store } from './port.js';

export type * from './port.js';

export interface StoreLocation {
  dataDir: string;
  mongodbUrl?: string | undefined;
}

export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'workty.sqlite');
}

export async function openStore(location: StoreLocation, logger: Logger): Promise<Store> {
  if (location.mongodbUrl !== undefined) {
    const { openMongoStore } = await import('./mongo/index.js');
    return openMongoStore({ url: location.mongodbUrl, logger });
  }
  mkdirSync(location.dataDir, { recursive: true, mode: 0o700 });
  const { openSqliteStore } = await import('./sqlite/index.js');
  return openSqliteStore({ file: sqliteFile(location.dataDir), logger });
}

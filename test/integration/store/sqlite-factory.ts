/** Fresh SQLite stores for the contract: one temporary directory per store, removed by destroy(). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../../shared/store/port.js';
import { openSqliteStore } from '../../../shared/store/sqlite/index.js';
import type { StoreFactory, StoreUnderTest } from './contract.js';

/** Generous: the machine running the tests is shared, and a second process may hold the write lock. */
export const TEST_BUSY_TIMEOUT_MS = 20_000;

export interface SqliteUnderTest extends StoreUnderTest {
  file: string;
}

export const sqliteFactory = {
  async create(): Promise<SqliteUnderTest> {
    const dir = await mkdtemp(join(tmpdir(), 'workty-store-'));
    const file = join(dir, 'workty.sqlite');
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const store = await openSqliteStore({ file, busyTimeoutMs: TEST_BUSY_TIMEOUT_MS });
      opened.push(store);
      return store;
    };
    const store = await open();
    return {
      store, file, openAnother: open,
      async destroy() {
        for (const s of opened) await s.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
} satisfies StoreFactory;

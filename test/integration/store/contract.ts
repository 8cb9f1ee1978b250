/**
 * The one contract every store adapter passes, written against the public `Store` port only:
 * `describeStoreContract('sqlite', ...)` in sqlite.spec.ts, `describeStoreContract('mongodb', ...)`
 * in mongo.spec.ts when WORKTY_TEST_MONGODB_URL is set. Each file registers one behaviour's tests.
 */
import type { Store } from '../../../shared/store/port.js';
import { accountsContract } from './contract.accounts.js';
import { changesContract } from './contract.changes.js';
import { concurrencyContract } from './contract.concurrency.js';
import { devicesTokensContract } from './contract.devices-tokens.js';
import { engineContract } from './contract.engine.js';
import { queriesContract } from './contract.queries.js';
import { runsContract } from './contract.runs.js';
import { secretsContract } from './contract.secrets.js';
import { workflowsContract } from './contract.workflows.js';
import { worktiesContract } from './contract.workties.js';

export interface StoreUnderTest {
  /** A store on a fresh, empty database of its own. */
  store: Store;
  /** A second, independent connection to the same database (closed by `destroy` too). */
  openAnother(): Promise<Store>;
  /** Closes `store` and every store `openAnother` returned, then removes the database. */
  destroy(): Promise<void>;
}

export interface StoreFactory {
  create(): Promise<StoreUnderTest>;
}

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, function () {
    accountsContract(factory);
    queriesContract(factory);
    workflowsContract(factory);
    worktiesContract(factory);
    devicesTokensContract(factory);
    runsContract(factory);
    engineContract(factory);
    changesContract(factory);
    secretsContract(factory);
    concurrencyContract(factory);
  });
}

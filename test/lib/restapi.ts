/**
 * A real REST API server for tests: HTTPS on port 0 with a self-signed certificate, a SQLite store
 * in a temporary directory, the dictionaries, an admin account, and a client trusting the
 * certificate. Every response and every log line is kept, so that `assertNoSecretsLeaked()` can
 * check that no password, hash, token or device secret ever left the server, except in the one
 * answer that issued it.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { loadConfig, restapiSettings } from '../../config/index.js';
import type { RestapiConfig } from '../../config/index.js';
import { createRestApi } from '../../restapi/app.js';
import type { RestApi } from '../../restapi/app.js';
import { DICTIONARIES, DICTIONARY_NAMES } from '../../shared/domain/dictionaries.js';
import type { Account, RoleName } from '../../shared/domain/model.js';
import { PasswordHasher } from '../../shared/security/passwords.js';
import { ensureSelfSignedTls, loadTls } from '../../shared/security/tls.js';
import { openStore } from '../../shared/store/index.js';
import type { Store } from '../../shared/store/port.js';
import { ApiClient, basic } from './https-client.js';
import type { ApiResponse, Credentials } from './https-client.js';
import { capturingLogger } from './logger.js';
import { makeTempDir } from './tmp.js';
import type { TempDir } from './tmp.js';

export interface TestUser extends Credentials {
  id: string;
  account: Account;
  /** A client sending this user's credentials. */
  api: ApiClient;
}

export interface TestRestApi {
  /** A client without credentials. */
  client: ApiClient;
  store: Store;
  api: RestApi;
  config: RestapiConfig;
  port: number;
  dataDir: string;
  ca: string;
  admin: TestUser;
  /** Every log line so far. */
  logs(): string;
  /** Every response so far. */
  responses: ApiResponse[];
  /** A new account (unique email), regular unless roles are given, with a known password. */
  createUser(options?: { roles?: RoleName[]; amount?: number; name?: string }): Promise<TestUser>;
  /** Declares a secret; `issuedBy` is the one response allowed to carry it. */
  secret(value: string, issuedBy?: ApiResponse): void;
  /** Fails when a declared secret (or a password hash) appears in any other response or in the logs. */
  assertNoSecretsLeaked(): Promise<void>;
  close(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface StartOptions {
  /** Settings as environment variables (e.g. WORKTY_LOGIN_FAILURES_PER_ACCOUNT). */
  env?: Record<string, string>;
  /** Use this data directory (kept) instead of a temporary one. */
  dataDir?: string;
}

export async function startTestRestApi(options: StartOptions = {}): Promise<TestRestApi> {
  const temp: TempDir | null = options.dataDir === undefined ? makeTempDir('restapi') : null;
  const dataDir = options.dataDir ?? temp!.path;
  const config = loadConfig(restapiSettings, {
    env: {
      WORKTY_DATA_DIR: dataDir,
      WORKTY_BCRYPT_COST: '4',
      WORKTY_LOG_LEVEL: 'info',
      // Nothing listens here: the health report calls the supervisor unreachable at once.
      WORKTY_SUPERVISOR_URL: 'https://127.0.0.1:9',
      ...options.env,
    },
  });
  const captured = capturingLogger('restapi', 'info');
  await ensureSelfSignedTls(config);
  const tls = loadTls(config);
  const store = await openStore({ dataDir }, captured.logger);
  for (const name of DICTIONARY_NAMES) await store.dictionaries.ensure(name, DICTIONARIES[name]);
  const hasher = new PasswordHasher({ cost: 4 });
  const api = createRestApi({ config, store, logger: captured.logger, tls, hasher });
  const { port } = await api.listen(0, '127.0.0.1');

  const responses: ApiResponse[] = [];
  const secrets = new Map<string, ApiResponse | undefined>();
  const client = new ApiClient({ host: '127.0.0.1', port, ca: tls.cert }, (response) => responses.push(response));

  const createUser = async (opts: { roles?: RoleName[]; amount?: number; name?: string } = {}): Promise<TestUser> => {
    const name = opts.name ?? uniqueName('user');
    const email = `${name}@example.com`;
    const password = `pw-${randomBytes(9).toString('hex')}`;
    const account = await store.accounts.create({
      name, email, passwordHash: await hasher.hash(password), aclRoleNames: opts.roles ?? ['regular'], amount: opts.amount ?? 0,
    });
    secrets.set(password, undefined);
    secrets.set(basic({ email, password }).slice('Basic '.length), undefined);
    return { id: account._id, email, password, account, api: client.as({ email, password }) };
  };

  const admin = await createUser({ roles: ['admin'], name: uniqueName('admin') });

  return {
    client, store, api, config, port, dataDir, ca: tls.cert, admin, responses,
    logs: captured.text,
    createUser,
    secret(value, issuedBy) {
      secrets.set(value, issuedBy);
    },
    async assertNoSecretsLeaked() {
      const all = new Map(secrets);
      // Every password hash in the store is a secret too.
      const accounts = await store.accounts.list({ all: true }, { perPage: 1000 });
      for (const account of accounts.items) {
        const credentials = await store.accounts.getCredentials(account._id);
        if (credentials !== null) all.set(credentials.passwordHash, undefined);
      }
      const logs = captured.text();
      for (const [value, issuedBy] of all) {
        expect(logs.includes(value), 'a secret appears in the server log').to.equal(false);
        for (const response of responses) {
          if (response === issuedBy) continue;
          expect(response.text.includes(value), `a secret appears in a response (${response.status})`).to.equal(false);
        }
      }
    },
    async close() {
      client.close();
      await api.close();
      await store.close();
      temp?.remove();
    },
  };
}

/**
 * What a server role does before it serves: the data directory, TLS material (made on first start
 * unless configured), the store (migrated on open), and — for the roles that seed — the dictionaries,
 * the admin account and the sample templates. Configuration was validated before this runs, so a bad
 * setting never leaves anything half-created.
 */
import { mkdirSync } from 'node:fs';
import type { ServerConfig } from '../../config/index.js';
import type { Logger } from '../log.js';
import { PasswordHasher } from '../security/passwords.js';
import { ensureSelfSignedTls, loadTls, type TlsMaterial } from '../security/tls.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/port.js';
import { seedStore, type SeedOutcome } from './seed.js';

export interface PreparedServer {
  store: Store;
  tls: TlsMaterial;
  hasher: PasswordHasher;
  /** Null when the caller did not ask to seed. */
  seed: SeedOutcome | null;
}

export async function prepareServer(config: ServerConfig, logger: Logger, options: { seed: boolean }): Promise<PreparedServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  if (await ensureSelfSignedTls(config)) logger.info({ dir: config.dataDir }, 'made a self-signed TLS certificate');
  const tls = loadTls(config);
  const hasher = new PasswordHasher({ cost: config.bcryptCost });
  const store = await openStore(config, logger);
  try {
    const seed = options.seed
      ? await seedStore(store, { dataDir: config.dataDir, adminEmail: config.adminEmail, adminPassword: config.adminPassword, hasher, logger })
      : null;
    return { store, tls, hasher, seed };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Prints a generated admin password once, on the terminal only (never through the logger). */
export function announceGeneratedPassword(seed: SeedOutcome | null, adminEmail: string, passwordFile: string): void {
  if (seed?.generatedAdminPassword == null) return;
  process.stdout.write(
    `\nWorkty admin account made: ${adminEmail}\n` +
      `  password: ${seed.generatedAdminPassword}\n` +
      `  (shown this once; also in ${passwordFile}, readable by you only)\n\n`,
  );
}

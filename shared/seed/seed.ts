/**
 * First start, and every start after it: makes what a fresh platform needs and changes nothing that
 * exists — the dictionaries and roles, the admin account, the sample template workties.
 *
 * The admin password comes from configuration; when none is configured one is generated, written to
 * DATA_DIR/admin-password (mode 0600) and handed back once so that the caller can print it. It is
 * never logged.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DICTIONARIES, DICTIONARY_NAMES } from '../domain/dictionaries.js';
import { ConflictError } from '../domain/errors.js';
import { ALL } from '../domain/query.js';
import type { Logger } from '../log.js';
import { projectRoot } from '../paths.js';
import type { PasswordHasher } from '../security/passwords.js';
import { generateSecret } from '../security/secrets.js';
import type { Store } from '../store/port.js';
import { zipFolder } from './package.js';
import { SAMPLE_WORKTIES, sampleDictionaryIds } from './samples.js';

export interface SeedOptions {
  dataDir: string;
  adminEmail: string;
  adminPassword?: string | undefined;
  hasher: PasswordHasher;
  logger: Logger;
}

export interface SeedOutcome {
  /** Set only when this start made the admin with a generated password: print it once. */
  generatedAdminPassword: string | null;
  adminCreated: boolean;
  dictionaryEntriesAdded: number;
  samplesAdded: string[];
}

export function adminPasswordFile(dataDir: string): string {
  return join(dataDir, 'admin-password');
}

export async function seedStore(store: Store, options: SeedOptions): Promise<SeedOutcome> {
  let dictionaryEntriesAdded = 0;
  for (const name of DICTIONARY_NAMES) dictionaryEntriesAdded += await store.dictionaries.ensure(name, DICTIONARIES[name]);

  const admin = await ensureAdmin(store, options);
  const samplesAdded = await ensureSamples(store, admin.id);
  options.logger.info({ adminCreated: admin.created, dictionaryEntriesAdded, samplesAdded }, 'store seeded');
  return { generatedAdminPassword: admin.generatedPassword, adminCreated: admin.created, dictionaryEntriesAdded, samplesAdded };
}

async function ensureAdmin(store: Store, options: SeedOptions): Promise<{ id: string; created: boolean; generatedPassword: string | null }> {
  const existing = await store.accounts.findCredentialsByEmail(options.adminEmail);
  if (existing !== null) {
    if (options.adminPassword !== undefined && !(await options.hasher.compare(options.adminPassword, existing.passwordHash))) {
      options.logger.warn({ email: options.adminEmail }, 'WORKTY_ADMIN_PASSWORD is only used when the admin is first made; the existing password was kept');
    }
    return { id: existing.account._id, created: false, generatedPassword: null };
  }
  const generatedPassword = options.adminPassword === undefined ? generateSecret(18) : null;
  const password = options.adminPassword ?? generatedPassword!;
  try {
    const account = await store.accounts.create({
      name: 'Workty admin',
      email: options.adminEmail,
      passwordHash: await options.hasher.hash(password),
      aclRoleNames: ['admin'],
    });
    if (generatedPassword !== null) writeFileSync(adminPasswordFile(options.dataDir), `${generatedPassword}\n`, { mode: 0o600 });
    return { id: account._id, created: true, generatedPassword };
  } catch (error) {
    // Another process seeding the same store made it first: theirs stands.
    if (!(error instanceof ConflictError)) throw error;
    const winner = await store.accounts.findCredentialsByEmail(options.adminEmail);
    if (winner === null) throw error;
    return { id: winner.account._id, created: false, generatedPassword: null };
  }
}

async function ensureSamples(store: Store, adminId: string): Promise<string[]> {
  const added: string[] = [];
  for (const sample of SAMPLE_WORKTIES) {
    const found = await store.workties.list({ scope: ALL, withTemplates: true }, { filter: { name: sample.name, template: true }, perPage: 1 });
    if (found.items.length > 0) continue;
    await store.workties.create({
      accountId: adminId,
      name: sample.name,
      desc: sample.desc,
      template: true,
      ...sampleDictionaryIds(sample),
      entryPointModuleFileName: sample.entryPointModuleFileName,
      properties: [...sample.properties],
      price: sample.price,
      discountPercent: sample.discountPercent,
      version: '1.0.0',
      packageBytes: await zipFolder(join(projectRoot, 'shared', 'seed', 'workties', sample.folder)),
    });
    added.push(sample.name);
  }
  return added;
}

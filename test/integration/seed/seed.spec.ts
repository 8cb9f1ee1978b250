import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { loadConfig, serverSettings, type ServerConfig } from '../../../config/index.js';
import { DICTIONARIES, DICTIONARY_NAMES } from '../../../shared/domain/dictionaries.js';
import { ALL } from '../../../shared/domain/query.js';
import { PasswordHasher } from '../../../shared/security/passwords.js';
import { generatedTlsPaths } from '../../../shared/security/tls.js';
import { prepareServer } from '../../../shared/seed/bootstrap.js';
import { SAMPLE_WORKTIES } from '../../../shared/seed/samples.js';
import { adminPasswordFile } from '../../../shared/seed/seed.js';
import type { Store } from '../../../shared/store/port.js';
import { capturingLogger } from '../../lib/logger.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

function configFor(dataDir: string, env: Record<string, string> = {}): ServerConfig {
  return loadConfig(serverSettings, { env: { WORKTY_DATA_DIR: dataDir, WORKTY_BCRYPT_COST: '4', ...env } });
}

async function templates(store: Store) {
  return (await store.workties.list({ scope: ALL, withTemplates: true }, { filter: { template: true }, count: true })).items;
}

describe('first start and restart (seed)', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir('seed');
  });
  afterEach(() => tmp.remove());

  it('makes the data directory, TLS, dictionaries, admin and sample templates; a restart changes nothing', async () => {
    const dataDir = `${tmp.path}/data`;
    const log = capturingLogger();
    const first = await prepareServer(configFor(dataDir), log.logger, { seed: true });
    let adminId: string;
    let firstTemplates;
    try {
      expect(statSync(dataDir).mode & 0o777).to.equal(0o700);
      expect(existsSync(generatedTlsPaths(dataDir).key)).to.equal(true);
      const seed = first.seed!;
      expect(seed.adminCreated).to.equal(true);
      const password = seed.generatedAdminPassword!;
      expect(password).to.have.length.greaterThanOrEqual(20);
      expect(readFileSync(adminPasswordFile(dataDir), 'utf8').trim()).to.equal(password);
      expect(statSync(adminPasswordFile(dataDir)).mode & 0o777).to.equal(0o600);
      const admin = await first.store.accounts.findCredentialsByEmail('supervisor@localhost');
      expect(admin?.account.aclRoleNames).to.deep.equal(['admin']);
      expect(await new PasswordHasher({ cost: 4 }).compare(password, admin!.passwordHash)).to.equal(true);
      adminId = admin!.account._id;
      for (const name of DICTIONARY_NAMES) {
        expect((await first.store.dictionaries.list(name)).map((e) => e._id)).to.have.members(DICTIONARIES[name].map((e) => e._id));
      }
      firstTemplates = await templates(first.store);
      expect(firstTemplates.map((w) => w.name)).to.have.members(SAMPLE_WORKTIES.map((s) => s.name));
      for (const template of firstTemplates) {
        expect(template.package?.size).to.be.greaterThan(0);
        const bytes = await first.store.packages.get(template.package!.hash);
        expect(bytes?.subarray(0, 4).toString('hex')).to.equal('504b0304');
      }
      // The generated password is printed once by the caller, never logged.
      expect(log.text()).not.to.contain(password);
    } finally {
      await first.store.close();
    }

    const tlsBefore = readFileSync(generatedTlsPaths(dataDir).cert, 'utf8');
    const passwordBefore = readFileSync(adminPasswordFile(dataDir), 'utf8');
    const second = await prepareServer(configFor(dataDir), log.logger, { seed: true });
    try {
      expect(second.seed).to.deep.include({ adminCreated: false, generatedAdminPassword: null, dictionaryEntriesAdded: 0, samplesAdded: [] });
      expect((await second.store.accounts.findCredentialsByEmail('supervisor@localhost'))?.account._id).to.equal(adminId);
      expect((await templates(second.store)).map((w) => [w._id, w.updated])).to.deep.equal(firstTemplates.map((w) => [w._id, w.updated]));
      expect(readFileSync(generatedTlsPaths(dataDir).cert, 'utf8')).to.equal(tlsBefore);
      expect(readFileSync(adminPasswordFile(dataDir), 'utf8')).to.equal(passwordBefore);
    } finally {
      await second.store.close();
    }
  });

  it('uses WORKTY_ADMIN_PASSWORD when given and writes no password file', async () => {
    const dataDir = `${tmp.path}/data`;
    const prepared = await prepareServer(
      configFor(dataDir, { WORKTY_ADMIN_PASSWORD: 'a configured password', WORKTY_ADMIN_EMAIL: 'root@example.com' }),
      capturingLogger().logger,
      { seed: true },
    );
    try {
      expect(prepared.seed?.generatedAdminPassword).to.equal(null);
      expect(existsSync(adminPasswordFile(dataDir))).to.equal(false);
      const admin = await prepared.store.accounts.findCredentialsByEmail('root@example.com');
      expect(await prepared.hasher.compare('a configured password', admin!.passwordHash)).to.equal(true);
    } finally {
      await prepared.store.close();
    }
  });

  it('keeps the existing admin password on restart and says so when another is configured', async () => {
    const dataDir = `${tmp.path}/data`;
    const first = await prepareServer(configFor(dataDir), capturingLogger().logger, { seed: true });
    await first.store.close();
    const log = capturingLogger();
    const again = await prepareServer(configFor(dataDir, { WORKTY_ADMIN_PASSWORD: 'another password here' }), log.logger, { seed: true });
    try {
      const admin = await again.store.accounts.findCredentialsByEmail('supervisor@localhost');
      expect(await again.hasher.compare(first.seed!.generatedAdminPassword!, admin!.passwordHash)).to.equal(true);
      expect(log.text()).to.contain('only used when the admin is first made');
      expect(log.text()).not.to.contain('another password here');
    } finally {
      await again.store.close();
    }
  });
});

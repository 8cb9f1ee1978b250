import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configurationDoc, withReadmeConfig } from '../../config/docs.js';
import { projectRoot } from '../../shared/paths.js';
import { ConfigError, loadConfig, restapiSettings, serverSettings, settingsTable, supervisorSettings, variablesOf, workerSettings } from '../../config/index.js';

describe('configuration', () => {
  it('gives the documented defaults when nothing is set', () => {
    const config = loadConfig(restapiSettings, { env: {} });
    expect(config.dataDir).to.equal('./data');
    expect(config.restPort).to.equal(9999);
    expect(config.mongodbUrl).to.equal(undefined);
    expect(config.adminEmail).to.equal('supervisor@localhost');
    expect(config.adminPassword).to.equal(undefined);
    expect(config.credentialCacheTtlMs).to.equal(300_000);
  });

  it('takes the environment over a file over the defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workty-config-'));
    const file = join(dir, 'workty.json');
    writeFileSync(file, JSON.stringify({ restPort: 8443, WORKTY_LOG_LEVEL: 'debug', credentialCacheTtlMs: '30s' }));
    const config = loadConfig(restapiSettings, { env: { WORKTY_REST_PORT: '9443' }, file });
    expect(config.restPort).to.equal(9443);
    expect(config.logLevel).to.equal('debug');
    expect(config.credentialCacheTtlMs).to.equal(30_000);
  });

  it('names every invalid key and what it allows', () => {
    let error: unknown;
    try {
      loadConfig(restapiSettings, {
        env: { WORKTY_REST_PORT: 'abc', WORKTY_LOG_LEVEL: 'loud', WORKTY_MONGODB_URL: 'http://x', WORKTY_BCRYPT_COST: '40' },
      });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).to.contain('WORKTY_REST_PORT = "abc": expected an integer from 1 to 65535');
    expect(message).to.contain('WORKTY_LOG_LEVEL = "loud": expected one of fatal, error, warn, info, debug, trace, silent');
    expect(message).to.contain('WORKTY_BCRYPT_COST = "40": expected an integer from 4 to 15');
    // A MongoDB URL may carry a password: it is never echoed.
    expect(message).to.contain('WORKTY_MONGODB_URL = (hidden)');
    expect(message).not.to.contain('http://x');
  });

  it('never echoes a secret that is too short', () => {
    expect(() => loadConfig(serverSettings, { env: { WORKTY_ADMIN_PASSWORD: 'short' } }))
      .to.throw(ConfigError, 'WORKTY_ADMIN_PASSWORD = (hidden): expected unset, or at least 12 characters');
  });

  it('refuses unknown keys and non-JSON in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workty-config-'));
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ restPortt: 1 }));
    expect(() => loadConfig(restapiSettings, { env: {}, file: unknown })).to.throw(ConfigError, 'unknown setting "restPortt"');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ nope');
    expect(() => loadConfig(restapiSettings, { env: {}, file: broken })).to.throw(ConfigError, `--config ${broken}`);
  });

  it('accepts in a file the settings of other roles, so one file can serve them all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workty-config-'));
    const file = join(dir, 'all.json');
    writeFileSync(file, JSON.stringify({ restPort: 8443, supervisorPort: 8444, localWorker: false, WORKTY_DEVICE_ID: 'x' }));
    expect(loadConfig(restapiSettings, { env: {}, file }).restPort).to.equal(8443);
    expect(loadConfig(supervisorSettings, { env: {}, file }).supervisorPort).to.equal(8444);
    expect(loadConfig(workerSettings, { env: {}, file }).deviceId).to.equal('x');
  });

  it('reads durations in words or milliseconds and bounds them', () => {
    expect(loadConfig(serverSettings, { env: { WORKTY_CREDENTIAL_CACHE_TTL: '1500' } }).credentialCacheTtlMs).to.equal(1500);
    expect(loadConfig(serverSettings, { env: { WORKTY_CREDENTIAL_CACHE_TTL: '2m' } }).credentialCacheTtlMs).to.equal(120_000);
    expect(() => loadConfig(serverSettings, { env: { WORKTY_CREDENTIAL_CACHE_TTL: '2 fortnights' } })).to.throw(ConfigError, 'WORKTY_CREDENTIAL_CACHE_TTL');
    expect(() => loadConfig(serverSettings, { env: { WORKTY_CREDENTIAL_CACHE_TTL: '2h' } })).to.throw(ConfigError, 'WORKTY_CREDENTIAL_CACHE_TTL');
  });

  describe('secrets from files (<VARIABLE>_FILE, as docker secrets are mounted)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workty-config-secrets-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a secret from the file its _FILE variable names, without the trailing newline', () => {
      const file = join(dir, 'admin-password');
      writeFileSync(file, 'a long admin password\n');
      const config = loadConfig(serverSettings, { env: { WORKTY_ADMIN_PASSWORD_FILE: file, WORKTY_METRICS_TOKEN_FILE: file } });
      expect(config.adminPassword).to.equal('a long admin password');
      expect(config.metricsToken).to.equal('a long admin password');
      writeFileSync(file, 'device-secret-0123');
      expect(loadConfig(workerSettings, { env: { WORKTY_DEVICE_SECRET_FILE: file } }).deviceSecret).to.equal('device-secret-0123');
    });

    it('refuses both forms at once, an unreadable or empty file, and a short secret, never echoing it', () => {
      const file = join(dir, 'short');
      writeFileSync(file, 'short\n');
      const empty = join(dir, 'empty');
      writeFileSync(empty, '\n');
      let error: unknown;
      try {
        loadConfig(serverSettings, { env: {
          WORKTY_ADMIN_PASSWORD: 'twelve chars or more', WORKTY_ADMIN_PASSWORD_FILE: file,
          WORKTY_METRICS_TOKEN_FILE: join(dir, 'missing'), WORKTY_MONGODB_URL_FILE: empty,
        } });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).to.include('WORKTY_ADMIN_PASSWORD and WORKTY_ADMIN_PASSWORD_FILE are both set: set one of them');
      expect(problems).to.include(`WORKTY_METRICS_TOKEN_FILE = "${join(dir, 'missing')}": cannot read it (ENOENT)`);
      expect(problems).to.include(`WORKTY_MONGODB_URL_FILE = "${empty}": the file is empty`);
      expect(() => loadConfig(serverSettings, { env: { WORKTY_ADMIN_PASSWORD_FILE: file } }))
        .to.throw(ConfigError, 'WORKTY_ADMIN_PASSWORD = (hidden): expected unset, or at least 12 characters');
      expect((error as Error).message).not.to.contain('twelve chars');
    });

    it('lists the _FILE variant of secrets only among the variables a role reads', () => {
      const names = variablesOf(workerSettings);
      expect(names).to.include.members(['WORKTY_DEVICE_SECRET', 'WORKTY_DEVICE_SECRET_FILE', 'WORKTY_DEVICE_ID']);
      expect(names).not.to.include('WORKTY_DEVICE_ID_FILE');
      expect(variablesOf(restapiSettings)).to.include.members(['WORKTY_METRICS_TOKEN_FILE', 'WORKTY_ADMIN_PASSWORD_FILE', 'WORKTY_MONGODB_URL_FILE']);
    });
  });

  it('documents every variable in a table', () => {
    const table = settingsTable(workerSettings);
    for (const s of Object.values(workerSettings)) expect(table).to.contain(`\`${s.env}\``);
  });
});

describe('configuration reference', () => {
  it('README.md and docs/configuration.md match the schemas (run `npm run docs:config`)', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    expect(withReadmeConfig(readme)).to.equal(readme);
    expect(readFileSync(join(projectRoot, 'docs', 'configuration.md'), 'utf8')).to.equal(configurationDoc());
  });
});

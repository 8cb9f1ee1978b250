import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configurationDoc, withReadmeConfig } from '../../config/docs.js';
import { projectRoot } from '../../shared/paths.js';
import { ConfigError, loadConfig, restapiSettings, serverSettings, settingsTable, supervisorSettings, workerSettings } from '../../config/index.js';

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

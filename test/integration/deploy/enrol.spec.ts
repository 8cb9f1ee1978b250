/**
 * `node dist/worker/enrol.js` against a real supervisor: the credential is checked over the trust the
 * worker will use before anything is written; the environment file (mode 0600) is what the worker
 * reads; every refusal says why and writes nothing; the secret never comes from the command line.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, workerSettings } from '../../../config/index.js';
import { readEnvFile } from '../../lib/deploy/compose.js';
import { EngineHarness, type DeviceCredential } from '../../lib/engine-harness.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { enrol } from '../../lib/deploy/enrol.js';

describe('deployment: enrolling a board', function () {
  this.timeout(60_000);
  let h: EngineHarness;
  let dir: TempDir;
  let credential: DeviceCredential;

  before(async () => {
    h = await EngineHarness.start();
    credential = await h.device({ name: 'enrol-board' });
  });
  after(async () => {
    await h?.close();
  });
  beforeEach(() => {
    dir = makeTempDir('enrol');
  });
  afterEach(() => dir.remove());

  const output = (): string => join(dir.path, 'etc', 'worker.env');
  const args = (extra: string[] = []): string[] => ['--supervisor-url', h.url, '--device-id', credential.device._id, '--output', output(), ...extra];

  it('checks the credential, then writes an environment file (0600) the worker loads as its configuration', async () => {
    const result = await enrol(args(['--ca', h.tls.certPath]), `${credential.secret}\n`);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain(`Device "enrol-board" (${credential.device._id}) is accepted by ${h.url}.`);
    expect(statSync(output()).mode & 0o777).to.equal(0o600);
    const config = loadConfig(workerSettings, { env: readEnvFile(output()) });
    expect(config).to.include({ supervisorUrl: h.url, supervisorCa: h.tls.certPath, deviceId: credential.device._id, deviceSecret: credential.secret });
    expect(config.supervisorFingerprint).to.equal(undefined);
    for (const line of readFileSync(output(), 'utf8').split('\n').filter((l) => !l.startsWith('#') && l !== '')) {
      expect(line, 'a line systemd and docker --env-file read alike').to.match(/^WORKTY_[A-Z_]+=[A-Za-z0-9_./:@%+,=-]+$/);
    }
  });

  it('pins the supervisor\'s certificate by fingerprint instead of a CA file, and reads the secret from a file', async () => {
    const fingerprint = new X509Certificate(h.tls.cert).fingerprint256;
    const secretFile = join(dir.path, 'secret');
    writeFileSync(secretFile, `${credential.secret}\n`, { mode: 0o600 });
    const result = await enrol(args(['--fingerprint', fingerprint.toLowerCase(), '--secret-file', secretFile]), '');
    expect(result.code, result.stderr).to.equal(0);
    expect(readEnvFile(output())).to.include({ WORKTY_SUPERVISOR_FINGERPRINT: fingerprint, WORKTY_DEVICE_SECRET: credential.secret });
  });

  it('writes nothing when the supervisor refuses the credential or the device, or cannot be trusted, and says why', async () => {
    const wrong = await enrol(args(['--ca', h.tls.certPath]), 'not-the-secret\n');
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.contain('the supervisor refused the credential (HTTP 401): unknown device or wrong secret');
    expect(wrong.stderr).not.to.contain('not-the-secret');

    await h.store.devices.update(credential.device._id, { disabled: true });
    try {
      const disabled = await enrol(args(['--ca', h.tls.certPath]), `${credential.secret}\n`);
      expect(disabled.code).to.equal(1);
      expect(disabled.stderr).to.contain('(HTTP 403): device "enrol-board" is disabled by an administrator');
    } finally {
      await h.store.devices.update(credential.device._id, { disabled: false });
    }

    const untrusted = await enrol(args(), `${credential.secret}\n`);
    expect(untrusted.code).to.equal(1);
    expect(untrusted.stderr).to.contain(`cannot reach the supervisor at ${h.url}`).and.contain('give the supervisor\'s certificate with --ca');

    const impostor = await enrol(args(['--fingerprint', 'AB'.repeat(32)]), `${credential.secret}\n`);
    expect(impostor.code).to.equal(1);
    expect(impostor.stderr).to.contain('not the pinned');

    const unreachable = await enrol(['--supervisor-url', 'https://127.0.0.1:9', '--device-id', credential.device._id, '--output', output(), '--ca', h.tls.certPath], `${credential.secret}\n`);
    expect(unreachable.code).to.equal(1);
    expect(unreachable.stderr).to.contain('cannot reach the supervisor at https://127.0.0.1:9');
    expect(existsSync(output())).to.equal(false);
  });

  it('refuses bad usage with exit code 2, and has no way to take the secret from its command line', async () => {
    const badId = await enrol(['--supervisor-url', h.url, '--device-id', 'board-1', '--output', output()], 'x\n');
    expect(badId.code).to.equal(2);
    expect(badId.stderr).to.contain('--device-id must be the device\'s id');
    const http = await enrol(['--supervisor-url', 'http://example.com', '--device-id', credential.device._id, '--output', output()], 'x\n');
    expect(http.code).to.equal(2);
    expect(http.stderr).to.contain('must be an https URL');
    const both = await enrol(args(['--ca', h.tls.certPath, '--fingerprint', 'AB'.repeat(32)]), 'x\n');
    expect(both.code).to.equal(2);
    const empty = await enrol(args(['--ca', h.tls.certPath]), '\n');
    expect(empty.code).to.equal(2);
    expect(empty.stderr).to.contain('the device secret is empty');
    const onArgv = await enrol(args(['--ca', h.tls.certPath, '--secret', credential.secret]), '');
    expect(onArgv.code).not.to.equal(0);
    expect(onArgv.stderr).to.contain('unknown option \'--secret\'');
    expect(existsSync(output())).to.equal(false);
  });
});

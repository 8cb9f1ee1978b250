import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { osName, readTemperature } from '../../../worker/facts/facts.js';
import { findOnPath } from '../../../worker/facts/runtimes.js';
import { taskEnv } from '../../../worker/executor/task-env.js';
import { normaliseFingerprint } from '../../../worker/connection/trust.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

describe('board facts', () => {
  let dir: TempDir;

  beforeEach(() => {
    dir = makeTempDir('facts');
  });

  afterEach(() => dir.remove());

  function zone(name: string, type: string | null, milli: string): void {
    mkdirSync(join(dir.path, name));
    writeFileSync(join(dir.path, name, 'temp'), `${milli}\n`);
    if (type !== null) writeFileSync(join(dir.path, name, 'type'), `${type}\n`);
  }

  it('reads the CPU zone temperature in °C', () => {
    zone('thermal_zone0', 'acpitz', '27800');
    zone('thermal_zone1', 'cpu-thermal', '48312');
    expect(readTemperature(dir.path)).to.equal(48.3);
  });

  it('falls back to the first zone, and to null without any', () => {
    expect(readTemperature(dir.path)).to.equal(null);
    expect(readTemperature(join(dir.path, 'missing'))).to.equal(null);
    zone('thermal_zone0', null, '51000');
    expect(readTemperature(dir.path)).to.equal(51);
  });

  it('names the OS from os-release, else the kernel', () => {
    const file = join(dir.path, 'os-release');
    writeFileSync(file, 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
    expect(osName(file)).to.equal('Debian GNU/Linux 12 (bookworm)');
    expect(osName(join(dir.path, 'none'))).to.equal('Linux');
  });

  it('finds executables on a PATH', () => {
    const bin = join(dir.path, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(bin, 'notes'), 'not executable', { mode: 0o644 });
    expect(findOnPath('tool', `/nonexistent:${bin}`)).to.equal(join(bin, 'tool'));
    expect(findOnPath('notes', bin)).to.equal(null);
    expect(findOnPath('tool', undefined)).to.equal(null);
  });
});

describe('task environment', () => {
  it('passes the contract variables and a short allow-list, never the worker\'s settings', () => {
    const env = taskEnv({
      key: { runId: 'r'.repeat(24), instanceId: 'i'.repeat(24), attempt: 2, leaseToken: 'lease-token-secret' },
      properties: { timeout: 5, name: 'x' },
      resultFile: '/w/result.json',
      tmpDir: '/w/tmp',
      checkpoint: { state: 'upload', data: { n: 1 } },
      sdkPath: '/sdk/index.js',
      baseEnv: {
        PATH: '/usr/bin', HOME: '/home/pi', LC_ALL: 'C.UTF-8', HTTP_PROXY: 'http://proxy', AWS_SECRET_ACCESS_KEY: 'nope',
        WORKTY_DEVICE_SECRET: 'the-device-secret', WORKTY_DEVICE_ID: 'dev', WORKTY_SUPERVISOR_URL: 'https://sup',
      },
      extraNames: ['HTTP_PROXY', 'WORKTY_DEVICE_SECRET'],
    });
    expect(env).to.deep.equal({
      PATH: '/usr/bin',
      HOME: '/home/pi',
      LC_ALL: 'C.UTF-8',
      HTTP_PROXY: 'http://proxy',
      TMPDIR: '/w/tmp',
      WORKTY_PROPERTIES: '{"timeout":5,"name":"x"}',
      WORKTY_RUN_ID: 'r'.repeat(24),
      WORKTY_INSTANCE_ID: 'i'.repeat(24),
      WORKTY_ATTEMPT: '2',
      WORKTY_RESULT_FILE: '/w/result.json',
      WORKTY_SDK: '/sdk/index.js',
      WORKTY_CHECKPOINT: '{"state":"upload","data":{"n":1}}',
    });
  });
});

describe('certificate fingerprints', () => {
  it('are normalised to upper-case colon pairs', () => {
    const hex = 'ab'.repeat(32);
    expect(normaliseFingerprint(hex)).to.equal(Array(32).fill('AB').join(':'));
    expect(normaliseFingerprint(Array(32).fill('ab').join(':'))).to.equal(Array(32).fill('AB').join(':'));
    expect(() => normaliseFingerprint('AB:CD')).to.throw('64 hexadecimal digits');
  });
});

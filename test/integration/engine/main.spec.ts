/** The supervisor process: configuration errors, readiness, signals; the composition root's close(). */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineHarness } from '../../lib/engine-harness.js';
import { roleScript, runToEnd } from '../../lib/process.js';
import { SupervisorProcess, freePort } from '../../lib/supervisor-process.js';
import { makeTempDir } from '../../lib/tmp.js';
import { nextEvent } from '../../lib/wait.js';

describe('supervisor process', function () {
  it('stops with exit code 2 and the key on a bad setting, creating nothing', async () => {
    const dir = makeTempDir('sv-config');
    try {
      const dataDir = join(dir.path, 'data');
      const bad = await runToEnd(roleScript('supervisor'), [], { WORKTY_DATA_DIR: dataDir, WORKTY_LEASE_DURATION: 'forever' });
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.contain('WORKTY_LEASE_DURATION = "forever": expected a duration from 500 ms to 1 hour');
      const inverted = await runToEnd(roleScript('supervisor'), [], { WORKTY_DATA_DIR: dataDir, WORKTY_LEASE_DURATION: '10s', WORKTY_LEASE_RENEW_INTERVAL: '20s' });
      expect(inverted.code).to.equal(2);
      expect(inverted.stderr).to.contain('WORKTY_LEASE_RENEW_INTERVAL (20000 ms) must be shorter than WORKTY_LEASE_DURATION (10000 ms)');
      expect(existsSync(dataDir)).to.equal(false);
    } finally {
      dir.remove();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`reports ready over IPC, then stops in order on ${signal} with exit code 0`, async function () {
      this.timeout(60_000);
      const dir = makeTempDir('sv-signal');
      const supervisor = new SupervisorProcess(dir.path, await freePort());
      try {
        await supervisor.start();
        expect(await supervisor.kill(signal)).to.deep.equal({ code: 0, signal: null });
        expect(supervisor.output).to.not.contain('shutdown did not finish');
      } finally {
        await supervisor.kill('SIGKILL');
        dir.remove();
      }
    });
  }
});

describe('supervisor close()', function () {
  it('is idempotent and ordered: workers are told (disconnected), boards recorded disconnected, the port freed', async () => {
    const h = await EngineHarness.start();
    const credential = await h.device();
    const worker = await h.worker({ credential });
    const closing = nextEvent(h.supervisor.lifecycle, 'closing');
    const gone = nextEvent<[string]>(worker, 'disconnected');
    const first = h.supervisor.close();
    expect(h.supervisor.close()).to.equal(first);
    await closing;
    await first;
    const [reason] = await gone;
    expect(reason).to.equal('transport close');
    expect((await h.store.devices.get(credential.device._id))?.state).to.equal('disconnected');
    expect(h.supervisor.httpsServer.listening).to.equal(false);
    worker.close();
    await h.close();
  });
});

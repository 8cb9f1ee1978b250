import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processGone } from '../../../worker/executor/process-tree.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { testWorkerEnv } from '../../lib/worker/config.js';
import { startDaemon, type DaemonProcess } from '../../lib/worker/daemon-process.js';
import { FakeSupervisor, makeDispatch } from '../../lib/worker/fake-supervisor.js';
import { zipFolder } from '../../../shared/seed/package.js';
import { nextEvent, waitFor } from '../../lib/worker/wait.js';

describe('worker daemon as a process: start, signals, crash recovery', function () {
  this.timeout(40_000);
  let supervisor: FakeSupervisor;
  let dir: TempDir;
  const daemons: DaemonProcess[] = [];

  beforeEach(async () => {
    supervisor = await FakeSupervisor.start({ renewEveryMs: 200 });
    dir = makeTempDir('daemon');
  });

  afterEach(async () => {
    for (const daemon of daemons.splice(0)) {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
    await supervisor.close();
    dir.remove();
  });

  function start(env: Record<string, string> = {}): DaemonProcess {
    const daemon = startDaemon(testWorkerEnv(supervisor, join(dir.path, 'worker'), { WORKTY_LOG_LEVEL: 'warn', ...env }));
    daemons.push(daemon);
    return daemon;
  }

  async function packageOf(files: Record<string, string>): Promise<{ hash: string; size: number }> {
    const folder = join(dir.path, `pkg-${Math.random().toString(16).slice(2)}`);
    mkdirSync(folder);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
    return supervisor.addPackage(await zipFolder(folder));
  }

  it('tells the launcher it is ready, and on SIGTERM drains: announces it, lets the attempt finish, delivers, exits 0', async () => {
    const daemon = start();
    expect(await daemon.ready).to.deep.equal({ type: 'ready', role: 'worker' });
    await waitFor(() => supervisor.connected, { what: 'the hello' });
    const dispatch = makeDispatch({ package: await packageOf({ 'run.sh': 'echo begin\nsleep 0.5\necho end\n' }), runtime: 'sh', entryPoint: 'run.sh' });
    await supervisor.dispatch(dispatch);
    await waitFor(() => supervisor.logOf(dispatch).includes('begin'), { what: 'the attempt to begin' });
    const draining = nextEvent(supervisor, 'draining');
    daemon.child.kill('SIGTERM');
    await draining;
    expect(await daemon.exited).to.deep.equal({ code: 0, signal: null });
    expect(supervisor.finishedOf(dispatch)).to.deep.include({ outcome: 'completed' });
    expect(supervisor.logOf(dispatch)).to.equal('begin\nend\n');
    expect(supervisor.releases).to.deep.equal([]);
  });

  it('kills what outlives the shutdown grace and hands it back with release', async () => {
    const daemon = start({ WORKTY_WORKER_SHUTDOWN_GRACE: '300ms' });
    await daemon.ready;
    await waitFor(() => supervisor.connected, { what: 'the hello' });
    const dispatch = makeDispatch({ package: await packageOf({ 'run.sh': 'echo begin\nsleep 60\n' }), runtime: 'sh', entryPoint: 'run.sh' });
    await supervisor.dispatch(dispatch);
    await waitFor(() => supervisor.logOf(dispatch).includes('begin'), { what: 'the attempt to begin' });
    const started = supervisor.reportsOf(dispatch).find((r) => r.type === 'started');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).to.deep.equal({ code: 0, signal: null });
    expect(supervisor.releases).to.deep.equal([{ keys: [{ runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: 1, leaseToken: dispatch.leaseToken }], reason: 'shutdown' }]);
    // Handed back, not reported finished; its process is gone.
    expect(supervisor.finishedOf(dispatch)).to.equal(undefined);
    expect(started?.type === 'started' && started.pid !== null && processGone(started.pid)).to.equal(true);
  });

  it('after kill -9, kills the orphaned task, reports the attempt failed honestly and resends what was not acknowledged', async () => {
    const first = start();
    await first.ready;
    await waitFor(() => supervisor.connected, { what: 'the hello' });
    const pidFile = join(dir.path, 'grandchild.pid');
    const dispatch = makeDispatch({
      package: await packageOf({ 'run.sh': `sleep 600 &\necho $! > ${pidFile}\necho begin\nwait\n` }),
      runtime: 'sh', entryPoint: 'run.sh',
    });
    await supervisor.dispatch(dispatch);
    await waitFor(() => supervisor.logOf(dispatch).includes('begin'), { what: 'the attempt to begin' });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    supervisor.ackReports = false;
    first.child.kill('SIGKILL');
    await first.exited;
    // The task lives on in its own process group…
    expect(processGone(grandchild)).to.equal(false);
    const hellos = supervisor.hellos.length;
    supervisor.ackReports = true;
    const second = start();
    await second.ready;
    // …until the worker starts again.
    await waitFor(() => processGone(grandchild), { what: 'the orphan to be killed' });
    await waitFor(() => supervisor.hellos.length > hellos, { what: 'the second hello' });
    expect(supervisor.hellos[hellos]!.held).to.deep.equal([
      { runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: 1, leaseToken: dispatch.leaseToken, status: 'finished' },
    ]);
    const finished = await waitFor(() => supervisor.finishedOf(dispatch), { what: 'the finished report' });
    expect(finished).to.deep.include({ outcome: 'failed', retryable: true });
    expect(finished.error).to.contain('the worker stopped while the attempt ran');
    const seqs = supervisor.reportsOf(dispatch).map((r) => r.seq);
    expect(seqs).to.deep.equal(seqs.map((_, i) => i + 1));
    second.child.kill('SIGTERM');
    expect((await second.exited).code).to.equal(0);
  });

  it('keeps trying while the supervisor is away, and stops at once on SIGTERM', async () => {
    // Nothing listens on the discard port.
    const daemon = startDaemon(testWorkerEnv(null, join(dir.path, 'worker'), {
      WORKTY_LOG_LEVEL: 'warn', WORKTY_SUPERVISOR_URL: 'https://127.0.0.1:9', WORKTY_DEVICE_ID: 'f'.repeat(24), WORKTY_DEVICE_SECRET: 'some-device-secret',
    }));
    daemons.push(daemon);
    await daemon.ready;
    await waitFor(() => daemon.output().includes('cannot reach the supervisor'), { what: 'the first failed attempt in the log' });
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).to.deep.equal({ code: 0, signal: null });
    expect(daemon.output()).not.to.contain('some-device-secret');
  });

  it('reads --config FILE, which may hold other roles\' settings too', async () => {
    const file = join(dir.path, 'workty.json');
    writeFileSync(file, JSON.stringify({ restPort: 9443, WORKTY_WORKER_SLOTS: 3 }));
    const env = testWorkerEnv(supervisor, join(dir.path, 'worker'), { WORKTY_LOG_LEVEL: 'warn', WORKTY_WORKER_SLOTS: '' });
    const daemon = startDaemon(env, ['--config', file]);
    daemons.push(daemon);
    await daemon.ready;
    await waitFor(() => supervisor.connected, { what: 'the hello' });
    expect(supervisor.facts?.slots).to.equal(3);
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).to.equal(0);
  });

  it('refuses to share its folder with a running worker (exit 2)', async () => {
    const first = start();
    await first.ready;
    const second = start();
    expect((await second.exited).code).to.equal(2);
    expect(second.output()).to.contain(`another worker (pid ${first.child.pid}) uses`);
    expect(first.child.exitCode).to.equal(null);
  });

  it('refuses to start without its device credential, or with a bad setting (exit 2)', async () => {
    const noSecret = start({ WORKTY_DEVICE_SECRET: '' });
    expect((await noSecret.exited).code).to.equal(2);
    expect(noSecret.output()).to.contain('The worker needs its device credential: set WORKTY_DEVICE_ID and WORKTY_DEVICE_SECRET');
    const badSetting = start({ WORKTY_WORKER_SLOTS: 'many' });
    expect((await badSetting.exited).code).to.equal(2);
    expect(badSetting.output()).to.contain('WORKTY_WORKER_SLOTS = "many": expected unset, or an integer from 1 to 256');
    expect(badSetting.output()).not.to.contain(supervisor.secret);
  });
});

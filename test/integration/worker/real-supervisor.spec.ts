/**
 * The worker daemon (a real process) against the real supervisor (in process, SQLite store): whole
 * runs, the SDK's resume across attempts, stop, crash and graceful shutdown.
 */
import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Run } from '../../../shared/domain/model.js';
import { ALL } from '../../../shared/domain/query.js';
import { projectRoot } from '../../../shared/paths.js';
import { zipFolder } from '../../../shared/seed/package.js';
import { processGone } from '../../../worker/executor/process-tree.js';
import { EngineHarness, type DeviceCredential } from '../../lib/engine-harness.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';
import { testWorkerEnv } from '../../lib/worker/config.js';
import { startDaemon, type DaemonProcess } from '../../lib/worker/daemon-process.js';
import { waitFor } from '../../lib/worker/wait.js';

describe('worker daemon against the real supervisor', function () {
  this.timeout(60_000);
  let h: EngineHarness;
  let dir: TempDir;
  const daemons: DaemonProcess[] = [];

  beforeEach(async () => {
    h = await EngineHarness.start();
    dir = makeTempDir('real-supervisor');
  });

  afterEach(async () => {
    for (const daemon of daemons.splice(0)) {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
    await h.close();
    dir.remove();
  });

  /** A worker process for `credential`, on its own folder (the same folder again after a restart). */
  async function worker(credential: DeviceCredential, env: Record<string, string> = {}): Promise<DaemonProcess> {
    const daemon = startDaemon(testWorkerEnv(null, join(dir.path, credential.device._id), {
      WORKTY_LOG_LEVEL: 'warn',
      WORKTY_SUPERVISOR_URL: h.url,
      WORKTY_SUPERVISOR_CA: h.tls.certPath,
      WORKTY_DEVICE_ID: credential.device._id,
      WORKTY_DEVICE_SECRET: credential.secret,
      ...env,
    }));
    daemons.push(daemon);
    await daemon.ready;
    await waitFor(() => h.supervisor.registry.get(credential.device._id)?.ready === true, { what: () => `the worker's hello; its output:\n${daemon.output()}` });
    return daemon;
  }

  async function zip(files: Record<string, string>): Promise<Buffer> {
    const folder = join(dir.path, `package-${Math.random().toString(16).slice(2)}`);
    mkdirSync(folder);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
    return zipFolder(folder);
  }

  const attemptsOf = (run: Run, index: number) => run.instances[index]!.attempts;

  it('runs a workflow of node, python and shell steps to completion, with results and logs stored', async () => {
    await worker(await h.device());
    const { workflow } = await h.workflow([
      { language: 'nodejs', entryPoint: 'index.js', packageBytes: await zip({ 'index.js': 'console.log("node step"); require("fs").writeFileSync(process.env.WORKTY_RESULT_FILE, JSON.stringify({ n: 1 }));' }) },
      { language: 'python', entryPoint: 'main.py', packageBytes: await zipFolder(join(projectRoot, 'shared', 'seed', 'workties', 'python-word-count')), properties: [{ name: 'text', value: 'one two three' }] },
      { language: 'shell', entryPoint: 'run.sh', packageBytes: await zip({ 'run.sh': 'echo "shell step $WORKTY_ATTEMPT"\n' }) },
    ]);
    const run = await h.finished((await h.run(workflow))._id);
    expect(run.status).to.equal('completed');
    expect(run.instances.map((i) => i.state)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(attemptsOf(run, 0)[0]).to.deep.include({ status: 'completed', exitCode: 0, result: { n: 1 } });
    expect(attemptsOf(run, 1)[0]!.result).to.deep.equal({ words: 3, characters: 13 });
    const logs = await h.store.runs.logs(run._id, ALL);
    expect(logs.map((l) => l.text).join('')).to.contain('node step\n').and.contain('3 words in 13 characters\n').and.contain('shell step 1\n');
  });

  it('resumes an SDK workty from its last checkpoint on the next attempt', async () => {
    await worker(await h.device());
    const { workflow } = await h.workflow([{
      language: 'nodejs',
      entryPoint: 'index.mjs',
      packageBytes: await zipFolder(join(projectRoot, 'shared', 'seed', 'workties', 'sdk-pipeline')),
      properties: [{ name: 'records', value: 3 }, { name: 'stepMs', value: 5 }, { name: 'failOnceAt', value: 'upload' }],
      retry: { maxAttempts: 3, backoffMs: 50 },
    }]);
    const run = await h.finished((await h.run(workflow))._id);
    expect(run.status).to.equal('completed');
    const attempts = attemptsOf(run, 0);
    expect(attempts.map((a) => a.status)).to.deep.equal(['failed', 'completed']);
    expect(attempts[1]!.result).to.deep.equal({ uploaded: 3, resumedFrom: 'upload' });
    const logs = await h.store.runs.logs(run._id, ALL, { attempt: 2 });
    expect(logs.map((l) => l.text).join('')).to.contain('resumed at "upload" with 3 transformed records');
  });

  it('kills the running task when the user stops the run', async () => {
    await worker(await h.device());
    const pidFile = join(dir.path, 'task.pid');
    const { workflow } = await h.workflow([{ language: 'shell', entryPoint: 'run.sh', packageBytes: await zip({ 'run.sh': `echo $$ > ${pidFile}\nsleep 600\n` }) }]);
    const requested = await h.run(workflow);
    await h.runUntil(requested._id, (r) => r.instances[0]!.attempts[0]?.started != null, 'the attempt to start');
    await waitFor(() => {
      try {
        return readFileSync(pidFile, 'utf8').trim() !== '';
      } catch {
        return false;
      }
    }, { what: 'the task pid' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await h.command(workflow, 'stop');
    const run = await h.finished(requested._id);
    expect(run.status).to.equal('stopped');
    await waitFor(() => processGone(pid), { what: 'the task to be killed' });
  });

  it('after a kill -9 of the worker, the restarted worker reports the attempt and the run goes on', async () => {
    const credential = await h.device();
    const first = await worker(credential);
    const { workflow } = await h.workflow([{
      language: 'shell', entryPoint: 'run.sh', retry: { maxAttempts: 3, backoffMs: 50 },
      packageBytes: await zip({ 'run.sh': 'if [ "$WORKTY_ATTEMPT" = 1 ]; then sleep 600; fi\necho "attempt $WORKTY_ATTEMPT done"\n' }),
    }]);
    const requested = await h.run(workflow);
    await h.runUntil(requested._id, (r) => r.instances[0]!.attempts[0]?.started != null, 'the first attempt to start');
    first.child.kill('SIGKILL');
    await first.exited;
    await worker(credential);
    const run = await h.finished(requested._id);
    expect(run.status).to.equal('completed');
    const attempts = attemptsOf(run, 0);
    expect(attempts[0]!.status).to.equal('failed');
    expect(attempts[0]!.error).to.contain('the worker stopped while the attempt ran');
    expect(attempts[attempts.length - 1]!.status).to.equal('completed');
  });

  it('on SIGTERM hands a long attempt back; it runs again, without a penalty, on the next worker', async () => {
    const credential = await h.device();
    const first = await worker(credential, { WORKTY_WORKER_SHUTDOWN_GRACE: '300ms' });
    const marker = join(dir.path, 'first-attempt-ran');
    const { workflow } = await h.workflow([{
      language: 'shell', entryPoint: 'run.sh', retry: { maxAttempts: 1 },
      packageBytes: await zip({ 'run.sh': `if [ ! -e ${marker} ]; then touch ${marker}; sleep 600; fi\necho finished\n` }),
    }]);
    const requested = await h.run(workflow);
    await h.runUntil(requested._id, (r) => r.instances[0]!.attempts[0]?.started != null, 'the first attempt to start');
    first.child.kill('SIGTERM');
    expect(await first.exited).to.deep.equal({ code: 0, signal: null });
    await h.runUntil(requested._id, (r) => r.instances[0]!.attempts[0]?.status === 'released', 'the attempt to be released');
    await worker(await h.device());
    const run = await h.finished(requested._id);
    expect(run.status).to.equal('completed');
    expect(attemptsOf(run, 0).map((a) => a.status)).to.deep.equal(['released', 'completed']);
  });

  it('rides out a supervisor restart: reconnects, resends, and the run completes', async () => {
    await worker(await h.device());
    const gate = join(dir.path, 'gate');
    const { workflow } = await h.workflow([{
      language: 'shell', entryPoint: 'run.sh',
      packageBytes: await zip({ 'run.sh': `echo waiting\nwhile [ ! -e ${gate} ]; do sleep 0.05; done\necho "through the gate"\n` }),
    }]);
    const requested = await h.run(workflow);
    await h.runUntil(requested._id, (r) => r.instances[0]!.attempts[0]?.started != null, 'the attempt to start');
    await h.stopSupervisor();
    writeFileSync(gate, '');
    await h.startSupervisor();
    const run = await h.finished(requested._id);
    expect(run.status).to.equal('completed');
    expect(attemptsOf(run, 0).map((a) => a.status)).to.deep.equal(['completed']);
    const logs = await h.store.runs.logs(run._id, ALL);
    expect(logs.map((l) => l.text).join('')).to.equal('waiting\nthrough the gate\n');
  });
});

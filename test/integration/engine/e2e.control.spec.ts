/**
 * End to end with real worker daemons: stop kills the task's process tree, pause/resume, run while
 * running refused, kill -9 of a worker or of the supervisor, a worker cut off, refused handshakes.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError } from '../../../shared/domain/errors.js';
import { idOf } from '../../../shared/domain/dictionaries.js';
import { ALL } from '../../../shared/domain/query.js';
import { generateSecret, hashSecret } from '../../../shared/security/secrets.js';
import { loadTls } from '../../../shared/security/tls.js';
import { openStore } from '../../../shared/store/index.js';
import { E2eRig, alive, counted } from '../../lib/e2e.js';
import { silentLogger } from '../../lib/logger.js';
import { SupervisorProcess, freePort } from '../../lib/supervisor-process.js';
import { TcpProxy } from '../../lib/tcp-proxy.js';
import { nodeTask, samplePackage } from '../../lib/test-packages.js';
import { makeTempDir } from '../../lib/tmp.js';
import { waitFor } from '../../lib/wait.js';
import { WorkerProcess } from '../../lib/worker-process.js';

/** A task that starts a grandchild (`sleep`), writes both pids to its result file's folder, and waits. */
const TREE_TASK = `
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const child = spawn('sleep', ['60'], { stdio: 'ignore' });
writeFileSync(join(JSON.parse(process.argv[2]).pidDir, 'pids.json'), JSON.stringify({ task: process.pid, child: child.pid }));
console.log('started');
setInterval(() => {}, 1000);
`;

describe('end to end: control and failures with real workers', function () {
  this.timeout(60_000);
  let rig: E2eRig;
  afterEach(async () => {
    await rig.close();
  });

  it('stop kills the task\'s whole process tree on the board; the run ends stopped', async () => {
    rig = await E2eRig.start();
    const h = rig.h;
    await rig.worker();
    const pidDir = makeTempDir('pids');
    try {
      const { workflow } = await h.workflow([{ name: 'long', packageBytes: await nodeTask(TREE_TASK), properties: [{ name: 'pidDir', value: pidDir.path }] }]);
      const run = await h.run(workflow);
      let pids: { task: number; child: number } | null = null;
      await waitFor(() => {
        try {
          pids = JSON.parse(readFileSync(join(pidDir.path, 'pids.json'), 'utf8')) as { task: number; child: number };
          return true;
        } catch {
          return false;
        }
      }, { what: 'the task to write its pids', timeoutMs: 20_000 });
      expect(alive(pids!.task) && alive(pids!.child)).to.equal(true);
      await h.command(workflow, 'stop');
      const done = await h.finished(run._id, 20_000);
      expect(done.status).to.equal('stopped');
      expect(done.instances[0]!.attempts[0]!.status).to.equal('stopped');
      await waitFor(() => !alive(pids!.task) && !alive(pids!.child), { what: 'the task and its child to be gone', timeoutMs: 10_000 });
      const started = (await h.store.runs.journal(run._id, ALL)).items.find((e) => e.type === 'attempt.started');
      expect(started?.data['pid']).to.equal(pids!.task);
    } finally {
      pidDir.remove();
    }
  });

  it('pause lets the running task finish and holds the next one until resumed; a second run is refused meanwhile', async () => {
    rig = await E2eRig.start();
    const h = rig.h;
    await rig.worker();
    const wait = await samplePackage('wait-and-print');
    const { workflow } = await h.workflow([
      { name: 'first', packageBytes: wait, properties: [{ name: 'timeout', value: 1500 }] },
      { name: 'second', packageBytes: wait, properties: [{ name: 'timeout', value: 10 }] },
    ]);
    const run = await h.run(workflow);
    await h.runUntil(run._id, (r) => r.instances[0]!.attempts[0]?.status === 'running', 'the first task to start');
    let refused: unknown;
    await h.run(workflow).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(ConflictError);
    await h.command(workflow, 'pause');
    const held = await h.runUntil(run._id, (r) => r.instances[0]!.state === 'completed', 'the first task to finish while paused', 20_000);
    expect(held.status).to.equal('paused');
    expect(held.instances[1]!.state).to.equal('initial');
    await h.supervisor.engine.refresh(run._id);
    expect(counted((await h.getRun(run._id)).instances[1]!)).to.have.length(0);
    await h.run(workflow);
    const done = await h.finished(run._id, 20_000);
    expect(done.status).to.equal('completed');
    expect(done.instances.map((i) => counted(i).length)).to.deep.equal([1, 1]);
  });

  it('kill -9 of a worker mid-attempt: the attempt completes on the other worker; one completion recorded', async () => {
    rig = await E2eRig.start();
    const h = rig.h;
    const first = await rig.worker();
    const { workflow } = await h.workflow([{ name: 'survives', packageBytes: await samplePackage('wait-and-print'), properties: [{ name: 'timeout', value: 1000 }] }]);
    const run = await h.run(workflow);
    await h.runUntil(run._id, (r) => r.instances[0]!.attempts[0]?.status === 'running', 'the task to start on the first worker');
    await rig.worker();
    expect(await first.worker.kill('SIGKILL')).to.deep.include({ signal: 'SIGKILL' });
    const done = await h.finished(run._id, 30_000);
    expect(done.status).to.equal('completed');
    expect(counted(done.instances[0]!).map((a) => [a.deviceId === first.credential.device._id, a.status])).to.deep.equal([[true, 'lost'], [false, 'completed']]);
    const ended = (await h.store.runs.journal(run._id, ALL)).items.filter((e) => e.type === 'attempt.ended' && e.data['status'] === 'completed');
    expect(ended).to.have.length(1);
  });

  it('a worker cut off while its task finishes: the result arrives after reconnection', async () => {
    rig = await E2eRig.start({ pingIntervalMs: 300, pingTimeoutMs: 300, leaseDurationMs: 10_000, leaseRenewIntervalMs: 300 });
    const h = rig.h;
    const proxy = new TcpProxy(h.port);
    await proxy.listen();
    try {
      const { credential } = await rig.worker({ url: `https://127.0.0.1:${proxy.port}` });
      const markers = makeTempDir('markers');
      const task = await nodeTask(`
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { dir } = JSON.parse(process.argv[2]);
// Finishes once the test has cut the board off (it says so with a file), and says when it is done.
const wait = setInterval(() => {
  try { require('node:fs').statSync(join(dir, 'cut')); } catch { return; }
  clearInterval(wait);
  console.log('finished while cut off');
  writeFileSync(process.env.WORKTY_RESULT_FILE, JSON.stringify({ offline: true }));
  writeFileSync(join(dir, 'done'), '');
}, 50);`);
      try {
        const { workflow } = await h.workflow([{ name: 'offline finish', packageBytes: task, properties: [{ name: 'dir', value: markers.path }] }]);
        const run = await h.run(workflow);
        await h.runUntil(run._id, (r) => r.instances[0]!.attempts[0]?.status === 'running', 'the task to start');
        proxy.block();
        await h.waitForDevice(credential.device._id, (d) => d.state === 'disconnected', 10_000);
        writeFileSync(join(markers.path, 'cut'), '');
        await waitFor(() => existsSync(join(markers.path, 'done')), { what: 'the task to finish while cut off', timeoutMs: 20_000 });
        expect((await h.getRun(run._id)).instances[0]!.attempts[0]!.status).to.equal('running');
        proxy.restore();
        const done = await h.finished(run._id, 30_000);
        expect(done.status).to.equal('completed');
        expect(done.instances[0]!.attempts.map((a) => [a.status, a.result])).to.deep.equal([['completed', { offline: true }]]);
        const logs = await h.store.runs.logs(run._id, ALL);
        expect(logs.map((l) => l.text).join('')).to.contain('finished while cut off');
      } finally {
        markers.remove();
      }
    } finally {
      await proxy.close();
    }
  });

  it('refuses a bad secret, a disabled device and a rotated secret with reasons; the worker says why and stays out', async () => {
    rig = await E2eRig.start();
    const h = rig.h;
    const bad = await h.device();
    const badWorker = rig.spawn({ device: bad.device, secret: `${bad.secret}-wrong` });
    const disabled = await h.device({ name: 'switched-off' });
    await h.store.devices.update(disabled.device._id, { disabled: true });
    const disabledWorker = rig.spawn(disabled);
    const rotated = await h.device();
    await h.store.devices.rotateCredential(rotated.device._id, hashSecret(generateSecret()));
    const rotatedWorker = rig.spawn(rotated);
    const said = (w: WorkerProcess, text: string) => waitFor(() => w.output.includes(text), { what: () => `"${text}" in:\n${w.output}`, timeoutMs: 20_000 });
    await said(badWorker, 'unknown device or wrong secret');
    await said(disabledWorker, 'device \\"switched-off\\" is disabled by an administrator');
    await said(rotatedWorker, 'unknown device or wrong secret');
    expect(h.supervisor.registry.size).to.equal(0);
  });
});

describe('end to end: supervisor killed with SIGKILL mid-run, real worker', function () {
  this.timeout(90_000);

  it('restarts, and the run completes: nothing lost, nothing recorded twice', async () => {
    const dir = makeTempDir('e2e-sigkill');
    const supervisor = new SupervisorProcess(dir.path, await freePort());
    let worker: WorkerProcess | null = null;
    await supervisor.start();
    const store = await openStore({ dataDir: dir.path }, silentLogger());
    try {
      const tls = loadTls({ dataDir: dir.path });
      const secret = generateSecret();
      const device = await store.devices.create({ name: 'e2e-board', secretHash: hashSecret(secret) });
      const account = await store.accounts.create({ name: 'e2e', email: 'e2e-sigkill@example.com', passwordHash: '$2b$04$x', aclRoleNames: ['regular'] });
      const workflow = await store.workflows.create({ accountId: account._id, name: 'survives the supervisor' });
      const wait = await samplePackage('wait-and-print');
      for (const [name, timeout] of [['first', 10], ['second', 2000], ['third', 10]] as const) {
        const workty = await store.workties.create({
          accountId: account._id, name, typeId: idOf.worktyType('inout'), categoryId: idOf.category('unit-tests'),
          languageTypeId: idOf.languageType('nodejs'), entryPointModuleFileName: 'index.js', packageBytes: wait,
          properties: [{ name: 'timeout', value: timeout }],
        });
        await store.instances.add(workflow._id, ALL, { worktyId: workty._id, name });
      }
      worker = new WorkerProcess({ supervisorUrl: supervisor.url, caPath: tls.certPath, deviceId: device._id, secret });
      worker.start();
      await waitFor(async () => (await store.devices.get(device._id))?.state === 'waiting', { what: () => `the worker to connect:\n${worker?.output}`, timeoutMs: 30_000 });
      const run = await store.runs.request(workflow._id, ALL, account._id);
      let seen: unknown = null;
      await waitFor(async () => {
        const now = await store.runs.get(run._id, ALL);
        seen = now === null ? null : { status: now.status, error: now.error, instances: now.instances.map((i) => [i.state, i.attempts.map((a) => [a.status, a.error])]) };
        return now?.instances[1]?.attempts.at(-1)?.status === 'running';
      }, { what: () => `the second task to start (run: ${JSON.stringify(seen)}; supervisor: ${supervisor.output}; worker: ${worker?.output})`, timeoutMs: 30_000 });

      expect(await supervisor.kill('SIGKILL')).to.deep.include({ signal: 'SIGKILL' });
      await supervisor.start();
      await waitFor(async () => (await store.runs.get(run._id, ALL))?.status === 'completed', { what: 'the run to complete after the restart', timeoutMs: 45_000 });

      const done = (await store.runs.get(run._id, ALL))!;
      // Attempts a busy board declined are `released` (not counted); exactly one completed per instance.
      expect(done.instances.map((i) => counted(i).map((a) => a.status))).to.deep.equal([['completed'], ['completed'], ['completed']]);
      const journal = (await store.runs.journal(run._id, ALL, { perPage: 1000 })).items;
      expect(journal.filter((e) => e.type === 'attempt.ended' && e.data['status'] === 'completed')).to.have.length(3);
      expect(journal.map((e) => e.seq)).to.deep.equal(journal.map((_, i) => i + 1));
    } finally {
      await worker?.dispose();
      await supervisor.kill('SIGTERM');
      await store.close();
      dir.remove();
    }
  });
});

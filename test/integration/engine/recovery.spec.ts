/** Recovery: supervisor restarts (graceful and kill -9), cut-off workers, resent reports — nothing lost, nothing twice. */
import { expect } from 'chai';
import type { Dispatch } from '../../../shared/protocol/worker.js';
import { ALL } from '../../../shared/domain/query.js';
import { loadTls } from '../../../shared/security/tls.js';
import { openStore } from '../../../shared/store/index.js';
import type { Store } from '../../../shared/store/port.js';
import { EngineHarness } from '../../lib/engine-harness.js';
import { silentLogger } from '../../lib/logger.js';
import { SimulatedWorker } from '../../lib/simulated-worker.js';
import { SupervisorProcess, freePort } from '../../lib/supervisor-process.js';
import { makeTempDir } from '../../lib/tmp.js';
import { nextEvent, waitFor } from '../../lib/wait.js';
import { generateSecret, hashSecret } from '../../../shared/security/secrets.js';
import { idOf } from '../../../shared/domain/dictionaries.js';

describe('engine: recovery', function () {
  describe('in-process supervisor', function () {
    let h: EngineHarness;
    beforeEach(async () => {
      h = await EngineHarness.start();
    });
    afterEach(async () => {
      await h.close();
    });

    it('a worker cut off while its task finishes: the result arrives after reconnection, recorded once', async () => {
      const worker = await h.worker({ behaviour: () => ({ hold: true }) });
      const { workflow } = await h.workflow([{}, {}]);
      const run = await h.run(workflow);
      await nextEvent(worker, 'dispatch');
      worker.cut();
      worker.finish(undefined, { result: { written: 'offline' } });
      expect(worker.pendingReports).to.be.greaterThan(0);
      worker.behaviour = () => ({});
      await worker.restore();
      const done = await h.finished(run._id);
      expect(done.status).to.equal('completed');
      expect(done.instances[0]!.attempts.map((a) => [a.status, a.result])).to.deep.equal([['completed', { written: 'offline' }]]);
      await worker.flushed();
    });

    it('acknowledges resent reports as duplicates and records them once', async () => {
      const worker = await h.worker();
      const { workflow } = await h.workflow([{}]);
      const run = await h.run(workflow);
      const done = await h.finished(run._id);
      const attempt = done.instances[0]!.attempts[0]!;
      const key = { runId: run._id, instanceId: done.instances[0]!.instanceId, attempt: 1, leaseToken: attempt.leaseToken };
      const at = new Date().toISOString();
      // As if the acknowledgement was lost: the same outbox entries again.
      const ack = await worker.socket.timeout(5000).emitWithAck('reports', { entries: [
        { outboxSeq: 101, report: { key, seq: 1, at, type: 'started', pid: 1 } },
        { outboxSeq: 102, report: { key, seq: 2, at, type: 'finished', outcome: 'failed', exitCode: 9, signal: null, result: null, error: 'resent with other data', retryable: true } },
      ] });
      expect(ack).to.deep.equal({ ackedThrough: 102, stale: [] });
      const after = await h.getRun(run._id);
      expect(after.instances[0]!.attempts).to.deep.equal(done.instances[0]!.attempts);
      const ended = (await h.store.runs.journal(run._id, ALL)).items.filter((e) => e.type === 'attempt.ended');
      expect(ended).to.have.length(1);
    });

    it('a graceful supervisor restart loses nothing: reports made meanwhile arrive after it, the run continues', async () => {
      const worker = await h.worker({ behaviour: () => ({ hold: true }) });
      const { workflow } = await h.workflow([{ name: 'during the restart' }, { name: 'after the restart' }]);
      const run = await h.run(workflow);
      await nextEvent(worker, 'dispatch');
      await h.stopSupervisor();
      worker.finish();
      worker.behaviour = () => ({});
      await h.startSupervisor({ reconnectGraceMs: 5000 });
      const done = await h.finished(run._id);
      expect(done.status).to.equal('completed');
      expect(done.instances.map((i) => i.attempts.length)).to.deep.equal([1, 1]);
    });

    it('runs a run requested over REST while no supervisor was running, once one starts', async () => {
      const worker = await h.worker();
      await h.stopSupervisor();
      const { workflow } = await h.workflow([{}, {}]);
      const run = await h.store.runs.request(workflow._id, { accountId: workflow.accountId }, workflow.accountId);
      const back = nextEvent(worker, 'hello');
      await h.startSupervisor();
      await back;
      const done = await h.finished(run._id);
      expect(done.status).to.equal('completed');
      expect(done.instances.map((i) => i.attempts.length)).to.deep.equal([1, 1]);
    });

    it('leases that lapsed while no supervisor ran are renewed by the workers that come back', async () => {
      const worker = await h.worker({ behaviour: () => ({ hold: true }) });
      const { workflow } = await h.workflow([{}]);
      const run = await h.run(workflow);
      await nextEvent(worker, 'dispatch');
      const started = await h.runUntil(run._id, (r) => r.instances[0]!.attempts[0]?.status === 'running', 'the attempt to start');
      const leaseExpires = Date.parse(started.instances[0]!.attempts[0]!.leaseExpires);
      await h.stopSupervisor();
      await waitFor(() => Date.now() > leaseExpires + 200, { what: 'the lease to lapse', timeoutMs: 5000 });
      const greeted = nextEvent(worker, 'hello');
      await h.startSupervisor({ reconnectGraceMs: 3000 });
      await greeted;
      const renewed = await h.getRun(run._id);
      expect(renewed.instances[0]!.attempts[0]!.status).to.equal('running');
      expect(Date.parse(renewed.instances[0]!.attempts[0]!.leaseExpires)).to.be.greaterThan(Date.now());
      worker.finish();
      const done = await h.finished(run._id);
      expect(done.instances[0]!.attempts.map((a) => a.status)).to.deep.equal(['completed']);
    });
  });

  describe('store errors', function () {
    it('a step that fails to store (store unreachable) is tried again until it succeeds; the run completes', async () => {
      let failures = 2;
      const faulty = (store: Store): Store => {
        const runs = new Proxy(store.runs, {
          get(target, name, receiver) {
            const value = Reflect.get(target, name, receiver) as unknown;
            if (name !== 'transition' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
            return async (...args: unknown[]) => {
              if (failures > 0) {
                failures -= 1;
                throw new Error('store unreachable (test)');
              }
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
        return new Proxy(store, { get: (target, name, receiver) => (name === 'runs' ? runs : Reflect.get(target, name, receiver)) });
      };
      const h = await EngineHarness.start({}, silentLogger(), faulty);
      try {
        await h.worker();
        const { workflow } = await h.workflow([{}, {}]);
        const done = await h.finished((await h.run(workflow))._id);
        expect(done.status).to.equal('completed');
        expect(failures).to.equal(0);
      } finally {
        await h.close();
      }
    });
  });

  describe('supervisor process killed with SIGKILL', function () {
    it('restarts, reloads the run, takes the reports made meanwhile, and completes it; nothing recorded twice', async function () {
      this.timeout(60_000);
      const dir = makeTempDir('sigkill');
      const port = await freePort();
      const supervisor = new SupervisorProcess(dir.path, port);
      let worker: SimulatedWorker | null = null;
      await supervisor.start();
      const store = await openStore({ dataDir: dir.path }, silentLogger());
      try {
        const tls = loadTls({ dataDir: dir.path });
        const secret = generateSecret();
        const device = await store.devices.create({ name: 'sigkill-board', secretHash: hashSecret(secret) });
        const account = await store.accounts.create({ name: 'sigkill', email: 'sigkill@example.com', passwordHash: '$2b$04$x', aclRoleNames: ['regular'] });
        const workflow = await store.workflows.create({ accountId: account._id, name: 'survives a crash' });
        for (const name of ['first', 'second', 'third']) {
          const workty = await store.workties.create({
            accountId: account._id, name, typeId: idOf.worktyType('inout'), categoryId: idOf.category('unit-tests'),
            languageTypeId: idOf.languageType('nodejs'), entryPointModuleFileName: 'index.js', packageBytes: Buffer.from(name),
          });
          await store.instances.add(workflow._id, ALL, { worktyId: workty._id, name });
        }
        const dispatched: Dispatch[] = [];
        worker = new SimulatedWorker({ url: supervisor.url, ca: tls.cert, deviceId: device._id, secret, behaviour: (d) => (dispatched.push(d), d.name === 'second' ? { hold: true } : {}) });
        await worker.connect();
        const run = await store.runs.request(workflow._id, ALL, account._id);
        await waitFor(() => dispatched.some((d) => d.name === 'second'), { what: 'the second instance to be dispatched' });

        expect(await supervisor.kill('SIGKILL')).to.deep.include({ signal: 'SIGKILL' });
        worker.finish(undefined, { result: 'finished while the supervisor was dead' });
        await supervisor.start();
        await waitFor(async () => (await store.runs.get(run._id, ALL))?.status === 'completed', { what: 'the run to complete after the restart', timeoutMs: 20_000 });

        const done = (await store.runs.get(run._id, ALL))!;
        expect(done.instances.map((i) => i.attempts.map((a) => a.status))).to.deep.equal([['completed'], ['completed'], ['completed']]);
        expect(done.instances[1]!.attempts[0]!.result).to.equal('finished while the supervisor was dead');
        expect(dispatched.map((d) => d.name)).to.deep.equal(['first', 'second', 'third']);
        const journal = (await store.runs.journal(run._id, ALL, { perPage: 1000 })).items;
        expect(journal.filter((e) => e.type === 'attempt.ended')).to.have.length(3);
        expect(journal.filter((e) => e.type === 'attempt.dispatched')).to.have.length(3);
        expect(journal.map((e) => e.seq)).to.deep.equal(journal.map((_, i) => i + 1));
        await worker.flushed();
      } finally {
        worker?.close();
        await supervisor.kill('SIGTERM');
        await store.close();
        dir.remove();
      }
    });
  });
});

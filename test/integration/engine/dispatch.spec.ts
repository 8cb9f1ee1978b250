/** Dispatch: order, eligibility, least loaded, queueing, results and journal (simulated workers). */
import { expect } from 'chai';
import type { Dispatch } from '../../../shared/protocol/worker.js';
import type { TransitionEvent } from '../../../supervisor/engine/events.js';
import { EngineHarness } from '../../lib/engine-harness.js';
import { nextEvent } from '../../lib/wait.js';

describe('engine: dispatch', function () {
  let h: EngineHarness;
  beforeEach(async () => {
    h = await EngineHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('runs the instances in workflow order; states arrive in order; exit codes, results, logs and the journal are stored', async () => {
    const seen: string[] = [];
    const a = await h.worker({ behaviour: (d) => ({ logs: [{ stream: 'stdout', text: `hello from ${d.name}\n` }], result: { name: d.name } }) });
    const b = await h.worker({ behaviour: (d) => ({ logs: [{ stream: 'stderr', text: `warn ${d.name}\n` }], result: { name: d.name } }) });
    const dispatched: Dispatch[] = [];
    a.on('dispatch', (d) => dispatched.push(d));
    b.on('dispatch', (d) => dispatched.push(d));
    const { workflow, instanceIds } = await h.workflow([
      { name: 'node step', language: 'nodejs', properties: [{ name: 'n', value: 1 }] },
      { name: 'python step', language: 'python', entryPoint: 'main.py' },
      { name: 'shell step', language: 'shell', entryPoint: 'run.sh' },
    ]);
    const listener = (e: TransitionEvent): void => {
      if (e.run.workflowId === workflow._id) seen.push(e.machine === 'run' ? `run:${e.to}` : `${e.index}:${e.to}`);
    };
    h.supervisor.engine.on('transition', listener);
    const run = await h.run(workflow);
    const done = await h.finished(run._id);
    h.supervisor.engine.off('transition', listener);

    expect(done.status).to.equal('completed');
    expect(done.error).to.equal(null);
    expect(seen).to.deep.equal([
      'run:running', '0:waiting', '0:running', '0:completed', '1:waiting', '1:running', '1:completed', '2:waiting', '2:running', '2:completed', 'run:completed',
    ]);
    expect(dispatched.map((d) => [d.name, d.runtime, d.entryPoint])).to.deep.equal([
      ['node step', 'node', 'index.js'], ['python step', 'python3', 'main.py'], ['shell step', 'sh', 'run.sh'],
    ]);
    expect(dispatched[0]!.properties).to.deep.equal({ n: 1 });
    expect(dispatched[0]!.package?.hash).to.match(/^[0-9a-f]{64}$/);
    expect(dispatched[0]!.timeoutMs).to.equal(h.settings.taskTimeoutMs);
    for (const [i, instance] of done.instances.entries()) {
      expect(instance.state).to.equal('completed');
      expect(instance.attempts).to.have.length(1);
      expect(instance.attempts[0]).to.include({ status: 'completed', exitCode: 0, error: null });
      expect(instance.attempts[0]!.result).to.deep.equal({ name: ['node step', 'python step', 'shell step'][i] });
    }
    const workflowInstances = await Promise.all(instanceIds.map((id) => h.store.instances.get(workflow._id, id, { all: true })));
    expect(workflowInstances.map((i) => i?.state)).to.deep.equal(['completed', 'completed', 'completed']);
    const logs = await h.store.runs.logs(run._id, { all: true });
    expect(logs.map((l) => l.text).sort()).to.have.length(3);
    expect(logs.some((l) => l.stream === 'stderr')).to.equal(true);
    const journal = await h.journalTypes(run._id);
    expect(journal[0]).to.equal('run.requested');
    expect(journal.filter((t) => t === 'attempt.dispatched')).to.have.length(3);
    expect(journal.filter((t) => t === 'attempt.started')).to.have.length(3);
    expect(journal.filter((t) => t === 'attempt.ended')).to.have.length(3);
    expect(journal.filter((t) => t === 'run.status')).to.have.length(2);
    expect(journal.filter((t) => t === 'instance.state')).to.have.length(9);
  });

  it('gives each attempt to the least loaded eligible worker', async () => {
    const a = await h.worker({ slots: 2, behaviour: () => ({ hold: true }) });
    const b = await h.worker({ slots: 2, behaviour: () => ({ hold: true }) });
    const runs = [];
    for (let i = 0; i < 4; i += 1) {
      const { workflow } = await h.workflow([{}]);
      const run = await h.run(workflow);
      runs.push(run);
      await h.runUntil(run._id, (r) => r.instances[0]!.attempts.length === 1, `dispatch #${i + 1}`);
      // Each new attempt goes where the load is lowest: the two boards take turns.
      expect([a.running().length, b.running().length].sort()).to.deep.equal([Math.floor((i + 1) / 2), Math.ceil((i + 1) / 2)]);
    }
    for (const w of [a, b]) for (const key of w.running()) w.finish(key);
    for (const run of runs) expect((await h.finished(run._id)).status).to.equal('completed');
  });

  it('sends a targeted instance only to its device, or to boards with all its labels', async () => {
    const plain = await h.worker({ labels: [] });
    const pi = await h.worker({ labels: ['pi4', 'garage'] });
    const target = await h.worker({ labels: [] });
    const { workflow } = await h.workflow([
      { name: 'by labels', target: { labels: ['pi4'] } },
      { name: 'by device', target: { deviceId: target.options.deviceId } },
    ]);
    const byWorker = new Map<string, string>();
    for (const [name, w] of [['plain', plain], ['pi', pi], ['target', target]] as const) w.on('dispatch', (d) => byWorker.set(d.name, name));
    const run = await h.run(workflow);
    expect((await h.finished(run._id)).status).to.equal('completed');
    expect(Object.fromEntries(byWorker)).to.deep.equal({ 'by labels': 'pi', 'by device': 'target' });
  });

  it('queues an instance while no worker is free and dispatches it as soon as one is', async () => {
    const worker = await h.worker({ slots: 1, behaviour: () => ({ hold: true }) });
    const one = await h.workflow([{}]);
    const two = await h.workflow([{}]);
    const runOne = await h.run(one.workflow);
    await nextEvent(worker, 'dispatch');
    const runTwo = await h.run(two.workflow);
    await h.runUntil(runTwo._id, (r) => r.status === 'running' && r.instances[0]!.state === 'waiting', 'the second run to queue');
    expect(h.supervisor.engine.dispatcher.queued).to.equal(1);
    const second = nextEvent<[Dispatch, number]>(worker, 'dispatch');
    worker.finish();
    const [dispatch] = await second;
    expect(dispatch.runId).to.equal(runTwo._id);
    worker.finish();
    expect((await h.finished(runOne._id)).status).to.equal('completed');
    expect((await h.finished(runTwo._id)).status).to.equal('completed');
  });

  it('waits for a board that offers the runtime to come back online', async () => {
    const pythonBoard = await h.device();
    // The board offered python3 in its last hello, then went away.
    const early = h.simulated(pythonBoard, { runtimes: ['python3'] });
    await early.connect();
    early.close();
    await h.waitForDevice(pythonBoard.device._id, (d) => d.state === 'disconnected');
    const { workflow } = await h.workflow([{ language: 'python', entryPoint: 'main.py' }]);
    const run = await h.run(workflow);
    await h.runUntil(run._id, (r) => r.instances[0]!.state === 'waiting', 'the python instance to wait for a board');
    const late = h.simulated(pythonBoard, { runtimes: ['python3'] });
    await late.connect();
    expect((await h.finished(run._id)).status).to.equal('completed');
  });

  it('fails at once, with a clear error, an instance no enabled board could ever run', async () => {
    await h.worker({ runtimes: ['node', 'sh'] });
    const { workflow } = await h.workflow([{ name: 'needs java', language: 'java', entryPoint: 'Main.class' }, {}]);
    const run = await h.run(workflow);
    const done = await h.finished(run._id);
    expect(done.status).to.equal('failed');
    expect(done.error).to.equal('Instance "needs java" cannot run: unknown runtime "java": no enabled device offers it');
    expect(done.instances.map((i) => i.state)).to.deep.equal(['failed', 'initial']);
    expect(done.instances[0]!.attempts).to.have.length(0);
  });

  it('fails at once an instance whose package is over the size limit, or targets a device that does not exist', async () => {
    await h.worker();
    const big = await h.workflow([{ name: 'too big', packageBytes: Buffer.alloc(h.settings.maxPackageBytes + 1, 1) }]);
    const lost = await h.workflow([{ name: 'nowhere', target: { deviceId: 'f'.repeat(24) } }]);
    const bigRun = await h.finished((await h.run(big.workflow))._id);
    expect(bigRun.status).to.equal('failed');
    expect(bigRun.error).to.equal(`Instance "too big" cannot run: its package is ${h.settings.maxPackageBytes + 1} bytes, over the limit of ${h.settings.maxPackageBytes} bytes`);
    const lostRun = await h.finished((await h.run(lost.workflow))._id);
    expect(lostRun.error).to.equal(`Instance "nowhere" cannot run: its target device ${'f'.repeat(24)} does not exist`);
  });

  it('re-dispatches an attempt a worker declines, without counting it', async () => {
    const picky = await h.worker({ behaviour: () => ({ decline: { reason: 'no-slot', message: 'all slots busy' } }) });
    const { workflow } = await h.workflow([{ retry: { maxAttempts: 1 } }]);
    const run = await h.run(workflow);
    await nextEvent(h.supervisor.engine, 'attempt', (e: { kind: string }) => e.kind === 'declined');
    await h.runUntil(run._id, (r) => r.instances[0]!.attempts[0]?.status === 'released' && r.instances[0]!.state === 'waiting', 'the declined attempt to be released');
    const willing = await h.worker();
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts.map((a) => [a.deviceId, a.status])).to.deep.equal([
      [picky.options.deviceId, 'released'], [willing.options.deviceId, 'completed'],
    ]);
  });

  it('gives a board that declined for want of a slot the attempt again after a short pause (no penalty)', async () => {
    let declines = 2;
    const busy = await h.worker({ slots: 1, behaviour: () => (declines-- > 0 ? { decline: { reason: 'no-slot', message: 'still cleaning up' } } : {}) });
    const { workflow } = await h.workflow([{ retry: { maxAttempts: 1 } }]);
    const done = await h.finished((await h.run(workflow))._id);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts.map((a) => [a.deviceId, a.status])).to.deep.equal([
      [busy.options.deviceId, 'released'], [busy.options.deviceId, 'released'], [busy.options.deviceId, 'completed'],
    ]);
    expect(h.supervisor.registry.get(busy.options.deviceId)?.slots, 'its slots are as it said').to.equal(1);
  });
});

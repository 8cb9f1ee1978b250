/** Run control: stop, pause, resume, run while running (simulated workers; REST's store writes). */
import { expect } from 'chai';
import { ConflictError } from '../../../shared/domain/errors.js';
import type { AttemptKey, Dispatch } from '../../../shared/protocol/worker.js';
import { EngineHarness } from '../../lib/engine-harness.js';
import { nextEvent } from '../../lib/wait.js';

describe('engine: run control', function () {
  let h: EngineHarness;
  beforeEach(async () => {
    h = await EngineHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('stop cancels the running attempt on its board; the run ends stopped once the board says it is gone', async () => {
    const worker = await h.worker({ behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{ name: 'long task' }, { name: 'after' }]);
    const run = await h.run(workflow);
    await nextEvent(worker, 'dispatch');
    await h.runUntil(run._id, (r) => r.instances[0]!.attempts[0]?.status === 'running', 'the attempt to start');
    const cancelled = nextEvent<[AttemptKey]>(worker, 'cancel');
    await h.command(workflow, 'stop');
    const [key] = await cancelled;
    expect(key).to.include({ runId: run._id, attempt: 1 });
    const done = await h.finished(run._id);
    expect(done.status).to.equal('stopped');
    expect(done.desired).to.equal('stopped');
    expect(done.instances.map((i) => i.state)).to.deep.equal(['stopped', 'initial']);
    expect(done.instances[0]!.attempts[0]).to.include({ status: 'stopped', error: 'stopped on request' });
    expect(worker.running()).to.deep.equal([]);
  });

  it('stop while the instance waits for a worker stops at once', async () => {
    const { workflow } = await h.workflow([{}]);
    await h.worker({ runtimes: ['node'], slots: 1, behaviour: () => ({ hold: true }) });
    const blocker = await h.workflow([{}]);
    await h.run(blocker.workflow);
    const run = await h.run(workflow);
    await h.runUntil(run._id, (r) => r.instances[0]!.state === 'waiting', 'the instance to queue');
    await h.command(workflow, 'stop');
    const done = await h.finished(run._id);
    expect(done.status).to.equal('stopped');
    expect(done.instances[0]!.state).to.equal('stopped');
    expect(h.supervisor.engine.dispatcher.queued).to.equal(0);
  });

  it('stop of a queued run (no supervisor had taken it) is durable and ends it stopped', async () => {
    await h.stopSupervisor();
    const { workflow } = await h.workflow([{}]);
    const run = await h.store.runs.request(workflow._id, { accountId: workflow.accountId }, workflow.accountId);
    await h.store.runs.command(workflow._id, { accountId: workflow.accountId }, 'stop', workflow.accountId);
    await h.startSupervisor();
    const done = await h.finished(run._id);
    expect(done.status).to.equal('stopped');
    expect(done.instances[0]!.attempts).to.have.length(0);
  });

  it('pause lets the current attempt finish and holds the rest; it never resumes by itself; resume continues', async () => {
    const dispatched: Dispatch[] = [];
    const worker = await h.worker({ behaviour: (d) => (dispatched.push(d), { hold: true }) });
    const { workflow } = await h.workflow([{ name: 'first' }, { name: 'second' }]);
    const run = await h.run(workflow);
    await nextEvent(worker, 'dispatch');
    await h.command(workflow, 'pause');
    await h.runUntil(run._id, (r) => r.status === 'paused', 'the run to pause');
    worker.finish(undefined, { result: 'first done' });
    const paused = await h.runUntil(run._id, (r) => r.instances[0]!.state === 'completed', 'the first instance to complete');
    expect(paused.status).to.equal('paused');
    expect(paused.instances[0]!.attempts[0]!.result).to.equal('first done');
    expect(paused.instances[1]!.state).to.equal('initial');
    // Nothing further starts while paused: the engine, asked again, still holds it.
    await h.supervisor.tailer.poke();
    await h.supervisor.engine.refresh(run._id);
    expect((await h.getRun(run._id)).status).to.equal('paused');
    expect(dispatched.map((d) => d.name)).to.deep.equal(['first']);
    await h.run(workflow); // PUT /running on a paused run = resume
    await nextEvent(worker, 'dispatch');
    worker.finish();
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    expect(dispatched.map((d) => d.name)).to.deep.equal(['first', 'second']);
    const commands = (await h.store.runs.journal(run._id, { all: true })).items.filter((e) => e.type === 'run.status').map((e) => `${e.data['from']}>${e.data['to']}`);
    expect(commands).to.deep.equal(['queued>running', 'running>paused', 'paused>running', 'running>completed']);
  });

  it('refuses to run a workflow that is already running (409), and starts no second chain', async () => {
    const worker = await h.worker({ behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{}]);
    const run = await h.run(workflow);
    await nextEvent(worker, 'dispatch');
    let refused: unknown;
    try {
      await h.run(workflow);
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(ConflictError);
    expect((refused as ConflictError).status).to.equal(409);
    expect((await h.store.runs.list(workflow._id, { all: true }, { count: true })).total).to.equal(1);
    worker.finish();
    expect((await h.finished(run._id)).instances[0]!.attempts).to.have.length(1);
  });

  it('stop reaches a board that was away when it was asked, once the board reconnects', async () => {
    const credential = await h.device();
    const worker = await h.worker({ credential, behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{}]);
    const run = await h.run(workflow);
    await nextEvent(worker, 'dispatch');
    worker.cut();
    await h.waitForDevice(credential.device._id, (d) => d.state === 'disconnected');
    await h.command(workflow, 'stop');
    const cancelled = nextEvent<[AttemptKey]>(worker, 'cancel');
    await worker.restore();
    await cancelled;
    const done = await h.finished(run._id);
    expect(done.status).to.equal('stopped');
    expect(done.instances[0]!.attempts[0]!.status).to.equal('stopped');
  });
});

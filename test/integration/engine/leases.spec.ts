/** Leases: renewal, a lost worker's attempts re-dispatched, release, hello reconciliation (simulated workers). */
import { expect } from 'chai';
import type { AttemptKey, Dispatch } from '../../../shared/protocol/worker.js';
import { EngineHarness } from '../../lib/engine-harness.js';
import { nextEvent } from '../../lib/wait.js';

describe('engine: leases', function () {
  let h: EngineHarness;
  beforeEach(async () => {
    h = await EngineHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  it('keeps a long attempt leased while its worker renews, well past the lease duration', async () => {
    const worker = await h.worker({ behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{}]);
    const run = await h.run(workflow);
    await nextEvent(worker, 'dispatch');
    const before = (await h.getRun(run._id)).instances[0]!.attempts[0]!.leaseExpires;
    // Two lease durations on: only renewals can have pushed the expiry that far.
    await h.runUntil(run._id, (r) => Date.parse(r.instances[0]!.attempts[0]!.leaseExpires) > Date.parse(before) + 2 * h.settings.leaseDurationMs,
      'the lease to be renewed past two durations', 10_000);
    expect((await h.getRun(run._id)).instances[0]!.attempts[0]!.status).to.equal('running');
    worker.finish();
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts).to.have.length(1);
  });

  it('re-dispatches the attempt of a worker that vanished once its lease expires; one completion is recorded', async () => {
    const doomed = await h.worker({ behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{ name: 'survivor' }]);
    const run = await h.run(workflow);
    await nextEvent(doomed, 'dispatch');
    const rescuer = await h.worker();
    const redispatched = nextEvent<[Dispatch, number]>(rescuer, 'dispatch');
    doomed.close(); // gone without a word, as after kill -9
    const [dispatch] = await redispatched;
    expect(dispatch.attempt).to.equal(2);
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts.map((a) => [a.deviceId, a.status])).to.deep.equal([
      [doomed.options.deviceId, 'lost'], [rescuer.options.deviceId, 'completed'],
    ]);
    expect(done.instances[0]!.attempts[0]!.error).to.match(/^lease expired/);
    const journal = (await h.store.runs.journal(run._id, { all: true })).items;
    expect(journal.filter((e) => e.type === 'attempt.ended' && e.data['status'] === 'completed')).to.have.length(1);
  });

  it('refuses the late result of a lost attempt as stale; the board drops it', async () => {
    const credential = await h.device();
    const slow = await h.worker({ credential, behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{}]);
    const run = await h.run(workflow);
    await nextEvent(slow, 'dispatch');
    slow.cut();
    const rescuer = await h.worker();
    await nextEvent(rescuer, 'dispatch');
    const done = await h.finished(run._id);
    // The cut-off board finishes too, and comes back with its result.
    slow.finish(undefined, { result: 'late' });
    const hello = await slow.restore();
    expect(hello.cancel.map((k) => k.attempt)).to.deep.equal([1]);
    expect(slow.pendingReports).to.equal(0);
    const after = await h.getRun(run._id);
    expect(after.instances[0]!.attempts.map((a) => [a.status, a.result])).to.deep.equal([['lost', null], ['completed', null]]);
    expect(after.updated).to.equal(done.updated);
  });

  it('re-dispatches at once, without counting them, the attempts a worker releases when it shuts down', async () => {
    // One board busy with another run, so the attempt goes to the one that will leave.
    const staying = await h.worker({ slots: 1, behaviour: () => ({ hold: true }) });
    const blocker = await h.workflow([{}]);
    await h.run(blocker.workflow);
    await nextEvent(staying, 'dispatch');
    staying.behaviour = () => ({});
    const leaving = await h.worker({ behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{ retry: { maxAttempts: 1 } }]);
    const run = await h.run(workflow);
    await nextEvent(leaving, 'dispatch');
    expect(await leaving.drainAndRelease()).to.equal(1);
    staying.finish();
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts.map((a) => [a.deviceId, a.status])).to.deep.equal([
      [leaving.options.deviceId, 'released'], [staying.options.deviceId, 'completed'],
    ]);
  });

  it('loses at once what a reconnecting board no longer holds (it restarted), and cancels what it holds but does not own', async () => {
    const credential = await h.device();
    const first = await h.worker({ credential, behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{}]);
    const run = await h.run(workflow);
    const [dispatch] = await nextEvent<[Dispatch, number]>(first, 'dispatch');
    first.close();
    // The same board, restarted with an empty outbox, plus a forged attempt it claims to hold.
    const restarted = h.simulated(credential);
    restarted.held.set('forged', { key: { ...dispatch, attempt: 7, leaseToken: 'forged' }, nextSeq: 1, finished: false });
    const hello = await restarted.connect();
    expect(hello.cancel.map((k) => k.attempt)).to.deep.equal([7]);
    expect(hello.leaseMs).to.equal(h.settings.leaseDurationMs);
    expect(hello.renewEveryMs).to.equal(h.settings.leaseRenewIntervalMs);
    const done = await h.finished(run._id, 5000);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts.map((a) => a.status)).to.deep.equal(['lost', 'completed']);
    expect(done.instances[0]!.attempts[0]!.error).to.match(/reconnected without the attempt/);
  });

  it('ends an attempt whose board renews it but never reports an end, two leases after its timeout', async () => {
    const stuck = await h.worker({ behaviour: () => ({ hold: true }) });
    const { workflow } = await h.workflow([{ name: 'stuck', retry: { maxAttempts: 1, timeoutMs: 100 } }]);
    const run = await h.run(workflow);
    await nextEvent(stuck, 'dispatch');
    const cancelled = nextEvent<[AttemptKey]>(stuck, 'cancel');
    const done = await h.finished(run._id, 10_000);
    expect(done.status).to.equal('failed');
    expect(done.error).to.equal('Instance "stuck" failed after 1 attempt: no result from the board two lease durations after its timeout');
    const ended = done.instances[0]!.attempts[0]!;
    expect(Date.parse(ended.ended!) - Date.parse(ended.dispatched)).to.be.at.least(100 + 2 * h.settings.leaseDurationMs);
    await cancelled;
  });
});

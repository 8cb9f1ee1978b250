/** The engine's verbs: compare-and-set transitions, dispatch under leases, exactly-once reports, logs. */
import { expect } from 'chai';
import { IllegalStateError, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import type { Id } from '../../../shared/domain/ids.js';
import type { Run } from '../../../shared/domain/model.js';
import type { AttemptReport } from '../../../shared/store/port.js';
import type { StoreFactory } from './contract.js';
import { ALL, MISSING_ID, at, present, rejects, tenant, useStore, type Harness } from './harness.js';

const LEASE = '2030-01-01T00:00:00.000Z';

/** A running run of a two-instance workflow whose first instance is `waiting`. */
async function runningRun(t: Harness): Promise<{ run: Run; workflowId: Id; instanceIds: Id[] }> {
  const { account, workflow, instances } = await t.fx.workflowWithInstances(2);
  const queued = await t.store.runs.request(workflow._id, tenant(account), account._id);
  const run = present(await t.store.runs.transition(queued._id, 'queued', 'running', { instance: { index: 0, state: 'waiting' } }));
  return { run, workflowId: workflow._id, instanceIds: instances.map((i) => i._id) };
}

export function engineContract(factory: StoreFactory): void {
  describe('runs (engine verbs)', function () {
    const t = useStore(factory);

    it('lists active runs oldest first', async function () {
      const one = await t.fx.workflowWithInstances(1);
      const two = await t.fx.workflowWithInstances(1);
      const three = await t.fx.workflowWithInstances(1);
      const a = await t.store.runs.request(one.workflow._id, ALL, one.account._id);
      const b = await t.store.runs.request(two.workflow._id, ALL, two.account._id);
      const c = await t.store.runs.request(three.workflow._id, ALL, three.account._id);
      await t.store.runs.transition(b._id, 'queued', 'running');
      await t.store.runs.transition(c._id, 'queued', 'failed', { error: 'no board' });
      const active = await t.store.runs.listActive();
      expect(active.map((r) => [r._id, r.status])).to.deep.equal([[a._id, 'queued'], [b._id, 'running']]);
      expect(at(active, 0).instances).to.have.length(1);
    });

    it('transitions by compare-and-set, sets started/ended/error, journals, and never leaves a final status', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      expect(await t.store.runs.transition(run._id, 'running', 'paused'), 'not in from').to.equal(null);
      const running = present(await t.store.runs.transition(run._id, 'queued', 'running', { instance: { index: 0, state: 'waiting', notBefore: LEASE } }));
      expect(running.status).to.equal('running');
      expect(running.started).to.be.a('string');
      expect(at(running.instances, 0)).to.include({ state: 'waiting', notBefore: LEASE });
      expect(await t.store.runs.transition(run._id, 'queued', 'running'), 'second claim loses').to.equal(null);
      const failed = present(await t.store.runs.transition(run._id, 'running', 'failed', { error: 'exit 3', journal: [{ type: 'attempt.retry', data: { why: 'x' } }] }));
      expect(failed).to.include({ status: 'failed', error: 'exit 3', started: running.started });
      expect(failed.ended).to.be.a('string');
      await rejects(t.store.runs.transition(run._id, 'failed', 'running'), IllegalStateError);
      await rejects(t.store.runs.transition(run._id, 'running', 'bogus' as never), ValidationError);
      expect(await t.store.runs.transition(MISSING_ID, 'queued', 'running')).to.equal(null);
      const journal = (await t.store.runs.journal(run._id, ALL)).items;
      expect(journal.map((e) => e.type)).to.deep.equal(['run.requested', 'run.status', 'instance.state', 'run.status', 'attempt.retry']);
      expect(journal.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(at(journal, 1).data).to.deep.include({ from: 'queued', to: 'running' });
    });

    it('sets instance states by compare-and-set, mirrored on the workflow instance', async function () {
      const { run, workflowId, instanceIds } = await runningRun(t);
      expect(await t.store.runs.setInstanceState(run._id, 0, 'initial', 'running'), 'not in from').to.equal(null);
      const done = present(await t.store.runs.setInstanceState(run._id, 0, 'waiting', 'completed', [{ type: 'attempt.progress', data: { pct: 100 } }]));
      expect(at(done.instances, 0).state).to.equal('completed');
      expect(present(await t.store.instances.get(workflowId, at(instanceIds, 0), ALL)).state).to.equal('completed');
      await rejects(t.store.runs.setInstanceState(run._id, 9, 'initial', 'waiting'), Error);
      expect(await t.store.runs.setInstanceState(MISSING_ID, 0, 'initial', 'waiting')).to.equal(null);
      const types = (await t.store.runs.journal(run._id, ALL)).items.map((e) => e.type);
      expect(types.slice(-2)).to.deep.equal(['instance.state', 'attempt.progress']);
    });

    it('dispatches a waiting instance once under a lease; attempts are numbered per instance', async function () {
      const { run, workflowId, instanceIds } = await runningRun(t);
      const device = await t.fx.device();
      const first = present(await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'lease-1', leaseExpires: LEASE }));
      expect(first.attempt).to.include({ number: 1, deviceId: device._id, status: 'dispatched', leaseToken: 'lease-1', leaseExpires: LEASE, lastSeq: 0, started: null, ended: null });
      expect(at(first.run.instances, 0).state).to.equal('running');
      expect(at(first.run.instances, 0).attempts).to.deep.equal([first.attempt]);
      expect(present(await t.store.instances.get(workflowId, at(instanceIds, 0), ALL)).state).to.equal('running');
      expect(await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'lease-x', leaseExpires: LEASE }), 'not waiting').to.equal(null);
      expect(await t.store.runs.dispatch({ runId: run._id, instanceIndex: 1, deviceId: device._id, leaseToken: 'lease-x', leaseExpires: LEASE }), 'initial').to.equal(null);

      await t.store.runs.report({ runId: run._id, instanceId: at(instanceIds, 0), attempt: 1, seq: 1, leaseToken: 'lease-1', status: 'failed', exitCode: 1 });
      await t.store.runs.setInstanceState(run._id, 0, 'running', 'waiting');
      const second = present(await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'lease-2', leaseExpires: LEASE }));
      expect(second.attempt.number).to.equal(2);
      expect(at(second.run.instances, 0).attempts.map((a) => [a.number, a.status])).to.deep.equal([[1, 'failed'], [2, 'dispatched']]);
      await t.store.runs.transition(run._id, 'running', 'stopped');
      await t.store.runs.setInstanceState(run._id, 1, 'initial', 'waiting');
      expect(await t.store.runs.dispatch({ runId: run._id, instanceIndex: 1, deviceId: device._id, leaseToken: 'l', leaseExpires: LEASE }), 'final run').to.equal(null);
    });

    it('applies each report exactly once, only with the current lease token', async function () {
      const { run, instanceIds } = await runningRun(t);
      const device = await t.fx.device();
      await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'good', leaseExpires: LEASE });
      const base: AttemptReport = { runId: run._id, instanceId: at(instanceIds, 0), attempt: 1, seq: 1, leaseToken: 'good' };
      const started = present(await t.store.runs.report({ ...base, status: 'running' }));
      const attempt = () => at(at(started.instances, 0).attempts, 0);
      expect(attempt()).to.include({ status: 'running', lastSeq: 1 });
      expect(attempt().started).to.be.a('string');
      expect(await t.store.runs.report({ ...base, status: 'running' }), 'same seq again').to.equal(null);
      expect(await t.store.runs.report({ ...base, seq: 2, leaseToken: 'stale', status: 'completed', exitCode: 0 }), 'stale token').to.equal(null);
      const checkpointed = present(await t.store.runs.report({ ...base, seq: 2, checkpoint: { state: 'uploading', data: { done: 3 } }, journal: [{ type: 'attempt.progress', data: { pct: 50 } }] }));
      expect(at(checkpointed.instances, 0).checkpoint).to.deep.equal({ state: 'uploading', data: { done: 3 } });
      expect(await t.store.runs.report({ ...base, seq: 2, status: 'completed' }), 'seq 2 applied already').to.equal(null);
      const done = present(await t.store.runs.report({ ...base, seq: 4, status: 'completed', exitCode: 0, result: { files: 3 } }));
      expect(at(at(done.instances, 0).attempts, 0)).to.include({ status: 'completed', exitCode: 0, lastSeq: 4, error: null });
      expect(at(at(done.instances, 0).attempts, 0).result).to.deep.equal({ files: 3 });
      expect(await t.store.runs.report({ ...base, seq: 3, status: 'failed' }), 'below the applied seq').to.equal(null);
      expect(await t.store.runs.report({ ...base, seq: 5, status: 'failed' }), 'attempt already ended').to.equal(null);
      expect(await t.store.runs.report({ ...base, attempt: 2, seq: 9, status: 'failed' }), 'unknown attempt').to.equal(null);
      expect(await t.store.runs.report({ ...base, instanceId: MISSING_ID, seq: 9 }), 'unknown instance').to.equal(null);
      expect(await t.store.runs.report({ ...base, runId: MISSING_ID, seq: 9 }), 'unknown run').to.equal(null);
      const journal = (await t.store.runs.journal(run._id, ALL)).items;
      expect(journal.filter((e) => e.type === 'attempt.ended')).to.have.length(1);
      expect(journal.filter((e) => e.type === 'attempt.started')).to.have.length(1);
      const progress = journal.filter((e) => e.type === 'attempt.progress');
      expect(progress.map((e) => [e.instanceId, e.attempt, e.data])).to.deep.equal([[at(instanceIds, 0), 1, { pct: 50 }]]);
      expect(journal.map((e) => e.seq)).to.deep.equal(journal.map((_, i) => i + 1));
      await rejects(t.store.runs.report({ ...base, seq: 0 }), ValidationError);
    });

    it('renews the live leases of a device, and expires the lapsed ones as lost', async function () {
      const one = await runningRun(t);
      const two = await runningRun(t);
      const pi = await t.fx.device();
      const other = await t.fx.device();
      await t.store.runs.dispatch({ runId: one.run._id, instanceIndex: 0, deviceId: pi._id, leaseToken: 'a', leaseExpires: '2030-01-01T00:00:10.000Z' });
      await t.store.runs.dispatch({ runId: two.run._id, instanceIndex: 0, deviceId: other._id, leaseToken: 'b', leaseExpires: '2030-01-01T00:00:10.000Z' });
      expect(await t.store.runs.renewLeases(pi._id, '2030-01-01T00:01:00.000Z')).to.equal(1);
      expect(await t.store.runs.renewLeases(MISSING_ID, '2030-01-01T00:01:00.000Z')).to.equal(0);
      const renewed = at(at(present(await t.store.runs.get(one.run._id, ALL)).instances, 0).attempts, 0);
      expect(renewed.leaseExpires).to.equal('2030-01-01T00:01:00.000Z');

      expect(await t.store.runs.expireLeases(new Date('2030-01-01T00:00:05.000Z'))).to.deep.equal([]);
      const expired = await t.store.runs.expireLeases(new Date('2030-01-01T00:00:30.000Z'));
      expect(expired.map((e) => [e.runId, e.instanceIndex, e.attempt.number, e.attempt.status])).to.deep.equal([[two.run._id, 0, 1, 'lost']]);
      const lost = at(at(present(await t.store.runs.get(two.run._id, ALL)).instances, 0).attempts, 0);
      expect(lost.status).to.equal('lost');
      expect(lost.ended).to.be.a('string');
      expect(await t.store.runs.report({ runId: two.run._id, instanceId: at(two.instanceIds, 0), attempt: 1, seq: 1, leaseToken: 'b', status: 'completed' }), 'late report of a lost attempt').to.equal(null);
      expect(await t.store.runs.renewLeases(other._id, '2031-01-01T00:00:00.000Z'), 'lost leases are not renewed').to.equal(0);
      expect(await t.store.runs.expireLeases(new Date('2030-01-01T00:00:30.000Z')), 'expired once').to.deep.equal([]);
      const types = (await t.store.runs.journal(two.run._id, ALL)).items.map((e) => e.type);
      expect(types.at(-1)).to.equal('attempt.ended');
    });

    it('appends logs deduplicated by seq and bounded in UTF-8 bytes per attempt', async function () {
      const { run, instanceIds } = await runningRun(t);
      const instanceId = at(instanceIds, 0);
      const chunk = (seq: number, text: string, attempt = 1) => ({ runId: run._id, instanceId, attempt, seq, stream: 'stdout' as const, text });
      expect(await t.store.runs.appendLogs([chunk(1, 'hello '), chunk(2, 'world\n')], 20)).to.equal(2);
      expect(await t.store.runs.appendLogs([chunk(2, 'world\n'), chunk(1, 'hello ')], 20), 'replayed').to.equal(0);
      expect(await t.store.runs.appendLogs([chunk(3, 'ééééé')], 20), 'cut on a character boundary').to.equal(1);
      expect(await t.store.runs.appendLogs([chunk(4, 'more')], 20), 'bound reached').to.equal(0);
      expect(await t.store.runs.appendLogs([chunk(1, 'next attempt', 2), { ...chunk(1, 'oops', 1), instanceId: MISSING_ID }], 20)).to.equal(1);
      const logs = await t.store.runs.logs(run._id, ALL, { instanceId, attempt: 1 });
      expect(logs.map((l) => [l.seq, l.text])).to.deep.equal([[1, 'hello '], [2, 'world\n'], [3, 'éééé']]);
      expect(Buffer.byteLength(logs.map((l) => l.text).join(''), 'utf8')).to.be.at.most(20);
      expect(logs.every((l) => l.stream === 'stdout' && typeof l.at === 'string')).to.equal(true);
      expect((await t.store.runs.logs(run._id, ALL)).map((l) => [l.attempt, l.seq])).to.deep.equal([[1, 1], [1, 2], [1, 3], [2, 1]]);
      expect(await t.store.runs.logs(run._id, ALL, { attempt: 2 })).to.have.length(1);
      await rejects(t.store.runs.appendLogs([{ ...chunk(9, 'x'), stream: 'stdin' as never }], 20), ValidationError);
    });

    it('appends journal entries with dense sequence numbers', async function () {
      const { run, instanceIds } = await runningRun(t);
      const before = (await t.store.runs.journal(run._id, ALL, { count: true })).total ?? 0;
      const added = await t.store.runs.appendJournal(run._id, [
        { type: 'attempt.progress', instanceId: at(instanceIds, 0), attempt: 1, data: { pct: 10 } },
        { type: 'attempt.progress' },
      ]);
      expect(added.map((e) => e.seq)).to.deep.equal([before + 1, before + 2]);
      expect(at(added, 0)).to.include({ runId: run._id, type: 'attempt.progress', instanceId: at(instanceIds, 0), attempt: 1 });
      expect(at(added, 1)).to.deep.include({ instanceId: null, attempt: null, data: {} });
      expect(await t.store.runs.appendJournal(run._id, [])).to.deep.equal([]);
      await rejects(t.store.runs.appendJournal(run._id, [{ type: 'nonsense' as never }]), ValidationError);
      await rejects(t.store.runs.appendJournal(MISSING_ID, [{ type: 'attempt.progress' }]), NotFoundError);
      const all = (await t.store.runs.journal(run._id, ALL)).items;
      expect(all.map((e) => e.seq)).to.deep.equal(all.map((_, i) => i + 1));
    });
  });
}

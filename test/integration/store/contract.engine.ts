/** The engine's verbs: compare-and-set transitions, dispatch under leases, exactly-once reports, logs. */
import { expect } from 'chai';
import { IllegalStateError, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import type { Id } from '../../../shared/domain/ids.js';
import type { Run } from '../../../shared/domain/model.js';
import type { AttemptReport } from '../../../shared/store/port.js';
import type { StoreFactory } from './contract.js';
import { ALL, MISSING_ID, at, present, rejects, tenant, useStore, type Harness } from './harness.js';

const LEASE = '2030-01-01T00:00:00.000Z';
const DUPLICATE = { outcome: 'duplicate', run: null, followedUp: false } as const;
const STALE = { outcome: 'stale', run: null, followedUp: false } as const;

/** A running run of a two-instance workflow whose first instance is `waiting`. */
async function runningRun(t: Harness): Promise<{ run: Run; workflowId: Id; instanceIds: Id[] }> {
  const { account, workflow, instances } = await t.fx.workflowWithInstances(2);
  const queued = await t.store.runs.request(workflow._id, tenant(account), account._id);
  const run = present(await t.store.runs.transition(queued._id, 'queued', 'running', { instances: [{ index: 0, from: 'initial', to: 'waiting' }] }));
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
      const waiting = { instances: [{ index: 0, from: 'initial' as const, to: 'waiting' as const, notBefore: LEASE }] };
      const running = present(await t.store.runs.transition(run._id, 'queued', 'running', waiting));
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
      expect(at(journal, 2).data).to.deep.equal({ index: 0, from: 'initial', to: 'waiting' });
    });

    it('moves several instances in one step, all or nothing, mirrored on the workflow instances', async function () {
      const { run, workflowId, instanceIds } = await runningRun(t);
      const stale = await t.store.runs.transition(run._id, 'running', 'running', {
        instances: [{ index: 0, from: 'waiting', to: 'completed' }, { index: 1, from: 'waiting', to: 'waiting' }],
      });
      expect(stale, 'one instance not in its from state').to.equal(null);
      const unchanged = present(await t.store.runs.get(run._id, ALL));
      expect(unchanged.instances.map((i) => i.state)).to.deep.equal(['waiting', 'initial']);
      const moved = present(await t.store.runs.transition(run._id, 'running', 'running', {
        instances: [{ index: 0, from: 'waiting', to: 'completed' }, { index: 1, from: 'initial', to: 'waiting' }],
        journal: [{ type: 'attempt.progress', data: { pct: 100 } }],
      }));
      expect(moved.status).to.equal('running');
      expect(moved.instances.map((i) => i.state)).to.deep.equal(['completed', 'waiting']);
      const states = await Promise.all(instanceIds.map(async (id) => present(await t.store.instances.get(workflowId, id, ALL)).state));
      expect(states).to.deep.equal(['completed', 'waiting']);
      const types = (await t.store.runs.journal(run._id, ALL)).items.map((e) => e.type);
      expect(types.slice(-3), 'no run.status when the status stays').to.deep.equal(['instance.state', 'instance.state', 'attempt.progress']);
      await rejects(t.store.runs.transition(run._id, 'running', 'running', { instances: [{ index: 9, from: 'initial', to: 'waiting' }] }), Error);
    });

    it('dispatches a waiting, due instance of a running run once under a lease; attempts are numbered per instance', async function () {
      const { run, workflowId, instanceIds } = await runningRun(t);
      const device = await t.fx.device();
      const claim = (index: number, leaseToken: string) => t.store.runs.dispatch({ runId: run._id, instanceIndex: index, deviceId: device._id, leaseToken, leaseExpires: LEASE });
      const first = present(await claim(0, 'lease-1'));
      expect(first).to.include({ number: 1, deviceId: device._id, status: 'dispatched', leaseToken: 'lease-1', leaseExpires: LEASE, lastSeq: 0, started: null, ended: null, retryable: true });
      const claimed = present(await t.store.runs.get(run._id, ALL));
      expect(at(claimed.instances, 0).state).to.equal('running');
      expect(at(claimed.instances, 0).attempts).to.deep.equal([first]);
      const journal = (await t.store.runs.journal(run._id, ALL)).items.slice(-2);
      expect(journal.map((e) => [e.type, e.data])).to.deep.equal([
        ['instance.state', { index: 0, from: 'waiting', to: 'running' }], ['attempt.dispatched', { deviceId: device._id }],
      ]);
      expect(present(await t.store.instances.get(workflowId, at(instanceIds, 0), ALL)).state).to.equal('running');
      expect(await claim(0, 'lease-x'), 'not waiting').to.equal(null);
      expect(await claim(1, 'lease-x'), 'initial').to.equal(null);

      const ref = { runId: run._id, instanceId: at(instanceIds, 0), attempt: 1, leaseToken: 'lease-1' };
      await t.store.runs.report([{ ...ref, seq: 1, type: 'finished', status: 'failed', exitCode: 1, signal: null, result: null, error: null, retryable: true }]);
      const later = new Date(Date.now() + 60_000).toISOString();
      await t.store.runs.transition(run._id, 'running', 'running', { instances: [{ index: 0, from: 'running', to: 'waiting', notBefore: later }] });
      expect(await claim(0, 'lease-2'), 'backoff not over').to.equal(null);
      await t.store.runs.transition(run._id, 'running', 'running', { instances: [{ index: 0, from: 'waiting', to: 'waiting', notBefore: null }] });
      await t.store.runs.transition(run._id, 'running', 'paused');
      expect(await claim(0, 'lease-2'), 'paused run').to.equal(null);
      await t.store.runs.transition(run._id, 'paused', 'running');
      const second = present(await claim(0, 'lease-2'));
      expect(second.number).to.equal(2);
      const again = present(await t.store.runs.get(run._id, ALL));
      expect(at(again.instances, 0).attempts.map((a) => [a.number, a.status])).to.deep.equal([[1, 'failed'], [2, 'dispatched']]);
      expect(at(again.instances, 0).notBefore).to.equal(null);
      await t.store.runs.transition(run._id, 'running', 'stopped', { instances: [{ index: 1, from: 'initial', to: 'waiting' }] });
      expect(await claim(1, 'l'), 'final run').to.equal(null);
    });

    it('applies each report exactly once, only with the current lease token, and says which', async function () {
      const { run, instanceIds } = await runningRun(t);
      const device = await t.fx.device();
      await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'good', leaseExpires: LEASE });
      const base = { runId: run._id, instanceId: at(instanceIds, 0), attempt: 1, leaseToken: 'good' };
      const finished = (seq: number, status: 'completed' | 'failed', extra: Partial<AttemptReport> = {}): AttemptReport =>
        ({ ...base, seq, type: 'finished', status, exitCode: status === 'completed' ? 0 : 1, signal: null, result: null, error: null, retryable: true, ...extra } as AttemptReport);
      const applied = (outcome: Awaited<ReturnType<typeof t.store.runs.report>>): Run => {
        if (outcome.outcome !== 'applied' || outcome.run === null) throw new Error(`expected applied, got ${outcome.outcome}`);
        expect(outcome.followedUp).to.equal(false);
        return outcome.run;
      };
      const started = applied(await t.store.runs.report([{ ...base, seq: 1, type: 'started', pid: 4242 }]));
      const attempt = () => at(at(started.instances, 0).attempts, 0);
      expect(attempt()).to.include({ status: 'running', lastSeq: 1 });
      expect(attempt().started).to.be.a('string');
      expect(await t.store.runs.report([{ ...base, seq: 1, type: 'started', pid: 4242 }]), 'same seq again').to.deep.equal(DUPLICATE);
      expect(await t.store.runs.report([{ ...finished(2, 'completed'), leaseToken: 'stale' }]), 'stale token').to.deep.equal(STALE);
      const checkpointed = applied(await t.store.runs.report([{ ...base, seq: 2, type: 'checkpoint', checkpoint: { state: 'uploading', data: { done: 3 } } }]));
      expect(at(checkpointed.instances, 0).checkpoint).to.deep.equal({ state: 'uploading', data: { done: 3 } });
      applied(await t.store.runs.report([{ ...base, seq: 3, type: 'progress', state: 'uploading' }]));
      expect(await t.store.runs.report([finished(3, 'completed')]), 'seq 3 applied already').to.deep.equal(DUPLICATE);
      const done = applied(await t.store.runs.report([finished(5, 'completed', { result: { files: 3 } })]));
      expect(at(at(done.instances, 0).attempts, 0)).to.include({ status: 'completed', exitCode: 0, lastSeq: 5, error: null, retryable: true });
      expect(at(at(done.instances, 0).attempts, 0).result).to.deep.equal({ files: 3 });
      expect(await t.store.runs.report([finished(5, 'completed')]), 'the completion resent').to.deep.equal(DUPLICATE);
      expect(await t.store.runs.report([finished(4, 'failed')]), 'below the applied seq').to.deep.equal(DUPLICATE);
      expect(await t.store.runs.report([finished(6, 'failed')]), 'attempt already ended').to.deep.equal(STALE);
      expect(await t.store.runs.report([{ ...finished(9, 'failed'), attempt: 2 }]), 'unknown attempt').to.deep.equal(STALE);
      expect(await t.store.runs.report([{ ...finished(9, 'failed'), instanceId: MISSING_ID }]), 'unknown instance').to.deep.equal(STALE);
      expect(await t.store.runs.report([{ ...finished(9, 'failed'), runId: MISSING_ID }]), 'unknown run').to.deep.equal(STALE);
      const journal = (await t.store.runs.journal(run._id, ALL)).items;
      const ended = journal.filter((e) => e.type === 'attempt.ended');
      expect(ended).to.have.length(1);
      expect(at(ended, 0).data).to.deep.equal({ status: 'completed', exitCode: 0, signal: null, error: null, retryable: true });
      const startedEntries = journal.filter((e) => e.type === 'attempt.started');
      expect(startedEntries.map((e) => e.data)).to.deep.equal([{ deviceId: device._id, pid: 4242 }]);
      expect(journal.filter((e) => e.type === 'attempt.progress').map((e) => [e.instanceId, e.attempt, e.data])).to.deep.equal([[at(instanceIds, 0), 1, { state: 'uploading' }]]);
      expect(journal.filter((e) => e.type === 'attempt.checkpoint')).to.have.length(1);
      expect(journal.map((e) => e.seq)).to.deep.equal(journal.map((_, i) => i + 1));
      await rejects(t.store.runs.report([{ ...base, seq: 0, type: 'started', pid: null }]), ValidationError);
      await rejects(t.store.runs.report([]), ValidationError);
      await rejects(t.store.runs.report([finished(8, 'failed'), finished(7, 'failed')]), ValidationError, 'seq must ascend');
      await rejects(t.store.runs.report([finished(8, 'failed'), { ...finished(9, 'failed'), attempt: 2 }]), ValidationError, 'one attempt');
    });

    it('keeps a failure\'s retryable flag; an attempt that failed before its task started keeps started null, as its journal says', async function () {
      const { run, instanceIds } = await runningRun(t);
      const device = await t.fx.device();
      await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'tok', leaseExpires: LEASE });
      const outcome = await t.store.runs.report([{
        runId: run._id, instanceId: at(instanceIds, 0), attempt: 1, leaseToken: 'tok', seq: 1,
        type: 'finished', status: 'failed', exitCode: null, signal: null, result: null, error: 'package escapes its folder', retryable: false,
      }]);
      if (outcome.run === null) throw new Error(outcome.outcome);
      expect(at(at(outcome.run.instances, 0).attempts, 0)).to.include({ status: 'failed', error: 'package escapes its folder', retryable: false, started: null });
      expect(at(at(outcome.run.instances, 0).attempts, 0).ended).to.be.a('string');
      const types = (await t.store.runs.journal(run._id, ALL)).items.filter((e) => e.type.startsWith('attempt.')).map((e) => e.type);
      expect(types).to.deep.equal(['attempt.dispatched', 'attempt.ended']);
    });

    it('applies a batch of reports on one attempt at once, and the follow-up step with them when it still holds', async function () {
      const { run, workflowId, instanceIds } = await runningRun(t);
      const device = await t.fx.device();
      await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'tok', leaseExpires: LEASE });
      const base = { runId: run._id, instanceId: at(instanceIds, 0), attempt: 1, leaseToken: 'tok' };
      const reports: AttemptReport[] = [
        { ...base, seq: 1, type: 'started', pid: 7 },
        { ...base, seq: 2, type: 'finished', status: 'completed', exitCode: 0, signal: null, result: 'ok', error: null, retryable: true },
      ];
      const missed = { from: 'running' as const, to: 'running' as const, change: { instances: [{ index: 0, from: 'waiting' as const, to: 'completed' as const }] } };
      const first = await t.store.runs.report(reports.slice(0, 1), missed);
      expect(first, 'no follow-up without an end').to.deep.include({ outcome: 'applied', followedUp: false });
      const followUp = {
        from: 'running' as const, to: 'running' as const,
        change: { instances: [{ index: 0, from: 'running' as const, to: 'completed' as const }, { index: 1, from: 'initial' as const, to: 'waiting' as const }] },
      };
      const both = await t.store.runs.report(reports, followUp);
      expect(both.outcome).to.equal('applied');
      expect(both.followedUp).to.equal(true);
      const now = present(both.run);
      expect(now.instances.map((i) => i.state)).to.deep.equal(['completed', 'waiting']);
      expect(at(at(now.instances, 0).attempts, 0)).to.include({ status: 'completed', lastSeq: 2, result: 'ok' });
      expect(present(await t.store.instances.get(workflowId, at(instanceIds, 1), ALL)).state).to.equal('waiting');
      const types = (await t.store.runs.journal(run._id, ALL)).items.map((e) => e.type).slice(-4);
      expect(types).to.deep.equal(['attempt.started', 'attempt.ended', 'instance.state', 'instance.state']);
      expect(await t.store.runs.report(reports, followUp), 'all resent').to.deep.equal(DUPLICATE);
    });

    it('keeps the reports but leaves out a follow-up step that no longer holds', async function () {
      const { run, instanceIds } = await runningRun(t);
      const device = await t.fx.device();
      await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken: 'tok', leaseExpires: LEASE });
      const stale = {
        from: 'paused' as const, to: 'paused' as const,
        change: { instances: [{ index: 0, from: 'running' as const, to: 'completed' as const }], journal: [{ type: 'attempt.progress' as const, data: { never: true } }] },
      };
      const outcome = await t.store.runs.report([{
        runId: run._id, instanceId: at(instanceIds, 0), attempt: 1, leaseToken: 'tok', seq: 1,
        type: 'finished', status: 'completed', exitCode: 0, signal: null, result: null, error: null, retryable: true,
      }], stale);
      expect(outcome).to.deep.include({ outcome: 'applied', followedUp: false });
      const now = present(outcome.run);
      expect(at(now.instances, 0).state, 'instance untouched').to.equal('running');
      expect(at(at(now.instances, 0).attempts, 0).status).to.equal('completed');
      const types = (await t.store.runs.journal(run._id, ALL)).items.map((e) => e.type);
      expect(types.at(-1)).to.equal('attempt.ended');
      expect(types).to.not.include('attempt.progress');
    });

    it('renews the leases a device holds, answers the ones it lost, and expires the lapsed ones as lost', async function () {
      const one = await runningRun(t);
      const two = await runningRun(t);
      const pi = await t.fx.device();
      const other = await t.fx.device();
      await t.store.runs.dispatch({ runId: one.run._id, instanceIndex: 0, deviceId: pi._id, leaseToken: 'a', leaseExpires: '2030-01-01T00:00:10.000Z' });
      await t.store.runs.dispatch({ runId: two.run._id, instanceIndex: 0, deviceId: other._id, leaseToken: 'b', leaseExpires: '2030-01-01T00:00:10.000Z' });
      const keyA = { runId: one.run._id, instanceId: at(one.instanceIds, 0), attempt: 1, leaseToken: 'a' };
      const keyB = { runId: two.run._id, instanceId: at(two.instanceIds, 0), attempt: 1, leaseToken: 'b' };
      expect(await t.store.runs.renewLeases(pi._id, [keyA], '2030-01-01T00:01:00.000Z')).to.deep.equal({ lost: [] });
      expect(await t.store.runs.renewLeases(pi._id, [keyB, { ...keyA, leaseToken: 'forged' }], '2031-01-01T00:00:00.000Z'), 'not its lease')
        .to.deep.equal({ lost: [keyB, { ...keyA, leaseToken: 'forged' }] });
      const renewed = at(at(present(await t.store.runs.get(one.run._id, ALL)).instances, 0).attempts, 0);
      expect(renewed.leaseExpires).to.equal('2030-01-01T00:01:00.000Z');
      const head = await t.store.changes.head();

      expect(await t.store.runs.expireLeases(new Date('2030-01-01T00:00:05.000Z'))).to.deep.equal([]);
      const expired = await t.store.runs.expireLeases(new Date('2030-01-01T00:00:30.000Z'));
      expect(expired.map((e) => [e.runId, e.instanceId, e.instanceIndex, e.attempt.number, e.attempt.status])).to.deep.equal([[two.run._id, at(two.instanceIds, 0), 0, 1, 'lost']]);
      const lost = at(at(present(await t.store.runs.get(two.run._id, ALL)).instances, 0).attempts, 0);
      expect(lost.status).to.equal('lost');
      expect(lost.error).to.match(/^lease expired/);
      expect(lost.ended).to.be.a('string');
      expect(await t.store.runs.report([{ ...keyB, seq: 1, type: 'finished', status: 'completed', exitCode: 0, signal: null, result: null, error: null, retryable: true }]),
        'late report of a lost attempt').to.deep.equal(STALE);
      expect(await t.store.runs.renewLeases(other._id, [keyB], '2031-01-01T00:00:00.000Z'), 'lost leases are not renewed').to.deep.equal({ lost: [keyB] });
      expect(await t.store.runs.expireLeases(new Date('2030-01-01T00:00:30.000Z')), 'expired once').to.deep.equal([]);
      const types = (await t.store.runs.journal(two.run._id, ALL)).items.map((e) => e.type);
      expect(types.at(-1)).to.equal('attempt.ended');
      const changes = await t.store.changes.read(head);
      expect(changes.map((c) => [c.entity, c.id]), 'an expiry is a visible change; renewals are not').to.deep.equal([['run', two.run._id]]);
    });

    it('ends the listed live attempts of a device as lost or released', async function () {
      const one = await runningRun(t);
      const two = await runningRun(t);
      const pi = await t.fx.device();
      await t.store.runs.dispatch({ runId: one.run._id, instanceIndex: 0, deviceId: pi._id, leaseToken: 'a', leaseExpires: LEASE });
      await t.store.runs.dispatch({ runId: two.run._id, instanceIndex: 0, deviceId: pi._id, leaseToken: 'b', leaseExpires: LEASE });
      const keyA = { runId: one.run._id, instanceId: at(one.instanceIds, 0), attempt: 1, leaseToken: 'a' };
      const keyB = { runId: two.run._id, instanceId: at(two.instanceIds, 0), attempt: 1, leaseToken: 'b' };
      const stranger = await t.fx.device();
      expect(await t.store.runs.endAttempts(stranger._id, [keyA], 'released', 'x'), 'another device').to.deep.equal([]);
      const released = await t.store.runs.endAttempts(pi._id, [keyA, { ...keyB, leaseToken: 'forged' }], 'released', 'released by device "pi" (shutting down)');
      expect(released.map((e) => [e.runId, e.attempt.status, e.attempt.error])).to.deep.equal([[one.run._id, 'released', 'released by device "pi" (shutting down)']]);
      expect(await t.store.runs.endAttempts(pi._id, [keyA], 'lost', 'again'), 'already ended').to.deep.equal([]);
      const lost = await t.store.runs.endAttempts(pi._id, [keyB], 'lost', 'the board restarted without it');
      expect(lost.map((e) => e.attempt.status)).to.deep.equal(['lost']);
      const journal = (await t.store.runs.journal(one.run._id, ALL)).items;
      expect(at(journal, journal.length - 1)).to.deep.include({ type: 'attempt.ended', attempt: 1 });
      expect(at(journal, journal.length - 1).data).to.deep.include({ status: 'released' });
      await rejects(t.store.runs.endAttempts(pi._id, [keyA], 'completed' as never, 'x'), ValidationError);
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

/** Runs as users drive them: run/resume, pause, stop, and the history reads. */
import { expect } from 'chai';
import { idOf } from '../../../shared/domain/dictionaries.js';
import { BadRequestError, ConflictError, NotFoundError } from '../../../shared/domain/errors.js';
import { isId } from '../../../shared/domain/ids.js';
import type { StoreFactory } from './contract.js';
import { ALL, MISSING_ID, at, present, rejects, tenant, useStore } from './harness.js';

export function runsContract(factory: StoreFactory): void {
  describe('runs (user verbs)', function () {
    const t = useStore(factory);

    it('requests a run: queued, a snapshot of the instances, lastRunId, states reset, journalled', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(2);
      const [first, second] = instances;
      await t.store.instances.update(workflow._id, present(second)._id, tenant(account), { target: { labels: ['pi4'] }, retry: { maxAttempts: 2 } });
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      expect(isId(run._id)).to.equal(true);
      expect(run).to.include({ workflowId: workflow._id, accountId: account._id, status: 'queued', desired: 'running', error: null, started: null, ended: null });
      expect(run.instances.map((i) => i.instanceId)).to.deep.equal([present(first)._id, present(second)._id]);
      const snap = at(run.instances, 1);
      expect(snap).to.deep.include({
        worktyId: workty._id, name: present(second).name, runtime: 'node', entryPoint: workty.entryPointModuleFileName,
        package: workty.package, state: 'initial', attempts: [], checkpoint: null, notBefore: null,
      });
      expect(snap.properties).to.deep.equal(present(second).properties);
      expect(snap.target).to.deep.equal({ labels: ['pi4'] });
      expect(snap.retry).to.deep.equal({ maxAttempts: 2 });
      expect(present(await t.store.workflows.get(workflow._id, ALL)).lastRunId).to.equal(run._id);
      expect(await t.store.runs.get(run._id, tenant(account))).to.deep.equal(run);
      const journal = await t.store.runs.journal(run._id, tenant(account), { count: true });
      expect(journal.items.map((e) => [e.seq, e.type])).to.deep.equal([[1, 'run.requested']]);
      expect(at(journal.items, 0).runId).to.equal(run._id);
      expect(journal.total).to.equal(1);
    });

    it('takes the runtime from the language type and freezes the snapshot against later edits', async function () {
      const account = await t.fx.account();
      const workty = await t.fx.workty(account._id, { languageTypeId: idOf.languageType('shell'), entryPointModuleFileName: 'run.sh', properties: [{ name: 'p', value: 1 }] });
      const workflow = await t.fx.workflow(account._id);
      const instance = await t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id });
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      expect(at(run.instances, 0)).to.include({ runtime: 'sh', entryPoint: 'run.sh' });
      await t.store.instances.updateProperty(workflow._id, instance._id, at(instance.properties, 0)._id, tenant(account), { value: 2 });
      await t.store.workties.update(workty._id, tenant(account), { entryPointModuleFileName: 'other.sh' });
      const again = present(await t.store.runs.get(run._id, ALL));
      expect(at(again.instances, 0).entryPoint).to.equal('run.sh');
      expect(at(again.instances, 0).properties.map((p) => p.value)).to.deep.equal([1]);
    });

    it('refuses a second run while one is queued or running, and a run of an empty workflow', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await rejects(t.store.runs.request(workflow._id, tenant(account), account._id), ConflictError, 'queued');
      await t.store.runs.transition(run._id, 'queued', 'running');
      await rejects(t.store.runs.request(workflow._id, tenant(account), account._id), ConflictError, 'running');
      expect((await t.store.runs.list(workflow._id, ALL, { count: true })).total).to.equal(1);
      const empty = await t.fx.workflow(account._id);
      await rejects(t.store.runs.request(empty._id, tenant(account), account._id), ConflictError, 'no instances');
      expect((await t.store.runs.list(empty._id, ALL, { count: true })).total).to.equal(0);
    });

    it('runs again once the previous run finished, resetting instance states', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const first = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.runs.transition(first._id, 'queued', 'running', { instances: [{ index: 0, from: 'initial', to: 'waiting' }] });
      await t.store.runs.transition(first._id, 'running', 'running', { instances: [{ index: 0, from: 'waiting', to: 'completed' }] });
      expect(at((await t.store.instances.list(workflow._id, ALL)).items, 0).state).to.equal('completed');
      await t.store.runs.transition(first._id, 'running', 'completed');
      const second = await t.store.runs.request(workflow._id, tenant(account), account._id);
      expect(second._id).to.not.equal(first._id);
      expect(present(await t.store.workflows.get(workflow._id, ALL)).lastRunId).to.equal(second._id);
      expect(at((await t.store.instances.list(workflow._id, ALL)).items, 0).state).to.equal('initial');
      expect((await t.store.runs.list(workflow._id, ALL)).items.map((r) => r._id)).to.deep.equal([first._id, second._id]);
    });

    it('pauses, refuses a second pause, resumes through request, and stops', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.runs.transition(run._id, 'queued', 'running');
      const pausing = await t.store.runs.command(workflow._id, tenant(account), 'pause', account._id);
      expect(pausing).to.include({ _id: run._id, status: 'running', desired: 'paused' });
      await rejects(t.store.runs.command(workflow._id, tenant(account), 'pause', account._id), ConflictError, 'pausing');
      await t.store.runs.transition(run._id, 'running', 'paused');
      await rejects(t.store.runs.command(workflow._id, tenant(account), 'pause', account._id), ConflictError, 'paused');
      const resumed = await t.store.runs.request(workflow._id, tenant(account), account._id);
      expect(resumed).to.include({ _id: run._id, status: 'paused', desired: 'running' });
      const stopping = await t.store.runs.command(workflow._id, tenant(account), 'stop', account._id);
      expect(stopping).to.include({ _id: run._id, desired: 'stopped' });
      await rejects(t.store.runs.command(workflow._id, tenant(account), 'stop', account._id), ConflictError, 'stopping');
      await rejects(t.store.runs.command(workflow._id, tenant(account), 'pause', account._id), ConflictError, 'pause while stopping');
      await rejects(t.store.runs.request(workflow._id, tenant(account), account._id), ConflictError, 'run while stopping');
      const journal = await t.store.runs.journal(run._id, ALL);
      const commands = journal.items.filter((e) => e.type === 'run.command').map((e) => e.data['command']);
      expect(commands).to.deep.equal(['pause', 'resume', 'stop']);
      await t.store.runs.transition(run._id, 'paused', 'stopped');
      await rejects(t.store.runs.command(workflow._id, tenant(account), 'stop', account._id), ConflictError, 'no active run');
      await rejects(t.store.runs.command(workflow._id, tenant(account), 'pause', account._id), ConflictError, 'no active run');
    });

    it('accepts a pause or stop of a queued run (durable before any supervisor took it)', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      await t.store.runs.request(workflow._id, tenant(account), account._id);
      expect((await t.store.runs.command(workflow._id, tenant(account), 'pause', account._id)).desired).to.equal('paused');
      expect((await t.store.runs.command(workflow._id, tenant(account), 'stop', account._id)).desired).to.equal('stopped');
    });

    it('scopes every run verb and read to the tenant', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const bob = await t.fx.account();
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await rejects(t.store.runs.request(workflow._id, tenant(bob), bob._id), NotFoundError);
      await rejects(t.store.runs.command(workflow._id, tenant(bob), 'stop', bob._id), NotFoundError);
      expect(await t.store.runs.get(run._id, tenant(bob))).to.equal(null);
      await rejects(t.store.runs.list(workflow._id, tenant(bob)), NotFoundError);
      await rejects(t.store.runs.journal(run._id, tenant(bob)), NotFoundError);
      await rejects(t.store.runs.logs(run._id, tenant(bob)), NotFoundError);
      await rejects(t.store.runs.request(MISSING_ID, ALL, account._id), NotFoundError);
      await rejects(t.store.runs.journal(MISSING_ID, ALL), NotFoundError);
      expect(present(await t.store.runs.get(run._id, ALL)).desired).to.equal('running');
    });

    it('projects runs and lists their journal with the query conventions', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      expect(await t.store.runs.get(run._id, ALL, ['status'])).to.deep.equal({ _id: run._id, status: 'queued' });
      const listed = await t.store.runs.list(workflow._id, ALL, { fields: ['status', 'desired'] });
      expect(listed.items).to.deep.equal([{ _id: run._id, status: 'queued', desired: 'running' }]);
      await t.store.runs.appendJournal(run._id, [{ type: 'attempt.progress', data: { n: 1 } }, { type: 'attempt.progress', data: { n: 2 } }]);
      const page = await t.store.runs.journal(run._id, ALL, { filter: { type: 'attempt.progress' }, sort: [{ field: 'seq', direction: 'desc' }], perPage: 1, count: true });
      expect(page.items.map((e) => e.seq)).to.deep.equal([3]);
      expect(page.total).to.equal(2);
      const projected = await t.store.runs.journal(run._id, ALL, { fields: ['seq', 'type'] });
      expect(projected.items).to.deep.equal([{ seq: 1, type: 'run.requested' }, { seq: 2, type: 'attempt.progress' }, { seq: 3, type: 'attempt.progress' }]);
      await rejects(t.store.runs.journal(run._id, ALL, { filter: { data: 'x' } }), BadRequestError);
      await rejects(t.store.runs.list(workflow._id, ALL, { sort: [{ field: 'instances', direction: 'asc' }] }), BadRequestError);
    });
  });
}

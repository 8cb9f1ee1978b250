import { expect } from 'chai';
import { BadRequestError, ConflictError, ErrorCode, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import { isId } from '../../../shared/domain/ids.js';
import { RULES, ruleMessage } from '../../../shared/domain/rules.js';
import type { InstancePosition } from '../../../shared/store/port.js';
import type { StoreFactory } from './contract.js';
import { ALL, MISSING_ID, at, present, rejects, tenant, useStore } from './harness.js';

export function workflowsContract(factory: StoreFactory): void {
  describe('workflows', function () {
    const t = useStore(factory);

    it('creates, reads, updates and lists within the owner\'s scope', async function () {
      const ann = await t.fx.account();
      const bob = await t.fx.account();
      const workflow = await t.store.workflows.create({ accountId: ann._id, name: 'Nightly' });
      expect(isId(workflow._id)).to.equal(true);
      expect(workflow).to.include({ accountId: ann._id, name: 'Nightly', desc: '', lastRunId: null });
      expect(workflow.worktiesInstancesIds).to.deep.equal([]);
      expect(await t.store.workflows.get(workflow._id, tenant(ann))).to.deep.equal(workflow);
      expect(await t.store.workflows.get(workflow._id, tenant(bob))).to.equal(null);
      expect(await t.store.workflows.get(workflow._id, ALL, ['name'])).to.deep.equal({ _id: workflow._id, name: 'Nightly' });
      const updated = await t.store.workflows.update(workflow._id, tenant(ann), { desc: 'every night' });
      expect(updated).to.include({ name: 'Nightly', desc: 'every night' });
      expect(await t.store.workflows.update(workflow._id, tenant(ann), {})).to.deep.equal(updated);
      await rejects(t.store.workflows.update(workflow._id, tenant(bob), { name: 'x' }), NotFoundError);
      await rejects(t.store.workflows.delete(workflow._id, tenant(bob)), NotFoundError);
      await rejects(t.store.workflows.update(MISSING_ID, ALL, { name: 'x' }), NotFoundError);
      expect((await t.store.workflows.list(tenant(bob), { count: true })).total).to.equal(0);
      expect((await t.store.workflows.list(tenant(ann))).items).to.deep.equal([updated]);
    });

    it('validates names and descriptions, and the owner must exist', async function () {
      const ann = await t.fx.account();
      const error = await rejects(t.store.workflows.create({ accountId: ann._id, name: '', desc: 'x'.repeat(2001) }), ValidationError);
      expect(error.errors).to.deep.include({ path: 'name', message: ruleMessage.required('name') });
      expect(error.errors.map((e) => e.path)).to.include('desc');
      await rejects(t.store.workflows.create({ accountId: MISSING_ID, name: 'orphan' }), NotFoundError);
      const workflow = await t.fx.workflow(ann._id);
      await rejects(t.store.workflows.update(workflow._id, ALL, { name: 'x'.repeat(201) }), ValidationError);
      expect(present(await t.store.workflows.get(workflow._id, ALL)).name).to.equal(workflow.name);
    });

    it('deletes a workflow with its instances and finished runs, leaving the workty', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(2);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.runs.transition(run._id, 'queued', 'stopped');
      await t.store.runs.appendLogs([{ runId: run._id, instanceId: at(instances, 0)._id, attempt: 1, seq: 1, stream: 'stdout', text: 'x' }], 100);
      await t.store.workflows.delete(workflow._id, tenant(account));
      await rejects(t.store.runs.journal(run._id, ALL), NotFoundError);
      await rejects(t.store.runs.logs(run._id, ALL), NotFoundError);
      expect(await t.store.workflows.get(workflow._id, ALL)).to.equal(null);
      expect(await t.store.instances.getMany(instances.map((i) => i._id), ALL)).to.deep.equal([]);
      expect(await t.store.runs.get(run._id, ALL)).to.equal(null);
      expect(await t.store.workties.get(workty._id, { scope: ALL, withTemplates: false })).to.not.equal(null);
      await rejects(t.store.workflows.delete(workflow._id, ALL), NotFoundError);
      await rejects(t.store.runs.list(workflow._id, ALL), NotFoundError);
    });

    it('refuses to delete a workflow while a run is active (queued, running or paused)', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await rejects(t.store.workflows.delete(workflow._id, tenant(account)), ConflictError, 'queued');
      await t.store.runs.transition(run._id, 'queued', 'running');
      await t.store.runs.transition(run._id, 'running', 'paused');
      await rejects(t.store.workflows.delete(workflow._id, tenant(account)), ConflictError, 'paused');
      expect(await t.store.runs.get(run._id, ALL)).to.not.equal(null);
      expect(present(await t.store.workflows.get(workflow._id, ALL)).worktiesInstancesIds).to.have.length(1);
    });
  });

  describe('workty instances', function () {
    const t = useStore(factory);

    it('adds an instance with a copy of the workty\'s properties, appended last by default', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(2, [{ name: 'timeout', value: 1000 }, { name: 'verbose', value: true }]);
      const added = await t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id });
      expect(added).to.include({ workflowId: workflow._id, accountId: account._id, worktyId: workty._id, name: workty.name, desc: '', state: 'initial' });
      expect(added.target).to.equal(null);
      expect(added.retry).to.equal(null);
      expect(added.properties.map((p) => [p.name, p.value])).to.deep.equal([['timeout', 1000], ['verbose', true]]);
      for (const property of added.properties) {
        expect(isId(property._id)).to.equal(true);
        expect(workty.properties.map((p) => p._id)).to.not.include(property._id);
      }
      expect(await t.fx.ids(workflow._id)).to.deep.equal([...instances.map((i) => i._id), added._id]);
      expect(await t.store.instances.get(workflow._id, added._id, tenant(account))).to.deep.equal(added);
    });

    it('places instances first, last, at an index and before another', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(2);
      const [a, b] = instances.map((i) => i._id);
      const add = (position: InstancePosition) => t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id }, position);
      const first = await add({ type: 'first' });
      expect(await t.fx.ids(workflow._id)).to.deep.equal([first._id, a, b]);
      const last = await add({ type: 'last' });
      expect(await t.fx.ids(workflow._id)).to.deep.equal([first._id, a, b, last._id]);
      const atTwo = await add({ index: 2 });
      expect(await t.fx.ids(workflow._id)).to.deep.equal([first._id, a, atTwo._id, b, last._id]);
      const atEnd = await add({ index: 5 });
      const atZero = await add({ index: 0 });
      expect(await t.fx.ids(workflow._id)).to.deep.equal([atZero._id, first._id, a, atTwo._id, b, last._id, atEnd._id]);
      const beforeB = await add({ beforeId: b ?? '' });
      const none = await add({});
      const ids = [atZero._id, first._id, a, atTwo._id, beforeB._id, b, last._id, atEnd._id, none._id];
      expect(await t.fx.ids(workflow._id)).to.deep.equal(ids);
      const listed = await t.store.instances.list(workflow._id, tenant(account), { count: true });
      expect(listed.items.map((i) => i._id)).to.deep.equal(ids);
      expect(listed.total).to.equal(ids.length);
    });

    it('refuses bad positions with codes 12, 10 and 11, changing nothing', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(2);
      const other = await t.fx.workflowWithInstances(1);
      const before = await t.fx.ids(workflow._id);
      const cases: Array<[InstancePosition, number]> = [
        [{ type: 'middle' } as unknown as InstancePosition, ErrorCode.badPositionType],
        [{ index: -1 }, ErrorCode.badPositionIndex],
        [{ index: 3 }, ErrorCode.badPositionIndex],
        [{ index: 1.5 }, ErrorCode.badPositionIndex],
        [{ index: '1' } as unknown as InstancePosition, ErrorCode.badPositionIndex],
        [{ beforeId: MISSING_ID }, ErrorCode.badPositionId],
        [{ beforeId: 'not-an-id' }, ErrorCode.badPositionId],
        [{ beforeId: at(other.instances, 0)._id }, ErrorCode.badPositionId],
        [{ type: 'first', index: 0 } as unknown as InstancePosition, ErrorCode.badPositionType],
      ];
      for (const [position, code] of cases) {
        const error = await rejects(t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id }, position), BadRequestError, JSON.stringify(position));
        expect(error.code, JSON.stringify(position)).to.equal(code);
      }
      expect(await t.fx.ids(workflow._id)).to.deep.equal(before);
      expect(instances).to.have.length(2);
    });

    it('refuses a workty that is not the workflow owner\'s own (code 17): another\'s, a template, a missing one', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id);
      const { account, workflow } = await t.fx.workflowWithInstances(0);
      const stranger = await t.fx.account();
      const strangers = await t.fx.workty(stranger._id);
      const adminsWorkflow = await t.fx.workflow(admin._id);
      for (const [scopeOwner, workflowId, worktyId] of [
        [account, workflow._id, strangers._id], [account, workflow._id, template._id], [account, workflow._id, MISSING_ID],
        [admin, adminsWorkflow._id, template._id], [admin, workflow._id, strangers._id],
      ] as const) {
        const scope = scopeOwner === admin ? ALL : tenant(account);
        const error = await rejects(t.store.instances.add(workflowId, scope, { worktyId }), BadRequestError);
        expect(error.code).to.equal(ErrorCode.worktyNotOwned);
      }
      expect(await t.fx.ids(workflow._id)).to.deep.equal([]);
    });

    it('keeps the order after deletes and adds', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(5);
      const ids = instances.map((i) => i._id);
      await t.store.instances.delete(workflow._id, at(ids, 1), tenant(account));
      await t.store.instances.delete(workflow._id, at(ids, 4), tenant(account));
      expect(await t.fx.ids(workflow._id)).to.deep.equal([ids[0], ids[2], ids[3]]);
      const added = await t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id }, { index: 1 });
      expect(await t.fx.ids(workflow._id)).to.deep.equal([ids[0], added._id, ids[2], ids[3]]);
      await t.store.instances.delete(workflow._id, at(ids, 0), tenant(account));
      const last = await t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id });
      expect(await t.fx.ids(workflow._id)).to.deep.equal([added._id, ids[2], ids[3], last._id]);
      await rejects(t.store.instances.delete(workflow._id, at(ids, 0), tenant(account)), NotFoundError);
    });

    it('scopes instances to their workflow and to the tenant', async function () {
      const one = await t.fx.workflowWithInstances(1);
      const two = await t.fx.workflowWithInstances(1);
      const mine = at(one.instances, 0);
      expect(await t.store.instances.get(two.workflow._id, mine._id, ALL), 'wrong workflow').to.equal(null);
      expect(await t.store.instances.get(one.workflow._id, mine._id, tenant(two.account)), 'other tenant').to.equal(null);
      expect(await t.store.instances.get(one.workflow._id, mine._id, ALL, ['name'])).to.deep.equal({ _id: mine._id, name: mine.name });
      await rejects(t.store.instances.update(two.workflow._id, mine._id, ALL, { name: 'x' }), NotFoundError);
      await rejects(t.store.instances.update(one.workflow._id, mine._id, tenant(two.account), { name: 'x' }), NotFoundError);
      await rejects(t.store.instances.delete(one.workflow._id, mine._id, tenant(two.account)), NotFoundError);
      await rejects(t.store.instances.delete(two.workflow._id, mine._id, ALL), NotFoundError);
      await rejects(t.store.instances.list(one.workflow._id, tenant(two.account)), NotFoundError);
      await rejects(t.store.instances.add(one.workflow._id, tenant(two.account), { worktyId: two.workty._id }), NotFoundError);
      const property = at(mine.properties, 0);
      await rejects(t.store.instances.updateProperty(one.workflow._id, mine._id, property._id, tenant(two.account), { value: 1 }), NotFoundError);
      expect(await t.store.instances.getMany([mine._id, at(two.instances, 0)._id], tenant(one.account))).to.deep.equal([mine]);
      expect(present(await t.store.instances.get(one.workflow._id, mine._id, ALL)).name).to.equal(mine.name);
    });

    it('gets many in the order asked, skipping missing and malformed ids', async function () {
      const { instances } = await t.fx.workflowWithInstances(3);
      const [a, b, c] = instances;
      const many = await t.store.instances.getMany([present(c)._id, MISSING_ID, present(a)._id, 'junk', present(c)._id, present(b)._id], ALL);
      expect(many.map((i) => i._id)).to.deep.equal([present(c)._id, present(a)._id, present(b)._id]);
      expect(await t.store.instances.getMany([], ALL)).to.deep.equal([]);
    });

    it('updates name, target and retry; null clears them; validates them', async function () {
      const { account, workflow, instances } = await t.fx.workflowWithInstances(1);
      const instance = at(instances, 0);
      const target = { labels: ['pi4', 'garden'] };
      const updated = await t.store.instances.update(workflow._id, instance._id, tenant(account), {
        name: 'renamed', target, retry: { maxAttempts: 3, backoffMs: 500 },
      });
      expect(updated).to.include({ name: 'renamed' });
      expect(updated.target).to.deep.equal(target);
      expect(updated.retry).to.deep.equal({ maxAttempts: 3, backoffMs: 500 });
      const cleared = await t.store.instances.update(workflow._id, instance._id, tenant(account), { target: null, retry: null });
      expect(cleared.target).to.equal(null);
      expect(cleared.retry).to.equal(null);
      expect(await t.store.instances.update(workflow._id, instance._id, tenant(account), {})).to.deep.equal(cleared);
      const error = await rejects(t.store.instances.update(workflow._id, instance._id, tenant(account), {
        name: '', target: { deviceId: 'nope', labels: ['-bad'] }, retry: { maxAttempts: 0, timeoutMs: 1 },
      }), ValidationError);
      const paths = error.errors.map((e) => e.path);
      expect(paths).to.include.members(['target.deviceId', 'retry.maxAttempts', 'retry.timeoutMs']);
      expect(paths.some((p) => p.startsWith('target.labels'))).to.equal(true);
      for (const e of error.errors) expect(e.message).to.include(`\`${e.path}\``);
      expect(await t.store.instances.get(workflow._id, instance._id, ALL)).to.deep.equal(cleared);
    });

    it('updates an instance\'s own property copy, not the workty\'s', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(2);
      const [one, two] = instances;
      const property = at(present(one).properties, 0);
      const updated = await t.store.instances.updateProperty(workflow._id, present(one)._id, property._id, tenant(account), { value: 5 });
      expect(updated.properties).to.deep.equal([{ _id: property._id, name: property.name, value: 5 }]);
      const renamed = await t.store.instances.updateProperty(workflow._id, present(one)._id, property._id, tenant(account), { name: 'delay' });
      expect(renamed.properties).to.deep.equal([{ _id: property._id, name: 'delay', value: 5 }]);
      expect(present(await t.store.instances.get(workflow._id, present(two)._id, ALL)).properties.map((p) => p.value)).to.deep.equal([1000]);
      expect(present(await t.store.workties.get(workty._id, { scope: ALL, withTemplates: false })).properties.map((p) => p.value)).to.deep.equal([1000]);
      await rejects(t.store.instances.updateProperty(workflow._id, present(one)._id, MISSING_ID, tenant(account), { value: 1 }), NotFoundError);
      await rejects(t.store.instances.updateProperty(workflow._id, present(one)._id, property._id, tenant(account), { name: '9lives' }), ValidationError);
      await rejects(t.store.instances.updateProperty(workflow._id, present(one)._id, property._id, tenant(account), { value: { x: 1 } as never }), ValidationError);
    });

    it('holds at most the rule\'s number of instances per workflow', async function () {
      this.timeout(120_000);
      const { account, workflow, workty } = await t.fx.workflowWithInstances(0);
      for (let i = 0; i < RULES.instancesPerWorkflow.max; i += 1) {
        await t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id });
      }
      await rejects(t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id }, { type: 'first' }), ValidationError);
      expect(await t.fx.ids(workflow._id)).to.have.length(RULES.instancesPerWorkflow.max);
    });

    it('validates a new instance', async function () {
      const { account, workflow, workty } = await t.fx.workflowWithInstances(0);
      const error = await rejects(t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id, name: 'x'.repeat(201), retry: { backoffMs: -1 } }), ValidationError);
      expect(error.errors.map((e) => e.path).sort()).to.deep.equal(['name', 'retry.backoffMs']);
      const missing = await rejects(t.store.instances.add(workflow._id, tenant(account), {} as never), ValidationError);
      expect(missing.errors).to.deep.include({ path: 'worktyId', message: ruleMessage.required('worktyId') });
      expect(await t.fx.ids(workflow._id)).to.deep.equal([]);
    });
  });
}

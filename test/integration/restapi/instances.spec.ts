/**
 * Workty instances: the three position rules and their errors, parent scoping (an instance belongs
 * to the workflow in the path, a property to its instance), tenant isolation, updates and embeds.
 */
import { expect } from 'chai';
import type { Workty } from '../../../shared/domain/model.js';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';
import { makeTemplate, ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';

describe('REST workty instances', () => {
  let t: TestRestApi;
  let alice: TestUser;
  let bob: TestUser;
  let workty: Workty;

  before(async () => {
    t = await startTestRestApi();
    alice = await t.createUser();
    bob = await t.createUser();
    workty = await ownWorkty(t, alice);
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  async function order(workflowId: string): Promise<string[]> {
    return (await t.store.workflows.get(workflowId, { all: true }))!.worktiesInstancesIds;
  }

  describe('positions', () => {
    let workflowId: string;
    let base: string;
    let a: string;
    let b: string;

    beforeEach(async () => {
      const { workflow, instances } = await workflowWith(t, alice, [workty, workty]);
      workflowId = workflow._id;
      base = `/workflows/${workflowId}/worktiesInstances`;
      [a, b] = instances.map((i) => i._id) as [string, string];
    });

    it('appends last by default (not second-to-last), and with position_type=last', async () => {
      const added = await alice.api.post(base, { worktyId: workty._id, name: 'third' });
      expectStatus(added, 201);
      expect(added.headers.location).to.match(new RegExp(`/api/v1${base}/${added.body._id}$`));
      expect(await order(workflowId)).to.deep.equal([a, b, added.body._id]);
      const last = await alice.api.post(`${base}?position_type=last`, { worktyId: workty._id });
      expect(await order(workflowId)).to.deep.equal([a, b, added.body._id, last.body._id]);
    });

    it('inserts first, at an index (0..length), and before an instance; in the query or the body', async () => {
      const first = await alice.api.post(`${base}?position_type=first`, { worktyId: workty._id });
      expect(await order(workflowId)).to.deep.equal([first.body._id, a, b]);
      const atOne = await alice.api.post(base, { worktyId: workty._id, position_index: 1 });
      expect(await order(workflowId)).to.deep.equal([first.body._id, atOne.body._id, a, b]);
      const atEnd = await alice.api.post(`${base}?position_index=4`, { worktyId: workty._id });
      expect((await order(workflowId)).at(-1)).to.equal(atEnd.body._id);
      const beforeB = await alice.api.post(`${base}?position_id=${b}`, { worktyId: workty._id });
      const now = await order(workflowId);
      expect(now.indexOf(beforeB.body._id)).to.equal(now.indexOf(b) - 1);
      const listed = await alice.api.get(`${base}?fields=_id`);
      expect(listed.body.map((i: { _id: string }) => i._id)).to.deep.equal(now);
    });

    it('answers bad positions with codes 12, 10 and 11, changing nothing', async () => {
      const { instances: foreign } = await workflowWith(t, alice, [workty]);
      const cases: Array<[string, Record<string, unknown>, number]> = [
        ['?position_type=middle', {}, 12],
        ['', { position_type: 'FIRST' }, 12],
        ['?position_index=3', {}, 10],
        ['?position_index=-1', {}, 10],
        ['?position_index=one', {}, 10],
        ['', { position_index: 1.5 }, 10],
        ['?position_id=nope', {}, 11],
        [`?position_id=${foreign[0]!._id}`, {}, 11],
        [`?position_id=${'0'.repeat(24)}`, {}, 11],
        ['?position_type=first&position_index=0', {}, 1],
      ];
      for (const [query, extra, code] of cases) {
        const response = await alice.api.post(`${base}${query}`, { worktyId: workty._id, ...extra });
        expectError(response, 400, code);
      }
      expect(await order(workflowId)).to.deep.equal([a, b]);
    });
  });

  describe('parent scoping and tenants', () => {
    it('finds an instance only under its own workflow, and a property only under its own instance', async () => {
      const one = await workflowWith(t, alice, [workty]);
      const two = await workflowWith(t, alice, [workty]);
      const i1 = one.instances[0]!;
      const i2 = two.instances[0]!;
      const p1 = i1.properties[0]!._id;
      const p2 = i2.properties[0]!._id;
      const wrong = `/workflows/${two.workflow._id}/worktiesInstances/${i1._id}`;
      expectError(await alice.api.get(wrong), 404, 2);
      expectError(await alice.api.put(wrong, { name: 'moved?' }), 404, 2);
      expectError(await alice.api.del(wrong), 404, 2);
      expectError(await alice.api.put(`${wrong}/properties/${p1}`, { value: 1 }), 404, 2);
      const right = `/workflows/${one.workflow._id}/worktiesInstances/${i1._id}`;
      expectError(await alice.api.put(`${right}/properties/${p2}`, { value: 1 }), 404, 2);
      const stored = await t.store.instances.get(one.workflow._id, i1._id, { all: true });
      expect(stored!.name).to.equal(i1.name);
      expect(stored!.properties).to.deep.equal(i1.properties);
      expect(await order(two.workflow._id)).to.deep.equal([i2._id]);
    });

    it('keeps another tenant\'s instances invisible and unchangeable (404)', async () => {
      const { workflow, instances } = await workflowWith(t, alice, [workty]);
      const base = `/workflows/${workflow._id}/worktiesInstances`;
      const own = await workflowWith(t, bob, []);
      expectError(await bob.api.get(base), 404, 2);
      expectError(await bob.api.post(base, { worktyId: workty._id }), 404, 2);
      expectError(await bob.api.get(`${base}/${instances[0]!._id}`), 404, 2);
      expectError(await bob.api.put(`${base}/${instances[0]!._id}`, { name: 'x' }), 404, 2);
      expectError(await bob.api.del(`${base}/${instances[0]!._id}`), 404, 2);
      expectError(await bob.api.put(`${base}/${instances[0]!._id}/properties/${instances[0]!.properties[0]!._id}`, { value: 2 }), 404, 2);
      // Bob's own workflow in the path does not make Alice's instance his.
      expectError(await bob.api.get(`/workflows/${own.workflow._id}/worktiesInstances/${instances[0]!._id}`), 404, 2);
      expect(await order(workflow._id)).to.deep.equal([instances[0]!._id]);
    });

    it('adds only the caller\'s own workties (code 17 for a template or another\'s)', async () => {
      const { workflow } = await workflowWith(t, bob, []);
      const base = `/workflows/${workflow._id}/worktiesInstances`;
      const template = await makeTemplate(t);
      for (const worktyId of [template._id, workty._id, '0'.repeat(24)]) {
        expectError(await bob.api.post(base, { worktyId }), 400, 17);
      }
      expect(await order(workflow._id)).to.deep.equal([]);
    });
  });

  describe('updates and reads', () => {
    it('renames, retargets and sets retry; refuses both targets (409) and nothing (400)', async () => {
      const { workflow, instances } = await workflowWith(t, alice, [workty]);
      const path = `/workflows/${workflow._id}/worktiesInstances/${instances[0]!._id}`;
      const updated = await alice.api.put(path, { name: 'renamed', labels: ['kitchen', 'pi4'], retry: { maxAttempts: 3 } });
      expectStatus(updated, 200);
      expect(updated.body).to.include({ name: 'renamed' });
      expect(updated.body.target).to.deep.equal({ labels: ['kitchen', 'pi4'] });
      expect(updated.body.retry).to.deep.include({ maxAttempts: 3 });
      const cleared = await alice.api.put(path, { labels: null });
      expect(cleared.body.target).to.equal(null);
      expectError(await alice.api.put(path, { deviceId: '0'.repeat(24), labels: ['x'] }), 409, 1);
      expectError(await alice.api.put(path, { retry: { maxAttempts: 0 } }), 409, 1);
      expectError(await alice.api.put(path, {}), 400, 1);
    });

    it('sets a property value and shows it with embed=properties', async () => {
      const { workflow, instances } = await workflowWith(t, alice, [workty]);
      const instance = instances[0]!;
      const path = `/workflows/${workflow._id}/worktiesInstances/${instance._id}`;
      const property = instance.properties.find((p) => p.name === 'timeout')!;
      const response = await alice.api.put(`${path}/properties/${property._id}`, { value: 2500 });
      expectStatus(response, 200);
      expect(response.body).to.deep.equal({ _id: property._id, name: 'timeout', value: 2500 });
      expectError(await alice.api.put(`${path}/properties/${property._id}`, { value: { nested: true } }), 409, 1);
      const read = await alice.api.get(`${path}?embed=properties,state,workty,workflow`);
      expect(read.body.propertiesIds).to.deep.include({ _id: property._id, name: 'timeout', value: 2500 });
      expect(read.body.stateId.name).to.equal('initial');
      expect(read.body.worktyId._id).to.equal(workty._id);
      expect(read.body.workflowId._id).to.equal(workflow._id);
      const alias = await alice.api.get(`${path}?embed=worktyinstance&fields=worktyId`);
      expect(alias.body).to.have.keys(['_id', 'worktyId']);
      expect(alias.body.worktyId._id).to.equal(workty._id);
      expect(read.body.propertiesIds).to.have.length(instance.properties.length);
    });

    it('deletes an instance from the workflow order', async () => {
      const { workflow, instances } = await workflowWith(t, alice, [workty, workty]);
      expectStatus(await alice.api.del(`/workflows/${workflow._id}/worktiesInstances/${instances[0]!._id}`), 204);
      expect(await order(workflow._id)).to.deep.equal([instances[1]!._id]);
    });
  });
});

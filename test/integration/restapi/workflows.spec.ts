/** Workflows: CRUD, tenant isolation, and the list conventions (paging, sort, fields, count, filters, embed). */
import { expect } from 'chai';
import { dictionaryEntryId } from '../../../shared/domain/dictionaries.js';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';
import { ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';

describe('REST workflows', () => {
  let t: TestRestApi;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    t = await startTestRestApi();
    alice = await t.createUser();
    bob = await t.createUser();
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  describe('CRUD', () => {
    it('creates (201, Location, owned by the caller), reads, updates and deletes', async () => {
      const created = await alice.api.post('/workflows', { name: 'Morning', desc: 'wake the boards' });
      expectStatus(created, 201);
      expect(created.body).to.include({ name: 'Morning', desc: 'wake the boards', accountId: alice.id, lastRunId: null });
      expect(created.body.worktiesInstancesIds).to.deep.equal([]);
      expect(created.headers.location).to.match(new RegExp(`/api/v1/workflows/${created.body._id}$`));
      const path = `/workflows/${created.body._id}`;
      expect((await alice.api.get(path)).body).to.deep.equal(created.body);
      const updated = await alice.api.put(path, { desc: 'later' });
      expectStatus(updated, 200);
      expect(updated.body).to.include({ name: 'Morning', desc: 'later' });
      expectStatus(await alice.api.del(path), 204);
      expectError(await alice.api.get(path), 404, 2);
      expectError(await alice.api.del(path), 404, 2);
    });

    it('validates: 409 for broken rules, 400 for ids that are not ids', async () => {
      expectError(await alice.api.post('/workflows', { name: '' }), 409, 1);
      expectError(await alice.api.post('/workflows', { name: 'x'.repeat(201) }), 409, 1);
      expectError(await alice.api.put('/workflows/123', { name: 'x' }), 400, 1);
    });
  });

  describe('tenant isolation', () => {
    it('keeps another tenant\'s workflow invisible and unchangeable (404), nothing changed', async () => {
      const { workflow } = await workflowWith(t, alice, []);
      const path = `/workflows/${workflow._id}`;
      expectError(await bob.api.get(path), 404, 2);
      expectError(await bob.api.put(path, { name: 'mine now' }), 404, 2);
      expectError(await bob.api.del(path), 404, 2);
      const listed = await bob.api.get(`/workflows?_id=${workflow._id}`);
      expect(listed.body).to.deep.equal([]);
      expect((await bob.api.get(`/workflows?accountId=${alice.id}`)).body).to.deep.equal([]);
      expect((await t.store.workflows.get(workflow._id, { all: true }))!.name).to.equal(workflow.name);
      expectStatus(await t.admin.api.get(path), 200);
    });
  });

  describe('list conventions', () => {
    let owner: TestUser;
    const names = Array.from({ length: 25 }, (_, i) => `wf-${String(i).padStart(2, '0')}`);

    before(async () => {
      owner = await t.createUser();
      for (const name of [...names].reverse()) await t.store.workflows.create({ accountId: owner.id, name, desc: name === 'wf-07' ? 'special' : '' });
    });

    it('pages with page_num and per_page; Records-count is the total, not the page size', async () => {
      const page2 = await owner.api.get('/workflows?sort=name&per_page=10&page_num=2&count=true');
      expect(page2.body.map((w: { name: string }) => w.name)).to.deep.equal(names.slice(10, 20));
      expect(page2.headers['records-count']).to.equal('25');
      const page3 = await owner.api.get('/workflows?sort=name&per_page=10&page_num=3');
      expect(page3.body).to.have.length(5);
      expect(page3.headers['records-count']).to.equal(undefined);
      expect((await owner.api.get('/workflows?per_page=10&page_num=4')).body).to.deep.equal([]);
      expect((await owner.api.get('/workflows')).body).to.have.length(25);
    });

    it('sorts ascending and descending on several keys', async () => {
      const descending = await owner.api.get('/workflows?sort=-name&per_page=3');
      expect(descending.body.map((w: { name: string }) => w.name)).to.deep.equal(['wf-24', 'wf-23', 'wf-22']);
      const twoKeys = await owner.api.get('/workflows?sort=-desc,name&per_page=2');
      expect(twoKeys.body.map((w: { name: string }) => w.name)).to.deep.equal(['wf-07', 'wf-00']);
    });

    it('projects fields (with _id) and filters by equality on known fields', async () => {
      const projected = await owner.api.get('/workflows?fields=name&name=wf-07');
      expect(projected.body).to.have.length(1);
      expect(projected.body[0]).to.have.keys(['_id', 'name']);
      expect((await owner.api.get('/workflows?desc=special')).body.map((w: { name: string }) => w.name)).to.deep.equal(['wf-07']);
      expect((await t.admin.api.get(`/workflows?accountId=${owner.id}&count=true&per_page=1`)).headers['records-count']).to.equal('25');
    });

    it('refuses unknown fields, operators and bad paging with 400', async () => {
      for (const query of [
        'bogus=1', 'name[$ne]=x', 'name[$regex]=.*', 'page_num=0', 'page_num=abc', 'per_page=1001', 'per_page=0', 'sort=bogus',
        'sort=worktiesInstancesIds', 'fields=bogus', 'embed=bogus', 'count=maybe', 'name=a&name=b', 'accountId=not-an-id',
        'worktiesInstancesIds=x', 'per_page=99999999999999999999', 'page_num=1.5', 'name=%E0%A4%A', '__proto__=x',
      ]) {
        expectError(await owner.api.get(`/workflows?${query}`), 400, 1);
      }
    });
  });

  describe('embed', () => {
    it('populates instances in place, and their state, properties and workty below them', async () => {
      const workty = await ownWorkty(t, alice, { properties: [{ name: 'timeout', value: 10 }] });
      const { workflow, instances } = await workflowWith(t, alice, [workty, workty]);
      const path = `/workflows/${workflow._id}`;
      const plain = await alice.api.get(path);
      expect(plain.body.worktiesInstancesIds).to.deep.equal(instances.map((i) => i._id));

      const embedded = await alice.api.get(`${path}?embed=worktiesinstances,account`);
      expect(embedded.body.worktiesInstancesIds.map((i: { _id: string }) => i._id)).to.deep.equal(instances.map((i) => i._id));
      expect(embedded.body.worktiesInstancesIds[0]).to.include({ workflowId: workflow._id, worktyId: workty._id, state: 'initial' });
      expect(embedded.body.worktiesInstancesIds[0].stateId).to.equal(dictionaryEntryId('instanceStates', 'initial'));
      expect(embedded.body.accountId).to.include({ _id: alice.id, email: alice.email });

      const nested = await alice.api.get(`${path}?embed=worktiesinstances.state,worktiesinstances.properties,worktiesinstances.workty`);
      const first = nested.body.worktiesInstancesIds[0];
      expect(first.stateId).to.include({ _id: dictionaryEntryId('instanceStates', 'initial'), name: 'initial' });
      expect(first.propertiesIds).to.deep.equal([{ _id: instances[0]!.properties[0]!._id, name: 'timeout', value: 10 }]);
      expect(first.worktyId).to.include({ _id: workty._id, name: workty.name });
      expect(first.worktyId).not.to.have.property('compressedCode');

      const listed = await alice.api.get(`/workflows?_id=${workflow._id}&embed=worktiesinstances.state`);
      expect(listed.body[0].worktiesInstancesIds[1].stateId.name).to.equal('initial');
      expectError(await alice.api.get(`${path}?embed=worktiesinstances.bogus`), 400, 1);
      expectError(await alice.api.get(`${path}?embed=account.bogus`), 400, 1);
    });
  });
});

/** Cascading deletes over REST: nothing a deleted workflow or purged account owned is left behind. */
import { expect } from 'chai';
import { ALL } from '../../../shared/domain/query.js';
import { hashSecret } from '../../../shared/security/secrets.js';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi } from '../../lib/restapi.js';
import type { TestRestApi } from '../../lib/restapi.js';
import { makeTemplate, ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';

describe('REST cascading deletes', () => {
  let t: TestRestApi;

  before(async () => {
    t = await startTestRestApi();
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  it('deletes a workflow with its instances and finished runs; refuses while a run is active', async () => {
    const alice = await t.createUser();
    const workty = await ownWorkty(t, alice);
    const { workflow, instances } = await workflowWith(t, alice, [workty, workty]);
    const run = (await alice.api.put(`/workflows/${workflow._id}/running`)).body;
    expectError(await alice.api.del(`/workflows/${workflow._id}`), 409, 3);
    expectStatus(await alice.api.del(`/workflows/${workflow._id}/running`), 202);
    // What the supervisor does with a stop of a run it has not started.
    expect(await t.store.runs.transition(run._id, 'queued', 'stopped')).not.to.equal(null);
    expectStatus(await alice.api.del(`/workflows/${workflow._id}`), 204);

    expect(await t.store.workflows.get(workflow._id, ALL)).to.equal(null);
    expect(await t.store.instances.getMany(instances.map((i) => i._id), ALL)).to.deep.equal([]);
    expect(await t.store.runs.get(run._id, ALL)).to.equal(null);
    expectError(await alice.api.get(`/runs/${run._id}/journal`), 404, 2);
    expectError(await alice.api.get(`/workflows/${workflow._id}/worktiesInstances/${instances[0]!._id}`), 404, 2);
    // The workty itself stays: it belongs to the account, not the workflow.
    expectStatus(await alice.api.get(`/workties/${workty._id}`), 200);
  });

  it('purges an account with everything it owns', async () => {
    const bob = await t.createUser({ amount: 1000 });
    const template = await makeTemplate(t, { price: 100 });
    const payment = (await bob.api.post('/payments', { worktyId: template._id })).body;
    const installed = (await t.store.workties.get(payment.worktyId, { scope: ALL, withTemplates: true }))!;
    const { workflow, instances } = await workflowWith(t, bob, [installed]);
    const run = (await bob.api.put(`/workflows/${workflow._id}/running`)).body;
    const token = await bob.api.post('/tokens', { name: 'cli' });
    t.secret(token.body.token, token);

    // Not while a run is active: it is stopped first.
    expectError(await t.admin.api.del(`/accounts/${bob.id}?removing=true`), 409, 3);
    expectStatus(await bob.api.del(`/workflows/${workflow._id}/running`), 202);
    expect(await t.store.runs.transition(run._id, 'queued', 'stopped')).not.to.equal(null);
    expectStatus(await t.admin.api.del(`/accounts/${bob.id}?removing=true`), 204);

    const owned = { filter: { accountId: bob.id }, count: true };
    expect((await t.store.workflows.list(ALL, owned)).total).to.equal(0);
    expect((await t.store.workties.list({ scope: ALL, withTemplates: true }, owned)).total).to.equal(0);
    expect((await t.store.payments.list(ALL, owned)).total).to.equal(0);
    expect((await t.store.tokens.list(ALL, owned)).total).to.equal(0);
    expect(await t.store.instances.getMany(instances.map((i) => i._id), ALL)).to.deep.equal([]);
    expect(await t.store.runs.get(run._id, ALL)).to.equal(null);
    expect(await t.store.tokens.findValid(hashSecret(token.body.token))).to.equal(null);
    expect(await t.store.accounts.getCredentials(bob.id)).to.equal(null);
    // The template bought from stays in the catalogue.
    expectStatus(await t.admin.api.get(`/workties/${template._id}`), 200);
  });

  it('soft removal keeps the data but shuts the account out', async () => {
    const carol = await t.createUser();
    const { workflow } = await workflowWith(t, carol, []);
    expectStatus(await t.admin.api.del(`/accounts/${carol.id}`), 204);
    expectError(await carol.api.get(`/workflows/${workflow._id}`), 403, 14);
    expectStatus(await t.admin.api.get(`/workflows/${workflow._id}`), 200);
  });
});

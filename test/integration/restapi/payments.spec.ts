/** Payments: installing templates, charging the discounted price in cents, 402 when short, isolation. */
import { expect } from 'chai';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';
import { makeTemplate, ownWorkty } from '../../lib/rest-fixtures.js';

describe('REST payments', () => {
  let t: TestRestApi;

  before(async () => {
    t = await startTestRestApi();
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  async function balance(user: TestUser): Promise<number> {
    return (await t.store.accounts.get(user.id, { all: true }))!.amount;
  }

  it('installs a template: 201, the copy with its properties, the discounted price charged', async () => {
    const alice = await t.createUser({ amount: 500 });
    const template = await makeTemplate(t, { price: 150, discountPercent: 10 });
    const response = await alice.api.post('/payments', { worktyId: template._id, msg: 'for the kitchen board' });
    expectStatus(response, 201);
    const payment = response.body;
    expect(payment).to.include({ accountId: alice.id, templateId: template._id, amount: 135, msg: 'for the kitchen board' });
    expect(payment.worktyId).to.be.a('string').and.not.equal(template._id);
    expect(response.headers.location).to.match(new RegExp(`/api/v1/payments/${payment._id}$`));
    expect(await balance(alice)).to.equal(365);
    const copy = await alice.api.get(`/workties/${payment.worktyId}?embed=properties`);
    expectStatus(copy, 200);
    expect(copy.body).to.include({ accountId: alice.id, template: false, templateId: template._id, name: template.name });
    expect(copy.body.propertiesIds.map((p: { name: string; value: unknown }) => [p.name, p.value])).to.deep.equal(
      template.properties.map((p) => [p.name, p.value]),
    );
    expect((await alice.api.get('/payments')).body.map((p: { _id: string }) => p._id)).to.deep.equal([payment._id]);
    expect((await alice.api.get(`/payments/${payment._id}?fields=amount`)).body).to.deep.equal({ _id: payment._id, amount: 135 });
  });

  it('answers 402 code 15 when the balance is short, changing nothing', async () => {
    const bob = await t.createUser({ amount: 50 });
    const template = await makeTemplate(t, { price: 100 });
    const response = await bob.api.post('/payments', { worktyId: template._id });
    expectError(response, 402, 15);
    expect(await balance(bob)).to.equal(50);
    expect((await bob.api.get('/payments?count=true')).headers['records-count']).to.equal('0');
    expect((await bob.api.get('/workties?template=false')).body).to.deep.equal([]);
  });

  it('installs a free template with an empty balance', async () => {
    const carol = await t.createUser();
    const template = await makeTemplate(t, { price: 0 });
    expectStatus(await carol.api.post('/payments', { worktyId: template._id }), 201);
    expect(await balance(carol)).to.equal(0);
  });

  it('refuses what is not a template (404) and ids that are not ids (409)', async () => {
    const dave = await t.createUser({ amount: 1000 });
    const notTemplate = await ownWorkty(t, dave);
    expectError(await dave.api.post('/payments', { worktyId: notTemplate._id }), 404, 2);
    expectError(await dave.api.post('/payments', { worktyId: '0'.repeat(24) }), 404, 2);
    expectError(await dave.api.post('/payments', { worktyId: 'nope' }), 409, 1);
    expectError(await dave.api.post('/payments', {}), 409, 1);
    expect(await balance(dave)).to.equal(1000);
  });

  it('keeps payments to their owner; only admins change or delete them', async () => {
    const erin = await t.createUser({ amount: 100 });
    const frank = await t.createUser();
    const template = await makeTemplate(t, { price: 10 });
    const payment = (await erin.api.post('/payments', { worktyId: template._id })).body;
    const path = `/payments/${payment._id}`;
    expectError(await frank.api.get(path), 404, 2);
    expect((await frank.api.get(`/payments?accountId=${erin.id}`)).body).to.deep.equal([]);
    expectError(await erin.api.put(path, { msg: 'changed' }), 403, 13);
    expectError(await erin.api.del(path), 403, 13);
    const changed = await t.admin.api.put(path, { msg: 'noted by admin' });
    expectStatus(changed, 200);
    expect(changed.body.msg).to.equal('noted by admin');
    expect((await t.admin.api.get(`/payments?accountId=${erin.id}`)).body).to.have.length(1);
    expectStatus(await t.admin.api.del(path), 204);
    expectError(await erin.api.get(path), 404, 2);
    // The installed copy stays, and nothing is refunded.
    expectStatus(await erin.api.get(`/workties/${payment.worktyId}`), 200);
    expect(await balance(erin)).to.equal(90);
  });
});

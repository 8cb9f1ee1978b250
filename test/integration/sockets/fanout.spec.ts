/**
 * Live fan-out: every committed change, whoever made it (REST, a socket), reaches as `<prefix>changed`
 * exactly the sockets allowed to see it — the owner's and the admins' (templates: everyone's;
 * devices: admins') — once each, in the REST representation.
 */
import { expect } from 'chai';
import type { TestUser } from '../../lib/restapi.js';
import { makeTemplate, ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';
import { ClientHarness } from '../../lib/client-harness.js';
import { collect, next } from '../../lib/socket-assert.js';
import { waitFor } from '../../lib/wait.js';

describe('client sockets: live changes', function () {
  let t: ClientHarness;
  let alice: TestUser;
  let bob: TestUser;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser({ amount: 1000 });
    bob = await t.createUser({ amount: 1000 });
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  afterEach(function () {
    t.closeSockets();
  });

  it('a workflow created, renamed and deleted over REST arrives on the owner\'s and admins\' sockets, in order, as REST answered it', async function () {
    const mine = await t.connect('workflows', t.auth(alice));
    const admin = await t.connect('workflows', t.auth(t.admin));
    const theirs = await t.connect('workflows', t.auth(bob));
    const seen = { mine: collect(mine, 'sv.workflow.changed'), admin: collect(admin, 'sv.workflow.changed'), theirs: collect(theirs, 'sv.workflow.changed') };
    const both = (op: string) => Promise.all([mine, admin].map((socket) => next(socket, 'sv.workflow.changed', (p: any) => p.op === op)));
    let arrived = both('created');
    const created = await alice.api.post('/workflows', { name: t.unique('rest') });
    await arrived;
    arrived = both('updated');
    const renamed = await alice.api.put(`/workflows/${created.body._id}`, { name: t.unique('renamed') });
    await arrived;
    arrived = both('deleted');
    expect((await alice.api.del(`/workflows/${created.body._id}`)).status).to.equal(204);
    await arrived;
    const expected = [
      { err: null, op: 'created', workflow: created.body },
      { err: null, op: 'updated', workflow: renamed.body },
      { err: null, op: 'deleted', workflow: { _id: created.body._id, deleted: true } },
    ];
    expect(seen.admin).to.deep.equal(expected);
    expect(seen.mine).to.deep.equal(expected);
    // A marker of Bob's own: everything before it has been delivered; none of Alice's did reach him.
    const marker = next(theirs, 'sv.workflow.changed');
    await bob.api.post('/workflows', { name: t.unique('marker') });
    expect((await marker).workflow.accountId).to.equal(bob.id);
    expect(seen.theirs.map((p: any) => p.workflow.accountId)).to.deep.equal([bob.id]);
  });

  it('a socket\'s own change reaches each of its account\'s sockets and each admin socket once (an admin\'s own change too)', async function () {
    const [a1, a2] = [await t.connect('workflows', t.auth(alice)), await t.connect('workflows', t.auth(alice))];
    const [admin1, admin2] = [await t.connect('workflows', t.auth(t.admin)), await t.connect('workflows', t.auth(t.admin))];
    const sockets = [a1, a2, admin1, admin2];
    const seen = sockets.map((socket) => collect(socket, 'sv.workflow.changed'));
    const aliceName = t.unique('alice');
    const adminName = t.unique('admin');
    await t.request(a1, 'sv.workflow.add', { workflow: { name: aliceName } });
    await t.request(admin1, 'sv.workflow.add', { workflow: { name: adminName } });
    // The admin's change is fanned out after Alice's: once every admin socket has it, all is delivered.
    await waitFor(() => seen[2]!.length + seen[3]!.length >= 4, { what: 'the admins\' deliveries' });
    await t.supervisor.api.idle();
    const names = seen.map((list) => list.map((p: any) => p.workflow.name));
    expect(names[0]).to.deep.equal([aliceName]);
    expect(names[1]).to.deep.equal([aliceName]);
    expect(names[2]).to.deep.equal([aliceName, adminName]);
    expect(names[3]).to.deep.equal([aliceName, adminName]);
  });

  it('instances and properties changed over REST arrive with their workflow\'s id', async function () {
    const socket = await t.connect('workflows', t.auth(alice));
    const workty = await ownWorkty(t.rest, alice);
    const { workflow } = await workflowWith(t.rest, alice, []);
    const added = next(socket, 'sv.workflow.changed', (p: any) => p.worktyInstance !== undefined && p.op === 'created');
    const made = await alice.api.post(`/workflows/${workflow._id}/worktiesInstances`, { worktyId: workty._id, name: 'live' });
    const change = await added;
    expect(change).to.deep.equal({ err: null, op: 'created', workflowId: workflow._id, worktyInstance: made.body });
    const updated = next(socket, 'sv.workflow.changed', (p: any) => p.worktyInstance?._id === made.body._id && p.op === 'updated');
    await alice.api.put(`/workflows/${workflow._id}/worktiesInstances/${made.body._id}/properties/${made.body.propertiesIds[0]}`, { value: 5 });
    expect((await updated).worktyInstance.propertiesIds).to.deep.equal(made.body.propertiesIds);
  });

  it('templates reach every /workties socket; a bought copy, its payment and the new balance reach only the buyer and admins', async function () {
    const [asAlice, asBob, asAdmin] = [await t.connect('workties', t.auth(alice)), await t.connect('workties', t.auth(bob)), await t.connect('workties', t.auth(t.admin))];
    const payments = { alice: await t.connect('payments', t.auth(alice)), bob: await t.connect('payments', t.auth(bob)), admin: await t.connect('payments', t.auth(t.admin)) };
    const accounts = { alice: await t.connect('accounts', t.auth(alice)), bob: await t.connect('accounts', t.auth(bob)) };
    const bobWorkties = collect(asBob, 'sv.workty.changed');
    const bobPayments = collect(payments.bob, 'sv.payment.changed');
    const bobAccounts = collect(accounts.bob, 'sv.account.changed');
    const published = next(asBob, 'sv.workty.changed', (p: any) => p.workty.template === true);
    const template = await makeTemplate(t.rest, { price: 100 });
    expect((await published).workty._id).to.equal(template._id);
    const copy = next(asAdmin, 'sv.workty.changed', (p: any) => p.workty.templateId === template._id);
    const ownCopy = next(asAlice, 'sv.workty.changed', (p: any) => p.workty.templateId === template._id);
    const paid = next(payments.admin, 'sv.payment.changed', (p: any) => p.payment.templateId === template._id);
    const charged = next(accounts.alice, 'sv.account.changed', (p: any) => p.account.amount === 900);
    const bought = await t.request(payments.alice, 'sv.payment.add', { payment: { worktyId: template._id } });
    expect((await ownCopy).workty).to.deep.equal((await copy).workty);
    expect((await paid).payment).to.deep.equal(bought.payment);
    expect((await charged).account._id).to.equal(alice.id);
    // Bob's markers on each namespace: nothing of Alice's reached him.
    const markers = [
      next(asBob, 'sv.workty.changed', (p: any) => p.workty.accountId === bob.id && p.workty.templateId !== null),
      next(payments.bob, 'sv.payment.changed'),
      next(accounts.bob, 'sv.account.changed'),
    ];
    await t.request(payments.bob, 'sv.payment.add', { payment: { worktyId: template._id } });
    await Promise.all(markers);
    expect(bobWorkties.map((p: any) => p.workty.template === true || p.workty.accountId === bob.id)).to.not.include(false);
    expect(bobPayments.map((p: any) => p.payment.accountId)).to.deep.equal([bob.id]);
    expect(bobAccounts.map((p: any) => p.account._id)).to.deep.equal([bob.id]);
  });

  it('device changes reach admins only; a regular user\'s /devices socket hears nothing', async function () {
    const admin = await t.connect('devices', t.auth(t.admin));
    const regular = await t.connect('devices', t.auth(alice));
    const heard = collect(regular, 'sv.device.changed');
    const name = t.unique('board');
    const created = next(admin, 'sv.device.changed', (p: any) => p.device.name === name);
    const made = await t.admin.api.post('/devices', { name });
    t.secret(made.body.secret, made);
    const change = await created;
    expect(change.device).not.to.have.property('secret');
    expect(change.device).to.include({ _id: made.body._id, name, state: 'disconnected' });
    // A second change as the marker: once the admin has it, the regular socket would have had both.
    const updated = next(admin, 'sv.device.changed', (p: any) => p.op === 'updated' && p.device._id === made.body._id);
    await t.admin.api.put(`/devices/${made.body._id}`, { desc: 'garage' });
    await updated;
    await t.supervisor.api.idle();
    expect(heard).to.deep.equal([]);
  });

  it('a run requested over REST arrives on /workflows (its state) and /runs (with its journal entry)', async function () {
    const onWorkflows = await t.connect('workflows', t.auth(alice));
    const onRuns = await t.connect('runs', t.auth(alice));
    const { workflow } = await workflowWith(t.rest, alice, [await ownWorkty(t.rest, alice)]);
    const summary = next(onWorkflows, 'sv.workflow.changed', (p: any) => p.run !== undefined);
    const full = next(onRuns, 'sv.run.changed');
    const requested = await alice.api.put(`/workflows/${workflow._id}/running`);
    expect(requested.status).to.equal(202);
    const a = await summary;
    expect(a).to.include({ op: 'created', workflowId: workflow._id });
    expect(a.run).to.include({ _id: requested.body._id, status: 'queued', desired: 'running' });
    expect(a.run).not.to.have.property('instances');
    const b = await full;
    // The run as read when delivered (the engine may have moved it on), its state as of the change.
    expect(b).to.include({ op: 'created' });
    expect(b.run).to.include({ _id: requested.body._id, status: 'queued', desired: 'running' });
    expect(b.journal.map((e: any) => [e.seq, e.type])).to.deep.equal([[1, 'run.requested']]);
  });
});

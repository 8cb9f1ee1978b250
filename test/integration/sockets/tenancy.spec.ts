/**
 * Tenancy: a regular account can never read, change or hear another account's data over sockets —
 * every request naming another account's document is not found (404, as REST), a socket is only ever
 * in its own account's room (and `admins` while an admin), and another account's changes never
 * reach it, whatever it sends.
 */
import { expect } from 'chai';
import type { TestUser } from '../../lib/restapi.js';
import { ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';
import { ClientHarness } from '../../lib/client-harness.js';
import { collect, expectAckError, next } from '../../lib/socket-assert.js';
import { waitFor } from '../../lib/wait.js';
import { isFinalRunStatus } from '../../../shared/domain/states.js';

describe('client sockets: tenancy', function () {
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

  it('answers 404 to every request naming another account\'s document, and changes nothing', async function () {
    const bobsWorkty = await ownWorkty(t.rest, bob, { properties: [{ name: 'timeout', value: 1 }] });
    const { workflow, instances } = await workflowWith(t.rest, bob, [bobsWorkty]);
    const instance = instances[0]!;
    const property = instance.properties[0]!;
    const run = await t.store.runs.request(workflow._id, { accountId: bob.id }, bob.id);
    void t.supervisor.tailer.poke();
    // No board: the engine fails the run at once; then nothing of Bob's changes but by Alice's attempts.
    await waitFor(async () => isFinalRunStatus((await t.store.runs.get(run._id, { all: true }))!.status), { what: 'the run to end' });
    const { payment } = await t.store.payments.purchase(bob.id, bobsWorkty.templateId!);
    const bobsBefore = JSON.stringify(await Promise.all([
      t.store.workflows.get(workflow._id, { all: true }), t.store.instances.get(workflow._id, instance._id, { all: true }),
      t.store.runs.get(run._id, { all: true }), t.account(bob.id),
    ]));
    const wf = await t.connect('workflows', t.auth(alice));
    const runs = await t.connect('runs', t.auth(alice));
    const accounts = await t.connect('accounts', t.auth(alice));
    const payments = await t.connect('payments', t.auth(alice));
    const workties = await t.connect('workties', t.auth(alice));
    const attempts: Array<[typeof wf | typeof runs | typeof accounts | typeof payments | typeof workties, string, unknown]> = [
      [wf, 'sv.workflow.refresh', { workflow: { id: workflow._id } }],
      [wf, 'sv.workflow.upd', { workflow: { id: workflow._id, name: 'mine' } }],
      [wf, 'sv.workflow.del', { workflow: { id: workflow._id } }],
      [wf, 'sv.workflow.run', { workflow: { id: workflow._id } }],
      [wf, 'sv.workflow.pause', { workflow: { id: workflow._id } }],
      [wf, 'sv.workflow.stop', { workflow: { id: workflow._id } }],
      [wf, 'sv.workflow.add.workty.instance', { workflow: { id: workflow._id }, workty: { id: bobsWorkty._id } }],
      [wf, 'sv.workflow.upd.workty.instance', { workflow: { id: workflow._id, worktyInstance: { id: instance._id, name: 'mine' } } }],
      [wf, 'sv.workflow.del.workty.instance', { workflow: { id: workflow._id, worktyInstance: { id: instance._id } } }],
      [wf, 'sv.workflow.upd.workty.instance.property', { workflow: { id: workflow._id, worktyInstance: { id: instance._id, property: { id: property._id, value: 9 } } } }],
      [runs, 'sv.run.refresh.all', { workflow: { id: workflow._id } }],
      [runs, 'sv.run.refresh', { run: { id: run._id } }],
      [runs, 'sv.run.journal', { run: { id: run._id } }],
      [runs, 'sv.run.logs', { run: { id: run._id } }],
      [accounts, 'sv.account.refresh', { account: { id: bob.id } }],
      [accounts, 'sv.account.upd', { account: { id: bob.id, name: 'mine' } }],
      [accounts, 'sv.account.del', { account: { id: bob.id } }],
      [payments, 'sv.payment.refresh', { payment: { id: payment._id } }],
      [workties, 'sv.workty.refresh', { workty: { id: bobsWorkty._id } }],
      [workties, 'sv.workty.refresh.all.properties', { workty: { id: bobsWorkty._id } }],
    ];
    for (const [socket, event, payload] of attempts) {
      const ack = await t.request(socket, event, payload);
      try {
        expectAckError(ack, 404, 2);
      } catch (error) {
        throw new Error(`${event}: ${(error as Error).message}`);
      }
    }
    // Lists show only the caller's own.
    expect((await t.request(wf, 'sv.workflow.refresh.all', { accountId: bob.id })).workflows).to.deep.equal([]);
    expect((await t.request(payments, 'sv.payment.refresh.all', { accountId: bob.id })).payments).to.deep.equal([]);
    const bobsAfter = JSON.stringify(await Promise.all([
      t.store.workflows.get(workflow._id, { all: true }), t.store.instances.get(workflow._id, instance._id, { all: true }),
      t.store.runs.get(run._id, { all: true }), t.account(bob.id),
    ]));
    expect(bobsAfter).to.equal(bobsBefore);
  });

  it('keeps each socket in its own account\'s room (and admins\' while an admin) whatever it sends; there is no join', async function () {
    const socket = await t.connect('workflows', t.auth(alice));
    const adminSocket = await t.connect('workflows', t.auth(t.admin));
    for (const event of ['join', 'subscribe', 'sv.workflow.join', 'sv.account.join']) {
      expectAckError(await t.request(socket, event, { room: `account:${bob.id}`, accountId: bob.id }), 404, 2);
    }
    const server = t.supervisor.io.of('/workflows');
    const roomsOf = (id: string | undefined) => [...(server.sockets.get(id!)?.rooms ?? [])].filter((room) => room !== id).sort();
    // Client and server ids of a socket differ; find the server sides by account.
    const byAccount = (accountId: string) => [...server.sockets.values()].filter((s) => s.data.session.account._id === accountId).map((s) => s.id);
    for (const id of byAccount(alice.id)) expect(roomsOf(id)).to.deep.equal([`account:${alice.id}`]);
    for (const id of byAccount(t.admin.id)) expect(roomsOf(id)).to.deep.equal([`account:${t.admin.id}`, 'admins']);
    socket.close();
    adminSocket.close();
  });

  it('never delivers another account\'s changes, on any namespace, whatever the socket asks for', async function () {
    const contexts = ['accounts', 'workflows', 'workties', 'payments', 'runs', 'devices'] as const;
    const bobs = await Promise.all(contexts.map((context) => t.connect(context, t.auth(bob))));
    const heard: unknown[] = [];
    for (const socket of bobs) (socket as any).onAny((event: string, payload: unknown) => heard.push([event, payload]));
    // Bob's sockets ask for Alice's data every way they can.
    await t.request(bobs[1]!, 'sv.workflow.refresh.all', { accountId: alice.id });
    // Alice changes everything she can.
    const wf = await t.connect('workflows', t.auth(alice));
    const pay = await t.connect('payments', t.auth(alice));
    const workty = await ownWorkty(t.rest, alice);
    const { workflow } = await workflowWith(t.rest, alice, [workty]);
    await t.request(wf, 'sv.workflow.upd', { workflow: { id: workflow._id, desc: 'changed' } });
    await t.request(wf, 'sv.workflow.run', { workflow: { id: workflow._id } });
    await t.request(wf, 'sv.workflow.stop', { workflow: { id: workflow._id } });
    await t.request(pay, 'sv.payment.add', { payment: { worktyId: workty.templateId } });
    await alice.api.put('/accounts/me', { name: 'Alice Again' });
    // Bob's own marker, after everything of Alice's in the feed.
    const marker = next(bobs[1]!, 'sv.workflow.changed');
    await bob.api.post('/workflows', { name: t.unique('marker') });
    await marker;
    await t.supervisor.api.idle();
    const foreign = heard.filter(([event, payload]: any) => {
      if (event === 'sv.workflow.changed') return payload.workflow?.accountId !== bob.id;
      // Templates are everyone's; every other change names its owner.
      if (event === 'sv.workty.changed') return payload.workty.template !== true && payload.workty.accountId !== bob.id;
      return true;
    });
    expect(foreign).to.deep.equal([]);
    for (const socket of bobs) socket.close();
    wf.close();
    pay.close();
  });

  it('a refused socket hears nothing while others change things', async function () {
    const refused = t.socket('workflows', { email: alice.email, password: 'a-wrong-password-7' });
    const heard = collect(refused, 'sv.workflow.changed');
    const error = new Promise((resolve) => refused.once('connect_error', resolve));
    refused.connect();
    await error;
    const watcher = await t.connect('workflows', t.auth(alice));
    const marker = next(watcher, 'sv.workflow.changed');
    await alice.api.post('/workflows', { name: t.unique('after-refusal') });
    await marker;
    expect(heard).to.deep.equal([]);
    expect(refused.connected).to.equal(false);
    watcher.close();
  });
});

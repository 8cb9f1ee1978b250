/**
 * Run, pause, resume and stop over REST: durable on return with no supervisor running (202 + the
 * run, recorded in the store), 409 when impossible; run history, journal and logs; tenant isolation.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { hashSecret } from '../../../shared/security/secrets.js';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';
import { ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';

describe('REST runs', () => {
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

  async function aliceWorkflow(instances = 1) {
    const workty = await ownWorkty(t, alice);
    return workflowWith(t, alice, Array.from({ length: instances }, () => workty));
  }

  it('records a run (202, queued, Location) while no supervisor runs, and refuses a second one (409)', async () => {
    const { workflow, instances } = await aliceWorkflow(2);
    const response = await alice.api.put(`/workflows/${workflow._id}/running`);
    expectStatus(response, 202);
    expect(response.body).to.include({ workflowId: workflow._id, accountId: alice.id, status: 'queued', desired: 'running' });
    expect(response.body.instances.map((i: { instanceId: string }) => i.instanceId)).to.deep.equal(instances.map((i) => i._id));
    expect(response.headers.location).to.match(new RegExp(`/api/v1/runs/${response.body._id}$`));
    const stored = await t.store.runs.get(response.body._id, { all: true });
    expect(stored).to.include({ status: 'queued', desired: 'running' });
    expect((await t.store.workflows.get(workflow._id, { all: true }))!.lastRunId).to.equal(response.body._id);
    expectError(await alice.api.put(`/workflows/${workflow._id}/running`), 409, 3);
    expect((await t.store.runs.list(workflow._id, { all: true }, { count: true })).total).to.equal(1);
  });

  it('pauses, resumes and stops, each recorded at once; impossible transitions are 409', async () => {
    const { workflow } = await aliceWorkflow();
    const base = `/workflows/${workflow._id}`;
    expectError(await alice.api.put(`${base}/pausing`), 409, 3);
    expectError(await alice.api.del(`${base}/running`), 409, 3);
    const run = (await alice.api.put(`${base}/running`)).body;
    const paused = await alice.api.put(`${base}/pausing`);
    expectStatus(paused, 202);
    expect(paused.body).to.include({ _id: run._id, desired: 'paused' });
    expectError(await alice.api.put(`${base}/pausing`), 409, 3);
    const resumed = await alice.api.put(`${base}/running`);
    expectStatus(resumed, 202);
    expect(resumed.body).to.include({ _id: run._id, desired: 'running' });
    const stopped = await alice.api.del(`${base}/running`);
    expectStatus(stopped, 202);
    expect(stopped.body).to.include({ _id: run._id, desired: 'stopped' });
    expectError(await alice.api.del(`${base}/running`), 409, 3);
    expect((await t.store.runs.get(run._id, { all: true }))!.desired).to.equal('stopped');
    const journal = await alice.api.get(`/runs/${run._id}/journal?fields=type,data&count=true`);
    expectStatus(journal, 200);
    expect(journal.body.map((e: { type: string }) => e.type)).to.include.members(['run.requested', 'run.command']);
    expect(Number(journal.headers['records-count'])).to.equal(journal.body.length);
    const commands = await alice.api.get(`/runs/${run._id}/journal?type=run.command&sort=-seq`);
    expect(commands.body.map((e: { data: { command?: string } }) => e.data.command)).to.deep.equal(['stop', 'resume', 'pause']);
  });

  it('refuses to run an empty workflow (409) and answers 404 for a missing one', async () => {
    const { workflow } = await workflowWith(t, alice, []);
    expectError(await alice.api.put(`/workflows/${workflow._id}/running`), 409, 3);
    expectError(await alice.api.put(`/workflows/${'0'.repeat(24)}/running`), 404, 2);
  });

  it('lists a workflow\'s runs and reads one run, its attempts without lease tokens', async () => {
    const { workflow, instances } = await aliceWorkflow();
    const run = (await alice.api.put(`/workflows/${workflow._id}/running`)).body;
    // What a supervisor would do: take the run up and dispatch the instance to a board.
    const device = await t.store.devices.create({ name: 'board', secretHash: hashSecret('x') });
    await t.store.runs.transition(run._id, 'queued', 'running', { instances: [{ index: 0, from: 'initial', to: 'waiting' }] });
    const leaseToken = randomBytes(16).toString('hex');
    t.secret(leaseToken);
    expect(await t.store.runs.dispatch({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken, leaseExpires: new Date(Date.now() + 60_000).toISOString() })).not.to.equal(null);

    const listed = await alice.api.get(`/workflows/${workflow._id}/runs?count=true`);
    expect(listed.body.map((r: { _id: string }) => r._id)).to.deep.equal([run._id]);
    expect(listed.headers['records-count']).to.equal('1');
    const read = await alice.api.get(`/runs/${run._id}`);
    expect(read.body.status).to.equal('running');
    const attempt = read.body.instances[0].attempts[0];
    expect(attempt).to.include({ number: 1, deviceId: device._id, status: 'dispatched' });
    expect(attempt).not.to.have.property('leaseToken');
    expect((await alice.api.get(`/runs/${run._id}?fields=status`)).body).to.deep.equal({ _id: run._id, status: 'running' });
    expect((await alice.api.get(`/workflows/${workflow._id}/runs?status=running`)).body).to.have.length(1);
    expect((await alice.api.get(`/workflows/${workflow._id}/runs?status=completed`)).body).to.have.length(0);
    expect(instances).to.have.length(1);
  });

  it('serves captured output, by instance and attempt', async () => {
    const { workflow, instances } = await aliceWorkflow();
    const run = (await alice.api.put(`/workflows/${workflow._id}/running`)).body;
    const instanceId = instances[0]!._id;
    await t.store.runs.appendLogs([
      { runId: run._id, instanceId, attempt: 1, seq: 1, stream: 'stdout', text: 'hello\n' },
      { runId: run._id, instanceId, attempt: 1, seq: 2, stream: 'stderr', text: 'oops\n' },
      { runId: run._id, instanceId, attempt: 2, seq: 1, stream: 'stdout', text: 'again\n' },
    ], 1_000_000);
    const all = await alice.api.get(`/runs/${run._id}/logs`);
    expectStatus(all, 200);
    expect(all.body.map((c: { text: string }) => c.text)).to.deep.equal(['hello\n', 'oops\n', 'again\n']);
    const second = await alice.api.get(`/runs/${run._id}/logs?instance=${instanceId}&attempt=2`);
    expect(second.body.map((c: { text: string }) => c.text)).to.deep.equal(['again\n']);
    expectError(await alice.api.get(`/runs/${run._id}/logs?attempt=0`), 400, 1);
    expectError(await alice.api.get(`/runs/${run._id}/logs?instance=x`), 400, 1);
    expectError(await alice.api.get(`/runs/${run._id}/logs?stream=stdout`), 400, 1);
  });

  it('keeps another tenant\'s runs invisible and uncontrollable (404), nothing changed', async () => {
    const { workflow } = await aliceWorkflow();
    const run = (await alice.api.put(`/workflows/${workflow._id}/running`)).body;
    const base = `/workflows/${workflow._id}`;
    expectError(await bob.api.put(`${base}/running`), 404, 2);
    expectError(await bob.api.put(`${base}/pausing`), 404, 2);
    expectError(await bob.api.del(`${base}/running`), 404, 2);
    expectError(await bob.api.get(`${base}/runs`), 404, 2);
    expectError(await bob.api.get(`/runs/${run._id}`), 404, 2);
    expectError(await bob.api.get(`/runs/${run._id}/journal`), 404, 2);
    expectError(await bob.api.get(`/runs/${run._id}/logs`), 404, 2);
    expect((await t.store.runs.get(run._id, { all: true }))!.desired).to.equal('running');
    expectStatus(await t.admin.api.get(`/runs/${run._id}`), 200);
  });
});

/**
 * Run progress, live: the engine's steps reach `/workflows` (each instance's state, the run's status)
 * and `/runs` (every journal entry once, in order) as they are stored — a run driven by a socket
 * through the real supervisor and a board (simulated) that executes the tasks.
 */
import { expect } from 'chai';
import { isFinalRunStatus } from '../../../shared/domain/states.js';
import type { TestUser } from '../../lib/restapi.js';
import { ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';
import { ClientHarness } from '../../lib/client-harness.js';
import { collect, expectAckOk, next } from '../../lib/socket-assert.js';
import { waitFor } from '../../lib/wait.js';

describe('client sockets: run progress', function () {
  let t: ClientHarness;
  let alice: TestUser;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  afterEach(function () {
    t.closeSockets();
  });

  it('arrives in order: instance states and run status on /workflows, the whole journal once on /runs', async function () {
    const worker = await t.worker({ behaviour: () => ({ logs: [{ stream: 'stdout', text: 'done\n' }] }) });
    const workty = await ownWorkty(t.rest, alice);
    const { workflow, instances } = await workflowWith(t.rest, alice, [workty, workty, workty]);
    const onWorkflows = await t.connect('workflows', t.auth(alice));
    const onRuns = await t.connect('runs', t.auth(alice));
    const workflowChanges = collect(onWorkflows, 'sv.workflow.changed');
    const runChanges = collect(onRuns, 'sv.run.changed');
    const ended = next(onWorkflows, 'sv.workflow.changed', (p: any) => p.run !== undefined && isFinalRunStatus(p.run.status), 20_000);
    const ack = await t.request(onWorkflows, 'sv.workflow.run', { workflow: { id: workflow._id } });
    expectAckOk(ack);
    expect((await ended).run.status).to.equal('completed');
    const runId = ack.run._id as string;
    // The last journal entry has been delivered on /runs too.
    const journal = (await t.store.runs.journal(runId, { all: true }, { perPage: 1000 })).items;
    await waitFor(() => runChanges.flatMap((p: any) => p.journal).length >= journal.length, { what: 'the journal on /runs' });
    await t.supervisor.api.idle();

    // /workflows: each instance went waiting → running → completed, one after the other (an instance's
    // creation, if its change came after the socket connected, shows it as it was then: initial).
    const instanceChanges = workflowChanges.filter((p: any) => p.worktyInstance !== undefined);
    expect(instanceChanges.filter((p: any) => p.op === 'created').map((p: any) => p.worktyInstance.state)).to.satisfy((s: string[]) => s.every((x) => x === 'initial'));
    const states = instanceChanges.filter((p: any) => p.op === 'updated').map((p: any) => [p.worktyInstance._id, p.worktyInstance.state]);
    const ids = instances.map((i) => i._id);
    for (const id of ids) {
      expect(states.filter(([iid]) => iid === id).map(([, state]) => state), id).to.deep.equal(['waiting', 'running', 'completed']);
    }
    const completedAt = ids.map((id) => states.findIndex(([iid, state]) => iid === id && state === 'completed'));
    const waitingAt = ids.map((id) => states.findIndex(([iid, state]) => iid === id && state === 'waiting'));
    expect(waitingAt[1]).to.be.greaterThan(completedAt[0]!);
    expect(waitingAt[2]).to.be.greaterThan(completedAt[1]!);
    const statuses = workflowChanges.filter((p: any) => p.run !== undefined).map((p: any) => p.run.status);
    expect(statuses[0]).to.equal('queued');
    expect(statuses[statuses.length - 1]).to.equal('completed');
    expect(statuses.filter((s: string, i: number) => s !== statuses[i - 1])).to.deep.equal(['queued', 'running', 'completed']);

    // /runs: the journal entries, each once, in seq order, as REST answers them.
    const delivered = runChanges.flatMap((p: any) => p.journal);
    expect(delivered.map((e: any) => e.seq)).to.deep.equal(journal.map((e) => e.seq));
    expect(delivered).to.deep.equal((await alice.api.get(`/runs/${runId}/journal?per_page=1000`)).body);
    expect(runChanges.every((p: any) => p.run._id === runId)).to.equal(true);
    expect(runChanges[runChanges.length - 1].run.status).to.equal('completed');
    worker.close();
  });

  it('a stop over a socket kills the running task; the stop arrives as the instance\'s and the run\'s new state', async function () {
    const worker = await t.worker();
    const { workflow, instances } = await workflowWith(t.rest, alice, [await ownWorkty(t.rest, alice)]);
    const socket = await t.connect('workflows', t.auth(alice));
    const running = next(socket, 'sv.workflow.changed', (p: any) => p.worktyInstance?.state === 'running');
    expectAckOk(await t.request(socket, 'sv.workflow.run', { workflow: { id: workflow._id } }));
    await running;
    const cancelled = new Promise((resolve) => worker.once('cancel', resolve));
    const stoppedInstance = next(socket, 'sv.workflow.changed', (p: any) => p.worktyInstance?._id === instances[0]!._id && p.worktyInstance.state === 'stopped');
    const stoppedRun = next(socket, 'sv.workflow.changed', (p: any) => p.run?.status === 'stopped');
    const stop = await t.request(socket, 'sv.workflow.stop', { workflow: { id: workflow._id } });
    expect(stop.run.desired).to.equal('stopped');
    await cancelled;
    await stoppedInstance;
    await stoppedRun;
    worker.close();
  });

  it('a board going online and offline arrives on /devices for admins', async function () {
    const admin = await t.connect('devices', t.auth(t.admin));
    const online = next(admin, 'sv.device.changed', (p: any) => p.device.state === 'waiting');
    const worker = await t.worker();
    const device = (await online).device;
    const offline = next(admin, 'sv.device.changed', (p: any) => p.device._id === device._id && p.device.state === 'disconnected');
    worker.close();
    expect((await offline).device.facts).to.include({ agentVersion: 'simulated-1.0.0' });
  });
});

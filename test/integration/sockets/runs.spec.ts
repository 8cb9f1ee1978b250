/**
 * `/runs`: run history over sockets (`sv.run.refresh.all`, `refresh`, `journal`, `logs`) — success and
 * each error REST answers for the same reads.
 */
import { expect } from 'chai';
import type { Run } from '../../../shared/domain/model.js';
import type { TestUser } from '../../lib/restapi.js';
import { ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';
import { ClientHarness, type ClientSocket } from '../../lib/client-harness.js';
import { expectAckError, expectAckOk } from '../../lib/socket-assert.js';
import { waitFor } from '../../lib/wait.js';
import { isFinalRunStatus } from '../../../shared/domain/states.js';

describe('client sockets: /runs (requests)', function () {
  let t: ClientHarness;
  let alice: TestUser;
  let socket: ClientSocket<'runs'>;
  let run: Run;
  let workflowId: string;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
    socket = await t.connect('runs', t.auth(alice));
    const { workflow, instances } = await workflowWith(t.rest, alice, [await ownWorkty(t.rest, alice)]);
    workflowId = workflow._id;
    run = await t.store.runs.request(workflow._id, { accountId: alice.id }, alice.id);
    void t.supervisor.tailer.poke();
    // No board: the engine fails the run at once; then it no longer changes under the comparisons.
    await waitFor(async () => isFinalRunStatus((await t.store.runs.get(run._id, { all: true }))!.status), { what: 'the run to end' });
    await t.store.runs.appendLogs([
      { runId: run._id, instanceId: instances[0]!._id, attempt: 1, seq: 1, stream: 'stdout', text: 'hello\n' },
      { runId: run._id, instanceId: instances[0]!._id, attempt: 2, seq: 1, stream: 'stderr', text: 'again\n' },
    ], 1024 * 1024);
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  it('sv.run.refresh.all lists a workflow\'s runs as REST does', async function () {
    const ack = await t.request(socket, 'sv.run.refresh.all', { workflow: { id: workflowId }, fields: 'status,desired', count: true });
    expectAckOk(ack);
    const rest = await alice.api.get(`/workflows/${workflowId}/runs?fields=status,desired`);
    expect(ack.runs).to.deep.equal(rest.body);
    expect(ack.total).to.equal(1);
    expectAckError(await t.request(socket, 'sv.run.refresh.all', { workflow: { id: '5f1d7f3b9c1e4a0012345678' } }), 404, 2);
    expectAckError(await t.request(socket, 'sv.run.refresh.all', {}), 400, 1, /workflow must be an object/);
  });

  it('sv.run.refresh reads one run without its workers\' lease tokens', async function () {
    const ack = await t.request(socket, 'sv.run.refresh', { run: { id: run._id } });
    expect(ack.run).to.deep.equal((await alice.api.get(`/runs/${run._id}`)).body);
    expect(JSON.stringify(ack)).not.to.include('leaseToken');
    expectAckError(await t.request(socket, 'sv.run.refresh', { run: { id: run._id }, sort: 'status' }), 400, 1);
    expectAckError(await t.request(socket, 'sv.run.refresh', { run: { id: 'zzz' } }), 400, 1);
  });

  it('sv.run.journal answers the journal in order, with REST\'s list options', async function () {
    const ack = await t.request(socket, 'sv.run.journal', { run: { id: run._id }, fields: 'seq,type' });
    expect(ack.journal[0]).to.deep.equal({ seq: 1, type: 'run.requested' });
    expect(ack.journal.map((e: { seq: number }) => e.seq)).to.deep.equal(ack.journal.map((_: unknown, i: number) => i + 1));
    expect(ack.journal).to.deep.equal((await alice.api.get(`/runs/${run._id}/journal?fields=seq,type`)).body);
    expectAckError(await t.request(socket, 'sv.run.journal', { run: { id: run._id }, sort: 'nonsense' }), 400, 1);
  });

  it('sv.run.logs answers the captured output, narrowed by instance and attempt', async function () {
    const all = await t.request(socket, 'sv.run.logs', { run: { id: run._id } });
    expect(all.logs.map((c: { text: string }) => c.text)).to.deep.equal(['hello\n', 'again\n']);
    const second = await t.request(socket, 'sv.run.logs', { run: { id: run._id, attempt: 2 } });
    expect(second.logs.map((c: { stream: string }) => c.stream)).to.deep.equal(['stderr']);
    expectAckError(await t.request(socket, 'sv.run.logs', { run: { id: run._id, attempt: 0 } }), 400, 1);
    expectAckError(await t.request(socket, 'sv.run.logs', { run: { id: run._id }, per_page: 2 }), 400, 1);
  });

  it('another account\'s runs are not found', async function () {
    const bob = await t.createUser();
    const theirs = await t.connect('runs', t.auth(bob));
    expectAckError(await t.request(theirs, 'sv.run.refresh', { run: { id: run._id } }), 404, 2);
    expectAckError(await t.request(theirs, 'sv.run.journal', { run: { id: run._id } }), 404, 2);
    expectAckError(await t.request(theirs, 'sv.run.logs', { run: { id: run._id } }), 404, 2);
    expectAckError(await t.request(theirs, 'sv.run.refresh.all', { workflow: { id: workflowId } }), 404, 2);
    theirs.close();
  });
});

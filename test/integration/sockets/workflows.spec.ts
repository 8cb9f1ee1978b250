/**
 * `/workflows`: every `sv.workflow.*` request on a workflow itself — success, and each error REST
 * answers for the same operation — plus the envelope rules every request shares (payload shape,
 * `requestId`, unknown fields, 2016 clients without acknowledgement callbacks, unknown events).
 */
import { expect } from 'chai';
import type { TestUser } from '../../lib/restapi.js';
import { ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';
import { ClientHarness, type ClientSocket } from '../../lib/client-harness.js';
import { expectAckError, expectAckOk, next } from '../../lib/socket-assert.js';

const MISSING_ID = '5f1d7f3b9c1e4a0012345678';

describe('client sockets: /workflows (workflows)', function () {
  let t: ClientHarness;
  let alice: TestUser;
  let socket: ClientSocket<'workflows'>;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
    socket = await t.connect('workflows', t.auth(alice));
    // A board whose tasks hold: runs stay active (without one, the engine fails them at once).
    await t.worker({ slots: 4 });
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  describe('sv.workflow.add', function () {
    it('creates a workflow owned by the caller and answers it in the REST representation', async function () {
      const name = t.unique('wf');
      const ack = await t.request(socket, 'sv.workflow.add', { workflow: { name, desc: 'from a socket' }, requestId: 'add-1' });
      expectAckOk(ack);
      expect(ack.requestId).to.equal('add-1');
      expect(ack.workflow).to.include({ name, desc: 'from a socket', accountId: alice.id, lastRunId: null });
      const rest = await alice.api.get(`/workflows/${ack.workflow._id}`);
      expect(rest.body).to.deep.equal(ack.workflow);
    });

    it('answers a rule broken as REST does: 409 Validation Error with the field', async function () {
      const ack = await t.request(socket, 'sv.workflow.add', { workflow: { desc: 'no name' }, requestId: 7 });
      expectAckError(ack, 409, 1, /^Validation Error$/);
      expect(ack.requestId).to.equal(7);
      const rest = await alice.api.post('/workflows', { desc: 'no name' });
      expect(ack.err.errors).to.deep.equal(rest.body.error.errors);
    });

    it('refuses unknown fields, wrong types and non-objects (400, code 1), changing nothing', async function () {
      const before = (await t.store.workflows.list({ accountId: alice.id }, { count: true })).total;
      expectAckError(await t.request(socket, 'sv.workflow.add', { workflow: { name: t.unique('wf'), accountId: MISSING_ID } }), 400, 1, /accountId/);
      expectAckError(await t.request(socket, 'sv.workflow.add', { workflow: { name: 42 } }), 409, 1);
      expectAckError(await t.request(socket, 'sv.workflow.add', { workflow: 'a string' }), 400, 1, /workflow must be an object/);
      expectAckError(await t.request(socket, 'sv.workflow.add', 'not an object'), 400, 1, /payload must be an object/);
      expectAckError(await t.request(socket, 'sv.workflow.add', [1, 2]), 400, 1);
      expectAckError(await t.request(socket, 'sv.workflow.add', { workflow: { name: 'x' }, extra: true }), 400, 1, /`extra`/);
      expectAckError(await t.request(socket, 'sv.workflow.add', { workflow: { name: 'x' }, requestId: { $ne: 1 } }), 400, 1, /requestId/);
      expect((await t.store.workflows.list({ accountId: alice.id }, { count: true })).total).to.equal(before);
    });
  });

  describe('sv.workflow.refresh.all', function () {
    it('lists the caller\'s workflows with REST\'s list options (sort, fields, paging, count, filters)', async function () {
      const other = await t.createUser();
      await workflowWith(t.rest, other, []);
      const names = [t.unique('a'), t.unique('b')];
      for (const name of names) await t.request(socket, 'sv.workflow.add', { workflow: { name } });
      const all = await t.request(socket, 'sv.workflow.refresh.all', { requestId: 'list' });
      expectAckOk(all);
      expect(all.total).to.equal(null);
      expect(all.workflows.map((w: { accountId: string }) => w.accountId)).to.satisfy((ids: string[]) => ids.every((id) => id === alice.id));
      const paged = await t.request(socket, 'sv.workflow.refresh.all', { sort: '-created', fields: 'name', per_page: 1, page_num: 1, count: true });
      expect(paged.workflows).to.have.length(1);
      expect(Object.keys(paged.workflows[0]).sort()).to.deep.equal(['_id', 'name']);
      expect(paged.total).to.equal(all.workflows.length);
      const filtered = await t.request(socket, 'sv.workflow.refresh.all', { name: names[0] });
      expect(filtered.workflows.map((w: { name: string }) => w.name)).to.deep.equal([names[0]]);
      const rest = await alice.api.get('/workflows?sort=-created&fields=name&per_page=1&page_num=1');
      expect(paged.workflows).to.deep.equal(rest.body);
    });

    it('refuses unknown options and operators as REST does (400)', async function () {
      expectAckError(await t.request(socket, 'sv.workflow.refresh.all', { colour: 'red' }), 400, 1, /Unknown query parameter colour/);
      expectAckError(await t.request(socket, 'sv.workflow.refresh.all', { name: { $ne: 'x' } }), 400, 1);
      expectAckError(await t.request(socket, 'sv.workflow.refresh.all', { per_page: 5000 }), 400, 1, /per_page/);
      expectAckError(await t.request(socket, 'sv.workflow.refresh.all', { embed: 'nonsense' }), 400, 1, /Unknown embed/);
    });

    it('works without a payload at all', async function () {
      const ack = await t.request(socket, 'sv.workflow.refresh.all');
      expect(ack).to.include({ err: null, requestId: null });
    });
  });

  describe('sv.workflow.refresh', function () {
    it('reads one workflow by id (2016 `id` or `_id`), with fields and embed', async function () {
      const workty = await ownWorkty(t.rest, alice);
      const { workflow } = await workflowWith(t.rest, alice, [workty]);
      const byId = await t.request(socket, 'sv.workflow.refresh', { workflow: { id: workflow._id } });
      const byUnderscore = await t.request(socket, 'sv.workflow.refresh', { workflow: { _id: workflow._id } });
      expect(byId.workflow).to.deep.equal(byUnderscore.workflow);
      const embedded = await t.request(socket, 'sv.workflow.refresh', { workflow: { id: workflow._id }, embed: 'worktiesinstances,worktiesinstances.properties' });
      const rest = await alice.api.get(`/workflows/${workflow._id}?embed=worktiesinstances,worktiesinstances.properties`);
      expect(embedded.workflow).to.deep.equal(rest.body);
      expect(embedded.workflow.worktiesInstancesIds[0].propertiesIds[0]).to.have.keys(['_id', 'name', 'value']);
    });

    it('answers 404 for a missing workflow or another account\'s, 400 for a bad or missing id', async function () {
      const other = await t.createUser();
      const { workflow } = await workflowWith(t.rest, other, []);
      expectAckError(await t.request(socket, 'sv.workflow.refresh', { workflow: { id: workflow._id } }), 404, 2);
      expectAckError(await t.request(socket, 'sv.workflow.refresh', { workflow: { id: MISSING_ID } }), 404, 2);
      expectAckError(await t.request(socket, 'sv.workflow.refresh', { workflow: { id: 'nope' } }), 400, 1, /24-character/);
      expectAckError(await t.request(socket, 'sv.workflow.refresh', { workflow: {} }), 400, 1, /Give workflow\.id/);
      expectAckError(await t.request(socket, 'sv.workflow.refresh', { workflow: { id: MISSING_ID, _id: workflow._id } }), 400, 1, /differ/);
      expectAckError(await t.request(socket, 'sv.workflow.refresh', { workflow: { id: workflow._id, name: 'x' } }), 400, 1, /workflow\.name/);
    });
  });

  describe('sv.workflow.upd', function () {
    it('renames the caller\'s workflow', async function () {
      const { workflow } = await workflowWith(t.rest, alice, []);
      const name = t.unique('renamed');
      const ack = await t.request(socket, 'sv.workflow.upd', { workflow: { id: workflow._id, name }, requestId: 'u' });
      expectAckOk(ack);
      expect(ack.workflow).to.include({ _id: workflow._id, name });
      expect((await t.store.workflows.get(workflow._id, { all: true }))?.name).to.equal(name);
    });

    it('refuses nothing to update (400), a bad value (409), another account\'s workflow (404)', async function () {
      const { workflow } = await workflowWith(t.rest, alice, []);
      const other = await t.createUser();
      const theirs = (await workflowWith(t.rest, other, [])).workflow;
      expectAckError(await t.request(socket, 'sv.workflow.upd', { workflow: { id: workflow._id } }), 400, 1, /Nothing to update/);
      expectAckError(await t.request(socket, 'sv.workflow.upd', { workflow: { id: workflow._id, name: '' } }), 409, 1);
      expectAckError(await t.request(socket, 'sv.workflow.upd', { workflow: { id: theirs._id, name: 'mine now' } }), 404, 2);
      expect((await t.store.workflows.get(theirs._id, { all: true }))?.name).to.equal(theirs.name);
    });
  });

  describe('sv.workflow.del', function () {
    it('deletes the caller\'s workflow and answers {_id, deleted: true}', async function () {
      const { workflow } = await workflowWith(t.rest, alice, []);
      const ack = await t.request(socket, 'sv.workflow.del', { workflow: { id: workflow._id } });
      expect(ack).to.deep.equal({ err: null, requestId: null, workflow: { _id: workflow._id, deleted: true } });
      expect(await t.store.workflows.get(workflow._id, { all: true })).to.equal(null);
    });

    it('refuses another account\'s workflow (404) and one with an active run (409)', async function () {
      const other = await t.createUser();
      const theirs = (await workflowWith(t.rest, other, [])).workflow;
      expectAckError(await t.request(socket, 'sv.workflow.del', { workflow: { id: theirs._id } }), 404, 2);
      const { workflow } = await workflowWith(t.rest, alice, [await ownWorkty(t.rest, alice)]);
      expectAckOk(await t.request(socket, 'sv.workflow.run', { workflow: { id: workflow._id } }));
      expectAckError(await t.request(socket, 'sv.workflow.del', { workflow: { id: workflow._id } }), 409, 3);
      expect(await t.store.workflows.get(workflow._id, { all: true })).not.to.equal(null);
    });
  });

  describe('sv.workflow.run, sv.workflow.pause, sv.workflow.stop', function () {
    it('records run, pause and stop durably and answers the run', async function () {
      const { workflow } = await workflowWith(t.rest, alice, [await ownWorkty(t.rest, alice)]);
      const run = await t.request(socket, 'sv.workflow.run', { workflow: { id: workflow._id }, requestId: 'go' });
      expectAckOk(run);
      expect(run.run).to.include({ workflowId: workflow._id, accountId: alice.id, status: 'queued', desired: 'running' });
      const paused = await t.request(socket, 'sv.workflow.pause', { workflow: { id: workflow._id } });
      expect(paused.run).to.include({ _id: run.run._id, desired: 'paused' });
      const stopped = await t.request(socket, 'sv.workflow.stop', { workflow: { id: workflow._id } });
      expect(stopped.run).to.include({ _id: run.run._id, desired: 'stopped' });
      expect((await t.store.runs.get(run.run._id, { all: true }))?.desired).to.equal('stopped');
      expect(JSON.stringify(run)).not.to.include('leaseToken');
    });

    it('answers 409 when the transition is impossible and 404 for another account\'s workflow', async function () {
      const empty = (await workflowWith(t.rest, alice, [])).workflow;
      expectAckError(await t.request(socket, 'sv.workflow.run', { workflow: { id: empty._id } }), 409, 3);
      const { workflow } = await workflowWith(t.rest, alice, [await ownWorkty(t.rest, alice)]);
      expectAckError(await t.request(socket, 'sv.workflow.stop', { workflow: { id: workflow._id } }), 409, 3);
      expectAckError(await t.request(socket, 'sv.workflow.pause', { workflow: { id: workflow._id } }), 409, 3);
      expectAckOk(await t.request(socket, 'sv.workflow.run', { workflow: { id: workflow._id } }));
      expectAckError(await t.request(socket, 'sv.workflow.run', { workflow: { id: workflow._id } }), 409, 3);
      const other = await t.createUser();
      const theirs = (await workflowWith(t.rest, other, [await ownWorkty(t.rest, other)])).workflow;
      for (const verb of ['run', 'pause', 'stop']) {
        expectAckError(await t.request(socket, `sv.workflow.${verb}`, { workflow: { id: theirs._id } }), 404, 2);
      }
      expect((await t.store.runs.list(theirs._id, { all: true })).items).to.have.length(0);
    });
  });

  describe('answers and unknown events', function () {
    it('answers a 2016 client without an acknowledgement callback on sv.workflow.changed, to that socket only', async function () {
      const onlooker = await t.connect('workflows', t.auth(alice));
      let onlookerReplies = 0;
      onlooker.on('sv.workflow.changed', (payload: any) => { if ('event' in payload) onlookerReplies += 1; });
      const name = t.unique('no-ack');
      const broadcast = next(onlooker, 'sv.workflow.changed', (payload: any) => payload.op === 'created' && payload.workflow.name === name);
      const reply = next(socket, 'sv.workflow.changed', (payload: any) => payload.event === 'sv.workflow.add');
      (socket as any).emit('sv.workflow.add', { workflow: { name }, requestId: 'legacy' });
      const answered = await reply;
      expect(answered).to.deep.include({ err: null, requestId: 'legacy', event: 'sv.workflow.add' });
      expect(answered.workflow.name).to.equal(name);
      const failed = next(socket, 'sv.workflow.changed', (payload: any) => payload.event === 'sv.workflow.refresh');
      (socket as any).emit('sv.workflow.refresh', { workflow: { id: MISSING_ID }, requestId: 'legacy-2' });
      expect((await failed).err).to.include({ statusCode: 404, code: 2 });
      // The onlooker sees the created workflow as a broadcast, never the reply.
      await broadcast;
      expect(onlookerReplies).to.equal(0);
      onlooker.close();
    });

    it('answers an event no namespace serves with 404 instead of silence', async function () {
      const ack = await t.request(socket, 'sv.workflow.explode', { requestId: 'x' });
      expectAckError(ack, 404, 2, /sv\.workflow\.explode/);
      expect(ack.requestId).to.equal('x');
      const elsewhere = await t.request(socket, 'sv.device.refresh.all', {});
      expectAckError(elsewhere, 404, 2);
    });
  });
});

/**
 * `/workflows`: the workty instance requests (`sv.workflow.add.workty.instance`,
 * `upd.workty.instance`, `del.workty.instance`, `upd.workty.instance.property`) — success and each
 * error REST answers: positions (codes 10–12), workties not owned (17), instances of another workflow.
 */
import { expect } from 'chai';
import type { Workty } from '../../../shared/domain/model.js';
import type { TestUser } from '../../lib/restapi.js';
import { makeTemplate, ownWorkty, workflowWith } from '../../lib/rest-fixtures.js';
import { ClientHarness, type ClientSocket } from '../../lib/client-harness.js';
import { expectAckError, expectAckOk } from '../../lib/socket-assert.js';

describe('client sockets: /workflows (instances)', function () {
  let t: ClientHarness;
  let alice: TestUser;
  let socket: ClientSocket<'workflows'>;
  let workty: Workty;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
    socket = await t.connect('workflows', t.auth(alice));
    workty = await ownWorkty(t.rest, alice, { properties: [{ name: 'timeout', value: 1000 }] });
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  describe('sv.workflow.add.workty.instance', function () {
    it('adds an instance of an own workty (2016 `workty: {id}`), copying its properties, last by default', async function () {
      const { workflow, instances } = await workflowWith(t.rest, alice, [workty]);
      const ack = await t.request(socket, 'sv.workflow.add.workty.instance', {
        workflow: { id: workflow._id, worktyInstance: { name: 'second', desc: 'via socket' } }, workty: { id: workty._id }, requestId: 'i1',
      });
      expectAckOk(ack);
      expect(ack.requestId).to.equal('i1');
      expect(ack.worktyInstance).to.include({ workflowId: workflow._id, worktyId: workty._id, name: 'second', desc: 'via socket', state: 'initial' });
      expect(ack.worktyInstance.propertiesIds).to.have.length(1);
      const stored = await t.store.workflows.get(workflow._id, { all: true });
      expect(stored?.worktiesInstancesIds).to.deep.equal([instances[0]!._id, ack.worktyInstance._id]);
    });

    it('takes the workty as worktyInstance.worktyId too, and REST\'s positions', async function () {
      const { workflow, instances } = await workflowWith(t.rest, alice, [workty, workty]);
      const first = await t.request(socket, 'sv.workflow.add.workty.instance', {
        workflow: { id: workflow._id, worktyInstance: { worktyId: workty._id, position_type: 'first' } },
      });
      expectAckOk(first);
      const middle = await t.request(socket, 'sv.workflow.add.workty.instance', {
        workflow: { id: workflow._id, worktyInstance: { position_index: 2 } }, workty: { id: workty._id },
      });
      const before = await t.request(socket, 'sv.workflow.add.workty.instance', {
        workflow: { id: workflow._id, worktyInstance: { position_id: instances[0]!._id } }, workty: { _id: workty._id },
      });
      const order = (await t.store.workflows.get(workflow._id, { all: true }))?.worktiesInstancesIds;
      expect(order).to.deep.equal([first.worktyInstance._id, before.worktyInstance._id, instances[0]!._id, middle.worktyInstance._id, instances[1]!._id]);
    });

    it('answers bad positions with codes 12, 10, 11 and changes nothing', async function () {
      const { workflow } = await workflowWith(t.rest, alice, [workty]);
      const add = (worktyInstance: Record<string, unknown>) => t.request(socket, 'sv.workflow.add.workty.instance', {
        workflow: { id: workflow._id, worktyInstance }, workty: { id: workty._id },
      });
      expectAckError(await add({ position_type: 'middle' }), 400, 12);
      expectAckError(await add({ position_index: 9 }), 400, 10);
      expectAckError(await add({ position_index: -1 }), 400, 10);
      expectAckError(await add({ position_id: 'nope' }), 400, 11);
      expectAckError(await add({ position_id: '5f1d7f3b9c1e4a0012345678' }), 400, 11);
      expect((await t.store.workflows.get(workflow._id, { all: true }))?.worktiesInstancesIds).to.have.length(1);
    });

    it('refuses a workty the caller does not own (17), another account\'s workflow (404), a missing workty (400/409)', async function () {
      const { workflow } = await workflowWith(t.rest, alice, []);
      const template = await makeTemplate(t.rest);
      expectAckError(await t.request(socket, 'sv.workflow.add.workty.instance', { workflow: { id: workflow._id }, workty: { id: template._id } }), 400, 17, /install it first/);
      const other = await t.createUser();
      const theirs = (await workflowWith(t.rest, other, [])).workflow;
      expectAckError(await t.request(socket, 'sv.workflow.add.workty.instance', { workflow: { id: theirs._id }, workty: { id: workty._id } }), 404, 2);
      expectAckError(await t.request(socket, 'sv.workflow.add.workty.instance', { workflow: { id: workflow._id } }), 409, 1, /Validation Error/);
      expectAckError(await t.request(socket, 'sv.workflow.add.workty.instance', {
        workflow: { id: workflow._id, worktyInstance: { worktyId: template._id } }, workty: { id: workty._id },
      }), 400, 1, /differ/);
      expectAckError(await t.request(socket, 'sv.workflow.add.workty.instance', { workflow: { id: workflow._id, name: 'x' }, workty: { id: workty._id } }), 400, 1, /workflow\.name/);
      expect((await t.store.workflows.get(workflow._id, { all: true }))?.worktiesInstancesIds).to.have.length(0);
    });
  });

  describe('sv.workflow.upd.workty.instance', function () {
    it('renames and retargets an instance of the workflow', async function () {
      const { workflow, instances } = await workflowWith(t.rest, alice, [workty]);
      const ack = await t.request(socket, 'sv.workflow.upd.workty.instance', {
        workflow: { id: workflow._id, worktyInstance: { id: instances[0]!._id, name: 'renamed', labels: ['arm64', 'garage'] } },
      });
      expectAckOk(ack);
      expect(ack.worktyInstance).to.deep.include({ _id: instances[0]!._id, name: 'renamed', target: { labels: ['arm64', 'garage'] } });
    });

    it('refuses an instance of another workflow (404), nothing to update (400), device and labels together (409)', async function () {
      const a = await workflowWith(t.rest, alice, [workty]);
      const b = await workflowWith(t.rest, alice, [workty]);
      expectAckError(await t.request(socket, 'sv.workflow.upd.workty.instance', {
        workflow: { id: a.workflow._id, worktyInstance: { id: b.instances[0]!._id, name: 'crossed' } },
      }), 404, 2);
      expectAckError(await t.request(socket, 'sv.workflow.upd.workty.instance', {
        workflow: { id: a.workflow._id, worktyInstance: { id: a.instances[0]!._id } },
      }), 400, 1, /Nothing to update/);
      expectAckError(await t.request(socket, 'sv.workflow.upd.workty.instance', {
        workflow: { id: a.workflow._id, worktyInstance: { id: a.instances[0]!._id, deviceId: '5f1d7f3b9c1e4a0012345678', labels: ['x'] } },
      }), 409, 1);
      expectAckError(await t.request(socket, 'sv.workflow.upd.workty.instance', { workflow: { id: a.workflow._id } }), 400, 1, /worktyInstance must be an object/);
      expect((await t.store.instances.get(b.workflow._id, b.instances[0]!._id, { all: true }))?.name).to.equal(b.instances[0]!.name);
    });
  });

  describe('sv.workflow.del.workty.instance', function () {
    it('removes the instance and answers {_id, deleted: true}', async function () {
      const { workflow, instances } = await workflowWith(t.rest, alice, [workty, workty]);
      const ack = await t.request(socket, 'sv.workflow.del.workty.instance', { workflow: { id: workflow._id, worktyInstance: { id: instances[0]!._id } } });
      expect(ack).to.deep.equal({ err: null, requestId: null, worktyInstance: { _id: instances[0]!._id, deleted: true } });
      expect((await t.store.workflows.get(workflow._id, { all: true }))?.worktiesInstancesIds).to.deep.equal([instances[1]!._id]);
    });

    it('refuses an instance of another workflow or account (404), extra fields (400)', async function () {
      const a = await workflowWith(t.rest, alice, [workty]);
      const other = await t.createUser();
      const theirs = await workflowWith(t.rest, other, [await ownWorkty(t.rest, other)]);
      expectAckError(await t.request(socket, 'sv.workflow.del.workty.instance', {
        workflow: { id: a.workflow._id, worktyInstance: { id: theirs.instances[0]!._id } },
      }), 404, 2);
      expectAckError(await t.request(socket, 'sv.workflow.del.workty.instance', {
        workflow: { id: theirs.workflow._id, worktyInstance: { id: theirs.instances[0]!._id } },
      }), 404, 2);
      expectAckError(await t.request(socket, 'sv.workflow.del.workty.instance', {
        workflow: { id: a.workflow._id, worktyInstance: { id: a.instances[0]!._id, name: 'x' } },
      }), 400, 1, /worktyInstance\.name/);
      expect(await t.store.instances.get(theirs.workflow._id, theirs.instances[0]!._id, { all: true })).not.to.equal(null);
    });
  });

  describe('sv.workflow.upd.workty.instance.property', function () {
    it('sets one property of the instance and answers the property', async function () {
      const { workflow, instances } = await workflowWith(t.rest, alice, [workty]);
      const property = instances[0]!.properties[0]!;
      const ack = await t.request(socket, 'sv.workflow.upd.workty.instance.property', {
        workflow: { id: workflow._id, worktyInstance: { id: instances[0]!._id, property: { id: property._id, value: 2000 } } },
      });
      expect(ack).to.deep.equal({ err: null, requestId: null, property: { _id: property._id, name: 'timeout', value: 2000 } });
    });

    it('refuses a property of another instance (404), a bad value (409), nothing to update (400)', async function () {
      const a = await workflowWith(t.rest, alice, [workty, workty]);
      const [one, two] = a.instances;
      const update = (instanceId: string, property: Record<string, unknown>) => t.request(socket, 'sv.workflow.upd.workty.instance.property', {
        workflow: { id: a.workflow._id, worktyInstance: { id: instanceId, property } },
      });
      expectAckError(await update(one!._id, { id: two!.properties[0]!._id, value: 1 }), 404, 2);
      expectAckError(await update(one!._id, { id: one!.properties[0]!._id, value: { nested: true } }), 409, 1);
      expectAckError(await update(one!._id, { id: one!.properties[0]!._id }), 400, 1, /Nothing to update/);
      expectAckError(await update(one!._id, { value: 3 }), 400, 1, /property\.id/);
      expect((await t.store.instances.get(a.workflow._id, two!._id, { all: true }))?.properties[0]?.value).to.equal(1000);
    });
  });
});

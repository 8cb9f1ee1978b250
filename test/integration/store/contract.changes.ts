/** The change feed: one event per committed change of a user-visible document, in commit order. */
import { expect } from 'chai';
import type { ChangeEvent } from '../../../shared/domain/model.js';
import type { Store } from '../../../shared/store/port.js';
import type { StoreFactory } from './contract.js';
import { ALL, assertNoSecrets, at, rejects, tenant, useStore } from './harness.js';

/** Everything after `afterSeq`, read in small batches to exercise `limit`. */
async function changesAfter(store: Store, afterSeq: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  for (let seq = afterSeq; ;) {
    const batch = await store.changes.read(seq, 3);
    if (batch.length === 0) return out;
    out.push(...batch);
    seq = at(batch, batch.length - 1).seq;
  }
}

const brief = (events: ChangeEvent[]): string[] => events.map((e) => `${e.entity}:${e.op}:${e.id}`);

export function changesContract(factory: StoreFactory): void {
  describe('change feed', function () {
    const t = useStore(factory);

    it('starts empty, then records each change with its owner, in commit order', async function () {
      expect(await t.store.changes.head()).to.equal(0);
      expect(await t.store.changes.read(0)).to.deep.equal([]);
      const ann = await t.fx.account();
      const workflow = await t.fx.workflow(ann._id);
      await t.store.workflows.update(workflow._id, tenant(ann), { name: 'renamed' });
      await t.store.workflows.delete(workflow._id, tenant(ann));
      const events = await changesAfter(t.store, 0);
      expect(brief(events)).to.deep.equal([
        `account:created:${ann._id}`, `workflow:created:${workflow._id}`, `workflow:updated:${workflow._id}`, `workflow:deleted:${workflow._id}`,
      ]);
      expect(events.every((e) => e.accountId === ann._id)).to.equal(true);
      const seqs = events.map((e) => e.seq);
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).to.equal(seqs.length);
      expect(await t.store.changes.head()).to.equal(at(seqs, seqs.length - 1));
      expect(events.every((e) => typeof e.at === 'string' && typeof e.data === 'object')).to.equal(true);
      assertNoSecrets(events);
    });

    it('gives templates and devices no owner, and their events no secrets', async function () {
      const admin = await t.fx.admin();
      const head = await t.store.changes.head();
      const template = await t.fx.template(admin._id);
      const device = await t.fx.device();
      await t.store.devices.rotateCredential(device._id, 'SECRET-MARK-rotated');
      await t.store.devices.recordPresence(device._id, 'waiting');
      const events = await changesAfter(t.store, head);
      expect(events.map((e) => [e.entity, e.op, e.id, e.accountId])).to.deep.equal([
        ['workty', 'created', template._id, null], ['device', 'created', device._id, null],
        ['device', 'updated', device._id, null], ['device', 'updated', device._id, null],
      ]);
      expect(at(events, 3).data['state']).to.equal('waiting');
      assertNoSecrets(events);
    });

    it('records a purchase as the balance, the copy and the payment together; a failed one as nothing', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id, { price: 10 });
      const ann = await t.fx.account({ amount: 15 });
      const head = await t.store.changes.head();
      const { payment, workty } = await t.store.payments.purchase(ann._id, template._id);
      const events = await changesAfter(t.store, head);
      expect(brief(events).sort()).to.deep.equal([`account:updated:${ann._id}`, `payment:created:${payment._id}`, `workty:created:${workty._id}`].sort());
      expect(events.every((e) => e.accountId === ann._id)).to.equal(true);
      const after = await t.store.changes.head();
      await rejects(t.store.payments.purchase(ann._id, template._id), Error);
      expect(await t.store.changes.head()).to.equal(after);
    });

    it('says what a purge deleted, one event per document', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id);
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(2);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.runs.transition(run._id, 'queued', 'completed');
      const { payment, workty: copy } = await t.store.payments.purchase(account._id, template._id);
      const token = await t.store.tokens.create({ accountId: account._id, tokenHash: 'SECRET-MARK-tok', expires: '2999-01-01T00:00:00.000Z' });
      const head = await t.store.changes.head();
      await t.store.accounts.purge(account._id, ALL);
      const events = await changesAfter(t.store, head);
      expect(events.every((e) => e.op === 'deleted' && e.accountId === account._id)).to.equal(true);
      expect(brief(events).sort()).to.deep.equal([
        `account:deleted:${account._id}`, `workflow:deleted:${workflow._id}`, `run:deleted:${run._id}`,
        ...instances.map((i) => `instance:deleted:${i._id}`), `workty:deleted:${workty._id}`, `workty:deleted:${copy._id}`,
        `payment:deleted:${payment._id}`, `token:deleted:${token._id}`,
      ].sort());
      expect(at(events, events.length - 1).entity, 'the account goes last').to.equal('account');
    });

    it('says what a workflow delete deleted, after any reads', async function () {
      const { account, workflow, instances } = await t.fx.workflowWithInstances(2);
      await t.store.workflows.get(workflow._id, ALL);
      await t.store.workflows.list(ALL);
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.runs.transition(run._id, 'queued', 'stopped');
      const head = await t.store.changes.head();
      await t.store.workflows.delete(workflow._id, ALL);
      const events = await changesAfter(t.store, head);
      expect(brief(events).sort()).to.deep.equal([
        `workflow:deleted:${workflow._id}`, `run:deleted:${run._id}`, ...instances.map((i) => `instance:deleted:${i._id}`),
      ].sort());
      expect(events.every((e) => e.accountId === account._id)).to.equal(true);
    });

    it('records instance placement, run requests and engine steps with useful hints', async function () {
      const { account, workflow, workty } = await t.fx.workflowWithInstances(0);
      const head = await t.store.changes.head();
      const instance = await t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id });
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.runs.transition(run._id, 'queued', 'running', { instances: [{ index: 0, from: 'initial', to: 'waiting' }] });
      const events = await changesAfter(t.store, head);
      const find = (entity: string, op: string) => events.filter((e) => e.entity === entity && e.op === op);
      expect(at(find('instance', 'created'), 0)).to.deep.include({ id: instance._id, accountId: account._id });
      expect(at(find('instance', 'created'), 0).data['workflowId']).to.equal(workflow._id);
      expect(find('workflow', 'updated').map((e) => e.id)).to.include(workflow._id);
      expect(at(find('run', 'created'), 0)).to.deep.include({ id: run._id, accountId: account._id });
      expect(at(find('run', 'created'), 0).data['status']).to.equal('queued');
      const runUpdate = at(find('run', 'updated'), find('run', 'updated').length - 1);
      expect(runUpdate.data['status']).to.equal('running');
      expect(find('instance', 'updated').some((e) => e.id === instance._id && e.data['state'] === 'waiting')).to.equal(true);
    });

    it('keeps commit order across connections', async function () {
      const other = await t.sut.openAnother();
      const ann = await t.fx.account();
      const head = await t.store.changes.head();
      const w1 = await t.store.workflows.create({ accountId: ann._id, name: 'one' });
      const w2 = await other.workflows.create({ accountId: ann._id, name: 'two' });
      await t.store.workflows.update(w2._id, ALL, { desc: 'x' });
      await other.workflows.update(w1._id, ALL, { desc: 'y' });
      const expected = [`workflow:created:${w1._id}`, `workflow:created:${w2._id}`, `workflow:updated:${w2._id}`, `workflow:updated:${w1._id}`];
      expect(brief(await changesAfter(t.store, head))).to.deep.equal(expected);
      expect(brief(await changesAfter(other, head))).to.deep.equal(expected);
    });

    it('prunes up to a sequence number; head and later events stay', async function () {
      const ann = await t.fx.account();
      await t.fx.workflow(ann._id);
      await t.fx.workflow(ann._id);
      const head = await t.store.changes.head();
      const kept = (await t.store.changes.read(0)).length;
      expect(await t.store.changes.prune(head - 1)).to.equal(kept - 1);
      expect((await t.store.changes.read(0)).map((e) => e.seq)).to.deep.equal([head]);
      expect(await t.store.changes.prune(head)).to.equal(1);
      expect(await t.store.changes.read(0)).to.deep.equal([]);
      expect(await t.store.changes.head(), 'sequence numbers are never reused').to.equal(head);
      await t.fx.workflow(ann._id);
      expect((await t.store.changes.read(0)).map((e) => e.seq)).to.deep.equal([head + 1]);
    });
  });
}

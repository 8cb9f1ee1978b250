/**
 * Concurrent writers through two independent connections: the balance is exactly what the successful
 * purchases imply and never negative, no instance position is lost or duplicated, and no error
 * other than a short balance escapes (e.g. no SQLITE_BUSY, no write conflict).
 */
import { expect } from 'chai';
import type { Id } from '../../../shared/domain/ids.js';
import type { Store } from '../../../shared/store/port.js';
import type { StoreFactory } from './contract.js';
import { ALL, at, present, reachOwn, tenant, useStore, type Fixtures } from './harness.js';
import { hammer, type HammerPlan, type HammerResult } from './hammer.js';

export interface HammerSetup {
  plan: Omit<HammerPlan, 'purchases' | 'inserts'>;
  price: number;
  balance: number;
  /** Instances in the workflow before the hammering (the anchor and its neighbours). */
  initialIds: Id[];
}

/** An account able to afford `affordable` purchases of a template, and a workflow of three instances. */
export async function prepareHammer(fx: Fixtures, affordable: number): Promise<HammerSetup> {
  const store = fx.store;
  const admin = await fx.admin();
  const price = 70;
  const template = await fx.template(admin._id, { price, properties: [{ name: 'p', value: 1 }] });
  const account = await fx.account({ amount: price * affordable + price - 1 });
  const workty = await fx.workty(account._id);
  const workflow = await fx.workflow(account._id);
  const initialIds: Id[] = [];
  for (let i = 0; i < 3; i += 1) initialIds.push((await store.instances.add(workflow._id, tenant(account), { worktyId: workty._id }))._id);
  return {
    plan: { accountId: account._id, templateId: template._id, workflowId: workflow._id, worktyId: workty._id, anchorId: at(initialIds, 1) },
    price, balance: price * affordable + price - 1, initialIds,
  };
}

/** Checks the store after the hammers of `results` ran against `setup`. */
export async function verifyHammer(store: Store, setup: HammerSetup, results: HammerResult[], attemptedPurchases: number): Promise<void> {
  expect(results.flatMap((r) => r.errors), 'unexpected errors').to.deep.equal([]);
  const purchased = results.reduce((n, r) => n + r.purchased, 0);
  const refused = results.reduce((n, r) => n + r.refused, 0);
  const affordable = Math.floor(setup.balance / setup.price);
  expect(purchased + refused).to.equal(attemptedPurchases);
  expect(purchased, 'every affordable purchase succeeded, no more').to.equal(Math.min(affordable, attemptedPurchases));
  const account = present(await store.accounts.get(setup.plan.accountId, ALL));
  expect(account.amount).to.equal(setup.balance - purchased * setup.price);
  expect(account.amount).to.be.at.least(0);
  expect((await store.payments.list(tenant(account), { count: true })).total).to.equal(purchased);
  expect((await store.workties.list(reachOwn(account), { filter: { templateId: setup.plan.templateId }, count: true })).total).to.equal(purchased);

  const inserted = results.flatMap((r) => r.inserted);
  const ids = present(await store.workflows.get(setup.plan.workflowId, ALL)).worktiesInstancesIds;
  expect(ids).to.have.length(setup.initialIds.length + inserted.length);
  expect(new Set(ids).size, 'no instance twice').to.equal(ids.length);
  expect([...ids].sort()).to.deep.equal([...setup.initialIds, ...inserted].sort());
  const listed = await store.instances.list(setup.plan.workflowId, ALL, { perPage: 1000 });
  expect(listed.items.map((i) => i._id), 'list order = workflow order').to.deep.equal(ids);
  const anchor = ids.indexOf(setup.plan.anchorId);
  expect(ids.indexOf(at(setup.initialIds, 0))).to.be.below(anchor);
  expect(ids.indexOf(at(setup.initialIds, 2))).to.be.above(anchor);
}

export function concurrencyContract(factory: StoreFactory): void {
  describe('concurrent writers', function () {
    const t = useStore(factory);

    it('two connections, two lanes each: purchases and instance inserts stay exact', async function () {
      this.timeout(120_000);
      const setup = await prepareHammer(t.fx, 25);
      const other = await t.sut.openAnother();
      const lane = { ...setup.plan, purchases: 15, inserts: 20 };
      const results = await Promise.all([hammer(t.store, lane), hammer(other, lane), hammer(t.store, lane), hammer(other, lane)]);
      await verifyHammer(t.store, setup, results, 60);
      await verifyHammer(other, setup, results, 60);
    });

    it('concurrent dispatches of one waiting instance: exactly one wins', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const device = await t.fx.device();
      const other = await t.sut.openAnother();
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.runs.transition(run._id, 'queued', 'running', { instances: [{ index: 0, from: 'initial', to: 'waiting' }] });
      const input = (leaseToken: string) => ({ runId: run._id, instanceIndex: 0, deviceId: device._id, leaseToken, leaseExpires: '2030-01-01T00:00:00.000Z' });
      const outcomes = await Promise.all([t.store, other, t.store, other].map((s, i) => s.runs.dispatch(input(`lease-${i}`))));
      expect(outcomes.filter((o) => o !== null)).to.have.length(1);
      expect(at(present(await t.store.runs.get(run._id, ALL)).instances, 0).attempts).to.have.length(1);
    });

    it('concurrent run requests of one workflow: exactly one run', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      const other = await t.sut.openAnother();
      const settled = await Promise.allSettled([t.store, other, t.store, other].map((s) => s.runs.request(workflow._id, tenant(account), account._id)));
      expect(settled.filter((s) => s.status === 'fulfilled')).to.have.length(1);
      expect((await t.store.runs.list(workflow._id, ALL, { count: true })).total).to.equal(1);
    });
  });
}

/** List conventions (API.md "Query conventions") for every list of the port. */
import { expect } from 'chai';
import { BadRequestError } from '../../../shared/domain/errors.js';
import type { ListQuery, Page } from '../../../shared/domain/query.js';
import type { StoreFactory } from './contract.js';
import { ALL, at, reachCatalogue, tenant, useStore, type Harness } from './harness.js';

/** One list of the port, with five documents named n0..n4 made by `seed`. */
interface ListCase {
  name: string;
  /** Makes the documents; returns a lister over them and the field each document's name is in. */
  seed(t: Harness): Promise<{ list(query?: ListQuery): Promise<Page<object>>; nameField: string; filter: Record<string, string | number | boolean | null> }>;
}

const CASES: ListCase[] = [
  {
    name: 'accounts.list',
    async seed(t) {
      for (let i = 0; i < 5; i += 1) await t.fx.account({ name: `n${i}`, amount: i % 2 });
      return { list: (q) => t.store.accounts.list(ALL, q), nameField: 'name', filter: { amount: 1 } };
    },
  },
  {
    name: 'workflows.list',
    async seed(t) {
      const account = await t.fx.account();
      for (let i = 0; i < 5; i += 1) await t.store.workflows.create({ accountId: account._id, name: `n${i}`, desc: i % 2 === 1 ? 'odd' : '' });
      return { list: (q) => t.store.workflows.list(tenant(account), q), nameField: 'name', filter: { desc: 'odd' } };
    },
  },
  {
    name: 'instances.list',
    async seed(t) {
      const { account, workflow, workty } = await t.fx.workflowWithInstances(0);
      for (let i = 0; i < 5; i += 1) {
        await t.store.instances.add(workflow._id, tenant(account), { worktyId: workty._id, name: `n${i}`, desc: i % 2 === 1 ? 'odd' : '' });
      }
      return { list: (q) => t.store.instances.list(workflow._id, tenant(account), q), nameField: 'name', filter: { desc: 'odd' } };
    },
  },
  {
    name: 'workties.list',
    async seed(t) {
      const account = await t.fx.account();
      for (let i = 0; i < 5; i += 1) await t.fx.workty(account._id, { name: `n${i}`, price: i % 2 });
      return { list: (q) => t.store.workties.list(reachCatalogue(account), q), nameField: 'name', filter: { price: 1 } };
    },
  },
  {
    name: 'payments.list',
    async seed(t) {
      const admin = await t.fx.admin();
      const account = await t.fx.account({ amount: 100 });
      const template = await t.fx.template(admin._id);
      for (let i = 0; i < 5; i += 1) await t.store.payments.purchase(account._id, template._id, `n${i}`);
      return { list: (q) => t.store.payments.list(tenant(account), q), nameField: 'msg', filter: { msg: 'n1' } };
    },
  },
  {
    name: 'devices.list',
    async seed(t) {
      for (let i = 0; i < 5; i += 1) {
        const device = await t.store.devices.create({ name: `n${i}`, secretHash: 'SECRET-MARK' });
        if (i % 2 === 1) await t.store.devices.update(device._id, { disabled: true });
      }
      return { list: (q) => t.store.devices.list(q), nameField: 'name', filter: { disabled: true } };
    },
  },
  {
    name: 'tokens.list',
    async seed(t) {
      const account = await t.fx.account();
      for (let i = 0; i < 5; i += 1) {
        const token = await t.store.tokens.create({ accountId: account._id, name: `n${i}`, tokenHash: t.fx.unique('SECRET-MARK'), expires: '2999-01-01T00:00:00.000Z' });
        if (i % 2 === 1) await t.store.tokens.revoke(token._id, tenant(account));
      }
      return { list: (q) => t.store.tokens.list(tenant(account), q), nameField: 'name', filter: { revoked: true } };
    },
  },
  {
    name: 'runs.list',
    async seed(t) {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      for (let i = 0; i < 5; i += 1) {
        const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
        await t.store.runs.transition(run._id, 'queued', i % 2 === 1 ? 'failed' : 'stopped', { error: `n${i}` });
      }
      return { list: (q) => t.store.runs.list(workflow._id, tenant(account), q), nameField: 'error', filter: { status: 'failed' } };
    },
  },
];

export function queriesContract(factory: StoreFactory): void {
  describe('list queries', function () {
    const t = useStore(factory);

    for (const c of CASES) {
      describe(c.name, function () {
        it('pages, sorts, counts, projects and filters in the store', async function () {
          const { list, nameField, filter } = await c.seed(t);
          const names = (page: Page<object>): unknown[] => page.items.map((item) => (item as Record<string, unknown>)[nameField]);
          const asc = [{ field: nameField, direction: 'asc' as const }];

          const all = await list({ sort: asc, count: true });
          expect(names(all)).to.deep.equal(['n0', 'n1', 'n2', 'n3', 'n4']);
          expect(all.total).to.equal(5);
          const desc = await list({ sort: [{ field: nameField, direction: 'desc' }] });
          expect(names(desc)).to.deep.equal(['n4', 'n3', 'n2', 'n1', 'n0']);
          expect(desc.total, 'no count asked').to.equal(null);

          const pages = await Promise.all([1, 2, 3, 4].map((pageNum) => list({ sort: asc, pageNum, perPage: 2, count: true })));
          expect(pages.map(names)).to.deep.equal([['n0', 'n1'], ['n2', 'n3'], ['n4'], []]);
          expect(pages.map((p) => p.total)).to.deep.equal([5, 5, 5, 5]);

          const projected = await list({ sort: asc, fields: [nameField], perPage: 1 });
          expect(Object.keys(at(projected.items, 0)).sort()).to.deep.equal(['_id', nameField].sort());

          const filtered = await list({ filter, count: true });
          expect(filtered.total).to.equal(filtered.items.length);
          expect(filtered.items.length).to.be.within(1, 4);
          for (const item of filtered.items) {
            for (const [field, value] of Object.entries(filter)) expect((item as Record<string, unknown>)[field]).to.equal(value);
          }
          const none = await list({ filter: { _id: 'f'.repeat(24) }, count: true });
          expect(none).to.deep.equal({ items: [], total: 0 });
        });

        it('refuses unknown and non-scalar fields and bad pages with BadRequestError', async function () {
          const { list } = await c.seed(t);
          const bad: ListQuery[] = [
            { filter: { nope: 1 } },
            { filter: { _id: { $ne: 'x' } as unknown as string } },
            { filter: { created: { $gt: '' } as unknown as string } },
            { sort: [{ field: 'nope', direction: 'asc' }] },
            { fields: ['nope'] },
            { pageNum: 0 },
            { perPage: 1001 },
            { perPage: 1.5 },
          ];
          for (const query of bad) {
            let error: unknown = null;
            try {
              await list(query);
            } catch (e) {
              error = e;
            }
            expect(error, JSON.stringify(query)).to.be.instanceOf(BadRequestError);
          }
        });
      });
    }

    it('refuses filters and sorts on non-scalar fields', async function () {
      await t.fx.account();
      for (const query of [{ filter: { aclRoleNames: 'admin' } }, { sort: [{ field: 'aclRoleNames', direction: 'asc' as const }] }]) {
        let error: unknown = null;
        try {
          await t.store.accounts.list(ALL, query);
        } catch (e) {
          error = e;
        }
        expect(error, JSON.stringify(query)).to.be.instanceOf(BadRequestError);
      }
    });

    it('filters on null and on booleans', async function () {
      const ann = await t.fx.account();
      const bob = await t.fx.account();
      await t.store.accounts.remove(bob._id, ALL);
      expect((await t.store.accounts.list(ALL, { filter: { removedDate: null } })).items.map((a) => a._id)).to.deep.equal([ann._id]);
      expect((await t.store.accounts.list(ALL, { filter: { removed: false } })).items.map((a) => a._id)).to.deep.equal([ann._id]);
      expect((await t.store.accounts.list(ALL, { filter: { removed: true } })).items.map((a) => a._id)).to.deep.equal([bob._id]);
    });

    it('keeps a stable default order (creation order) across pages', async function () {
      const made = [];
      for (let i = 0; i < 7; i += 1) made.push((await t.fx.account())._id);
      const seen = [];
      for (let pageNum = 1; pageNum <= 3; pageNum += 1) seen.push(...(await t.store.accounts.list(ALL, { pageNum, perPage: 3 })).items.map((a) => a._id));
      expect(seen).to.deep.equal(made);
    });

    it('caps nothing silently: per_page 1000 is allowed, the default page is 100', async function () {
      const account = await t.fx.account();
      for (let i = 0; i < 101; i += 1) await t.store.workflows.create({ accountId: account._id, name: `w${i}` });
      expect((await t.store.workflows.list(ALL)).items).to.have.length(100);
      expect((await t.store.workflows.list(ALL, { perPage: 1000 })).items).to.have.length(101);
    });
  });
}

/** List queries translated to MongoDB (pure), and that mongoose casts the results without surprises. */
import { expect } from 'chai';
import mongoose, { Types, type Connection } from 'mongoose';
import { BadRequestError } from '../../../shared/domain/errors.js';
import { MAX_PAGE_SIZE } from '../../../shared/domain/query.js';
import { createModels, type Models } from '../../../shared/store/mongo/models/index.js';
import {
  and, castFilterValue, idEquals, isMatchNothing, matchNothing, scopeFilter, translateFields, translateFilter,
  translateQuery, translateSort, worktyScopeFilter,
} from '../../../shared/store/mongo/query.js';

const A = '65f0a1b2c3d4e5f601234567';
const B = '65f0a1b2c3d4e5f601234568';

describe('MongoDB store: list query translation', () => {
  describe('filters', () => {
    it('casts each value to the field\'s stored type, inside $eq', () => {
      const filter = translateFilter('workflow', { accountId: A, name: 'Nightly', created: '2024-05-01T10:00:00.000Z' });
      expect(filter.accountId).to.deep.equal({ $eq: new Types.ObjectId(A) });
      expect(filter.name).to.deep.equal({ $eq: 'Nightly' });
      expect(filter.created).to.deep.equal({ $eq: new Date('2024-05-01T10:00:00.000Z') });
    });

    it('reads numbers and booleans written as text (query strings)', () => {
      expect(translateFilter('account', { amount: '150', removed: 'false' })).to.deep.equal({
        amount: { $eq: 150 }, removed: { $eq: false },
      });
      expect(translateFilter('workty', { price: 99, template: true })).to.deep.equal({ price: { $eq: 99 }, template: { $eq: true } });
      expect(castFilterValue('workty', 'discountPercent', '12.5')).to.equal(12.5);
    });

    it('matches nothing for a value the field can never hold', () => {
      expect(isMatchNothing(translateFilter('workflow', { accountId: 'not-an-id' }))).to.equal(true);
      expect(isMatchNothing(translateFilter('workflow', { accountId: A.toUpperCase() }))).to.equal(true);
      expect(isMatchNothing(translateFilter('account', { amount: 'lots' }))).to.equal(true);
      expect(isMatchNothing(translateFilter('account', { removed: 'yes' }))).to.equal(true);
      expect(isMatchNothing(translateFilter('workflow', { created: '2024-05-01' }))).to.equal(true);
      expect(isMatchNothing(translateFilter('workflow', { created: '2024-02-30T10:00:00.000Z' }))).to.equal(true);
    });

    it('keeps a null as an equality on null (missing or null)', () => {
      expect(translateFilter('workty', { templateId: null })).to.deep.equal({ templateId: { $eq: null } });
    });

    it('compares emails case-insensitively through the stored key', () => {
      expect(translateFilter('account', { email: 'Ann@Example.COM' })).to.deep.equal({ emailKey: { $eq: 'ann@example.com' } });
    });

    it('never lets a value act as an operator', () => {
      const filter = translateFilter('account', { name: '{"$ne":null}', email: '$where' });
      expect(filter).to.deep.equal({ name: { $eq: '{"$ne":null}' }, emailKey: { $eq: '$where' } });
      const operatorObject = { $ne: 'x' } as unknown as string;
      expect(() => translateQuery('account', { filter: { name: operatorObject } })).to.throw(BadRequestError, 'plain value');
    });

    it('refuses unknown and non-scalar fields (400, code 1)', () => {
      const check = (filter: Record<string, string>): void => {
        try {
          translateQuery('account', { filter });
          expect.fail('accepted');
        } catch (error) {
          expect(error).to.be.instanceOf(BadRequestError);
          expect((error as BadRequestError).code).to.equal(1);
        }
      };
      check({ passwordHash: 'x' });
      check({ emailKey: 'x' });
      check({ aclRoleNames: 'admin' });
      check({ $where: 'sleep(1000)' });
    });
  });

  describe('sort, projection and pages', () => {
    it('sorts by the given keys, then created and _id for stable pages', () => {
      expect(translateSort('workflow', [{ field: 'name', direction: 'desc' }])).to.deep.equal({ name: -1, created: 1, _id: 1 });
      expect(Object.keys(translateSort('workflow', [{ field: '_id', direction: 'desc' }, { field: 'created', direction: 'desc' }])))
        .to.deep.equal(['_id', 'created']);
      expect(translateSort('payment', [])).to.deep.equal({ created: 1, _id: 1 });
      expect(translateSort('account', [{ field: 'email', direction: 'asc' }])).to.deep.equal({ emailKey: 1, created: 1, _id: 1 });
      expect(translateSort('journal', [])).to.deep.equal({ seq: 1 });
    });

    it('projects the named fields with _id, and pages with skip and limit', () => {
      const q = translateQuery('workflow', { fields: ['name'], pageNum: 3, perPage: 20, count: true });
      expect(q.projection).to.deep.equal({ _id: 1, name: 1 });
      expect(q.skip).to.equal(40);
      expect(q.limit).to.equal(20);
      expect(q.count).to.equal(true);
      const defaults = translateQuery('workflow', undefined);
      expect(defaults).to.deep.include({ projection: null, skip: 0, limit: 100, count: false, filter: {} });
      expect(translateFields('run', ['status'])).to.deep.equal({ _id: 1, status: 1 });
      expect(translateFields('run', undefined)).to.equal(null);
      expect(() => translateFields('account', ['passwordHash'])).to.throw(BadRequestError);
    });

    it('refuses pages outside the bounds', () => {
      expect(() => translateQuery('workflow', { perPage: MAX_PAGE_SIZE + 1 })).to.throw(BadRequestError);
      expect(() => translateQuery('workflow', { pageNum: 0 })).to.throw(BadRequestError);
    });
  });

  describe('scopes', () => {
    it('scopes a tenant by its owner path, everyone by nothing', () => {
      expect(scopeFilter({ all: true })).to.deep.equal({});
      expect(scopeFilter({ accountId: A })).to.deep.equal({ accountId: { $eq: new Types.ObjectId(A) } });
      expect(scopeFilter({ accountId: A }, '_id')).to.deep.equal({ _id: { $eq: new Types.ObjectId(A) } });
      expect(isMatchNothing(scopeFilter({ accountId: 'x' }))).to.equal(true);
    });

    it('ANDs a caller\'s filter with the scope, so it cannot widen it', () => {
      const combined = and(scopeFilter({ accountId: A }), translateFilter('workflow', { accountId: B }));
      expect(combined).to.deep.equal({ $and: [{ accountId: { $eq: new Types.ObjectId(A) } }, { accountId: { $eq: new Types.ObjectId(B) } }] });
      expect(and({}, { name: { $eq: 'x' } })).to.deep.equal({ name: { $eq: 'x' } });
      expect(and()).to.deep.equal({});
      expect(isMatchNothing(and(scopeFilter({ accountId: A }), matchNothing()))).to.equal(true);
    });

    it('adds the catalogue\'s templates to a tenant\'s workties when asked', () => {
      expect(worktyScopeFilter({ accountId: A }, true)).to.deep.equal({
        $or: [{ accountId: { $eq: new Types.ObjectId(A) } }, { template: { $eq: true } }],
      });
      expect(worktyScopeFilter({ accountId: A }, false)).to.deep.equal({ accountId: { $eq: new Types.ObjectId(A) } });
      expect(worktyScopeFilter({ all: true }, true)).to.deep.equal({});
    });
  });

  describe('as mongoose casts them', () => {
    let connection: Connection;
    let m: Models;

    before(() => {
      connection = mongoose.createConnection();
      m = createModels(connection);
    });

    after(async () => {
      await connection.close();
    });

    it('keeps translated filters as they are, operator-looking strings included', () => {
      const filter = and(scopeFilter({ accountId: A }), translateFilter('workflow', { name: '$gt', created: '2024-05-01T10:00:00.000Z' }));
      const query = m.Workflow.find(filter);
      query.cast(m.Workflow);
      expect(query.getFilter()).to.deep.equal({
        $and: [
          { accountId: { $eq: new Types.ObjectId(A) } },
          { name: { $eq: '$gt' }, created: { $eq: new Date('2024-05-01T10:00:00.000Z') } },
        ],
      });
    });

    it('casts the match-nothing filter and id equalities', () => {
      const nothing = m.Account.find(matchNothing());
      nothing.cast(m.Account);
      expect(nothing.getFilter()).to.deep.equal({ _id: { $exists: false } });
      const byId = m.Run.find(idEquals('_id', A));
      byId.cast(m.Run);
      expect(byId.getFilter()).to.deep.equal({ _id: { $eq: new Types.ObjectId(A) } });
    });
  });
});

import { expect } from 'chai';
import { BadRequestError } from '../../../shared/domain/errors.js';
import { MAX_PAGE_SIZE, normaliseQuery, project, type ListQuery } from '../../../shared/domain/query.js';

describe('list query normalisation', () => {
  it('fills the defaults', () => {
    expect(normaliseQuery('workflow')).to.deep.equal({ filter: {}, sort: [], fields: null, pageNum: 1, perPage: 100, count: false });
  });

  it('accepts equality filters and sorts on known scalar fields', () => {
    const q = normaliseQuery('account', { filter: { email: 'a@b', removed: false }, sort: [{ field: 'created', direction: 'desc' }] });
    expect(q.filter).to.deep.equal({ email: 'a@b', removed: false });
  });

  const refused: Array<[string, ListQuery]> = [
    ['an unknown filter field', { filter: { passwordHash: 'x' } }],
    ['a filter on an array field', { filter: { aclRoleNames: 'admin' } }],
    ['an operator object', { filter: { email: { $ne: 'x' } as unknown as string } }],
    ['sorting on an unknown field', { sort: [{ field: 'nope', direction: 'asc' }] }],
    ['projecting an unknown field', { fields: ['passwordHash'] }],
    ['page 0', { pageNum: 0 }],
    ['a page size over the maximum', { perPage: MAX_PAGE_SIZE + 1 }],
    ['a fractional page size', { perPage: 2.5 }],
  ];
  for (const [label, query] of refused) {
    it(`refuses ${label} with a 400`, () => {
      expect(() => normaliseQuery('account', query)).to.throw(BadRequestError);
    });
  }

  it('always projects _id and only known fields', () => {
    const q = normaliseQuery('workflow', { fields: ['name', 'name'] });
    expect(q.fields).to.deep.equal(['_id', 'name']);
    expect(project({ _id: '1', name: 'n', desc: 'd' }, q.fields)).to.deep.equal({ _id: '1', name: 'n' });
  });
});

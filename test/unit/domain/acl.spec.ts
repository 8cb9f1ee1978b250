import { expect } from 'chai';
import { authorize, reachOf, type Action, type Resource } from '../../../shared/domain/acl.js';
import { ForbiddenError } from '../../../shared/domain/errors.js';
import type { Account, RoleName } from '../../../shared/domain/model.js';

function account(roles: RoleName[], removed = false): Account {
  return {
    _id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'x', email: 'x@example.com', aclRoleNames: roles, amount: 0,
    removed, removedDate: null, created: '', updated: '',
  };
}

describe('role matrix (ORIGINAL.md)', () => {
  // [resource, action, admin reach, regular reach]
  const table: Array<[Resource, Action, string | null, string | null]> = [
    ['accounts', 'view', 'all', 'own'],
    ['accounts', 'create', 'all', null],
    ['accounts', 'update', 'all', 'own'],
    ['accounts', 'delete', 'all', 'own'],
    ['workflows', 'view', 'all', 'own'],
    ['workflows', 'create', 'all', 'own'],
    ['workflows', 'update', 'all', 'own'],
    ['workflows', 'delete', 'all', 'own'],
    ['workties', 'view', 'all', 'ownAndTemplates'],
    ['workties', 'create', 'all', null],
    ['workties', 'update', 'all', null],
    ['workties', 'delete', 'all', null],
    ['payments', 'view', 'all', 'own'],
    ['payments', 'create', 'all', 'own'],
    ['payments', 'update', 'all', null],
    ['payments', 'delete', 'all', null],
    ['devices', 'view', 'all', null],
    ['devices', 'create', 'all', null],
    ['devices', 'update', 'all', null],
    ['devices', 'delete', 'all', null],
    ['dictionaries', 'view', 'all', 'all'],
    ['dictionaries', 'update', null, null],
  ];
  for (const [resource, action, admin, regular] of table) {
    it(`${resource}.${action}: admin ${admin ?? 'denied'}, regular ${regular ?? 'denied'}`, () => {
      expect(reachOf(['admin'], resource, action)).to.equal(admin);
      expect(reachOf(['regular'], resource, action)).to.equal(regular);
    });
  }

  it('takes the widest reach of several roles', () => {
    expect(reachOf(['regular', 'admin'], 'workties', 'view')).to.equal('all');
  });

  it('scopes a regular user to their own tenant and lets admins see all', () => {
    const regular = account(['regular']);
    expect(authorize(regular, 'workflows', 'view').scope).to.deep.equal({ accountId: regular._id });
    expect(authorize(regular, 'workties', 'view').withTemplates).to.equal(true);
    expect(authorize(account(['admin']), 'workflows', 'view').scope).to.deep.equal({ all: true });
  });

  it('refuses with code 13 when the role lacks the permission, code 14 for a removed account', () => {
    expect(() => authorize(account(['regular']), 'devices', 'view')).to.throw(ForbiddenError).with.property('code', 13);
    expect(() => authorize(account(['admin'], true), 'workflows', 'view')).to.throw(ForbiddenError).with.property('code', 14);
  });
});

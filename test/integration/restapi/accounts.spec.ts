/** Accounts: admin management, a regular user's own account, role escalation, password handling. */
import { expect } from 'chai';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi, uniqueName } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';

describe('REST accounts', () => {
  let t: TestRestApi;

  before(async () => {
    t = await startTestRestApi();
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  function newAccount(extra: Record<string, unknown> = {}) {
    const name = uniqueName('acc');
    const password = `secret-${uniqueName('pw')}`;
    t.secret(password);
    return { name, email: `${name}@example.com`, password, ...extra };
  }

  describe('as an admin', () => {
    it('creates an account: 201, Location, hashed password, never returned', async () => {
      const input = newAccount({ amount: 250 });
      const response = await t.admin.api.post('/accounts', input);
      expectStatus(response, 201);
      expect(response.headers.location).to.match(new RegExp(`/api/v1/accounts/${response.body._id}$`));
      expect(response.body).to.include({ name: input.name, email: input.email, amount: 250, removed: false });
      expect(response.body.aclRoleNames).to.deep.equal(['regular']);
      expect(response.body).to.have.keys(['_id', 'name', 'email', 'aclRoleNames', 'amount', 'removed', 'removedDate', 'created', 'updated']);
      const credentials = await t.store.accounts.getCredentials(response.body._id);
      expect(credentials!.passwordHash).to.match(/^\$2[aby]\$/);
      expect(credentials!.passwordHash).not.to.contain(input.password);
      expectStatus(await t.client.get('/accounts/me', { auth: { email: input.email, password: input.password } }), 200);
    });

    it('refuses a duplicate email (409) and broken rules (409 Validation Error)', async () => {
      const input = newAccount();
      expectStatus(await t.admin.api.post('/accounts', input), 201);
      expectError(await t.admin.api.post('/accounts', { ...newAccount(), email: input.email.toUpperCase() }), 409, 3);
      const invalid = await t.admin.api.post('/accounts', { name: 'x', email: 'not-an-email', password: 'short', amount: -1, aclRoleNames: ['root'] });
      expectError(invalid, 409, 1);
      const paths = invalid.body.error.errors.map((e: { path: string }) => e.path);
      expect(paths).to.include.members(['email', 'password', 'amount', 'aclRoleNames.0']);
      expect(invalid.text).not.to.contain('short');
    });

    it('lists every account, with filters, fields, sort and count', async () => {
      const input = newAccount();
      const created = await t.admin.api.post('/accounts', input);
      const byEmail = await t.admin.api.get(`/accounts?email=${encodeURIComponent(input.email)}&fields=email,amount`);
      expectStatus(byEmail, 200);
      expect(byEmail.body).to.deep.equal([{ _id: created.body._id, email: input.email, amount: 0 }]);
      const counted = await t.admin.api.get('/accounts?count=true&per_page=2&sort=-created');
      expect(counted.body).to.have.length(2);
      expect(Number(counted.headers['records-count'])).to.be.greaterThan(2);
      expectError(await t.admin.api.get('/accounts?passwordHash=x'), 400, 1);
      expectError(await t.admin.api.get('/accounts?email[$ne]=x'), 400, 1);
    });

    it('sets roles and balance, changes passwords (hashed), and the old password stops working', async () => {
      const user = await t.createUser();
      const newPassword = `changed-${uniqueName('pw')}`;
      t.secret(newPassword);
      const response = await t.admin.api.put(`/accounts/${user.id}`, { amount: 1234, aclRoleNames: ['regular', 'admin'], password: newPassword });
      expectStatus(response, 200);
      expect(response.body).to.include({ amount: 1234 });
      expect(response.body.aclRoleNames).to.have.members(['regular', 'admin']);
      expectError(await user.api.get('/accounts/me'), 401, 1);
      expectStatus(await t.client.get('/accounts/me', { auth: { email: user.email, password: newPassword } }), 200);
      expect((await t.store.accounts.getCredentials(user.id))!.passwordHash).to.match(/^\$2[aby]\$/);
    });

    it('soft-deletes by default, restores with removed=false, and purges with removing=true', async () => {
      const user = await t.createUser();
      expectStatus(await t.admin.api.del(`/accounts/${user.id}`), 204);
      const removed = await t.admin.api.get(`/accounts/${user.id}`);
      expect(removed.body.removed).to.equal(true);
      expect(removed.body.removedDate).to.be.a('string');
      expectError(await user.api.get('/accounts/me'), 403, 14);
      expectStatus(await t.admin.api.put(`/accounts/${user.id}`, { removed: false }), 200);
      expectStatus(await user.api.get('/accounts/me'), 200);
      expectStatus(await t.admin.api.del(`/accounts/${user.id}?removing=true`), 204);
      expectError(await t.admin.api.get(`/accounts/${user.id}`), 404, 2);
      expect(await t.store.accounts.getCredentials(user.id)).to.equal(null);
      expectError(await t.admin.api.del(`/accounts/${user.id}`), 404, 2);
    });
  });

  describe('as a regular user', () => {
    let alice: TestUser;
    let bob: TestUser;

    before(async () => {
      alice = await t.createUser({ amount: 100 });
      bob = await t.createUser({ amount: 100 });
    });

    it('sees only their own account, by id, as me, and in the list', async () => {
      const list = await alice.api.get('/accounts?count=true');
      expect(list.body.map((a: { _id: string }) => a._id)).to.deep.equal([alice.id]);
      expect(list.headers['records-count']).to.equal('1');
      expect((await alice.api.get(`/accounts/${alice.id}`)).body.email).to.equal(alice.email);
      expect((await alice.api.get('/accounts/me')).body._id).to.equal(alice.id);
      expect((await alice.api.get('/accounts/me?fields=name')).body).to.deep.equal({ _id: alice.id, name: alice.account.name });
    });

    it('cannot read, change or delete another account: 404', async () => {
      expectError(await alice.api.get(`/accounts/${bob.id}`), 404, 2);
      expectError(await alice.api.put(`/accounts/${bob.id}`, { name: 'hijacked' }), 404, 2);
      expectError(await alice.api.del(`/accounts/${bob.id}`), 404, 2);
      expectError(await alice.api.del(`/accounts/${bob.id}?removing=true`), 404, 2);
      const filtered = await alice.api.get(`/accounts?email=${encodeURIComponent(bob.email)}`);
      expectStatus(filtered, 200);
      expect(filtered.body).to.deep.equal([]);
      const bobNow = await t.store.accounts.get(bob.id, { all: true });
      expect(bobNow!.name).to.equal(bob.account.name);
      expect(bobNow!.removed).to.equal(false);
    });

    it('cannot create accounts: 403 code 13', async () => {
      expectError(await alice.api.post('/accounts', newAccount()), 403, 13);
    });

    it('cannot grant themselves roles, balance or un-removal: 403 code 13, nothing changed', async () => {
      for (const patch of [{ aclRoleNames: ['admin'] }, { amount: 1_000_000 }, { removed: false }, { name: 'ok', amount: 5 }]) {
        expectError(await alice.api.put('/accounts/me', patch), 403, 13);
        expectError(await alice.api.put(`/accounts/${alice.id}`, patch), 403, 13);
      }
      const now = await t.store.accounts.get(alice.id, { all: true });
      expect(now).to.include({ amount: 100, name: alice.account.name });
      expect(now!.aclRoleNames).to.deep.equal(['regular']);
    });

    it('cannot write a password hash or any unknown field: 400', async () => {
      expectError(await alice.api.put('/accounts/me', { passwordHash: '$2b$04$abcdefghijklmnopqrstuv' }), 400, 1);
      expectError(await alice.api.put('/accounts/me', { _id: bob.id, name: 'x' }), 400, 1);
    });

    it('updates their own name, email and password (hashed, checked against the rules)', async () => {
      const carol = await t.createUser();
      const email = `${uniqueName('carol')}@example.com`;
      const password = `carols-new-${uniqueName('pw')}`;
      t.secret(password);
      expectError(await carol.api.put('/accounts/me', { password: 'too-short' }), 409, 1);
      const response = await carol.api.put('/accounts/me', { name: 'Carol', email, password });
      expectStatus(response, 200);
      expect(response.body).to.include({ name: 'Carol', email });
      expectStatus(await t.client.get('/accounts/me', { auth: { email, password } }), 200);
      expectError(await carol.api.get('/accounts/me'), 401, 1);
    });

    it('deletes their own account (soft): afterwards 403 code 14', async () => {
      const dave = await t.createUser();
      expectStatus(await dave.api.del('/accounts/me'), 204);
      expectError(await dave.api.get('/accounts/me'), 403, 14);
      expect((await t.store.accounts.get(dave.id, { all: true }))!.removed).to.equal(true);
    });
  });
});

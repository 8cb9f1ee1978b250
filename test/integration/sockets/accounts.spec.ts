/**
 * `/accounts`: every `sv.account.*` request — success, and each error REST answers: a regular user
 * reads, updates and deletes only their own account and never sets roles, balance or removal;
 * passwords are hashed and never answered.
 */
import { expect } from 'chai';
import type { TestUser } from '../../lib/restapi.js';
import { ClientHarness, type ClientSocket } from '../../lib/client-harness.js';
import { expectAckError, expectAckOk } from '../../lib/socket-assert.js';

describe('client sockets: /accounts', function () {
  let t: ClientHarness;
  let alice: TestUser;
  let asAlice: ClientSocket<'accounts'>;
  let asAdmin: ClientSocket<'accounts'>;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
    asAlice = await t.connect('accounts', t.auth(alice));
    asAdmin = await t.connect('accounts', t.auth(t.admin));
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  it('sv.account.refresh.all: a regular user sees only their own account, an admin every account', async function () {
    const other = await t.createUser();
    const own = await t.request(asAlice, 'sv.account.refresh.all', {});
    expectAckOk(own);
    expect(own.accounts.map((a: { _id: string }) => a._id)).to.deep.equal([alice.id]);
    const all = await t.request(asAdmin, 'sv.account.refresh.all', { per_page: 1000, count: true });
    expect(all.accounts.map((a: { _id: string }) => a._id)).to.include.members([alice.id, other.id, t.admin.id]);
    expect(all.total).to.equal(all.accounts.length);
    expect(JSON.stringify(all)).not.to.match(/password/i);
  });

  it('sv.account.refresh: `me` or the own id; another account is not found (404)', async function () {
    const other = await t.createUser();
    const me = await t.request(asAlice, 'sv.account.refresh', { account: { id: 'me' } });
    expect(me.account).to.include({ _id: alice.id, email: alice.email });
    expect(me.account).not.to.have.property('passwordHash');
    expect((await t.request(asAlice, 'sv.account.refresh', { account: { id: alice.id }, fields: 'name' })).account).to.have.keys(['_id', 'name']);
    expectAckError(await t.request(asAlice, 'sv.account.refresh', { account: { id: other.id } }), 404, 2);
    expect((await t.request(asAdmin, 'sv.account.refresh', { account: { id: other.id } })).account._id).to.equal(other.id);
  });

  it('sv.account.add: admins make accounts (password hashed, never answered); regular users get 403; duplicates 409', async function () {
    const email = `${t.unique('new')}@example.com`;
    const password = 'a very secret password 1';
    t.secret(password);
    const ack = await t.request(asAdmin, 'sv.account.add', { account: { name: 'New', email, password, amount: 250 } });
    expectAckOk(ack);
    expect(ack.account).to.include({ email, amount: 250 });
    expect(ack.account.aclRoleNames).to.deep.equal(['regular']);
    const credentials = await t.store.accounts.findCredentialsByEmail(email);
    expect(credentials?.passwordHash).to.match(/^\$2[aby]\$/);
    expectAckError(await t.request(asAdmin, 'sv.account.add', { account: { name: 'Again', email, password } }), 409, 3);
    expectAckError(await t.request(asAdmin, 'sv.account.add', { account: { name: 'Short', email: `${t.unique('s')}@example.com`, password: 'short' } }), 409, 1);
    expectAckError(await t.request(asAlice, 'sv.account.add', { account: { name: 'Mine', email: `${t.unique('m')}@example.com`, password } }), 403, 13);
  });

  it('sv.account.upd: a regular user renames themself but cannot grant roles, money or removal (403), nor touch others (404)', async function () {
    const other = await t.createUser();
    const renamed = await t.request(asAlice, 'sv.account.upd', { account: { id: 'me', name: 'Alice A.' } });
    expect(renamed.account).to.include({ _id: alice.id, name: 'Alice A.' });
    expectAckError(await t.request(asAlice, 'sv.account.upd', { account: { id: alice.id, aclRoleNames: ['admin'] } }), 403, 13, /Only admins/);
    expectAckError(await t.request(asAlice, 'sv.account.upd', { account: { id: alice.id, amount: 1_000_000 } }), 403, 13);
    expectAckError(await t.request(asAlice, 'sv.account.upd', { account: { id: other.id, name: 'Hacked' } }), 404, 2);
    expectAckError(await t.request(asAlice, 'sv.account.upd', { account: { id: alice.id, passwordHash: 'x' } }), 400, 1);
    const stored = await t.account(alice.id);
    expect(stored).to.include({ amount: 0 });
    expect(stored?.aclRoleNames).to.deep.equal(['regular']);
    expect((await t.request(asAdmin, 'sv.account.upd', { account: { id: other.id, amount: 500 } })).account.amount).to.equal(500);
  });

  it('sv.account.del: soft delete by default, `removing: true` deletes everything (admins); others are not found', async function () {
    const soft = await t.createUser();
    const hard = await t.createUser();
    expectAckError(await t.request(asAlice, 'sv.account.del', { account: { id: soft.id } }), 404, 2);
    expect(await t.request(asAdmin, 'sv.account.del', { account: { id: soft.id } })).to.deep.equal({
      err: null, requestId: null, account: { _id: soft.id, deleted: true },
    });
    expect((await t.account(soft.id))?.removed).to.equal(true);
    expectAckOk(await t.request(asAdmin, 'sv.account.del', { account: { id: hard.id, removing: true } }));
    expect(await t.account(hard.id)).to.equal(null);
    expectAckError(await t.request(asAdmin, 'sv.account.del', { account: { id: soft.id, removing: 'maybe' } }), 400, 1);
    expectAckError(await t.request(asAdmin, 'sv.account.del', { account: { id: soft.id, name: 'x' } }), 400, 1, /account\.name/);
  });
});

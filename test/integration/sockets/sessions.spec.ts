/**
 * Sessions end when their credential stops working — a token revoked or expired, the account
 * removed or deleted, the password changed — whoever made the change and in whichever process: the
 * socket gets `sv.session.ended` with the reason, then a server-side disconnect. Roles follow the
 * account (an admin demoted stops hearing admins' changes).
 */
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { generateSecret, hashSecret } from '../../../shared/security/secrets.js';
import type { TestUser } from '../../lib/restapi.js';
import { ClientHarness } from '../../lib/client-harness.js';
import { RestProcess } from '../../lib/rest-process.js';
import { collect, expectAckError, expectAckOk, next } from '../../lib/socket-assert.js';

/** The `sv.session.ended` payload and the disconnect reason that follows it. */
async function ending(socket: Socket | { on: Socket['on'] }): Promise<{ ended: { code: string; reason: string }; reason: string }> {
  const s = socket as Socket;
  const ended = next<{ code: string; reason: string }>(s, 'sv.session.ended');
  const reason = new Promise<string>((resolve) => s.once('disconnect', (why) => resolve(why)));
  return { ended: await ended, reason: await reason };
}

describe('client sockets: sessions', function () {
  let t: ClientHarness;

  before(async function () {
    t = await ClientHarness.start();
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  afterEach(function () {
    t.closeSockets();
  });

  async function tokenFor(user: TestUser): Promise<{ token: string; id: string }> {
    const made = await user.api.post('/tokens', { name: 'test' });
    t.secret(made.body.token, made);
    return { token: made.body.token, id: made.body._id };
  }

  it('a token revoked over REST ends the sessions it opened, on every namespace, and no other', async function () {
    const user = await t.createUser();
    const { token, id } = await tokenFor(user);
    const other = await tokenFor(user);
    const a = await t.connect('workflows', { token });
    const b = await t.connect('runs', { token });
    const untouched = await t.connect('workflows', { token: other.token });
    const endings = [ending(a), ending(b)];
    expect((await user.api.del(`/tokens/${id}`)).status).to.equal(204);
    for (const { ended, reason } of await Promise.all(endings)) {
      expect(ended).to.deep.equal({ code: 'token-revoked', reason: 'the token was revoked' });
      expect(reason).to.equal('io server disconnect');
    }
    expectAckOk(await t.request(untouched, 'sv.workflow.refresh.all', {}));
  });

  it('a token session ends when its token expires', async function () {
    const user = await t.createUser();
    const token = generateSecret();
    t.secret(token);
    await t.store.tokens.create({ accountId: user.id, name: 'short', tokenHash: hashSecret(token), expires: new Date(Date.now() + 1500).toISOString() });
    const socket = await t.connect('payments', { token });
    const { ended } = await ending(socket);
    expect(ended.code).to.equal('token-expired');
    expect((await t.refused('payments', { token })).data?.code).to.equal('invalid-token');
  });

  it('removing an account ends its password and token sessions; deleting it too', async function () {
    const removed = await t.createUser();
    const { token } = await tokenFor(removed);
    const endings = [ending(await t.connect('accounts', t.auth(removed))), ending(await t.connect('workties', { token }))];
    expect((await t.admin.api.del(`/accounts/${removed.id}`)).status).to.equal(204);
    for (const { ended } of await Promise.all(endings)) expect(ended).to.deep.equal({ code: 'account-removed', reason: 'the account was removed' });

    const deleted = await t.createUser();
    const end = ending(await t.connect('workflows', t.auth(deleted)));
    expect((await t.admin.api.del(`/accounts/${deleted.id}?removing=true`)).status).to.equal(204);
    expect((await end).ended).to.deep.equal({ code: 'account-removed', reason: 'the account was deleted' });
  });

  it('a password change ends the password sessions; token sessions go on (their token still works)', async function () {
    const user = await t.createUser();
    const { token } = await tokenFor(user);
    const withPassword = await t.connect('workflows', t.auth(user));
    const withToken = await t.connect('workflows', { token });
    const end = ending(withPassword);
    const password = 'a brand new password 42';
    t.secret(password);
    expect((await user.api.put('/accounts/me', { password })).status).to.equal(200);
    expect((await end).ended).to.deep.equal({ code: 'password-changed', reason: 'the password was changed: log in again' });
    expectAckOk(await t.request(withToken, 'sv.workflow.refresh.all', {}));
    expect((await t.refused('workflows', t.auth(user))).data?.code).to.equal('bad-credentials');
    expect((await t.connect('workflows', { email: user.email, password })).connected).to.equal(true);
  });

  it('a password changed over a socket ends that very session after its answer', async function () {
    const user = await t.createUser();
    const socket = await t.connect('accounts', t.auth(user));
    const end = ending(socket);
    const password = 'changed over a socket 1';
    t.secret(password);
    const ack = await t.request(socket, 'sv.account.upd', { account: { id: 'me', password } });
    expectAckOk(ack);
    expect(ack.account).not.to.have.property('password');
    expect((await end).ended.code).to.equal('password-changed');
  });

  it('changes made by a REST API in another process end sessions too (the change feed tells)', async function () {
    const user = await t.createUser();
    const rest = new RestProcess(t.rest.dataDir);
    await rest.start();
    try {
      const socket = await t.connect('workflows', t.auth(user));
      const end = ending(socket);
      const password = 'changed in another process 7';
      t.secret(password);
      const changed = await rest.client.put('/accounts/me', { password }, { auth: { email: user.email, password: user.password } });
      expect(changed.status, changed.text).to.equal(200);
      expect((await end).ended.code).to.equal('password-changed');
    } finally {
      await rest.stop();
    }
  });

  it('an admin demoted stops hearing and reading other accounts\' data at once', async function () {
    const boss = await t.createUser({ roles: ['admin'] });
    const socket = await t.connect('workflows', t.auth(boss));
    const heard = collect(socket, 'sv.workflow.changed');
    const someone = await t.createUser();
    const demoted = next(await t.connect('accounts', t.auth(t.admin)), 'sv.account.changed', (p: any) => p.account._id === boss.id);
    expect((await t.admin.api.put(`/accounts/${boss.id}`, { aclRoleNames: ['regular'] })).status).to.equal(200);
    await demoted;
    await t.supervisor.api.idle();
    const theirs = await someone.api.post('/workflows', { name: t.unique('unseen') });
    expectAckError(await t.request(socket, 'sv.workflow.refresh', { workflow: { id: theirs.body._id } }), 404, 2);
    const own = next(socket, 'sv.workflow.changed');
    await boss.api.post('/workflows', { name: t.unique('own') });
    expect((await own).workflow.accountId).to.equal(boss.id);
    expect(heard.map((p: any) => p.workflow.accountId)).to.deep.equal([boss.id]);
  });
});

describe('client sockets: sessions checked on every request', function () {
  let t: ClientHarness;

  before(async function () {
    // The feed is not polled here: only the request-time check can notice.
    t = await ClientHarness.start({ settings: { changeFeedPollMs: 60_000 } });
  });

  after(async function () {
    await t?.close();
  });

  it('answers 401 to a request on a session whose token was revoked before the feed told, then ends it', async function () {
    const user = await t.createUser();
    const made = await user.api.post('/tokens', {});
    t.secret(made.body.token, made);
    const socket = await t.connect('workflows', { token: made.body.token });
    expect((await user.api.del(`/tokens/${made.body._id}`)).status).to.equal(204);
    const end = ending(socket);
    const ack = await t.request(socket, 'sv.workflow.add', { workflow: { name: t.unique('too-late') } });
    expectAckError(ack, 401, 1, /Session ended: the token was revoked/);
    expect((await end).ended.code).to.equal('token-revoked');
    expect((await t.store.workflows.list({ accountId: user.id })).items).to.have.length(0);
  });
});

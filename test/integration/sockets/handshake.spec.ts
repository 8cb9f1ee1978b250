/**
 * Client handshakes: password and token logins, every refusal with its reason and code, the
 * failed-login throttle, and that nothing of a namespace runs for a socket that is not authenticated.
 */
import { expect } from 'chai';
import { Manager } from 'socket.io-client';
import { CLIENT_NAMESPACES } from '../../../shared/protocol/clients.js';
import { ClientHarness } from '../../lib/client-harness.js';
import { waitFor } from '../../lib/wait.js';

describe('client sockets: handshake', function () {
  let t: ClientHarness;

  before(async function () {
    t = await ClientHarness.start({ settings: { loginFailuresPerAccount: 3 } });
  });

  after(async function () {
    await t?.close();
  });

  afterEach(function () {
    t.closeSockets();
  });

  it('accepts an account\'s email and password on every client namespace', async function () {
    const user = await t.createUser();
    for (const context of Object.keys(CLIENT_NAMESPACES) as Array<keyof typeof CLIENT_NAMESPACES>) {
      const socket = await t.connect(context, t.auth(user));
      expect(socket.connected, context).to.equal(true);
    }
    await t.assertNoSecretsLeaked();
  });

  it('accepts a token from POST /api/v1/tokens', async function () {
    const user = await t.createUser();
    const made = await user.api.post('/tokens', { name: 'dashboard' });
    expect(made.status).to.equal(201);
    t.secret(made.body.token, made);
    const socket = await t.connect('workflows', { token: made.body.token });
    const ack = await t.request(socket, 'sv.workflow.refresh.all', { requestId: 'r1' });
    expect(ack).to.deep.include({ err: null, requestId: 'r1', workflows: [], total: null });
    await t.assertNoSecretsLeaked();
  });

  it('refuses a socket without credentials, saying how to log in', async function () {
    const refused = await t.refused('workflows', null);
    expect(refused.data).to.deep.equal({ code: 'auth-required' });
    expect(refused.message).to.match(/\{email, password\} or \{token\}/);
    expect((await t.refused('workflows', { email: 'a@b.c' })).data?.code).to.equal('auth-required');
    expect((await t.refused('workflows', { email: 'a@b.c', password: 'x', token: 'y' })).data?.code).to.equal('auth-required');
    expect((await t.refused('workflows', { token: 42 })).data?.code).to.equal('auth-required');
  });

  it('refuses a wrong password or an unknown email alike, without repeating what was sent', async function () {
    const user = await t.createUser();
    const wrong = await t.refused('workflows', { email: user.email, password: 'not-the-password-1' });
    const unknown = await t.refused('workflows', { email: `${t.unique('nobody')}@example.com`, password: 'not-the-password-1' });
    expect(wrong).to.deep.equal(unknown);
    expect(wrong.data).to.deep.equal({ code: 'bad-credentials' });
    expect(wrong.message).to.equal('invalid credentials');
    expect(t.supervisorLogs()).not.to.include('not-the-password-1');
  });

  it('refuses a removed account with the right password (account-removed)', async function () {
    const user = await t.createUser();
    expect((await t.admin.api.del(`/accounts/${user.id}`)).status).to.equal(204);
    const refused = await t.refused('accounts', t.auth(user));
    expect(refused.data).to.deep.equal({ code: 'account-removed' });
    expect(refused.message).to.equal('the account was removed');
  });

  it('refuses unknown, revoked and expired tokens (invalid-token)', async function () {
    const user = await t.createUser();
    const unknown = await t.refused('runs', { token: 'x'.repeat(43) });
    expect(unknown.data).to.deep.equal({ code: 'invalid-token' });
    expect(unknown.message).to.match(/unknown, expired or revoked/);

    const made = await user.api.post('/tokens', {});
    t.secret(made.body.token, made);
    expect((await user.api.del(`/tokens/${made.body._id}`)).status).to.equal(204);
    expect((await t.refused('runs', { token: made.body.token })).data?.code).to.equal('invalid-token');

    const { hashSecret, generateSecret } = await import('../../../shared/security/secrets.js');
    const expired = generateSecret();
    t.secret(expired);
    await t.store.tokens.create({ accountId: user.id, name: 'old', tokenHash: hashSecret(expired), expires: new Date(Date.now() - 1000).toISOString() });
    expect((await t.refused('runs', { token: expired })).data?.code).to.equal('invalid-token');
    await t.assertNoSecretsLeaked();
  });

  it('throttles failed logins like REST (per email), even with the right password afterwards', async function () {
    const user = await t.createUser();
    for (let i = 0; i < 3; i += 1) {
      expect((await t.refused('payments', { email: user.email, password: `wrong-password-${i}` })).data?.code).to.equal('bad-credentials');
    }
    const throttled = await t.refused('payments', t.auth(user));
    expect(throttled.data?.code).to.equal('throttled');
    expect(throttled.data?.retryAfterSeconds).to.be.a('number').and.to.be.greaterThan(0);
    expect(throttled.message).to.match(/too many failed logins; retry in \d+ s/);
  });

  it('refuses the main namespace, naming the client namespaces', async function () {
    const { io } = await import('socket.io-client');
    const socket = io(t.url, { ca: t.rest.ca, transports: ['websocket'], reconnection: false, forceNew: true, auth: t.auth(t.admin) });
    const error = await new Promise<Error & { data?: unknown }>((resolve) => socket.once('connect_error', resolve));
    socket.close();
    expect(error.message).to.include('/workflows');
    expect(error.data).to.deep.equal({ code: 'unknown-namespace' });
  });

  it('runs nothing for a socket that is not authenticated, whatever it sends', async function () {
    const user = await t.createUser();
    const sneaky = t.unique('sneaky');
    const event = `["sv.workflow.add",{"workflow":{"name":"${sneaky}"}}]`;

    // Requests sent while the handshake (a wrong password, checked asynchronously) is pending: socket.io
    // drops the connection, and no handler runs.
    const pending = await rawConnection(t);
    pending.write(`0/workflows,${JSON.stringify({ email: user.email, password: 'a-wrong-password-9' })}`);
    pending.write(`2/workflows,${event}`);
    pending.write(`2/workflows,7${event}`);
    await pending.closed;
    expect(pending.frames.filter((frame) => /^[23]/.test(frame))).to.deep.equal([]);

    // Requests sent after a refusal: the same.
    const refused = await rawConnection(t);
    refused.write('0/workflows,');
    await waitFor(() => refused.frames.some((frame) => frame.startsWith('4/workflows,')), { what: 'the refusal' });
    refused.write(`2/workflows,8${event}`);
    await refused.closed;
    expect(refused.frames.filter((frame) => /^[23]/.test(frame))).to.deep.equal([]);

    expect((await t.store.workflows.list({ all: true }, { filter: { name: sneaky } })).items).to.have.length(0);
  });
});

/** A bare engine.io connection to the supervisor, to send socket.io packets a client library would not. */
async function rawConnection(t: ClientHarness): Promise<{ frames: string[]; write(packet: string): void; closed: Promise<void> }> {
  const manager = new Manager(t.url, { ca: t.rest.ca, transports: ['websocket'], reconnection: false, autoConnect: false, forceNew: true });
  await new Promise<void>((resolve, reject) => manager.open((error) => (error ? reject(error) : resolve())));
  const frames: string[] = [];
  manager.engine.on('message', (data) => frames.push(String(data)));
  const closed = new Promise<void>((resolve) => manager.engine.once('close', () => resolve()));
  // socket.io packets: 0 connect, 2 event, 3 acknowledgement, 4 connect error; `/nsp,` then the data.
  return { frames, write: (packet) => manager.engine.write(packet), closed };
}

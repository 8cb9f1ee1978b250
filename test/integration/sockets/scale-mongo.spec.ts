/**
 * Two supervisors on one MongoDB store, linked by `@socket.io/mongo-adapter`, when
 * `WORKTY_TEST_MONGODB_URL` names a replica set: a change made through one reaches a client of the
 * other at once (the feed is polled once a minute here: only the adapter's relay is that fast), and
 * each client gets it once. No MongoDB server exists on the development machines: there the suite
 * reports itself skipped.
 */
import { expect } from 'chai';
import { io, type Socket } from 'socket.io-client';
import { DICTIONARIES, DICTIONARY_NAMES } from '../../../shared/domain/dictionaries.js';
import { PasswordHasher } from '../../../shared/security/passwords.js';
import { ensureSelfSignedTls, loadTls } from '../../../shared/security/tls.js';
import { createSupervisor, type Supervisor } from '../../../supervisor/app.js';
import { createClientAdapter, type ClientAdapter } from '../../../supervisor/clients/index.js';
import { TEST_SETTINGS } from '../../lib/engine-harness.js';
import { silentLogger } from '../../lib/logger.js';
import { collect, expectAckOk, next } from '../../lib/socket-assert.js';
import { makeTempDir } from '../../lib/tmp.js';
import { mongoStoreFactory, type MongoStoreUnderTest } from '../store/mongo-factory.js';

const baseUrl = process.env.WORKTY_TEST_MONGODB_URL;

if (baseUrl === undefined || baseUrl === '') {
  describe('client sockets: several supervisors on MongoDB (skipped: WORKTY_TEST_MONGODB_URL is not set)', () => {
    it('links two supervisors through the MongoDB adapter: a change through one reaches the other\'s clients at once, once');
  });
} else {
  describe('client sockets: several supervisors on MongoDB', function () {
    this.timeout(60_000);
    const dir = makeTempDir('sockets-mongo');
    const hasher = new PasswordHasher({ cost: 4 });
    const logger = silentLogger();
    let db: MongoStoreUnderTest;
    const supervisors: Supervisor[] = [];
    const adapters: ClientAdapter[] = [];
    const sockets: Socket[] = [];

    before(async function () {
      db = await mongoStoreFactory(baseUrl).create();
      for (const name of DICTIONARY_NAMES) await db.store.dictionaries.ensure(name, DICTIONARIES[name]);
      await ensureSelfSignedTls({ dataDir: dir.path });
    });

    after(async function () {
      for (const socket of sockets) socket.close();
      for (const supervisor of supervisors) await supervisor.close();
      for (const adapter of adapters) await adapter.close();
      await db?.destroy();
      dir.remove();
    });

    it('links two supervisors through the MongoDB adapter: a change through one reaches the other\'s clients at once, once', async function () {
      const tls = loadTls({ dataDir: dir.path });
      const auth = { email: 'mongo-alice@example.com', password: 'a mongo password 0123' };
      await db.store.accounts.create({ name: 'Alice', email: auth.email, passwordHash: await hasher.hash(auth.password), aclRoleNames: ['regular'] });
      const urls: string[] = [];
      for (const store of [db.store, await db.openAnother()]) {
        const adapter = await createClientAdapter({ mongodbUrl: db.url, logger });
        expect(adapter.kind).to.equal('mongodb');
        adapters.push(adapter);
        const supervisor = createSupervisor({ config: { ...TEST_SETTINGS, changeFeedPollMs: 60_000 }, store, tls, logger, adapter, hasher });
        supervisors.push(supervisor);
        urls.push(`https://127.0.0.1:${(await supervisor.listen()).port}`);
      }
      const clients = await Promise.all(urls.map((url) => new Promise<Socket>((resolve, reject) => {
        const socket = io(`${url}/workflows`, { auth, ca: tls.cert, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(socket);
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', reject);
      })));
      const heard = clients.map((c) => collect(c, 'sv.workflow.changed'));
      const made: string[] = [];
      for (const [index, client] of [...clients, clients[0]!].entries()) {
        const name = `via-${index}-${Date.now()}`;
        made.push(name);
        const everywhere = clients.map((c) => next(c, 'sv.workflow.changed', (p: any) => p.workflow?.name === name, 10_000));
        expectAckOk(await client.timeout(10_000).emitWithAck('sv.workflow.add', { workflow: { name } }));
        await Promise.all(everywhere);
      }
      for (const list of heard) expect(list.map((p: any) => p.workflow.name)).to.deep.equal(made);
    });
  });
}

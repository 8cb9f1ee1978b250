/**
 * 200 concurrent authenticated clients, several accounts (and admins): each receives every change of
 * its own account — admins every change — and none of another's. Deterministic: the expected
 * deliveries are counted and awaited, then one final marker per account proves nothing more is on
 * its way, and the totals must be exact.
 */
import { expect } from 'chai';
import type { TestUser } from '../../lib/restapi.js';
import { ClientHarness, type ClientSocket } from '../../lib/client-harness.js';
import { waitFor } from '../../lib/wait.js';

const REGULAR_ACCOUNTS = 4;
const CLIENTS_PER_REGULAR = 45;
const ADMIN_CLIENTS = 20;
const CHANGES_PER_ACCOUNT = 5;

interface Client {
  owner: TestUser;
  admin: boolean;
  socket: ClientSocket<'workflows'>;
  received: Array<{ op: string; workflow: { accountId: string; name: string } }>;
}

describe('client sockets: 200 concurrent clients', function () {
  this.timeout(120_000);
  let t: ClientHarness;

  before(async function () {
    t = await ClientHarness.start();
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  it('each client receives every change of its account (admins: all) exactly once, and nothing else', async function () {
    const accounts: TestUser[] = [];
    for (let i = 0; i < REGULAR_ACCOUNTS; i += 1) accounts.push(await t.createUser());
    const plan: Array<{ owner: TestUser; admin: boolean }> = [
      ...accounts.flatMap((owner) => Array.from({ length: CLIENTS_PER_REGULAR }, () => ({ owner, admin: false }))),
      ...Array.from({ length: ADMIN_CLIENTS }, () => ({ owner: t.admin, admin: true })),
    ];
    expect(plan).to.have.length(200);

    // Connect in waves (TLS handshakes are the cost), all at once within a wave.
    const clients: Client[] = [];
    for (let i = 0; i < plan.length; i += 50) {
      const wave = await Promise.all(plan.slice(i, i + 50).map(async ({ owner, admin }) => {
        const socket = await t.connect('workflows', t.auth(owner));
        const client: Client = { owner, admin, socket, received: [] };
        socket.on('sv.workflow.changed', (payload: any) => client.received.push(payload));
        return client;
      }));
      clients.push(...wave);
    }
    expect(t.supervisor.api.sessions.size).to.equal(200);

    // Every account changes things at once, over REST and over its sockets.
    await Promise.all(accounts.map(async (owner, index) => {
      const socket = clients.find((c) => c.owner === owner)!.socket;
      for (let n = 0; n < CHANGES_PER_ACCOUNT; n += 1) {
        const name = `load-${index}-${n}`;
        if (n % 2 === 0) await owner.api.post('/workflows', { name });
        else await t.request(socket, 'sv.workflow.add', { workflow: { name } });
      }
    }));
    const expected = (client: Client): number => (client.admin ? REGULAR_ACCOUNTS * CHANGES_PER_ACCOUNT : CHANGES_PER_ACCOUNT);
    await waitFor(() => clients.every((c) => c.received.length >= expected(c)), {
      timeoutMs: 60_000, what: () => `deliveries (${clients.filter((c) => c.received.length < expected(c)).length} clients short)`,
    });

    // Final markers: one more change per account (and one of the admin's own, for the admin clients).
    for (const owner of [...accounts, t.admin]) await owner.api.post('/workflows', { name: `marker-${owner.id}` });
    const isMarker = (payload: Client['received'][number], owner: TestUser) => payload.workflow.name === `marker-${owner.id}`;
    await waitFor(() => clients.every((c) => c.received.some((p) => isMarker(p, c.owner))), { timeoutMs: 60_000, what: 'the markers' });
    await t.supervisor.api.idle();

    for (const client of clients) {
      const mine = client.received.filter((p) => p.workflow.name.startsWith('load-'));
      if (client.admin) {
        expect(mine).to.have.length(REGULAR_ACCOUNTS * CHANGES_PER_ACCOUNT);
        expect(new Set(mine.map((p) => p.workflow.name)).size).to.equal(REGULAR_ACCOUNTS * CHANGES_PER_ACCOUNT);
        expect(client.received.filter((p) => p.workflow.name.startsWith('marker-'))).to.have.length(REGULAR_ACCOUNTS + 1);
      } else {
        expect(client.received.every((p) => p.workflow.accountId === client.owner.id)).to.equal(true);
        expect(mine).to.have.length(CHANGES_PER_ACCOUNT);
        expect(new Set(mine.map((p) => p.workflow.name)).size).to.equal(CHANGES_PER_ACCOUNT);
        expect(client.received).to.have.length(CHANGES_PER_ACCOUNT + 1);
      }
      // Each account's changes arrive in the order they were made.
      const own = (owner: string) => client.received.filter((p) => p.workflow.accountId === owner && p.workflow.name.startsWith('load-')).map((p) => p.workflow.name);
      for (const owner of client.admin ? accounts : [client.owner]) {
        const names = own(owner.id);
        expect(names).to.deep.equal([...names].sort());
      }
    }
    t.closeSockets();
  });
});

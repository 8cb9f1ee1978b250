/**
 * What a dashboard needs beyond the 2016 events: socket tokens made and revoked over a socket
 * (`sv.account.add.token`, `.refresh.all.tokens`, `.del.token`), a device credential rotated
 * (`sv.device.rotate.credential`, the secret answered once) and the dictionaries
 * (`sv.workty.refresh.dictionary`) — each with the same rules as its REST route.
 */
import { expect } from 'chai';
import { DICTIONARIES } from '../../../shared/domain/dictionaries.js';
import { secretMatches } from '../../../shared/security/secrets.js';
import { ClientHarness } from '../../lib/client-harness.js';
import type { TestUser } from '../../lib/restapi.js';
import { SimulatedWorker } from '../../lib/simulated-worker.js';
import { expectAckError, expectAckOk, next } from '../../lib/socket-assert.js';

describe('client sockets: tokens, device credentials, dictionaries', function () {
  let t: ClientHarness;
  let alice: TestUser;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser();
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  afterEach(function () {
    t.closeSockets();
  });

  describe('tokens (/accounts)', function () {
    it('sv.account.add.token answers a token once; it opens sessions; lists never carry it; del revokes it and ends its sessions', async function () {
      const accounts = await t.connect('accounts', t.auth(alice));
      const made = await t.request(accounts, 'sv.account.add.token', { token: { name: 'dashboard', ttl: 600 }, requestId: 'tok' });
      expectAckOk(made);
      t.secret(made.token.token, 'ack');
      expect(made.requestId).to.equal('tok');
      expect(made.token).to.include({ accountId: alice.id, name: 'dashboard', revoked: false });
      const lifetime = Date.parse(made.token.expires) - Date.now();
      expect(lifetime).to.be.within(590_000, 600_000);

      const withToken = await t.connect('workflows', { token: made.token.token });
      expectAckOk(await t.request(withToken, 'sv.workflow.refresh.all', {}));

      const listed = await t.request(accounts, 'sv.account.refresh.all.tokens', { count: true });
      expectAckOk(listed);
      const mine = listed.tokens.find((token: { _id: string }) => token._id === made.token._id);
      const { token: _shownOnce, ...withoutSecret } = made.token;
      expect(mine).to.deep.equal(withoutSecret);
      expect(listed.tokens.every((token: { accountId: string }) => token.accountId === alice.id)).to.equal(true);
      expect(listed.total).to.equal(listed.tokens.length);

      const ended = next<{ code: string }>(withToken, 'sv.session.ended');
      const revoked = await t.request(accounts, 'sv.account.del.token', { token: { id: made.token._id } });
      expect(revoked).to.deep.equal({ err: null, requestId: null, token: { _id: made.token._id, deleted: true } });
      expect((await ended).code).to.equal('token-revoked');
      expect((await t.refused('workflows', { token: made.token.token })).data?.code).to.equal('invalid-token');
    });

    it('defaults to the configured lifetime and refuses a longer one, unknown fields and another account\'s token, changing nothing', async function () {
      const accounts = await t.connect('accounts', t.auth(alice));
      const made = await t.request(accounts, 'sv.account.add.token', { token: {} });
      expectAckOk(made);
      t.secret(made.token.token, 'ack');
      expect(Date.parse(made.token.expires) - Date.now()).to.be.within(3_590_000, 3_600_000);
      expectAckError(await t.request(accounts, 'sv.account.add.token', { token: { ttl: 7200 } }), 409, 1);
      expectAckError(await t.request(accounts, 'sv.account.add.token', { token: { name: 'x', accountId: t.admin.id } }), 400, 1);
      expectAckError(await t.request(accounts, 'sv.account.add.token', {}), 400, 1);

      const bob = await t.createUser();
      const bobs = await t.connect('accounts', t.auth(bob));
      expectAckError(await t.request(bobs, 'sv.account.del.token', { token: { id: made.token._id } }), 404, 2);
      const stillWorks = await t.connect('payments', { token: made.token.token });
      expectAckOk(await t.request(stillWorks, 'sv.payment.refresh.all', {}));
      const bobsList = await t.request(bobs, 'sv.account.refresh.all.tokens', {});
      expect(bobsList.tokens).to.deep.equal([]);

      // Admins see and revoke everyone's.
      const admin = await t.connect('accounts', t.auth(t.admin));
      const all = await t.request(admin, 'sv.account.refresh.all.tokens', { accountId: alice.id });
      expect(all.tokens.map((token: { _id: string }) => token._id)).to.include(made.token._id);
      expectAckOk(await t.request(admin, 'sv.account.del.token', { token: { _id: made.token._id } }));
      expect((await t.refused('payments', { token: made.token.token })).data?.code).to.equal('invalid-token');
    });
  });

  describe('device credentials (/devices)', function () {
    it('sv.device.rotate.credential answers a new secret once: the connected board is cut off, the old secret refused, the new one accepted', async function () {
      const admin = await t.connect('devices', t.auth(t.admin));
      const added = await t.request(admin, 'sv.device.add', { device: { name: t.unique('board') } });
      expectAckOk(added);
      const { secret: first, ...device } = added.device;
      t.secret(first, 'ack');
      const board = (secret: string): SimulatedWorker => new SimulatedWorker({ url: t.url, ca: t.rest.ca, deviceId: device._id, secret });
      const boards: SimulatedWorker[] = [];
      try {
        const online = board(first);
        boards.push(online);
        await online.connect();
        const cut = new Promise<string>((resolve) => online.once('disconnected', resolve));

        const rotated = await t.request(admin, 'sv.device.rotate.credential', { device: { id: device._id }, requestId: 7 });
        expectAckOk(rotated);
        expect(rotated.requestId).to.equal(7);
        const { secret: second, ...after } = rotated.device;
        t.secret(second, 'ack');
        expect(second).to.be.a('string').and.not.equal(first);
        expect(Date.parse(after.credentialIssued)).to.be.greaterThan(Date.parse(device.credentialIssued) - 1);
        const stored = await t.store.devices.getCredentials(device._id);
        expect(secretMatches(second, stored!.secretHash)).to.equal(true);
        expect(secretMatches(first, stored!.secretHash)).to.equal(false);

        expect(await cut).to.equal('io server disconnect');
        const stale = board(first);
        boards.push(stale);
        expect((await stale.refusal()).message).to.match(/credential|secret|invalid/i);
        const fresh = board(second);
        boards.push(fresh);
        await fresh.connect();

        const read = await t.request(admin, 'sv.device.refresh', { device: { id: device._id } });
        expect(read.device).not.to.have.property('secret');
      } finally {
        for (const b of boards) b.close();
      }
    });

    it('refuses a regular user (403, code 13) and an unknown device (404), changing nothing', async function () {
      const admin = await t.connect('devices', t.auth(t.admin));
      const added = await t.request(admin, 'sv.device.add', { device: { name: t.unique('board') } });
      t.secret(added.device.secret, 'ack');
      const before = await t.store.devices.getCredentials(added.device._id);
      const regular = await t.connect('devices', t.auth(alice));
      expectAckError(await t.request(regular, 'sv.device.rotate.credential', { device: { id: added.device._id } }), 403, 13);
      expectAckError(await t.request(admin, 'sv.device.rotate.credential', { device: { id: 'f'.repeat(24) } }), 404, 2);
      expectAckError(await t.request(admin, 'sv.device.rotate.credential', { device: { id: 'nope' } }), 400, 1);
      expectAckError(await t.request(admin, 'sv.device.rotate.credential', { device: { id: added.device._id, secret: 'mine' } }), 400, 1);
      expect((await t.store.devices.getCredentials(added.device._id))?.secretHash).to.equal(before?.secretHash);
    });
  });

  describe('dictionaries (/workties)', function () {
    it('sv.workty.refresh.dictionary answers a dictionary\'s entries to any account; names are case-insensitive', async function () {
      const socket = await t.connect('workties', t.auth(alice));
      const languages = await t.request(socket, 'sv.workty.refresh.dictionary', { dictionary: { name: 'languageTypes' }, requestId: 'd' });
      expect(languages).to.deep.equal({ err: null, requestId: 'd', entries: DICTIONARIES.languageTypes });
      const states = await t.request(socket, 'sv.workty.refresh.dictionary', { dictionary: { name: 'INSTANCESTATES' } });
      expect(states.entries.map((e: { name: string }) => e.name)).to.include('completed');
    });

    it('answers 404 for an unknown dictionary and 400 for a malformed request', async function () {
      const socket = await t.connect('workties', t.auth(alice));
      expectAckError(await t.request(socket, 'sv.workty.refresh.dictionary', { dictionary: { name: 'colours' } }), 404, 2);
      expectAckError(await t.request(socket, 'sv.workty.refresh.dictionary', { dictionary: {} }), 400, 1);
      expectAckError(await t.request(socket, 'sv.workty.refresh.dictionary', { dictionary: { name: 'roles', extra: 1 } }), 400, 1);
      expectAckError(await t.request(socket, 'sv.workty.refresh.dictionary', {}), 400, 1);
    });
  });
});

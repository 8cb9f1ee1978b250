/** Devices (admins, secrets shown once), socket tokens (expiring, revocable, own) and dictionaries. */
import { expect } from 'chai';
import { DICTIONARIES, DICTIONARY_NAMES, dictionaryEntryId } from '../../../shared/domain/dictionaries.js';
import { hashSecret } from '../../../shared/security/secrets.js';
import { expectError, expectStatus } from '../../lib/api-assert.js';
import { startTestRestApi, uniqueName } from '../../lib/restapi.js';
import type { TestRestApi, TestUser } from '../../lib/restapi.js';

describe('REST devices, tokens and dictionaries', () => {
  let t: TestRestApi;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    t = await startTestRestApi({ env: { WORKTY_TOKEN_TTL: '2h' } });
    alice = await t.createUser();
    bob = await t.createUser();
  });

  after(async () => {
    await t.assertNoSecretsLeaked();
    await t.close();
  });

  describe('devices', () => {
    it('registers a device and shows its secret once, stored only as a hash', async () => {
      const created = await t.admin.api.post('/devices', { name: uniqueName('pi'), labels: ['kitchen'] });
      expectStatus(created, 201);
      const { secret, ...device } = created.body;
      t.secret(secret, created);
      expect(secret).to.be.a('string').with.length.greaterThan(30);
      expect(created.headers['cache-control']).to.equal('no-store');
      expect(device).to.include({ disabled: false, state: 'disconnected', stateId: dictionaryEntryId('deviceStates', 'disconnected') });
      expect(device.labels).to.deep.equal(['kitchen']);
      expect(created.headers.location).to.match(new RegExp(`/api/v1/devices/${device._id}$`));
      expect((await t.store.devices.getCredentials(device._id))!.secretHash).to.equal(hashSecret(secret));
      t.secret(hashSecret(secret));
      const read = await t.admin.api.get(`/devices/${device._id}?embed=state`);
      expect(read.body).not.to.have.property('secret');
      expect(read.body.stateId.name).to.equal('disconnected');
      const listed = await t.admin.api.get(`/devices?name=${device.name}`);
      expect(listed.body).to.have.length(1);
      expect(listed.body[0]).not.to.have.property('secret');
      expect((await t.admin.api.get(`/devices?stateId=${dictionaryEntryId('deviceStates', 'disconnected')}&name=${device.name}`)).body).to.have.length(1);
    });

    it('rotates the credential: a new secret shown once, the old one no longer matches', async () => {
      const created = await t.admin.api.post('/devices', { name: uniqueName('pi') });
      t.secret(created.body.secret, created);
      const rotated = await t.admin.api.post(`/devices/${created.body._id}/credentials`);
      expectStatus(rotated, 200);
      t.secret(rotated.body.secret, rotated);
      expect(rotated.body.secret).not.to.equal(created.body.secret);
      expect(rotated.headers['cache-control']).to.equal('no-store');
      const stored = (await t.store.devices.getCredentials(created.body._id))!.secretHash;
      expect(stored).to.equal(hashSecret(rotated.body.secret));
      expect(stored).not.to.equal(hashSecret(created.body.secret));
      expectError(await t.admin.api.post(`/devices/${'0'.repeat(24)}/credentials`), 404, 2);
    });

    it('updates and deletes devices; validates labels (409) and empty updates (400)', async () => {
      const created = await t.admin.api.post('/devices', { name: uniqueName('pi') });
      t.secret(created.body.secret, created);
      const path = `/devices/${created.body._id}`;
      const updated = await t.admin.api.put(path, { disabled: true, labels: ['garage', 'pi4'], desc: 'in the garage' });
      expectStatus(updated, 200);
      expect(updated.body).to.include({ disabled: true, desc: 'in the garage' });
      expectError(await t.admin.api.put(path, { labels: ['no spaces allowed'] }), 409, 1);
      expectError(await t.admin.api.put(path, {}), 400, 1);
      expectStatus(await t.admin.api.del(path), 204);
      expectError(await t.admin.api.get(path), 404, 2);
      expect(await t.store.devices.getCredentials(created.body._id)).to.equal(null);
    });

    it('is for admins only: 403 code 13 for a regular user on every route', async () => {
      const created = await t.admin.api.post('/devices', { name: uniqueName('pi') });
      t.secret(created.body.secret, created);
      const path = `/devices/${created.body._id}`;
      expectError(await alice.api.get('/devices'), 403, 13);
      expectError(await alice.api.post('/devices', { name: 'mine' }), 403, 13);
      expectError(await alice.api.get(path), 403, 13);
      expectError(await alice.api.put(path, { disabled: true }), 403, 13);
      expectError(await alice.api.del(path), 403, 13);
      expectError(await alice.api.post(`${path}/credentials`), 403, 13);
      expect((await t.store.devices.get(created.body._id))!.disabled).to.equal(false);
    });
  });

  describe('tokens', () => {
    it('makes a token for the caller, shown once, expiring after the default TTL', async () => {
      const before = Date.now();
      const created = await alice.api.post('/tokens', { name: 'dashboard' });
      expectStatus(created, 201);
      t.secret(created.body.token, created);
      t.secret(hashSecret(created.body.token));
      expect(created.headers['cache-control']).to.equal('no-store');
      expect(created.headers.location).to.match(new RegExp(`/api/v1/tokens/${created.body._id}$`));
      expect(created.body).to.include({ accountId: alice.id, name: 'dashboard', revoked: false });
      const expires = Date.parse(created.body.expires);
      expect(expires - before).to.be.within(2 * 3600_000 - 5000, 2 * 3600_000 + 5000);
      const valid = await t.store.tokens.findValid(hashSecret(created.body.token));
      expect(valid!.token.accountId).to.equal(alice.id);
      const listed = await alice.api.get('/tokens');
      expect(listed.body.map((k: { _id: string }) => k._id)).to.include(created.body._id);
      expect(listed.body[0]).not.to.have.property('token');
      expect((await alice.api.get(`/tokens/${created.body._id}`)).body).not.to.have.property('token');
    });

    it('takes a shorter ttl, refuses a longer one or a tiny one (409)', async () => {
      const short = await alice.api.post('/tokens', { ttl: 600 });
      t.secret(short.body.token, short);
      expect(Date.parse(short.body.expires) - Date.now()).to.be.within(590_000, 601_000);
      expectError(await alice.api.post('/tokens', { ttl: 3 * 3600 }), 409, 1);
      expectError(await alice.api.post('/tokens', { ttl: 5 }), 409, 1);
    });

    it('is revoked by its owner or an admin, never by another user', async () => {
      const first = await alice.api.post('/tokens', {});
      const second = await alice.api.post('/tokens', {});
      t.secret(first.body.token, first);
      t.secret(second.body.token, second);
      expectError(await bob.api.get(`/tokens/${first.body._id}`), 404, 2);
      expectError(await bob.api.del(`/tokens/${first.body._id}`), 404, 2);
      expect(await t.store.tokens.findValid(hashSecret(first.body.token))).not.to.equal(null);
      expect((await bob.api.get('/tokens')).body.map((k: { _id: string }) => k._id)).not.to.include(first.body._id);
      expectStatus(await alice.api.del(`/tokens/${first.body._id}`), 204);
      expect(await t.store.tokens.findValid(hashSecret(first.body.token))).to.equal(null);
      expect((await alice.api.get(`/tokens/${first.body._id}`)).body.revoked).to.equal(true);
      expectStatus(await t.admin.api.del(`/tokens/${second.body._id}`), 204);
      expect(await t.store.tokens.findValid(hashSecret(second.body.token))).to.equal(null);
    });
  });

  describe('dictionaries', () => {
    it('lists the dictionaries and serves each one to any user', async () => {
      expect((await alice.api.get('/dictionaries')).body).to.deep.equal([...DICTIONARY_NAMES]);
      for (const name of DICTIONARY_NAMES) {
        const response = await alice.api.get(`/dictionaries/${name}`);
        expectStatus(response, 200);
        expect(response.body.map((e: { _id: string }) => e._id)).to.have.members(DICTIONARIES[name].map((e) => e._id));
      }
      expect((await alice.api.get('/dictionaries/INSTANCESTATES')).body.map((e: { name: string }) => e.name)).to.include('running');
      expectError(await alice.api.get('/dictionaries/colours'), 404, 2);
      expectError(await t.client.get('/dictionaries/instanceStates'), 401, 1);
    });
  });
});

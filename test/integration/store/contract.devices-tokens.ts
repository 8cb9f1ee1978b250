import { expect } from 'chai';
import { DICTIONARIES } from '../../../shared/domain/dictionaries.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import { isId } from '../../../shared/domain/ids.js';
import type { DeviceFacts } from '../../../shared/domain/model.js';
import { ruleMessage } from '../../../shared/domain/rules.js';
import type { StoreFactory } from './contract.js';
import { ALL, MISSING_ID, SECRET_MARK, assertNoSecrets, present, rejects, tenant, useStore } from './harness.js';

const FACTS: DeviceFacts = {
  arch: 'arm64', cpus: 4, memoryBytes: 4_000_000_000, os: 'linux', osRelease: '6.6', hostname: 'pi', temperatureC: 48.5,
  runtimes: ['node', 'sh'], agentVersion: '0.1.0', protocolVersion: 1, slots: 2,
};

export function devicesTokensContract(factory: StoreFactory): void {
  describe('devices', function () {
    const t = useStore(factory);

    it('creates a disconnected, enabled device whose secret hash only getCredentials returns', async function () {
      const secretHash = `${SECRET_MARK}-device-1`;
      const device = await t.store.devices.create({ name: 'pi-1', labels: ['garden', 'pi4'], secretHash });
      expect(isId(device._id)).to.equal(true);
      expect(device).to.include({ name: 'pi-1', desc: '', disabled: false, state: 'disconnected', lastSeen: null, facts: null });
      expect(device.labels).to.deep.equal(['garden', 'pi4']);
      expect(device.credentialIssued).to.be.a('string');
      assertNoSecrets(device);
      assertNoSecrets(await t.store.devices.get(device._id));
      assertNoSecrets(await t.store.devices.list());
      const credentials = present(await t.store.devices.getCredentials(device._id));
      expect(credentials.secretHash).to.equal(secretHash);
      expect(credentials.device).to.deep.equal(device);
      expect(await t.store.devices.getCredentials(MISSING_ID)).to.equal(null);
      expect(await t.store.devices.get(device._id, ['name'])).to.deep.equal({ _id: device._id, name: 'pi-1' });
    });

    it('validates names and labels', async function () {
      const error = await rejects(t.store.devices.create({ name: '', labels: ['ok', '-bad', ''], secretHash: 'h' }), ValidationError);
      expect(error.errors).to.deep.include({ path: 'name', message: ruleMessage.required('name') });
      expect(error.errors.filter((e) => e.path.startsWith('labels'))).to.have.length(2);
      await rejects(t.store.devices.create({ name: 'x', labels: new Array(51).fill('a'), secretHash: 'h' }), ValidationError);
      expect((await t.store.devices.list({ count: true })).total).to.equal(0);
    });

    it('updates, rotates the credential and records presence', async function () {
      const device = await t.fx.device();
      const updated = await t.store.devices.update(device._id, { desc: 'shed', labels: ['shed'], disabled: true });
      expect(updated).to.include({ desc: 'shed', disabled: true });
      expect(updated.labels).to.deep.equal(['shed']);
      expect(await t.store.devices.update(device._id, {})).to.deep.equal(updated);
      await rejects(t.store.devices.update(device._id, { name: '' }), ValidationError);

      const rotated = await t.store.devices.rotateCredential(device._id, `${SECRET_MARK}-rotated`);
      assertNoSecrets(rotated);
      expect(rotated.credentialIssued >= device.credentialIssued).to.equal(true);
      expect(present(await t.store.devices.getCredentials(device._id)).secretHash).to.equal(`${SECRET_MARK}-rotated`);

      const online = await t.store.devices.recordPresence(device._id, 'waiting', FACTS);
      expect(online.state).to.equal('waiting');
      expect(online.facts).to.deep.equal(FACTS);
      expect(online.lastSeen).to.be.a('string');
      const busy = await t.store.devices.recordPresence(device._id, 'running');
      expect(busy.state).to.equal('running');
      expect(busy.facts, 'facts kept without a new hello').to.deep.equal(FACTS);
      await rejects(t.store.devices.recordPresence(device._id, 'sleeping' as never), ValidationError);
      for (const call of [
        t.store.devices.update(MISSING_ID, { name: 'x' }), t.store.devices.rotateCredential(MISSING_ID, 'h'),
        t.store.devices.recordPresence(MISSING_ID, 'waiting'), t.store.devices.delete(MISSING_ID),
      ]) await rejects(call, NotFoundError);
    });

    it('touches connected devices without a change event, and expires the presence of devices not seen since a time', async function () {
      const alive = await t.fx.device();
      const dead = await t.fx.device();
      const never = await t.fx.device();
      await t.store.devices.recordPresence(alive._id, 'running');
      const stale = await t.store.devices.recordPresence(dead._id, 'waiting');
      const cutoff = new Date(Date.parse(stale.lastSeen!) + 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const head = await t.store.changes.head();
      expect(await t.store.devices.touchPresence([alive._id, MISSING_ID])).to.equal(1);
      expect(await t.store.changes.read(head), 'a heartbeat is no change').to.deep.equal([]);
      const touched = present(await t.store.devices.get(alive._id));
      expect(Date.parse(touched.lastSeen!)).to.be.at.least(cutoff.getTime());
      expect(touched.state).to.equal('running');
      expect(await t.store.devices.expirePresence(cutoff)).to.deep.equal([dead._id]);
      expect(present(await t.store.devices.get(dead._id)).state).to.equal('disconnected');
      expect(present(await t.store.devices.get(never._id)).state, 'never online: untouched').to.equal('disconnected');
      expect(present(await t.store.devices.get(alive._id)).state).to.equal('running');
      const changes = await t.store.changes.read(head);
      expect(changes.map((c) => [c.entity, c.id, c.data['state']])).to.deep.equal([['device', dead._id, 'disconnected']]);
      expect(await t.store.devices.expirePresence(cutoff), 'once').to.deep.equal([]);
      expect(await t.store.devices.touchPresence([])).to.equal(0);
      await rejects(t.store.devices.touchPresence(['nope']), ValidationError);
    });

    it('deletes a device', async function () {
      const device = await t.fx.device();
      await t.store.devices.delete(device._id);
      expect(await t.store.devices.get(device._id)).to.equal(null);
      expect(await t.store.devices.getCredentials(device._id)).to.equal(null);
    });
  });

  describe('tokens', function () {
    const t = useStore(factory);
    const FUTURE = '2999-01-01T00:00:00.000Z';

    it('creates a token whose hash only findValid returns; finds it while valid', async function () {
      const ann = await t.fx.account();
      const tokenHash = `${SECRET_MARK}-token-1`;
      const token = await t.store.tokens.create({ accountId: ann._id, name: 'laptop', tokenHash, expires: FUTURE });
      expect(token).to.include({ accountId: ann._id, name: 'laptop', expires: FUTURE, revoked: false });
      assertNoSecrets(token);
      assertNoSecrets(await t.store.tokens.list(ALL));
      assertNoSecrets(await t.store.tokens.get(token._id, ALL));
      const found = present(await t.store.tokens.findValid(tokenHash));
      expect(found).to.deep.equal({ token, tokenHash });
      expect(await t.store.tokens.findValid(`${SECRET_MARK}-other`)).to.equal(null);
      expect(await t.store.tokens.findValid(tokenHash, new Date('3000-01-01T00:00:00.000Z')), 'expired by then').to.equal(null);
    });

    it('validates, and the owner must exist; a hash is unique', async function () {
      const ann = await t.fx.account();
      const error = await rejects(t.store.tokens.create({ accountId: ann._id, name: 'n'.repeat(101), tokenHash: '', expires: 'soon' }), ValidationError);
      expect(error.errors.map((e) => e.path).sort()).to.deep.equal(['expires', 'name', 'tokenHash']);
      await rejects(t.store.tokens.create({ accountId: MISSING_ID, tokenHash: 'SECRET-MARK-x', expires: FUTURE }), NotFoundError);
      await t.store.tokens.create({ accountId: ann._id, tokenHash: 'SECRET-MARK-same', expires: FUTURE });
      await rejects(t.store.tokens.create({ accountId: ann._id, tokenHash: 'SECRET-MARK-same', expires: FUTURE }), ConflictError);
    });

    it('revokes within the scope; a revoked token is not valid', async function () {
      const ann = await t.fx.account();
      const bob = await t.fx.account();
      const tokenHash = `${SECRET_MARK}-${t.fx.unique('t')}`;
      const token = await t.store.tokens.create({ accountId: ann._id, tokenHash, expires: FUTURE });
      expect(await t.store.tokens.get(token._id, tenant(bob))).to.equal(null);
      expect((await t.store.tokens.list(tenant(bob), { count: true })).total).to.equal(0);
      await rejects(t.store.tokens.revoke(token._id, tenant(bob)), NotFoundError);
      expect(await t.store.tokens.findValid(tokenHash)).to.not.equal(null);
      const revoked = await t.store.tokens.revoke(token._id, tenant(ann));
      expect(revoked).to.deep.equal({ ...token, revoked: true });
      expect(await t.store.tokens.revoke(token._id, ALL)).to.deep.equal(revoked);
      expect(await t.store.tokens.findValid(tokenHash)).to.equal(null);
      expect(await t.store.tokens.get(token._id, tenant(ann))).to.deep.equal(revoked);
      await rejects(t.store.tokens.revoke(MISSING_ID, ALL), NotFoundError);
    });

    it('purges tokens expired before a given time, and only those', async function () {
      const ann = await t.fx.account();
      const old = await t.store.tokens.create({ accountId: ann._id, tokenHash: 'SECRET-MARK-a', expires: '2020-01-01T00:00:00.000Z' });
      const later = await t.store.tokens.create({ accountId: ann._id, tokenHash: 'SECRET-MARK-b', expires: '2030-01-01T00:00:00.000Z' });
      expect(await t.store.tokens.findValid('SECRET-MARK-a', new Date('2019-12-31T00:00:00.000Z'))).to.not.equal(null);
      expect(await t.store.tokens.purgeExpired(new Date('2025-01-01T00:00:00.000Z'))).to.equal(1);
      expect(await t.store.tokens.get(old._id, ALL)).to.equal(null);
      expect(await t.store.tokens.get(later._id, ALL)).to.deep.equal(later);
      expect(await t.store.tokens.purgeExpired(new Date('2025-01-01T00:00:00.000Z'))).to.equal(0);
    });
  });

  describe('dictionaries and the store itself', function () {
    const t = useStore(factory);

    it('ensures entries once and lists them in order', async function () {
      const entries = DICTIONARIES.languageTypes;
      expect(await t.store.dictionaries.list('languageTypes')).to.deep.equal([]);
      expect(await t.store.dictionaries.ensure('languageTypes', entries)).to.equal(entries.length);
      expect(await t.store.dictionaries.ensure('languageTypes', entries)).to.equal(0);
      expect(await t.store.dictionaries.list('languageTypes')).to.deep.equal(entries);
      expect(await t.store.dictionaries.ensure('worktyCategories', DICTIONARIES.worktyCategories)).to.equal(DICTIONARIES.worktyCategories.length);
      expect(await t.store.dictionaries.list('worktyCategories')).to.deep.equal(DICTIONARIES.worktyCategories);
      await rejects(t.store.dictionaries.list('colours' as never), NotFoundError);
    });

    it('pings while open; close is idempotent and ping fails after it', async function () {
      expect(t.store.kind).to.be.oneOf(['sqlite', 'mongodb']);
      await t.store.ping();
      const other = await t.sut.openAnother();
      await other.ping();
      await other.close();
      await other.close();
      await rejects(other.ping(), Error);
      await t.store.ping();
    });
  });
}

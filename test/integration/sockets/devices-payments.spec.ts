/**
 * `/devices` (admins only; a device's secret is answered once) and `/payments` (buying templates:
 * price, discount, 402 on a short balance) — every request's success and errors.
 */
import { expect } from 'chai';
import { secretMatches } from '../../../shared/security/secrets.js';
import type { TestUser } from '../../lib/restapi.js';
import { makeTemplate } from '../../lib/rest-fixtures.js';
import { ClientHarness } from '../../lib/client-harness.js';
import { expectAckError, expectAckOk } from '../../lib/socket-assert.js';

describe('client sockets: /devices and /payments', function () {
  let t: ClientHarness;
  let alice: TestUser;

  before(async function () {
    t = await ClientHarness.start();
    alice = await t.createUser({ amount: 1000 });
  });

  after(async function () {
    await t?.assertNoSecretsLeaked();
    await t?.close();
  });

  describe('/devices', function () {
    it('sv.device.add answers the secret once (stored hashed); refresh, refresh.all, upd and del never carry it', async function () {
      const admin = await t.connect('devices', t.auth(t.admin));
      const name = t.unique('board');
      const added = await t.request(admin, 'sv.device.add', { device: { name, labels: ['arm64'] } });
      expectAckOk(added);
      const { secret, ...device } = added.device;
      t.secret(secret, 'ack');
      expect(secret).to.be.a('string').with.length.greaterThan(40);
      expect(device).to.include({ name, state: 'disconnected', disabled: false });
      const credentials = await t.store.devices.getCredentials(device._id);
      expect(secretMatches(secret, credentials!.secretHash)).to.equal(true);
      const read = await t.request(admin, 'sv.device.refresh', { device: { id: device._id }, embed: 'state' });
      expect(read.device).not.to.have.property('secret');
      expect(read.device.stateId).to.include({ name: 'disconnected' });
      const list = await t.request(admin, 'sv.device.refresh.all', { name });
      expect(list.devices).to.deep.equal([device]);
      const disabled = await t.request(admin, 'sv.device.upd', { device: { id: device._id, disabled: true } });
      expect(disabled.device).to.include({ disabled: true });
      expectAckError(await t.request(admin, 'sv.device.upd', { device: { id: device._id, labels: ['bad label!'] } }), 409, 1);
      expect((await t.request(admin, 'sv.device.del', { device: { id: device._id } })).device).to.deep.equal({ _id: device._id, deleted: true });
      expectAckError(await t.request(admin, 'sv.device.refresh', { device: { id: device._id } }), 404, 2);
    });

    it('refuses every device request of a regular user (403, code 13), changing nothing', async function () {
      const socket = await t.connect('devices', t.auth(alice));
      const { device } = { device: await t.store.devices.create({ name: t.unique('board'), secretHash: 'a'.repeat(64) }) };
      expectAckError(await t.request(socket, 'sv.device.refresh.all', {}), 403, 13);
      expectAckError(await t.request(socket, 'sv.device.refresh', { device: { id: device._id } }), 403, 13);
      expectAckError(await t.request(socket, 'sv.device.add', { device: { name: 'mine' } }), 403, 13);
      expectAckError(await t.request(socket, 'sv.device.upd', { device: { id: device._id, disabled: true } }), 403, 13);
      expectAckError(await t.request(socket, 'sv.device.del', { device: { id: device._id } }), 403, 13);
      expect((await t.store.devices.get(device._id))?.disabled).to.equal(false);
    });
  });

  describe('/payments', function () {
    it('sv.payment.add buys a template: installs a copy, charges price minus discount', async function () {
      const socket = await t.connect('payments', t.auth(alice));
      const template = await makeTemplate(t.rest, { price: 300, discountPercent: 50 });
      const ack = await t.request(socket, 'sv.payment.add', { payment: { worktyId: template._id, msg: 'for the garage' }, requestId: 'buy' });
      expectAckOk(ack);
      expect(ack.payment).to.include({ accountId: alice.id, templateId: template._id, amount: 150, msg: 'for the garage' });
      expect(ack.payment.worktyId).not.to.equal(template._id);
      expect((await t.account(alice.id))?.amount).to.equal(850);
      const read = await t.request(socket, 'sv.payment.refresh', { payment: { id: ack.payment._id } });
      expect(read.payment).to.deep.equal(ack.payment);
      const list = await t.request(socket, 'sv.payment.refresh.all', {});
      expect(list.payments.map((p: { _id: string }) => p._id)).to.include(ack.payment._id);
    });

    it('answers 402 when the balance is short and 404 for what is not a template, changing nothing', async function () {
      const poor = await t.createUser({ amount: 10 });
      const socket = await t.connect('payments', t.auth(poor));
      const template = await makeTemplate(t.rest, { price: 300 });
      expectAckError(await t.request(socket, 'sv.payment.add', { payment: { worktyId: template._id } }), 402, 15);
      expectAckError(await t.request(socket, 'sv.payment.add', { payment: { worktyId: '5f1d7f3b9c1e4a0012345678' } }), 404, 2);
      expectAckError(await t.request(socket, 'sv.payment.add', { payment: {} }), 409, 1);
      expect((await t.account(poor.id))?.amount).to.equal(10);
      expect((await t.store.payments.list({ accountId: poor.id })).items).to.have.length(0);
    });

    it('sv.payment.upd and sv.payment.del are for admins (403 for the buyer); another account\'s payment is not found', async function () {
      const buyer = await t.connect('payments', t.auth(alice));
      const admin = await t.connect('payments', t.auth(t.admin));
      const template = await makeTemplate(t.rest, { price: 0 });
      const { payment } = await t.request(buyer, 'sv.payment.add', { payment: { worktyId: template._id } });
      expectAckError(await t.request(buyer, 'sv.payment.upd', { payment: { id: payment._id, msg: 'mine' } }), 403, 13);
      expectAckError(await t.request(buyer, 'sv.payment.del', { payment: { id: payment._id } }), 403, 13);
      const other = await t.connect('payments', t.auth(await t.createUser()));
      expectAckError(await t.request(other, 'sv.payment.refresh', { payment: { id: payment._id } }), 404, 2);
      expect((await t.request(admin, 'sv.payment.upd', { payment: { id: payment._id, msg: 'corrected' } })).payment.msg).to.equal('corrected');
      expect((await t.request(admin, 'sv.payment.del', { payment: { id: payment._id } })).payment).to.deep.equal({ _id: payment._id, deleted: true });
    });
  });
});

/** No password hash, device secret hash or token hash in anything the port returns, but the credentials lookups. */
import { expect } from 'chai';
import type { StoreFactory } from './contract.js';
import { ALL, SECRET_MARK, assertNoSecrets, tenant, useStore } from './harness.js';

export function secretsContract(factory: StoreFactory): void {
  describe('secrets', function () {
    const t = useStore(factory);

    it('returns no secret from any document-returning operation', async function () {
      const ann = await t.fx.account({ amount: 100 });
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id);
      const device = await t.fx.device(['pi']);
      const token = await t.store.tokens.create({ accountId: ann._id, tokenHash: `${SECRET_MARK}-tok`, expires: '2999-01-01T00:00:00.000Z' });
      const returned: Array<[string, unknown]> = [
        ['accounts.get', await t.store.accounts.get(ann._id, ALL)],
        ['accounts.list', await t.store.accounts.list(ALL)],
        ['accounts.update', await t.store.accounts.update(ann._id, tenant(ann), { passwordHash: `${SECRET_MARK}-new`, name: 'n' })],
        ['payments.purchase', await t.store.payments.purchase(ann._id, template._id)],
        ['devices.get', await t.store.devices.get(device._id)],
        ['devices.list', await t.store.devices.list()],
        ['devices.update', await t.store.devices.update(device._id, { desc: 'd' })],
        ['devices.rotateCredential', await t.store.devices.rotateCredential(device._id, `${SECRET_MARK}-rotated`)],
        ['devices.recordPresence', await t.store.devices.recordPresence(device._id, 'waiting')],
        ['tokens.create', token],
        ['tokens.get', await t.store.tokens.get(token._id, ALL)],
        ['tokens.list', await t.store.tokens.list(ALL)],
        ['tokens.revoke', await t.store.tokens.revoke(token._id, ALL)],
        ['accounts.remove', await t.store.accounts.remove(ann._id, ALL)],
        ['changes.read', await t.store.changes.read(0)],
      ];
      for (const [what, value] of returned) assertNoSecrets(value, what);
      // The credentials lookups are the one place the hashes appear.
      expect(JSON.stringify(await t.store.accounts.getCredentials(ann._id))).to.include(`${SECRET_MARK}-new`);
      expect(JSON.stringify(await t.store.devices.getCredentials(device._id))).to.include(`${SECRET_MARK}-rotated`);
    });
  });
}

import { expect } from 'chai';
import { BadRequestError, ConflictError, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import { isId } from '../../../shared/domain/ids.js';
import { ruleMessage } from '../../../shared/domain/rules.js';
import type { StoreFactory } from './contract.js';
import { ALL, MISSING_ID, assertNoSecrets, at, present, rejects, tenant, useStore } from './harness.js';

export function accountsContract(factory: StoreFactory): void {
  describe('accounts', function () {
    const t = useStore(factory);

    it('creates an account with defaults, an ObjectId and ISO dates, and no secret in it', async function () {
      const hash = t.fx.passwordHash();
      const account = await t.store.accounts.create({ name: 'Ann', email: 'Ann.Smith@Example.com', passwordHash: hash, aclRoleNames: ['regular'] });
      expect(isId(account._id)).to.equal(true);
      expect(account).to.include({ name: 'Ann', email: 'Ann.Smith@Example.com', amount: 0, removed: false, removedDate: null });
      expect(account.aclRoleNames).to.deep.equal(['regular']);
      expect(new Date(account.created).toISOString()).to.equal(account.created);
      expect(account.updated).to.equal(account.created);
      assertNoSecrets(account);
      assertNoSecrets(await t.store.accounts.get(account._id, ALL));
      assertNoSecrets(await t.store.accounts.list(ALL));
    });

    it('refuses a duplicate email whatever its case, and changes nothing', async function () {
      await t.store.accounts.create({ name: 'Ann', email: 'ann@example.com', passwordHash: t.fx.passwordHash(), aclRoleNames: ['regular'] });
      await rejects(t.store.accounts.create({ name: 'Other', email: 'ANN@Example.COM', passwordHash: t.fx.passwordHash(), aclRoleNames: ['regular'] }), ConflictError);
      const page = await t.store.accounts.list(ALL, { count: true });
      expect(page.total).to.equal(1);
    });

    it('validates with mongoose-style messages, reporting every failed rule', async function () {
      const error = await rejects(t.store.accounts.create({
        name: '', email: 'not-an-email', passwordHash: t.fx.passwordHash(), aclRoleNames: ['root' as 'admin'], amount: -5,
      }), ValidationError);
      expect(error.status).to.equal(409);
      expect(error.message).to.equal('Validation Error');
      const byPath = new Map(error.errors.map((e) => [e.path, e.message]));
      expect(byPath.get('name')).to.equal(ruleMessage.required('name'));
      expect(byPath.get('email')).to.match(/`email`/);
      expect(byPath.get('amount')).to.match(/`amount`/);
      expect([...byPath.keys()].some((p) => p.startsWith('aclRoleNames'))).to.equal(true);
      const missing = await rejects(t.store.accounts.create({ aclRoleNames: ['regular'] } as never), ValidationError);
      expect(missing.errors).to.deep.include({ path: 'email', message: ruleMessage.required('email') });
      expect(missing.errors).to.deep.include({ path: 'name', message: ruleMessage.required('name') });
      const tooLong = await rejects(t.store.accounts.create({ name: 'x'.repeat(201), email: 'a@b', passwordHash: 'h', aclRoleNames: ['regular'] }), ValidationError);
      expect(tooLong.errors.map((e) => e.path)).to.deep.equal(['name']);
      expect((await t.store.accounts.list(ALL, { count: true })).total).to.equal(0);
    });

    it('reads within the scope: a tenant sees only itself, another account is missing', async function () {
      const ann = await t.fx.account();
      const bob = await t.fx.account();
      expect(await t.store.accounts.get(ann._id, tenant(ann))).to.deep.equal(ann);
      expect(await t.store.accounts.get(bob._id, tenant(ann))).to.equal(null);
      expect(await t.store.accounts.get(MISSING_ID, ALL)).to.equal(null);
      const own = await t.store.accounts.list(tenant(ann), { count: true });
      expect(own.items.map((a) => a._id)).to.deep.equal([ann._id]);
      expect(own.total).to.equal(1);
      expect((await t.store.accounts.list(ALL)).items.map((a) => a._id)).to.deep.equal([ann._id, bob._id]);
      await rejects(t.store.accounts.update(bob._id, tenant(ann), { name: 'x' }), NotFoundError);
      await rejects(t.store.accounts.remove(bob._id, tenant(ann)), NotFoundError);
      await rejects(t.store.accounts.purge(bob._id, tenant(ann)), NotFoundError);
      expect(present(await t.store.accounts.get(bob._id, ALL)).name).to.equal(bob.name);
    });

    it('projects single reads (`_id` always) and refuses unknown fields', async function () {
      const ann = await t.fx.account();
      expect(await t.store.accounts.get(ann._id, ALL, ['name'])).to.deep.equal({ _id: ann._id, name: ann.name });
      await rejects(t.store.accounts.get(ann._id, ALL, ['passwordHash']), BadRequestError);
    });

    it('updates fields, bumps `updated`, and an empty patch changes nothing', async function () {
      const ann = await t.fx.account();
      const updated = await t.store.accounts.update(ann._id, ALL, { name: 'Ann B', amount: 2500, aclRoleNames: ['admin', 'regular'] });
      expect(updated).to.include({ _id: ann._id, name: 'Ann B', amount: 2500, email: ann.email });
      expect(updated.aclRoleNames).to.deep.equal(['admin', 'regular']);
      expect(updated.updated >= ann.updated).to.equal(true);
      expect(await t.store.accounts.get(ann._id, ALL)).to.deep.equal(updated);
      const same = await t.store.accounts.update(ann._id, ALL, {});
      expect(same).to.deep.equal(updated);
      assertNoSecrets(same);
      await rejects(t.store.accounts.update(ann._id, ALL, { amount: 1.5 }), ValidationError);
      await rejects(t.store.accounts.update(ann._id, ALL, { name: '' }), ValidationError);
      await rejects(t.store.accounts.update(MISSING_ID, ALL, { name: 'x' }), NotFoundError);
      expect(await t.store.accounts.get(ann._id, ALL)).to.deep.equal(updated);
    });

    it('refuses to take another account\'s email on update (any case), allows its own in another case', async function () {
      const ann = await t.fx.account();
      const bob = await t.fx.account();
      await rejects(t.store.accounts.update(bob._id, ALL, { email: ann.email.toUpperCase() }), ConflictError);
      const renamed = await t.store.accounts.update(ann._id, ALL, { email: ann.email.toUpperCase() });
      expect(renamed.email).to.equal(ann.email.toUpperCase());
      expect(present(await t.store.accounts.findCredentialsByEmail(ann.email)).account._id).to.equal(ann._id);
    });

    it('finds credentials by email ignoring case, and only there returns the hash', async function () {
      const hash = t.fx.passwordHash();
      const ann = await t.store.accounts.create({ name: 'Ann', email: 'Ann@Example.com', passwordHash: hash, aclRoleNames: ['regular'] });
      const found = present(await t.store.accounts.findCredentialsByEmail('ann@EXAMPLE.com'));
      expect(found.passwordHash).to.equal(hash);
      expect(found.account).to.deep.equal(ann);
      assertNoSecrets(found.account);
      expect(found.credentialsVersion).to.be.a('number');
      expect(present(await t.store.accounts.getCredentials(ann._id)).passwordHash).to.equal(hash);
      expect(await t.store.accounts.findCredentialsByEmail('nobody@example.com')).to.equal(null);
      expect(await t.store.accounts.getCredentials(MISSING_ID)).to.equal(null);
    });

    it('bumps the credentials version when the password hash changes or the account is removed, not otherwise', async function () {
      const ann = await t.fx.account();
      const v0 = present(await t.store.accounts.getCredentials(ann._id)).credentialsVersion;
      await t.store.accounts.update(ann._id, ALL, { name: 'renamed' });
      expect(present(await t.store.accounts.getCredentials(ann._id)).credentialsVersion).to.equal(v0);
      const newHash = t.fx.passwordHash();
      const afterPassword = await t.store.accounts.update(ann._id, tenant(ann), { passwordHash: newHash });
      assertNoSecrets(afterPassword);
      const creds = present(await t.store.accounts.getCredentials(ann._id));
      expect(creds.passwordHash).to.equal(newHash);
      expect(creds.credentialsVersion).to.be.greaterThan(v0);
      await t.store.accounts.remove(ann._id, tenant(ann));
      expect(present(await t.store.accounts.getCredentials(ann._id)).credentialsVersion).to.be.greaterThan(creds.credentialsVersion);
    });

    it('soft-deletes (removed, removedDate), idempotently, and an admin can restore', async function () {
      const ann = await t.fx.account();
      const removed = await t.store.accounts.remove(ann._id, tenant(ann));
      expect(removed.removed).to.equal(true);
      expect(removed.removedDate).to.be.a('string');
      assertNoSecrets(removed);
      const again = await t.store.accounts.remove(ann._id, ALL);
      expect(again.removedDate).to.equal(removed.removedDate);
      const listed = await t.store.accounts.list(ALL, { filter: { removed: true } });
      expect(listed.items.map((a) => a._id)).to.deep.equal([ann._id]);
      const restored = await t.store.accounts.update(ann._id, ALL, { removed: false });
      expect(restored).to.include({ removed: false, removedDate: null });
      await rejects(t.store.accounts.remove(MISSING_ID, ALL), NotFoundError);
    });

    it('purges an account with everything it owns, and nothing of others', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id, { price: 100 });
      const ann = await t.fx.account({ amount: 1000 });
      const bob = await t.fx.account({ amount: 1000 });
      const { workty } = await t.store.payments.purchase(ann._id, template._id);
      const bobsCopy = (await t.store.payments.purchase(bob._id, template._id)).workty;
      const workflow = await t.fx.workflow(ann._id);
      const instance = await t.store.instances.add(workflow._id, tenant(ann), { worktyId: workty._id });
      const run = await t.store.runs.request(workflow._id, tenant(ann), ann._id);
      await t.store.runs.transition(run._id, 'queued', 'stopped');
      const token = await t.store.tokens.create({ accountId: ann._id, tokenHash: t.fx.unique('SECRET-MARK-token'), expires: '2999-01-01T00:00:00.000Z' });
      const bobsWorkflow = await t.fx.workflow(bob._id);
      const ownBytes = Buffer.from(t.fx.unique('own package'));
      const own = await t.fx.workty(ann._id, { packageBytes: ownBytes });

      await t.store.accounts.purge(ann._id, tenant(ann));
      expect(await t.store.accounts.get(ann._id, ALL)).to.equal(null);
      expect(await t.store.accounts.getCredentials(ann._id)).to.equal(null);
      expect(await t.store.workflows.get(workflow._id, ALL)).to.equal(null);
      expect(await t.store.instances.getMany([instance._id], ALL)).to.deep.equal([]);
      expect(await t.store.runs.get(run._id, ALL)).to.equal(null);
      expect(await t.store.workties.get(workty._id, { scope: ALL, withTemplates: true })).to.equal(null);
      expect(await t.store.workties.get(own._id, { scope: ALL, withTemplates: true })).to.equal(null);
      expect(await t.store.packages.get(present(own.package).hash), 'its unshared package went with it').to.equal(null);
      expect((await t.store.payments.list(ALL)).items.map((p) => p.accountId)).to.deep.equal([bob._id]);
      expect(await t.store.tokens.get(token._id, ALL)).to.equal(null);
      expect(await t.store.accounts.getCredentials(bob._id)).to.not.equal(null);
      expect(await t.store.workflows.get(bobsWorkflow._id, ALL)).to.not.equal(null);
      expect(await t.store.workties.get(bobsCopy._id, { scope: ALL, withTemplates: false })).to.not.equal(null);
      expect(await t.store.workties.get(template._id, { scope: ALL, withTemplates: true })).to.not.equal(null);
      await rejects(t.store.accounts.purge(ann._id, ALL), NotFoundError);
    });

    it('refuses to purge an account while one of its runs is active, changing nothing', async function () {
      const { account, workflow } = await t.fx.workflowWithInstances(1);
      await t.store.runs.request(workflow._id, tenant(account), account._id);
      await rejects(t.store.accounts.purge(account._id, ALL), ConflictError);
      expect(await t.store.accounts.get(account._id, ALL)).to.not.equal(null);
      expect(present(await t.store.workflows.get(workflow._id, ALL)).worktiesInstancesIds).to.have.length(1);
    });

    it('lists with the query conventions', async function () {
      const created = [];
      for (const [name, amount] of [['d', 20], ['a', 10], ['c', 20], ['b', 10], ['e', 30]] as const) {
        created.push(await t.fx.account({ name, amount }));
      }
      const sorted = await t.store.accounts.list(ALL, { sort: [{ field: 'amount', direction: 'desc' }, { field: 'name', direction: 'asc' }] });
      expect(sorted.items.map((a) => a.name)).to.deep.equal(['e', 'c', 'd', 'a', 'b']);
      const page2 = await t.store.accounts.list(ALL, { sort: [{ field: 'name', direction: 'asc' }], pageNum: 2, perPage: 2, count: true });
      expect(page2.items.map((a) => a.name)).to.deep.equal(['c', 'd']);
      expect(page2.total).to.equal(5);
      expect(at(created, 0)._id).to.be.a('string');
    });
  });
}

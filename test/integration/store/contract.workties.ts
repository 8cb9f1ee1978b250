import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { dictionaryEntry, idOf } from '../../../shared/domain/dictionaries.js';
import { ConflictError, ErrorCode, InsufficientFundsError, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import { isId } from '../../../shared/domain/ids.js';
import { RULES, ruleMessage } from '../../../shared/domain/rules.js';
import type { StoreFactory } from './contract.js';
import { ALL, MISSING_ID, WORKTY_BASICS, at, present, reachCatalogue, reachOwn, rejects, tenant, useStore } from './harness.js';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export function worktiesContract(factory: StoreFactory): void {
  describe('workties', function () {
    const t = useStore(factory);

    it('creates a workty with defaults and property ids; reads never carry package bytes', async function () {
      const ann = await t.fx.account();
      const bytes = Buffer.from(t.fx.unique('zip bytes'));
      const workty = await t.store.workties.create({
        accountId: ann._id, name: 'Fetch', ...WORKTY_BASICS, properties: [{ name: 'url', value: 'https://x' }, { name: 'n', value: null }], packageBytes: bytes,
      });
      expect(workty).to.include({ accountId: ann._id, name: 'Fetch', desc: '', template: false, templateId: null, price: 0, discountPercent: 0 });
      expect(dictionaryEntry('validationStates', workty.validationStateId)).to.not.equal(undefined);
      expect(workty.version).to.be.a('string');
      expect(workty.package).to.deep.equal({ hash: sha256(bytes), size: bytes.length });
      expect(workty.properties.map((p) => [p.name, p.value])).to.deep.equal([['url', 'https://x'], ['n', null]]);
      expect(workty.properties.every((p) => isId(p._id))).to.equal(true);
      expect(await t.store.workties.get(workty._id, reachOwn(ann))).to.deep.equal(workty);
      for (const read of [await t.store.workties.get(workty._id, ALL_REACH), ...(await t.store.workties.list(ALL_REACH)).items, ...(await t.store.workties.getMany([workty._id], ALL_REACH))]) {
        expect(JSON.stringify(read)).to.not.include(bytes.toString('base64'));
        expect(JSON.stringify(read)).to.not.include('"type":"Buffer"');
      }
      expect(await t.store.packages.get(sha256(bytes))).to.deep.equal(bytes);
    });

    it('validates dictionary ids, entry point, properties, money and lengths', async function () {
      const ann = await t.fx.account();
      const error = await rejects(t.store.workties.create({
        accountId: ann._id, name: '', typeId: idOf.category('clouding'), categoryId: idOf.worktyType('in'), languageTypeId: MISSING_ID,
        validationStateId: 'x', entryPointModuleFileName: '../escape.js', price: 1.5, discountPercent: 101, version: 'v'.repeat(51),
        properties: [{ name: '1bad', value: 'x' }, { name: 'ok', value: 'y'.repeat(10_001) }, { name: 'ok', value: 1 }],
      }), ValidationError);
      const paths = error.errors.map((e) => e.path);
      expect(paths).to.include.members(['name', 'typeId', 'categoryId', 'languageTypeId', 'validationStateId', 'entryPointModuleFileName', 'price', 'discountPercent', 'version']);
      expect(paths.filter((p) => p.startsWith('properties')), 'bad name, long value, duplicate').to.have.length.greaterThanOrEqual(3);
      expect(error.errors).to.deep.include({ path: 'name', message: ruleMessage.required('name') });
      for (const e of error.errors) expect(e.message).to.include(`\`${e.path}\``);
      const missing = await rejects(t.store.workties.create({ accountId: ann._id } as never), ValidationError);
      for (const path of ['name', 'typeId', 'categoryId', 'languageTypeId', 'entryPointModuleFileName']) {
        expect(missing.errors, path).to.deep.include({ path, message: ruleMessage.required(path) });
      }
      await rejects(t.fx.workty(MISSING_ID), NotFoundError);
      expect((await t.store.workties.list(ALL_REACH, { count: true })).total).to.equal(0);
    });

    it('shows templates to everyone with withTemplates, own workties only to their owner', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id);
      const ann = await t.fx.account();
      const bob = await t.fx.account();
      const annsOwn = await t.fx.workty(ann._id);
      const bobsOwn = await t.fx.workty(bob._id);
      expect(await t.store.workties.get(template._id, reachCatalogue(ann))).to.deep.equal(template);
      expect(await t.store.workties.get(template._id, reachOwn(ann))).to.equal(null);
      expect(await t.store.workties.get(bobsOwn._id, reachCatalogue(ann))).to.equal(null);
      expect((await t.store.workties.list(reachCatalogue(ann))).items.map((w) => w._id)).to.deep.equal([template._id, annsOwn._id]);
      expect((await t.store.workties.list(reachOwn(ann), { count: true })).total).to.equal(1);
      expect((await t.store.workties.list(reachCatalogue(ann), { filter: { template: true } })).items.map((w) => w._id)).to.deep.equal([template._id]);
      expect((await t.store.workties.getMany([bobsOwn._id, template._id, annsOwn._id], reachCatalogue(ann))).map((w) => w._id)).to.deep.equal([template._id, annsOwn._id]);
      expect(await t.store.workties.get(template._id, ALL_REACH, ['name', 'price'])).to.deep.equal({ _id: template._id, name: template.name, price: 0 });
      // Writes reach own workties only: a template is not a tenant's to change, another's is missing.
      await rejects(t.store.workties.update(template._id, tenant(ann), { name: 'x' }), NotFoundError);
      await rejects(t.store.workties.update(bobsOwn._id, tenant(ann), { name: 'x' }), NotFoundError);
      await rejects(t.store.workties.delete(bobsOwn._id, tenant(ann)), NotFoundError);
      await rejects(t.store.workties.addProperty(bobsOwn._id, tenant(ann), { name: 'p', value: 1 }), NotFoundError);
      expect(present(await t.store.workties.get(bobsOwn._id, ALL_REACH)).name).to.equal(bobsOwn.name);
    });

    it('updates fields; an empty patch changes nothing; validation changes nothing', async function () {
      const ann = await t.fx.account();
      const workty = await t.fx.workty(ann._id);
      const updated = await t.store.workties.update(workty._id, tenant(ann), { desc: 'new', price: 250, discountPercent: 10, languageTypeId: idOf.languageType('python') });
      expect(updated).to.include({ desc: 'new', price: 250, discountPercent: 10, languageTypeId: idOf.languageType('python') });
      expect(await t.store.workties.update(workty._id, tenant(ann), {})).to.deep.equal(updated);
      await rejects(t.store.workties.update(workty._id, tenant(ann), { typeId: MISSING_ID }), ValidationError);
      await rejects(t.store.workties.update(workty._id, tenant(ann), { entryPointModuleFileName: '/abs.js' }), ValidationError);
      expect(await t.store.workties.get(workty._id, reachOwn(ann))).to.deep.equal(updated);
      await rejects(t.store.workties.update(MISSING_ID, ALL, { name: 'x' }), NotFoundError);
    });

    it('adds, renames, revalues and deletes properties, keeping names unique', async function () {
      const ann = await t.fx.account();
      const workty = await t.fx.workty(ann._id, { properties: [{ name: 'a', value: 1 }] });
      const withB = await t.store.workties.addProperty(workty._id, tenant(ann), { name: 'b', value: 'two' });
      expect(withB.properties.map((p) => [p.name, p.value])).to.deep.equal([['a', 1], ['b', 'two']]);
      const b = at(withB.properties, 1);
      await rejects(t.store.workties.addProperty(workty._id, tenant(ann), { name: 'a', value: 3 }), ValidationError, 'duplicate');
      await rejects(t.store.workties.addProperty(workty._id, tenant(ann), { name: '', value: 3 }), ValidationError, 'empty name');
      await rejects(t.store.workties.updateProperty(workty._id, b._id, tenant(ann), { name: 'a' }), ValidationError, 'rename onto a');
      const changed = await t.store.workties.updateProperty(workty._id, b._id, tenant(ann), { name: 'bee', value: false });
      expect(changed.properties).to.deep.equal([at(withB.properties, 0), { _id: b._id, name: 'bee', value: false }]);
      const without = await t.store.workties.deleteProperty(workty._id, b._id, tenant(ann));
      expect(without.properties.map((p) => p.name)).to.deep.equal(['a']);
      await rejects(t.store.workties.deleteProperty(workty._id, b._id, tenant(ann)), NotFoundError);
      await rejects(t.store.workties.updateProperty(workty._id, MISSING_ID, tenant(ann), { value: 1 }), NotFoundError);
      expect(await t.store.workties.get(workty._id, reachOwn(ann))).to.deep.equal(without);
    });

    it('holds at most the rule\'s number of properties', async function () {
      const ann = await t.fx.account();
      const max = RULES.propertiesPerDocument.max;
      const properties = Array.from({ length: max }, (_, i) => ({ name: `p${i}`, value: i }));
      const full = await t.fx.workty(ann._id, { properties });
      expect(full.properties).to.have.length(max);
      await rejects(t.store.workties.addProperty(full._id, tenant(ann), { name: 'one_more', value: 1 }), ValidationError);
      await rejects(t.fx.workty(ann._id, { properties: [...properties, { name: 'one_more', value: 1 }] }), ValidationError);
      expect(present(await t.store.workties.get(full._id, reachOwn(ann))).properties).to.have.length(max);
    });

    it('refuses to delete a workty while instances use it; deletes it after', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(1);
      await rejects(t.store.workties.delete(workty._id, tenant(account)), ConflictError);
      await t.store.instances.delete(workflow._id, at(instances, 0)._id, tenant(account));
      await t.store.workties.delete(workty._id, tenant(account));
      expect(await t.store.workties.get(workty._id, ALL_REACH)).to.equal(null);
      await rejects(t.store.workties.delete(workty._id, tenant(account)), NotFoundError);
    });
  });

  describe('packages', function () {
    const t = useStore(factory);

    it('stores bytes once per SHA-256 and drops them with their last reference', async function () {
      const ann = await t.fx.account();
      const bytes = Buffer.from(t.fx.unique('shared archive'));
      const hash = sha256(bytes);
      const one = await t.fx.workty(ann._id, { packageBytes: bytes });
      const two = await t.fx.workty(ann._id, { packageBytes: Buffer.from(bytes) });
      expect(one.package).to.deep.equal(two.package);
      await t.store.workties.delete(one._id, tenant(ann));
      expect(await t.store.packages.get(hash), 'still used by two').to.deep.equal(bytes);
      const other = Buffer.from(t.fx.unique('other archive'));
      const replaced = await t.store.workties.update(two._id, tenant(ann), { packageBytes: other });
      expect(replaced.package).to.deep.equal({ hash: sha256(other), size: other.length });
      expect(await t.store.packages.get(hash), 'no reference left').to.equal(null);
      const cleared = await t.store.workties.update(two._id, tenant(ann), { packageBytes: null });
      expect(cleared.package).to.equal(null);
      expect(await t.store.packages.get(sha256(other))).to.equal(null);
    });

    it('puts idempotently and gets by hash; unknown or malformed hashes are null', async function () {
      const bytes = Buffer.from([0, 1, 2, 255, 254]);
      const ref = await t.store.packages.put(bytes);
      expect(ref).to.deep.equal({ hash: sha256(bytes), size: 5 });
      expect(await t.store.packages.put(Buffer.from(bytes))).to.deep.equal(ref);
      expect(await t.store.packages.get(ref.hash)).to.deep.equal(bytes);
      expect(await t.store.packages.get('0'.repeat(64))).to.equal(null);
      expect(await t.store.packages.get('../etc/passwd')).to.equal(null);
    });

    it('keeps a package an active run needs even when its workty goes, until the run ends', async function () {
      const { account, workflow, workty, instances } = await t.fx.workflowWithInstances(1);
      const hash = present(workty.package).hash;
      const run = await t.store.runs.request(workflow._id, tenant(account), account._id);
      await t.store.instances.delete(workflow._id, at(instances, 0)._id, tenant(account));
      await t.store.workties.delete(workty._id, tenant(account));
      expect(await t.store.packages.get(hash), 'the queued run still needs it').to.not.equal(null);
      await t.store.runs.transition(run._id, 'queued', 'stopped');
      expect(await t.store.packages.get(hash)).to.equal(null);
      expect(at(present(await t.store.runs.get(run._id, ALL)).instances, 0).package?.hash, 'history keeps the reference').to.equal(hash);
    });
  });

  describe('payments', function () {
    const t = useStore(factory);

    it('installs a template: copies it with its properties, charges the discounted price, records the payment', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id, {
        price: 199, discountPercent: 15, properties: [{ name: 'timeout', value: 1000 }], packageBytes: Buffer.from(t.fx.unique('pkg')),
      });
      const ann = await t.fx.account({ amount: 1000 });
      const { payment, workty } = await t.store.payments.purchase(ann._id, template._id, 'for the garden');
      expect(payment).to.include({ accountId: ann._id, worktyId: workty._id, templateId: template._id, amount: 169, msg: 'for the garden' });
      expect(isId(payment._id)).to.equal(true);
      expect(workty).to.include({ accountId: ann._id, template: false, templateId: template._id, name: template.name, entryPointModuleFileName: template.entryPointModuleFileName });
      expect(workty.package).to.deep.equal(template.package);
      expect(workty.properties.map((p) => [p.name, p.value])).to.deep.equal([['timeout', 1000]]);
      expect(workty.properties.map((p) => p._id)).to.not.include(at(template.properties, 0)._id);
      expect(present(await t.store.accounts.get(ann._id, ALL)).amount).to.equal(831);
      expect(await t.store.payments.get(payment._id, tenant(ann))).to.deep.equal(payment);
      expect(await t.store.workties.get(workty._id, reachOwn(ann))).to.deep.equal(workty);
      const workflow = await t.fx.workflow(ann._id);
      await t.store.instances.add(workflow._id, tenant(ann), { worktyId: workty._id });
    });

    it('rounds half up, charges nothing for a free or fully discounted template, and allows an exact balance', async function () {
      const admin = await t.fx.admin();
      const cases: Array<[number, number, number]> = [[5, 50, 3], [1, 50, 1], [3, 50, 2], [250, 0, 250], [999, 100, 0], [0, 0, 0], [101, 33, 68]];
      for (const [price, discountPercent, expected] of cases) {
        const template = await t.fx.template(admin._id, { price, discountPercent });
        const buyer = await t.fx.account({ amount: expected });
        const { payment } = await t.store.payments.purchase(buyer._id, template._id);
        expect(payment.amount, `${price} at ${discountPercent} %`).to.equal(expected);
        expect(present(await t.store.accounts.get(buyer._id, ALL)).amount).to.equal(0);
      }
    });

    it('refuses when the balance is short (402), changing nothing', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id, { price: 500 });
      const ann = await t.fx.account({ amount: 499 });
      const head = await t.store.changes.head();
      const error = await rejects(t.store.payments.purchase(ann._id, template._id), InsufficientFundsError);
      expect(error.status).to.equal(402);
      expect(error.code).to.equal(ErrorCode.insufficientFunds);
      expect(error.needed).to.equal(500);
      expect(error.balance).to.equal(499);
      expect(present(await t.store.accounts.get(ann._id, ALL)).amount).to.equal(499);
      expect((await t.store.payments.list(tenant(ann), { count: true })).total).to.equal(0);
      expect((await t.store.workties.list(reachOwn(ann), { count: true })).total).to.equal(0);
      expect(await t.store.changes.head()).to.equal(head);
    });

    it('sells templates only: an own workty or a missing id is NotFound; the buyer must exist', async function () {
      const ann = await t.fx.account({ amount: 1000 });
      const own = await t.fx.workty(ann._id);
      await rejects(t.store.payments.purchase(ann._id, own._id), NotFoundError);
      await rejects(t.store.payments.purchase(ann._id, MISSING_ID), NotFoundError);
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id);
      await rejects(t.store.payments.purchase(MISSING_ID, template._id), NotFoundError);
      await rejects(t.store.payments.purchase(ann._id, template._id, 'm'.repeat(501)), ValidationError);
      expect(present(await t.store.accounts.get(ann._id, ALL)).amount).to.equal(1000);
    });

    it('reads, updates and deletes payments within the scope', async function () {
      const admin = await t.fx.admin();
      const template = await t.fx.template(admin._id);
      const ann = await t.fx.account();
      const bob = await t.fx.account();
      const { payment } = await t.store.payments.purchase(ann._id, template._id);
      expect(await t.store.payments.get(payment._id, tenant(bob))).to.equal(null);
      expect(await t.store.payments.get(payment._id, ALL, ['amount'])).to.deep.equal({ _id: payment._id, amount: 0 });
      expect((await t.store.payments.list(tenant(bob), { count: true })).total).to.equal(0);
      await rejects(t.store.payments.update(payment._id, tenant(bob), { msg: 'x' }), NotFoundError);
      await rejects(t.store.payments.delete(payment._id, tenant(bob)), NotFoundError);
      const updated = await t.store.payments.update(payment._id, tenant(ann), { msg: 'thanks' });
      expect(updated).to.deep.equal({ ...payment, msg: 'thanks' });
      expect(await t.store.payments.update(payment._id, tenant(ann), {})).to.deep.equal(updated);
      await rejects(t.store.payments.update(payment._id, tenant(ann), { msg: 'm'.repeat(501) }), ValidationError);
      await t.store.payments.delete(payment._id, ALL);
      expect(await t.store.payments.get(payment._id, ALL)).to.equal(null);
      await rejects(t.store.payments.delete(payment._id, ALL), NotFoundError);
    });
  });
}

const ALL_REACH = { scope: ALL, withTemplates: true };

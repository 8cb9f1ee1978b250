/**
 * The MongoDB adapter against a real server, when `WORKTY_TEST_MONGODB_URL` names a replica set
 * (e.g. `mongodb://localhost:27017/?replicaSet=rs0`). Each run uses a fresh random database and
 * drops it afterwards. Without the variable the suite says it was skipped and passes.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { ConflictError, InsufficientFundsError } from '../../../shared/domain/errors.js';
import { DICTIONARIES, idOf } from '../../../shared/domain/dictionaries.js';
import type { Store } from '../../../shared/store/port.js';
import { openMongoStore } from '../../../shared/store/mongo/index.js';
import { dropDatabase, testDatabaseName, withDatabase } from './mongo-factory.js';

const baseUrl = process.env.WORKTY_TEST_MONGODB_URL;

if (baseUrl === undefined || baseUrl === '') {
  describe('MongoDB store (WORKTY_TEST_MONGODB_URL not set: skipped)', () => {
    it('runs against a MongoDB replica set named by WORKTY_TEST_MONGODB_URL');
  });
} else {
  describe('MongoDB store against a server', function () {
    this.timeout(60_000);
    const url = withDatabase(baseUrl, testDatabaseName());
    let store: Store;
    const unique = (): string => randomBytes(4).toString('hex');

    before(async () => {
      store = await openMongoStore({ url });
    });

    after(async () => {
      await store?.close();
      await dropDatabase(url);
    });

    it('pings, and created its collections and unique indexes at open', async () => {
      await store.ping();
      const admin = await mongoose.createConnection(url).asPromise();
      try {
        const indexes = await admin.collection('accounts').indexes();
        expect(indexes.find((i) => i.name === 'email_unique')).to.deep.include({ unique: true });
        const journal = await admin.collection('journal').indexes();
        expect(journal.find((i) => i.name === 'run_seq_unique')).to.deep.include({ unique: true });
      } finally {
        await admin.close();
      }
    });

    it('creates an account without returning secrets, and refuses its email in another case', async () => {
      const email = `ann-${unique()}@example.com`;
      const account = await store.accounts.create({ name: 'Ann', email, passwordHash: '$2b$04$hash', aclRoleNames: ['regular'] });
      expect(account._id).to.match(/^[0-9a-f]{24}$/);
      expect(account.created).to.match(/^\d{4}-\d{2}-\d{2}T.*Z$/);
      expect(JSON.stringify(account)).to.not.include('$2b$04$hash');
      expect(await store.accounts.get(account._id, { accountId: account._id })).to.deep.equal(account);
      const credentials = await store.accounts.findCredentialsByEmail(email.toUpperCase());
      expect(credentials?.passwordHash).to.equal('$2b$04$hash');
      const duplicate = await store.accounts.create({ name: 'Bob', email: email.toUpperCase(), passwordHash: 'h', aclRoleNames: ['regular'] })
        .then(() => null, (e: unknown) => e);
      expect(duplicate).to.be.instanceOf(ConflictError);
    });

    it('seeds dictionaries once', async () => {
      expect(await store.dictionaries.ensure('languageTypes', DICTIONARIES.languageTypes)).to.equal(DICTIONARIES.languageTypes.length);
      expect(await store.dictionaries.ensure('languageTypes', DICTIONARIES.languageTypes)).to.equal(0);
      expect((await store.dictionaries.list('languageTypes')).map((e) => e.name)).to.deep.equal(DICTIONARIES.languageTypes.map((e) => e.name));
    });

    it('numbers changes in commit order without gaps', async () => {
      const before = await store.changes.head();
      const account = await store.accounts.create({ name: 'Cy', email: `cy-${unique()}@example.com`, passwordHash: 'h', aclRoleNames: ['regular'] });
      await Promise.all([1, 2, 3].map((n) => store.workflows.create({ accountId: account._id, name: `wf ${n}` })));
      const events = await store.changes.read(before);
      expect(events.map((e) => e.seq)).to.deep.equal([before + 1, before + 2, before + 3, before + 4]);
      expect(await store.changes.head()).to.equal(before + 4);
    });

    it('never lets concurrent purchases take the balance below zero', async () => {
      const admin = await store.accounts.create({ name: 'Admin', email: `admin-${unique()}@example.com`, passwordHash: 'h', aclRoleNames: ['admin'] });
      const template = await store.workties.create({
        accountId: admin._id, name: 'Print', template: true, typeId: idOf.worktyType('out'), categoryId: idOf.category('unsorted'),
        languageTypeId: idOf.languageType('nodejs'), entryPointModuleFileName: 'index.js', price: 1000, discountPercent: 50,
        properties: [{ name: 'timeout', value: 1000 }], packageBytes: Buffer.from('package bytes'),
      });
      const buyer = await store.accounts.create({ name: 'Buyer', email: `buyer-${unique()}@example.com`, passwordHash: 'h', aclRoleNames: ['regular'], amount: 1200 });
      const results = await Promise.allSettled([1, 2, 3].map(() => store.payments.purchase(buyer._id, template._id)));
      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      expect(fulfilled).to.have.length(2);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).to.be.instanceOf(InsufficientFundsError);
      expect((await store.accounts.get(buyer._id, { all: true }))?.amount).to.equal(200);
      const copies = await store.workties.list({ scope: { accountId: buyer._id }, withTemplates: false });
      expect(copies.items.map((w) => [w.template, w.templateId, w.package?.hash])).to.deep.equal([
        [false, template._id, template.package?.hash], [false, template._id, template.package?.hash],
      ]);
    });

    it('closes idempotently, and a closed store no longer pings', async () => {
      const other = await openMongoStore({ url });
      await Promise.all([other.close(), other.close()]);
      await other.close();
      const error = await other.ping().then(() => null, (e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
    });
  });
}

/**
 * The one store contract on the MongoDB adapter, when `WORKTY_TEST_MONGODB_URL` names a replica set
 * (e.g. `mongodb://localhost:27017/?replicaSet=rs0`); each test gets a fresh database, dropped after.
 * No MongoDB server exists on the development machines: there the suite reports itself skipped.
 */
import { describeStoreContract } from './contract.js';
import { mongoStoreFactory } from './mongo-factory.js';

const baseUrl = process.env.WORKTY_TEST_MONGODB_URL;

if (baseUrl === undefined || baseUrl === '') {
  describe('store contract on MongoDB (skipped: WORKTY_TEST_MONGODB_URL is not set)', () => {
    it('runs the whole store contract against the MongoDB adapter');
  });
} else {
  describeStoreContract('mongodb', mongoStoreFactory(baseUrl));
}

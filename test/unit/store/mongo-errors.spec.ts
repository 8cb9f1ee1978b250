/** Driver and mongoose errors as domain errors, and the connection checks made at open (no server). */
import { expect } from 'chai';
import mongoose, { type Connection } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import {
  describeMongoUrl, standaloneServerMessage, supportsTransactions,
} from '../../../shared/store/mongo/connection.js';
import { invalidId, isDuplicateKeyOn, mapErrors, toDomainError } from '../../../shared/store/mongo/errors.js';
import { openMongoStore } from '../../../shared/store/mongo/index.js';
import { createModels, type Models } from '../../../shared/store/mongo/models/index.js';

function duplicateKeyError(keyPattern: Record<string, number>): Error {
  return new mongoose.mongo.MongoServerError({
    message: 'E11000 duplicate key error collection: workty.accounts index: email_unique dup key: { emailKey: "ann@example.com" }',
    code: 11000,
    keyPattern,
    keyValue: { emailKey: 'ann@example.com' },
  });
}

describe('MongoDB store: error mapping', () => {
  let connection: Connection;
  let m: Models;

  before(() => {
    connection = mongoose.createConnection();
    m = createModels(connection);
  });

  after(async () => {
    await connection.close();
  });

  it('turns a mongoose ValidationError into ValidationError (409, "Validation Error") with every path', async () => {
    const failure = await new m.Workflow({ name: '', accountId: 'x' }).validate().then(() => null, (e: unknown) => e);
    const mapped = toDomainError(failure);
    expect(mapped).to.be.instanceOf(ValidationError);
    const error = mapped as ValidationError;
    expect(error.status).to.equal(409);
    expect(error.message).to.equal('Validation Error');
    expect(error.code).to.equal(1);
    const byPath = Object.fromEntries(error.errors.map((e) => [e.path, e.message]));
    expect(byPath).to.deep.include({
      name: 'Path `name` is required.',
      accountId: 'Path `accountId` is invalid: must be a 24-hex id.',
      created: 'Path `created` is required.',
    });
  });

  it('never quotes the rejected value', async () => {
    const secretLooking = 'hunter2-hunter2-hunter2';
    const failure = await new m.Token({ accountId: secretLooking, tokenHash: 'h', expires: secretLooking }).validate().then(() => null, (e: unknown) => e);
    const error = toDomainError(failure) as ValidationError;
    expect(JSON.stringify(error.errors)).to.not.include(secretLooking);
  });

  it('turns a lone CastError into a ValidationError on its path', () => {
    const cast = new mongoose.Error.CastError('ObjectId', 'zz', 'workflowId');
    const mapped = toDomainError(cast) as ValidationError;
    expect(mapped).to.be.instanceOf(ValidationError);
    expect(mapped.errors).to.deep.equal([{ path: 'workflowId', message: 'Path `workflowId` is invalid: must be a 24-hex id.' }]);
  });

  it('turns a duplicate email (E11000) into ConflictError without the address', () => {
    const mapped = toDomainError(duplicateKeyError({ emailKey: 1 }));
    expect(mapped).to.be.instanceOf(ConflictError);
    expect((mapped as ConflictError).status).to.equal(409);
    expect((mapped as ConflictError).message).to.equal('An account with this email exists already');
    expect(isDuplicateKeyOn(duplicateKeyError({ emailKey: 1 }), 'emailKey')).to.equal(true);
    expect(isDuplicateKeyOn(duplicateKeyError({ hash: 1 }), 'emailKey')).to.equal(false);
    expect(toDomainError(duplicateKeyError({ seq: 1 }))).to.be.instanceOf(ConflictError);
  });

  it('passes domain errors and unknown failures through unchanged', async () => {
    const notFound = new NotFoundError('Workflow', 'x');
    expect(toDomainError(notFound)).to.equal(notFound);
    const network = new Error('connection reset');
    expect(toDomainError(network)).to.equal(network);
    await mapErrors(() => Promise.reject(network)).then(() => expect.fail('resolved'), (e: unknown) => expect(e).to.equal(network));
    expect(await mapErrors(() => Promise.resolve(7))).to.equal(7);
  });

  it('reports a malformed id given to an engine verb as a ValidationError', () => {
    expect(invalidId('deviceId').errors).to.deep.equal([{ path: 'deviceId', message: 'Path `deviceId` is invalid: must be a 24-hex id.' }]);
  });
});

describe('MongoDB store: connection checks', () => {
  it('runs only where transactions exist: a replica set member or a mongos', () => {
    expect(supportsTransactions({ setName: 'rs0' })).to.equal(true);
    expect(supportsTransactions({ msg: 'isdbgrid' })).to.equal(true);
    expect(supportsTransactions({})).to.equal(false);
    expect(supportsTransactions({ setName: '' })).to.equal(false);
  });

  it('explains how to turn a standalone server into a single-node replica set', () => {
    const message = standaloneServerMessage('mongodb://db:27017/workty');
    expect(message).to.include('standalone');
    expect(message).to.include('--replSet rs0');
    expect(message).to.include('rs.initiate()');
  });

  it('never shows the URL\'s credentials', () => {
    expect(describeMongoUrl('mongodb://workty:s3cret@db1:27017,db2:27017/workty?replicaSet=rs0&authSource=admin'))
      .to.equal('mongodb://***@db1:27017,db2:27017/workty');
    expect(describeMongoUrl('mongodb+srv://u:p@cluster.example.net/db')).to.equal('mongodb+srv://***@cluster.example.net/db');
    expect(describeMongoUrl('mongodb://localhost:27017/workty')).to.equal('mongodb://localhost:27017/workty');
  });

  it('refuses a malformed URL at once, with a clear message and no credentials', async () => {
    for (const url of ['mongodb://workty:s3cret@/nohost', 'http://workty:s3cret@localhost/x']) {
      const error = await openMongoStore({ url }).then(() => null, (e: unknown) => e as Error);
      expect(error, url).to.be.instanceOf(Error);
      expect(error?.message).to.match(/^Cannot open the MongoDB store at /);
      expect(error?.message).to.not.include('s3cret');
    }
  });
});

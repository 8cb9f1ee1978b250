/** Driver and mongoose errors as domain errors, and the connection checks made at open (no server). */
import { expect } from 'chai';
import mongoose, { type Connection } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/domain/errors.js';
import {
  describeMongoUrl, standaloneServerMessage, supportsTransactions,
} from '../../../shared/store/mongo/connection.js';
import { invalidId, isDuplicateKeyOn, mapErrors, toDomainError } from '../../../shared/store/mongo/errors.js';
import { openMongoStore } from '../../../shared/store/mongo/index.js';
import { withDatabase } from '../../integration/store/mongo-factory.js';
import { createModels, type Models } from '../../../shared/store/mongo/models/index.js';
import { check } from '../../../shared/store/mongo/repositories/checks.js';
import { checkLogChunks } from '../../../shared/store/mongo/repositories/logs.js';

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

  it('points a test URL at a database of its own, keeping hosts and options', () => {
    expect(withDatabase('mongodb://localhost:27017/?replicaSet=rs0', 'd')).to.equal('mongodb://localhost:27017/d?replicaSet=rs0');
    expect(withDatabase('mongodb://u:p@a:1,b:2/workty?authSource=admin', 'd')).to.equal('mongodb://u:p@a:1,b:2/d?authSource=admin');
    expect(withDatabase('mongodb://localhost', 'd')).to.equal('mongodb://localhost/d');
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

describe('MongoDB store: argument checks of the engine verbs', () => {
  function failures(work: () => void): Array<[string, string]> {
    try {
      work();
    } catch (error) {
      expect(error).to.be.instanceOf(ValidationError);
      return (error as ValidationError).errors.map((e) => [e.path, e.message]);
    }
    return [];
  }

  it('reports every bad argument at once, in the 2016 format', () => {
    expect(failures(() => check((c) => {
      c.integer('seq', 0, 1, true);
      c.integer('attempt', 1.5, 1, true);
      c.oneOf('status', 'exploded', ['running', 'completed']);
      c.id('deviceId', undefined, true);
      c.iso('leaseExpires', 'soon', true);
      c.text('leaseToken', 7, true);
    }))).to.deep.equal([
      ['seq', 'Path `seq` is invalid: less than the minimum allowed value (1).'],
      ['attempt', 'Path `attempt` is invalid: must be an integer.'],
      ['status', 'Path `status` is invalid: must be one of running, completed.'],
      ['deviceId', 'Path `deviceId` is required.'],
      ['leaseExpires', 'Path `leaseExpires` is invalid: must be an ISO date.'],
      ['leaseToken', 'Path `leaseToken` is invalid: must be a string.'],
    ]);
    expect(failures(() => check((c) => c.oneOf('status', undefined, ['running'])))).to.deep.equal([]);
  });

  it('checks journal inputs and log chunks', () => {
    const journal = [{ type: 'run.exploded' }, { type: 'attempt.progress', instanceId: 'x', attempt: 0, data: [] }] as never;
    expect(failures(() => check((c) => c.journal(journal))).map(([path]) => path)).to.deep.equal([
      'journal.0.type', 'journal.1.instanceId', 'journal.1.attempt', 'journal.1.data',
    ]);
    const chunk = { runId: 'r', instanceId: 'i', attempt: 1, seq: 0, stream: 'stdout' as const, text: 'ok' };
    expect(failures(() => checkLogChunks([chunk], 100))).to.deep.equal([]);
    expect(failures(() => checkLogChunks([{ ...chunk, stream: 'stdin' as never, seq: -1, text: 5 as never }], -1)).map(([path]) => path))
      .to.deep.equal(['maxBytesPerAttempt', 'chunks.0.seq', 'chunks.0.stream', 'chunks.0.text']);
  });
});

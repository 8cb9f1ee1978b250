/**
 * The transaction wrapper and the change feed's numbering, against a stand-in connection that runs
 * the work function like `connection.transaction()` does (including a retry). The real server-side
 * behaviour (write conflicts, commit) needs a replica set: see the integration suite.
 */
import { expect } from 'chai';
import mongoose, { Types, type Connection } from 'mongoose';
import { ValidationError } from '../../../shared/domain/errors.js';
import type { Models } from '../../../shared/store/mongo/models/index.js';
import { TRANSACTION_OPTIONS, Transactions, type Tx } from '../../../shared/store/mongo/transactions.js';

interface Recorded {
  counter: number;
  increments: number[];
  inserted: Array<Record<string, unknown>>;
  options: unknown[];
  sessions: unknown[];
}

/** A connection whose `transaction` runs the work `attempts` times, keeping only the last attempt's writes. */
function standIn(attempts: number): { tx: Transactions; recorded: Recorded } {
  const recorded: Recorded = { counter: 10, increments: [], inserted: [], options: [], sessions: [] };
  const session = { name: 'session' };
  let pending: Recorded = { ...recorded };
  const models = {
    Counter: {
      findOneAndUpdate: (_filter: unknown, update: { $inc: { seq: number } }, options: { session: unknown }) => {
        pending.counter += update.$inc.seq;
        pending.increments.push(update.$inc.seq);
        pending.sessions.push(options.session);
        return Promise.resolve({ _id: 'changes', seq: pending.counter });
      },
    },
    Change: {
      insertMany: (docs: Array<Record<string, unknown>>, options: { session: unknown }) => {
        pending.inserted.push(...docs);
        pending.sessions.push(options.session);
        return Promise.resolve(docs);
      },
    },
  } as unknown as Models;
  const connection = {
    transaction: async <T>(fn: (s: unknown) => Promise<T>, options: unknown): Promise<T> => {
      recorded.options.push(options);
      let result: T | undefined;
      for (let i = 0; i < attempts; i += 1) {
        // Each attempt starts from the committed state: an aborted attempt's writes are gone.
        pending = { ...recorded, increments: [], inserted: [], sessions: [] };
        result = await fn(session);
      }
      Object.assign(recorded, { counter: pending.counter, increments: pending.increments, inserted: pending.inserted, sessions: pending.sessions });
      return result as T;
    },
  } as unknown as Connection;
  return { tx: new Transactions(connection, models), recorded };
}

describe('MongoDB store: transactions and the change feed numbering', () => {
  const id = new Types.ObjectId();

  it('runs the work with snapshot reads and majority commits, and returns its result', async () => {
    const { tx, recorded } = standIn(1);
    expect(await tx.run(() => Promise.resolve(42))).to.equal(42);
    expect(recorded.options).to.deep.equal([TRANSACTION_OPTIONS]);
    expect(TRANSACTION_OPTIONS).to.deep.include({ readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
    expect(recorded.increments).to.deep.equal([]);
  });

  it('appends the recorded changes last, numbered after the counter, in recording order', async () => {
    const { tx, recorded } = standIn(1);
    await tx.run((t: Tx) => {
      t.change('workflow', 'created', id, id);
      t.change('instance', 'created', id, id, { state: 'initial' });
      t.change('device', 'updated', id, null, { state: 'waiting' });
      return Promise.resolve();
    });
    expect(recorded.increments).to.deep.equal([3]);
    expect(recorded.inserted.map((c) => [c.seq, c.entity, c.op])).to.deep.equal([
      [11, 'workflow', 'created'], [12, 'instance', 'created'], [13, 'device', 'updated'],
    ]);
    expect(recorded.inserted[1]?.data).to.deep.equal({ state: 'initial' });
    expect(recorded.inserted[2]?.accountId).to.equal(null);
    expect(recorded.sessions.every((s) => s === recorded.sessions[0])).to.equal(true);
  });

  it('starts a retried attempt with no changes left from the aborted one', async () => {
    const { tx, recorded } = standIn(2);
    let calls = 0;
    await tx.run((t: Tx) => {
      calls += 1;
      t.change('run', 'updated', id, id, { attempt: calls });
      return Promise.resolve();
    });
    expect(calls).to.equal(2);
    expect(recorded.inserted.map((c) => [c.seq, c.data])).to.deep.equal([[11, { attempt: 2 }]]);
  });

  it('rethrows a failed rule as the domain ValidationError', async () => {
    const { tx } = standIn(1);
    const failure = new mongoose.Error.ValidationError();
    failure.addError('name', new mongoose.Error.ValidatorError({ path: 'name', message: 'Path `name` is required.', type: 'required' }));
    const error = await tx.run(() => Promise.reject(failure)).then(() => null, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).errors).to.deep.equal([{ path: 'name', message: 'Path `name` is required.' }]);
  });
});

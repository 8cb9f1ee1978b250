/**
 * Transactions and the change feed.
 *
 * Every write of the adapter runs in `Transactions.run`: a MongoDB transaction (snapshot reads,
 * majority commit) that the driver retries as a whole on TransientTransactionError and
 * UnknownTransactionCommitResult (`connection.transaction()` → `session.withTransaction()`).
 * Every operation inside passes `tx.session`.
 *
 * INVARIANTS of the change feed
 * - A work function records its changes with `tx.change()`; they are appended as ChangeEvents at the
 *   end of the same transaction, so an event exists if and only if its change committed.
 * - Sequence numbers come from one counter document, incremented (by the number of events) as the
 *   transaction's last write. Two transactions that both emit events both write that document, so
 *   MongoDB lets only one of them hold it: the other fails with a WriteConflict and is retried after
 *   the first committed, from a snapshot that includes it. Hence seq order = commit order, and a
 *   reader can never see seq n+1 committed before seq n: `read(afterSeq)` never skips a gap that
 *   would fill later.
 * - Being the last write keeps the window in which the counter is held, and so the retries, short.
 * - A retried attempt starts with an empty list of changes (the list lives in the callback).
 */
import type { ClientSession, Connection } from 'mongoose';
import type { EntityKind } from '../../domain/model.js';
import type { Raw } from './convert.js';
import { mapErrors } from './errors.js';
import { CHANGES_COUNTER, type ChangeRecord } from './models/change.js';
import type { Models } from './models/index.js';

export type ChangeOp = ChangeRecord['op'];
type TransactionOptions = NonNullable<Parameters<Connection['transaction']>[1]>;

/** What a work function gets: the session to pass to every operation, and the change recorder. */
export interface Tx {
  readonly session: ClientSession;
  /** Records a change of a user-visible document, appended to the feed if the transaction commits. */
  change(entity: EntityKind, op: ChangeOp, id: unknown, accountId: unknown, data?: Raw): void;
}

interface PendingChange {
  entity: EntityKind;
  op: ChangeOp;
  id: unknown;
  accountId: unknown;
  data: Raw;
  at: Date;
}

/** Snapshot reads, majority commit, primary only: the settings MongoDB recommends for transactions. */
export const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

export class Transactions {
  constructor(private readonly connection: Connection, private readonly models: Models) {}

  /** Runs `work` in one transaction (retried as a whole when MongoDB says so); domain errors out. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return mapErrors(() => this.connection.transaction(async (session) => {
      const changes: PendingChange[] = [];
      const tx: Tx = {
        session,
        change: (entity, op, id, accountId, data = {}) => {
          changes.push({ entity, op, id, accountId: accountId ?? null, data, at: new Date() });
        },
      };
      const result = await work(tx);
      await this.appendChanges(session, changes);
      return result;
    }, TRANSACTION_OPTIONS));
  }

  /** Makes sure the counter exists and is not behind the feed (e.g. after a manual restore). */
  async prepareCounter(): Promise<void> {
    const newest = await this.models.Change.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean();
    await this.models.Counter.updateOne(
      { _id: CHANGES_COUNTER },
      { $max: { seq: newest?.seq ?? 0 } },
      { upsert: true },
    );
  }

  private async appendChanges(session: ClientSession, changes: PendingChange[]): Promise<void> {
    if (changes.length === 0) return;
    const counter = await this.models.Counter.findOneAndUpdate(
      { _id: CHANGES_COUNTER },
      { $inc: { seq: changes.length } },
      { session, upsert: true, returnDocument: 'after', lean: true },
    );
    if (counter === null) throw new Error('The change counter could not be incremented');
    const first = counter.seq - changes.length + 1;
    await this.models.Change.insertMany(
      changes.map((c, i) => ({ seq: first + i, at: c.at, entity: c.entity, op: c.op, id: c.id, accountId: c.accountId, data: c.data })),
      { session },
    );
  }
}

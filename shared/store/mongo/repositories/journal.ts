/**
 * Run journal appends and the instance-state step shared by the user and engine verbs. The journal's
 * dense per-run `seq` comes from the run document's `journalSeq`, which the caller saves in the same
 * transaction: concurrent appends to one run both write that document, so they serialise.
 */
import type { HydratedDocument } from 'mongoose';
import type { JournalEntry } from '../../../domain/model.js';
import type { InstanceState } from '../../../domain/states.js';
import type { JournalInput } from '../../port.js';
import { idOut, journalOut, plain, toJsonText } from '../convert.js';
import type { RunRecord } from '../models/run.js';
import type { Tx } from '../transactions.js';
import type { Context } from './context.js';

export type RunDoc = HydratedDocument<RunRecord>;

/** Inserts `entries` after the run's last journal entry; the caller then saves the run. */
export async function appendJournal(ctx: Context, tx: Tx, run: RunDoc, entries: readonly JournalInput[]): Promise<JournalEntry[]> {
  if (entries.length === 0) return [];
  const docs = entries.map((entry) => {
    run.journalSeq += 1;
    return {
      runId: run._id,
      seq: run.journalSeq,
      at: new Date(),
      type: entry.type,
      instanceId: entry.instanceId ?? null,
      attempt: entry.attempt ?? null,
      data: toJsonText(entry.data ?? {}),
    };
  });
  const inserted = await ctx.models.Journal.insertMany(docs, { session: tx.session });
  return inserted.map((doc) => journalOut(plain(doc)));
}

/**
 * Sets the state of the run's instance at `index`, and of the workflow's instance document (if it
 * still exists), and returns the journal entry recording it. An index outside the run is a bug.
 */
export async function setRunInstanceState(
  ctx: Context,
  tx: Tx,
  run: RunDoc,
  index: number,
  to: InstanceState,
  notBefore?: string | null,
): Promise<JournalInput> {
  const instance = run.instances[index];
  if (instance === undefined) throw new Error(`Run ${idOut(run._id)} has no instance at index ${index}`);
  const from = instance.state;
  instance.state = to;
  if (notBefore !== undefined) instance.notBefore = notBefore === null ? null : new Date(notBefore);
  const result = await ctx.models.Instance.updateOne(
    { _id: instance.instanceId, workflowId: run.workflowId },
    { $set: { state: to, updated: new Date() } },
    { session: tx.session },
  );
  if (result.matchedCount === 1) {
    tx.change('instance', 'updated', instance.instanceId, run.accountId, { state: to, runId: idOut(run._id) });
  }
  return { type: 'instance.state', instanceId: idOut(instance.instanceId), data: { index, from, to } };
}

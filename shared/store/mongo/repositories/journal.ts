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
 * Sets the state of the run's instance at `index` and returns the journal entry recording it. The
 * workflow's instance document mirrors it only if this run is the workflow's newest (its `state` is
 * the state in the latest run). An index outside the run is a caller's bug: RangeError.
 */
export async function setRunInstanceState(
  ctx: Context,
  tx: Tx,
  run: RunDoc,
  index: number,
  to: InstanceState,
  notBefore?: string | null,
): Promise<JournalInput> {
  const instance = runInstanceAt(run, index);
  const from = instance.state;
  instance.state = to;
  if (notBefore !== undefined) instance.notBefore = notBefore === null ? null : new Date(notBefore);
  const newest = await ctx.models.Workflow.exists({ _id: run.workflowId, lastRunId: run._id }).session(tx.session);
  if (newest !== null) {
    const result = await ctx.models.Instance.updateOne(
      { _id: instance.instanceId, workflowId: run.workflowId, state: { $ne: to } },
      { $set: { state: to, updated: new Date() } },
      { session: tx.session },
    );
    if (result.modifiedCount === 1) {
      tx.change('instance', 'updated', instance.instanceId, run.accountId, { workflowId: idOut(run.workflowId), state: to });
    }
  }
  return { type: 'instance.state', instanceId: idOut(instance.instanceId), data: { from, to } };
}

/** The run's instance at `index`; RangeError when there is none. */
export function runInstanceAt(run: RunDoc, index: number): RunDoc['instances'][number] {
  const instance = run.instances[index];
  if (instance === undefined) throw new RangeError(`Run ${idOut(run._id)} has no instance #${index}`);
  return instance;
}

/** The run's change event: status, what the user asked for, and the newest journal seq. */
export function runChanged(tx: Tx, run: RunDoc, op: 'created' | 'updated'): void {
  tx.change('run', op, run._id, run.accountId, {
    workflowId: idOut(run.workflowId), status: run.status, desired: run.desired, journalSeq: run.journalSeq,
  });
}

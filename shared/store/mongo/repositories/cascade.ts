/**
 * Deletes that span collections (account purge, workflow and workty deletes), and the write-skew
 * guard. All run inside the caller's transaction and record a change per deleted document.
 *
 * Why the guard: MongoDB transactions are snapshot-isolated, so two transactions that each only
 * *read* what the other deletes can both commit (write skew): e.g. adding an instance of a workty
 * while that workty is deleted, or referencing a package while the last other reference goes.
 * A transaction that depends on a document staying therefore increments the document's hidden
 * `guard` field; a concurrent delete of that document then conflicts with it and one is retried.
 */
import type { Model, Types } from 'mongoose';
import type { EntityKind } from '../../../domain/model.js';
import { NotFoundError } from '../../../domain/errors.js';
import { ACTIVE_RUN_STATUSES } from '../../../domain/states.js';
import { idOut, type Raw } from '../convert.js';
import type { Tx } from '../transactions.js';
import type { Context } from './context.js';

/** Makes a concurrent delete of the document conflict with this transaction; false if it is gone. */
export async function guard<R>(model: Model<R>, id: Types.ObjectId, tx: Tx): Promise<boolean> {
  const result = await model.updateOne({ _id: { $eq: id } } as Raw, { $inc: { guard: 1 } } as Raw, { session: tx.session });
  return result.matchedCount === 1;
}

/** The owner of a new document must exist; guarded, so that a concurrent purge conflicts. */
export async function requireOwner(ctx: Context, tx: Tx, accountId: Types.ObjectId): Promise<void> {
  if (!(await guard(ctx.models.Account, accountId, tx))) throw new NotFoundError('Account', accountId.toHexString());
}

/** Deletes runs matching `filter` with their journal and captured output. */
export async function deleteRuns(ctx: Context, tx: Tx, filter: Raw): Promise<void> {
  const { Run, Journal, Log, LogTotal } = ctx.models;
  const runs = await Run.find(filter, { _id: 1, accountId: 1, workflowId: 1 }).session(tx.session).lean();
  if (runs.length === 0) return;
  const ids = runs.map((r) => r._id);
  await Journal.deleteMany({ runId: { $in: ids } }, { session: tx.session });
  await Log.deleteMany({ runId: { $in: ids } }, { session: tx.session });
  await LogTotal.deleteMany({ runId: { $in: ids } }, { session: tx.session });
  await Run.deleteMany({ _id: { $in: ids } }, { session: tx.session });
  for (const run of runs) tx.change('run', 'deleted', run._id, run.accountId, { workflowId: idOut(run.workflowId) });
}

/** Deletes workflows matching `filter` with their instances and runs. */
export async function deleteWorkflows(ctx: Context, tx: Tx, filter: Raw): Promise<void> {
  const { Workflow, Instance } = ctx.models;
  const workflows = await Workflow.find(filter, { _id: 1, accountId: 1 }).session(tx.session).lean();
  if (workflows.length === 0) return;
  const ids = workflows.map((w) => w._id);
  const instances = await Instance.find({ workflowId: { $in: ids } }, { _id: 1, accountId: 1, workflowId: 1 }).session(tx.session).lean();
  await Instance.deleteMany({ workflowId: { $in: ids } }, { session: tx.session });
  for (const i of instances) tx.change('instance', 'deleted', i._id, i.accountId, { workflowId: idOut(i.workflowId) });
  await deleteRuns(ctx, tx, { workflowId: { $in: ids } });
  await Workflow.deleteMany({ _id: { $in: ids } }, { session: tx.session });
  for (const workflow of workflows) tx.change('workflow', 'deleted', workflow._id, workflow.accountId);
}

/**
 * Drops the packages among `hashes` that no workty and no active run refers to any more (checked
 * after the caller's writes). Finished runs keep only the reference (hash and size) as history.
 */
export async function dropUnusedPackages(ctx: Context, tx: Tx, hashes: Iterable<string>): Promise<void> {
  const { Workty, Run, Package } = ctx.models;
  for (const hash of new Set(hashes)) {
    // Guarded first: two transactions deciding about one package (e.g. a workty delete and the end
    // of a run holding it) then serialise, and the later one sees what the earlier one did.
    const stored = await Package.updateOne({ hash: { $eq: hash } }, { $inc: { guard: 1 } }, { session: tx.session });
    if (stored.matchedCount === 0) continue;
    if ((await Workty.exists({ 'package.hash': { $eq: hash } }).session(tx.session)) !== null) continue;
    const needed = await Run.exists({ status: { $in: [...ACTIVE_RUN_STATUSES] }, 'instances.package.hash': { $eq: hash } }).session(tx.session);
    if (needed === null) await Package.deleteOne({ hash: { $eq: hash } }, { session: tx.session });
  }
}

/** Whether any run of the matching workflows is active (queued, running or paused). */
export async function hasActiveRun(ctx: Context, tx: Tx, filter: Raw): Promise<boolean> {
  const active = await ctx.models.Run.exists({ ...filter, status: { $in: [...ACTIVE_RUN_STATUSES] } }).session(tx.session);
  return active !== null;
}

/** Deletes the documents of one owned kind (payments, tokens) matching `filter`. */
export async function deleteOwned<R>(model: Model<R>, entity: EntityKind, filter: Raw, tx: Tx): Promise<void> {
  const rows = await model.find(filter, { _id: 1, accountId: 1 }).session(tx.session).lean() as Raw[];
  await model.deleteMany(filter, { session: tx.session });
  for (const row of rows) tx.change(entity, 'deleted', row._id, row.accountId);
}

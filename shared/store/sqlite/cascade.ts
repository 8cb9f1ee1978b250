/**
 * Cascading deletes, each run inside the caller's write transaction: every deleted document appends
 * its own `deleted` change event, and packages nothing refers to any more go in the same transaction.
 */
import { ConflictError } from '../../domain/errors.js';
import type { Id } from '../../domain/ids.js';
import type { SqliteContext } from './database.js';

/** The active run statuses as SQL text (constants of the adapter, not input). */
export const ACTIVE_STATUSES_SQL = `('queued', 'running', 'paused')`;

/**
 * Deletes a package once no workty and no active run refers to it. Finished runs keep only the
 * reference (hash and size) as history.
 */
export function dropPackageIfUnused(ctx: SqliteContext, hash: string | null): void {
  if (hash === null) return;
  ctx.stmt(`DELETE FROM packages WHERE hash = @hash
      AND NOT EXISTS (SELECT 1 FROM workties WHERE packageHash = @hash)
      AND NOT EXISTS (SELECT 1 FROM run_instances ri JOIN runs r ON r._id = ri.runId
                      WHERE ri.packageHash = @hash AND r.status IN ${ACTIVE_STATUSES_SQL})`).run({ hash });
}

export function assertNoActiveRun(ctx: SqliteContext, by: 'workflowId' | 'accountId', id: Id, what: string): void {
  const active = ctx.stmt(`SELECT _id FROM runs WHERE ${by} = ? AND status IN ${ACTIVE_STATUSES_SQL} LIMIT 1`).get(id) as { _id: Id } | undefined;
  if (active !== undefined) throw new ConflictError(`${what} has an active run (${active._id}); stop it first`);
}

/** Deletes runs with their snapshot, attempts, journal and logs (SQL cascade), one event per run. */
function deleteRuns(ctx: SqliteContext, by: 'workflowId' | 'accountId', id: Id): void {
  const runs = ctx.stmt(`SELECT _id, workflowId, accountId FROM runs WHERE ${by} = ?`).all(id) as Array<{ _id: Id; workflowId: Id; accountId: Id }>;
  if (runs.length === 0) return;
  const hashes = ctx.stmt(`SELECT DISTINCT ri.packageHash AS hash FROM run_instances ri JOIN runs r ON r._id = ri.runId
      WHERE r.${by} = ? AND ri.packageHash IS NOT NULL`).all(id) as Array<{ hash: string }>;
  ctx.stmt(`DELETE FROM runs WHERE ${by} = ?`).run(id);
  for (const run of runs) ctx.change('run', 'deleted', run._id, run.accountId, { workflowId: run.workflowId });
  for (const { hash } of hashes) dropPackageIfUnused(ctx, hash);
}

/** Deletes a workflow with its instances and runs. The caller checked scope and active runs. */
export function deleteWorkflowData(ctx: SqliteContext, workflowId: Id, accountId: Id): void {
  deleteRuns(ctx, 'workflowId', workflowId);
  const instances = ctx.stmt('SELECT _id FROM instances WHERE workflowId = ? ORDER BY position').all(workflowId) as Array<{ _id: Id }>;
  ctx.stmt('DELETE FROM instances WHERE workflowId = ?').run(workflowId);
  for (const instance of instances) ctx.change('instance', 'deleted', instance._id, accountId, { workflowId });
  ctx.stmt('DELETE FROM workflows WHERE _id = ?').run(workflowId);
  ctx.change('workflow', 'deleted', workflowId, accountId);
}

/**
 * Hard-deletes an account with everything it owns: workflows (instances, runs, journal, logs),
 * tokens, payments, workties (its templates too, for an admin) and packages left unused.
 * ConflictError while one of its runs is active.
 */
export function purgeAccountData(ctx: SqliteContext, accountId: Id): void {
  assertNoActiveRun(ctx, 'accountId', accountId, 'The account');
  const workflows = ctx.stmt('SELECT _id FROM workflows WHERE accountId = ?').all(accountId) as Array<{ _id: Id }>;
  for (const workflow of workflows) deleteWorkflowData(ctx, workflow._id, accountId);
  // Runs of other accounts' workflows are never attributed to this one; this only guards old data.
  deleteRuns(ctx, 'accountId', accountId);

  const tokens = ctx.stmt('SELECT _id FROM tokens WHERE accountId = ?').all(accountId) as Array<{ _id: Id }>;
  ctx.stmt('DELETE FROM tokens WHERE accountId = ?').run(accountId);
  for (const token of tokens) ctx.change('token', 'deleted', token._id, accountId);

  const payments = ctx.stmt('SELECT _id FROM payments WHERE accountId = ?').all(accountId) as Array<{ _id: Id }>;
  ctx.stmt('DELETE FROM payments WHERE accountId = ?').run(accountId);
  for (const payment of payments) ctx.change('payment', 'deleted', payment._id, accountId);

  const workties = ctx.stmt('SELECT _id, template, packageHash FROM workties WHERE accountId = ?')
    .all(accountId) as Array<{ _id: Id; template: number; packageHash: string | null }>;
  ctx.stmt('DELETE FROM workties WHERE accountId = ?').run(accountId);
  for (const workty of workties) ctx.change('workty', 'deleted', workty._id, workty.template === 1 ? null : accountId);
  for (const hash of new Set(workties.map((w) => w.packageHash))) dropPackageIfUnused(ctx, hash);

  ctx.stmt('DELETE FROM accounts WHERE _id = ?').run(accountId);
  ctx.change('account', 'deleted', accountId, accountId);
}

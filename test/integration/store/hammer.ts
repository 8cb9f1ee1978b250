/**
 * A concurrent workload for the contract's concurrency tests and the SQLite child process: purchases
 * against one account and instance inserts at every kind of position into one workflow, interleaved.
 * Errors other than a short balance are collected, never thrown, so the caller can assert on them.
 */
import { InsufficientFundsError } from '../../../shared/domain/errors.js';
import type { Id } from '../../../shared/domain/ids.js';
import type { InstancePosition, Store } from '../../../shared/store/port.js';

export interface HammerPlan {
  accountId: Id;
  templateId: Id;
  workflowId: Id;
  worktyId: Id;
  /** An instance of the workflow that stays, for `beforeId` positions. */
  anchorId: Id;
  purchases: number;
  inserts: number;
}

export interface HammerResult {
  purchased: number;
  refused: number;
  inserted: Id[];
  /** Every unexpected failure, as `name: message`. */
  errors: string[];
}

export async function hammer(store: Store, plan: HammerPlan): Promise<HammerResult> {
  const result: HammerResult = { purchased: 0, refused: 0, inserted: [], errors: [] };
  const positions: InstancePosition[] = [{ type: 'first' }, { type: 'last' }, { index: 1 }, { beforeId: plan.anchorId }, {}];
  const scope = { accountId: plan.accountId };
  for (let i = 0; i < Math.max(plan.purchases, plan.inserts); i += 1) {
    if (i < plan.purchases) {
      try {
        await store.payments.purchase(plan.accountId, plan.templateId);
        result.purchased += 1;
      } catch (error) {
        if (error instanceof InsufficientFundsError) result.refused += 1;
        else result.errors.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    if (i < plan.inserts) {
      try {
        const position = positions[i % positions.length] ?? {};
        result.inserted.push((await store.instances.add(plan.workflowId, scope, { worktyId: plan.worktyId }, position))._id);
      } catch (error) {
        result.errors.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }
  }
  return result;
}

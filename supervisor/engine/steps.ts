/**
 * Pure helpers between the planner and the store: a planned step checked against the lifecycles and
 * turned into the store's `RunStep`; a run as it will be once a worker's reports are stored (so that
 * the step that follows a completion can be stored with it); the dispatch message of an attempt.
 */
import type { Attempt, Run, RetryPolicy } from '../../shared/domain/model.js';
import type { InstanceState, RunStatus } from '../../shared/domain/states.js';
import type { AttemptKey, Dispatch } from '../../shared/protocol/worker.js';
import type { AttemptReport, RunStep } from '../../shared/store/port.js';
import type { Move } from './lifecycle.js';
import type { InstanceEffect, InstanceInput, InstanceLifecycle, RunEffect, RunInput, RunLifecycle } from './machines.js';
import { isLive, type Plan } from './planner.js';
import { resolvePolicy } from './retry.js';

export type StepPlan = Extract<Plan, { kind: 'step' }>;

/** A step checked against both lifecycles: what to store, and the moves to announce once stored. */
export interface PreparedStep {
  step: RunStep;
  runMove: Move<RunStatus, RunInput, RunEffect> | null;
  instanceMoves: Array<{ index: number; move: Move<InstanceState, InstanceInput, InstanceEffect> }>;
  error: string | undefined;
}

/** IllegalStateError when a lifecycle does not allow a move (a planner bug: nothing is stored). */
export function prepareStep(lifecycles: { run: RunLifecycle; instance: InstanceLifecycle }, run: Run, plan: StepPlan): PreparedStep {
  const runMove = plan.run === null ? null : lifecycles.run.plan(run.status, plan.run);
  const instanceMoves = plan.instances.map((change) => ({
    index: change.index,
    notBefore: change.notBefore,
    move: lifecycles.instance.plan(run.instances[change.index]!.state, change.input),
  }));
  return {
    step: {
      from: run.status,
      to: runMove?.to ?? run.status,
      change: {
        ...(plan.error !== undefined ? { error: plan.error } : {}),
        instances: instanceMoves.map(({ index, move, notBefore }) => ({ index, from: move.from, to: move.to, ...(notBefore !== undefined ? { notBefore } : {}) })),
        ...(plan.journal !== undefined ? { journal: plan.journal } : {}),
      },
    },
    runMove,
    instanceMoves: instanceMoves.map(({ index, move }) => ({ index, move })),
    error: plan.error,
  };
}

/**
 * The run as it will be once these reports are stored, if they end the attempt; null when they do not
 * (no `finished` among them, or the store would refuse them: wrong token, attempt over, seq applied).
 */
export function afterReports(run: Run, reports: AttemptReport[]): Run | null {
  const finished = reports.find((r) => r.type === 'finished');
  if (finished === undefined || finished.type !== 'finished') return null;
  const index = run.instances.findIndex((i) => i.instanceId === finished.instanceId);
  const instance = run.instances[index];
  const attempt = instance?.attempts.find((a) => a.number === finished.attempt);
  if (instance === undefined || attempt === undefined || attempt.leaseToken !== finished.leaseToken || !isLive(attempt) || finished.seq <= attempt.lastSeq) return null;
  const ended: Attempt = {
    ...attempt, status: finished.status, exitCode: finished.exitCode, result: finished.result ?? null, error: finished.error,
    retryable: finished.retryable, lastSeq: finished.seq,
  };
  const instances = run.instances.slice();
  instances[index] = { ...instance, attempts: instance.attempts.map((a) => (a === attempt ? ended : a)) };
  return { ...run, instances };
}

/** What a worker is sent for an attempt. */
export function toDispatch(run: Run, index: number, key: AttemptKey, options: { defaults: RetryPolicy; maxLogBytes: number }): Dispatch {
  const instance = run.instances[index]!;
  return {
    ...key,
    name: instance.name,
    runtime: instance.runtime,
    entryPoint: instance.entryPoint,
    package: instance.package,
    properties: Object.fromEntries(instance.properties.map((p) => [p.name, p.value])),
    timeoutMs: resolvePolicy(instance.retry, options.defaults).timeoutMs,
    maxLogBytes: options.maxLogBytes,
    checkpoint: instance.checkpoint,
  };
}

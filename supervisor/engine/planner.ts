/**
 * The engine's decisions, as one pure function: given a run as stored, what is the next thing to do?
 * The engine is level-triggered: after every stored change, and after a restart, it asks again, so a
 * crash between two steps only delays the second one.
 *
 * A run works on one instance at a time, the *current* one: the first that has not completed.
 */
import type { Attempt, Run, RunInstance, RetryPolicy } from '../../shared/domain/model.js';
import { LIVE_ATTEMPT_STATUSES, isFinalRunStatus } from '../../shared/domain/states.js';
import type { JournalInput } from '../../shared/store/port.js';
import type { InstanceInput, RunInput } from './machines.js';
import { backoffAfter, countedAttempts, describeFailure, resolvePolicy } from './retry.js';

/** One instance's input inside a step. */
export interface InstanceChange {
  index: number;
  input: InstanceInput;
  /** For `retry`/`requeue`: when it may be dispatched again (null: at once). */
  notBefore?: string | null;
}

export type Plan =
  /** Store one step: the run's input (if any) and its instances' inputs, all at once. */
  | { kind: 'step'; run: RunInput | null; instances: InstanceChange[]; error?: string; journal?: JournalInput[] }
  /** The current instance is waiting and due: the dispatcher should find it a worker. */
  | { kind: 'dispatch'; index: number }
  /** A stop was asked while an attempt is live: cancel it on its worker, then wait for its end. */
  | { kind: 'cancel'; index: number; attempt: Attempt }
  /** The current instance is waiting for its backoff to end (epoch ms). */
  | { kind: 'wait'; index: number; until: number }
  /** Nothing to do until something happens (a report, a command, a lease expiry). */
  | { kind: 'idle' };

export interface PlanContext {
  now: number;
  defaults: RetryPolicy;
  /** Why this instance can never be dispatched (no enabled board could run it), or null. */
  undispatchable(instance: RunInstance): string | null;
}

const IDLE: Plan = { kind: 'idle' };

/** The first instance that has not completed, or -1 when all have. */
export function currentIndex(run: Run): number {
  return run.instances.findIndex((i) => i.state !== 'completed');
}

export function latestAttempt(instance: RunInstance): Attempt | undefined {
  return instance.attempts[instance.attempts.length - 1];
}

/** True for an attempt still leased to a worker (dispatched or running). */
export function isLive(attempt: Attempt | undefined): boolean {
  return attempt !== undefined && LIVE_ATTEMPT_STATUSES.includes(attempt.status);
}

function step(run: RunInput | null, instances: InstanceChange[], extra: { error?: string; journal?: JournalInput[] } = {}): Plan {
  return { kind: 'step', run, instances, ...extra };
}

export function plan(run: Run, ctx: PlanContext): Plan {
  if (isFinalRunStatus(run.status)) return IDLE;
  const index = currentIndex(run);
  if (index === -1) return step('complete', []);
  const instance = run.instances[index]!;
  const latest = latestAttempt(instance);

  if (run.desired === 'stopped') return planStop(run, index, instance, latest);
  if (instance.state === 'failed') return step('fail', [], { error: run.error ?? `Instance "${instance.name}" failed` });
  if (instance.state === 'stopped') return step('stop', []);

  if (run.status === 'queued') {
    // A run asked to pause before it started waits in the queue until resumed.
    if (run.desired !== 'running') return IDLE;
    return step('start', instance.state === 'initial' ? [{ index, input: 'ready' }] : []);
  }
  if (run.desired === 'paused' && run.status === 'running') return step('pause', []);
  if (run.desired === 'running' && run.status === 'paused') return step('resume', []);

  if (instance.state === 'running') {
    if (latest === undefined || isLive(latest)) return IDLE;
    return settle(run, index, instance, latest, ctx);
  }
  if (run.status === 'paused') return IDLE;
  if (instance.state === 'initial') return step(null, [{ index, input: 'ready' }]);
  // waiting
  const refusal = ctx.undispatchable(instance);
  if (refusal !== null) {
    return step('fail', [{ index, input: 'fail' }], { error: `Instance "${instance.name}" cannot run: ${refusal}` });
  }
  const due = instance.notBefore === null ? 0 : Date.parse(instance.notBefore);
  if (due > ctx.now) return { kind: 'wait', index, until: due };
  return { kind: 'dispatch', index };
}

/** A stop: cancel the live attempt first; once nothing runs, the run ends `stopped`. */
function planStop(run: Run, index: number, instance: RunInstance, latest: Attempt | undefined): Plan {
  if (run.status === 'queued') return step('stop', []);
  if (instance.state === 'running') {
    if (latest !== undefined && isLive(latest)) return { kind: 'cancel', index, attempt: latest };
    // The attempt ended meanwhile; a completion is still recorded as one.
    if (latest?.status === 'completed') {
      const last = index === run.instances.length - 1;
      return step(last ? 'complete' : 'stop', [{ index, input: 'complete' }]);
    }
    return step('stop', [{ index, input: 'stop' }]);
  }
  if (instance.state === 'waiting') return step('stop', [{ index, input: 'stop' }]);
  if (instance.state === 'failed') return step('fail', [], { error: run.error ?? `Instance "${instance.name}" failed` });
  return step('stop', []);
}

/** The current instance's attempt ended: complete, retry, requeue or fail. */
function settle(run: Run, index: number, instance: RunInstance, latest: Attempt, ctx: PlanContext): Plan {
  if (latest.status === 'completed') {
    const next = index + 1;
    if (next >= run.instances.length) return step('complete', [{ index, input: 'complete' }]);
    const changes: InstanceChange[] = [{ index, input: 'complete' }];
    // A paused run records the completion and holds the next instance until resumed.
    if (run.status === 'running') changes.push({ index: next, input: 'ready' });
    return step(null, changes);
  }
  if (latest.status === 'released') return step(null, [{ index, input: 'requeue', notBefore: null }]);

  const policy = resolvePolicy(instance.retry, ctx.defaults);
  const counted = countedAttempts(instance);
  const reason = describeFailure(latest);
  if (!latest.retryable) {
    return step('fail', [{ index, input: 'fail' }], { error: `Instance "${instance.name}" failed: ${reason} (not retryable)` });
  }
  if (counted >= policy.maxAttempts) {
    const attempts = counted === 1 ? '1 attempt' : `${counted} attempts`;
    return step('fail', [{ index, input: 'fail' }], { error: `Instance "${instance.name}" failed after ${attempts}: ${reason}` });
  }
  const delay = backoffAfter(counted, policy);
  const notBefore = new Date(ctx.now + delay).toISOString();
  return step(null, [{ index, input: 'retry', notBefore }], {
    journal: [{
      type: 'attempt.retry',
      instanceId: instance.instanceId,
      attempt: latest.number,
      data: { reason, nextAttempt: latest.number + 1, notBefore, backoffMs: delay, maxAttempts: policy.maxAttempts },
    }],
  });
}

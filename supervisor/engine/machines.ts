/**
 * The two lifecycles of the run engine (ARCHITECTURE §4), as data. States are the domain's
 * (`shared/domain/states.ts`); inputs and effects are the engine's.
 *
 * Workty instance: initial → waiting → running → completed, plus failed and stopped.
 * Workflow run:    queued → running ⇄ paused → completed | failed | stopped.
 */
import type { InstanceState, RunStatus } from '../../shared/domain/states.js';
import { Lifecycle, type LifecycleDefinition } from './lifecycle.js';

export type { InstanceState, RunStatus };

export const INSTANCE_INPUTS = ['ready', 'dispatch', 'complete', 'retry', 'requeue', 'fail', 'stop'] as const;
/**
 * What can happen to an instance.
 * - `ready`: its turn in the workflow came; it queues for a worker slot;
 * - `dispatch`: an attempt was claimed for a worker under a lease;
 * - `complete`: the attempt exited 0;
 * - `retry`: the attempt failed or was lost and attempts are left: queue again after the backoff;
 * - `requeue`: the worker gave the attempt back (shutdown, declined): queue again, no penalty;
 * - `fail`: the last allowed attempt failed, or a failure no retry can fix;
 * - `stop`: a user stopped the run.
 */
export type InstanceInput = (typeof INSTANCE_INPUTS)[number];

export const INSTANCE_EFFECTS = ['queue', 'deliver', 'none'] as const;
/**
 * What the engine does once an instance's move is stored.
 * - `queue`: offer it to the dispatcher (at once, or when its backoff ends);
 * - `deliver`: send the claimed attempt to its worker;
 * - `none`: nothing beyond announcing the move.
 */
export type InstanceEffect = (typeof INSTANCE_EFFECTS)[number];

export const RUN_INPUTS = ['start', 'pause', 'resume', 'complete', 'fail', 'stop'] as const;
/**
 * What can happen to a run.
 * - `start`: a supervisor took up the queued run;
 * - `pause`: a user paused it (the current attempt may finish);
 * - `resume`: a user resumed it;
 * - `complete`: every instance completed;
 * - `fail`: an instance failed for good;
 * - `stop`: a user stopped it and no attempt is live any more.
 */
export type RunInput = (typeof RUN_INPUTS)[number];

export const RUN_EFFECTS = ['advance', 'hold', 'close'] as const;
/**
 * What the engine does once a run's move is stored.
 * - `advance`: move on to the current instance (ready it, dispatch it);
 * - `hold`: withdraw its waiting instance from the dispatcher;
 * - `close`: the run is over: drop it from memory, cancel its timers.
 */
export type RunEffect = (typeof RUN_EFFECTS)[number];

export const INSTANCE_LIFECYCLE: LifecycleDefinition<InstanceState, InstanceInput, InstanceEffect> = {
  name: 'instance',
  initial: 'initial',
  states: {
    initial: {
      ready: { to: 'waiting', effect: 'queue' },
      stop: { to: 'stopped', effect: 'none' },
    },
    waiting: {
      dispatch: { to: 'running', effect: 'deliver' },
      // Before any attempt: no enabled board could ever run it (runtime, target, package size).
      fail: { to: 'failed', effect: 'none' },
      stop: { to: 'stopped', effect: 'none' },
    },
    running: {
      complete: { to: 'completed', effect: 'none' },
      retry: { to: 'waiting', effect: 'queue' },
      requeue: { to: 'waiting', effect: 'queue' },
      fail: { to: 'failed', effect: 'none' },
      stop: { to: 'stopped', effect: 'none' },
    },
    completed: {},
    failed: {},
    stopped: {},
  },
};

export const RUN_LIFECYCLE: LifecycleDefinition<RunStatus, RunInput, RunEffect> = {
  name: 'run',
  initial: 'queued',
  states: {
    queued: {
      start: { to: 'running', effect: 'advance' },
      stop: { to: 'stopped', effect: 'close' },
    },
    running: {
      pause: { to: 'paused', effect: 'hold' },
      complete: { to: 'completed', effect: 'close' },
      fail: { to: 'failed', effect: 'close' },
      stop: { to: 'stopped', effect: 'close' },
    },
    paused: {
      resume: { to: 'running', effect: 'advance' },
      // The attempt that was running when the user paused may still end the run.
      complete: { to: 'completed', effect: 'close' },
      fail: { to: 'failed', effect: 'close' },
      stop: { to: 'stopped', effect: 'close' },
    },
    completed: {},
    failed: {},
    stopped: {},
  },
};

export type InstanceLifecycle = Lifecycle<InstanceState, InstanceInput, InstanceEffect>;
export type RunLifecycle = Lifecycle<RunStatus, RunInput, RunEffect>;

export function createLifecycles(): { instance: InstanceLifecycle; run: RunLifecycle } {
  return { instance: new Lifecycle(INSTANCE_LIFECYCLE), run: new Lifecycle(RUN_LIFECYCLE) };
}

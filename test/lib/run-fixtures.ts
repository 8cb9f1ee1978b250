/** Run documents built in memory for the engine's pure unit tests (planner, retry). */
import type { Attempt, Run, RunInstance } from '../../shared/domain/model.js';
import type { AttemptStatus, InstanceState, RunStatus } from '../../shared/domain/states.js';
import type { RunDesired } from '../../shared/domain/model.js';

let counter = 0;
function fakeId(): string {
  counter += 1;
  return counter.toString(16).padStart(24, '0');
}

export function attempt(number: number, status: AttemptStatus, extra: Partial<Attempt> = {}): Attempt {
  return {
    number, deviceId: 'd'.repeat(24), status, leaseToken: `token-${number}`, leaseExpires: '2030-01-01T00:00:00.000Z',
    dispatched: '2024-01-01T00:00:00.000Z', started: null, ended: null, exitCode: status === 'failed' ? 1 : status === 'completed' ? 0 : null,
    result: null, error: null, retryable: true, lastSeq: 0, ...extra,
  };
}

export function instance(state: InstanceState, attempts: Attempt[] = [], extra: Partial<RunInstance> = {}): RunInstance {
  return {
    instanceId: fakeId(), worktyId: fakeId(), name: `task-${counter}`, runtime: 'node', entryPoint: 'index.js', package: null,
    properties: [], target: null, retry: null, state, attempts, checkpoint: null, notBefore: null, ...extra,
  };
}

export function run(status: RunStatus, desired: RunDesired, instances: RunInstance[]): Run {
  return {
    _id: fakeId(), workflowId: fakeId(), accountId: fakeId(), status, desired, instances, error: null,
    created: '2024-01-01T00:00:00.000Z', started: null, ended: null, updated: '2024-01-01T00:00:00.000Z',
  };
}

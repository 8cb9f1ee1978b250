/**
 * Every lifecycle of the domain as a closed string union, one doc line per state. The state machines
 * that move between them live in the supervisor (machina); the store only records them.
 */

export const INSTANCE_STATES = ['initial', 'waiting', 'running', 'completed', 'failed', 'stopped'] as const;
/**
 * A workty instance's state in its workflow's latest run.
 * - `initial`: not run yet (or reset for a new run);
 * - `waiting`: ready and queued for a worker slot;
 * - `running`: an attempt is executing on a board;
 * - `completed`: an attempt exited 0;
 * - `failed`: the last allowed attempt failed, or a non-retryable error;
 * - `stopped`: stopped by a user before it could complete.
 */
export type InstanceState = (typeof INSTANCE_STATES)[number];

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'stopped'] as const;
/**
 * A workflow run's status.
 * - `queued`: requested (durably), not yet taken up by a supervisor;
 * - `running`: its instances are being executed in order;
 * - `paused`: the current attempt may finish, nothing further starts until resumed;
 * - `completed`: every instance completed;
 * - `failed`: an instance failed for good;
 * - `stopped`: stopped by a user.
 */
export type RunStatus = (typeof RUN_STATUSES)[number];
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused'];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'stopped'];

export const ATTEMPT_STATUSES = ['dispatched', 'running', 'completed', 'failed', 'stopped', 'lost', 'released'] as const;
/**
 * One execution of an instance on a board.
 * - `dispatched`: leased to a worker, not yet reported started;
 * - `running`: the worker started the task's process;
 * - `completed`: exit code 0;
 * - `failed`: non-zero exit, timeout, or an error before start (bad package, unknown runtime);
 * - `stopped`: killed on a user's stop;
 * - `lost`: the lease expired (worker gone); the instance may be re-dispatched;
 * - `released`: handed back by its worker before it ran to an end (shutdown, dispatch declined); the
 *   instance is re-dispatched without counting it against the retry limit.
 */
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];
export const FINAL_ATTEMPT_STATUSES: readonly AttemptStatus[] = ['completed', 'failed', 'stopped', 'lost', 'released'];
/** Attempts still leased to a worker. */
export const LIVE_ATTEMPT_STATUSES: readonly AttemptStatus[] = ['dispatched', 'running'];

export const DEVICE_STATES = ['waiting', 'running', 'disconnected'] as const;
/**
 * A board's liveness.
 * - `waiting`: connected and idle;
 * - `running`: connected and executing at least one attempt;
 * - `disconnected`: no live connection.
 */
export type DeviceState = (typeof DEVICE_STATES)[number];

export const RUN_COMMANDS = ['run', 'pause', 'resume', 'stop'] as const;
/** What a user asked a run to do; recorded durably before the supervisor acts on it. */
export type RunCommand = (typeof RUN_COMMANDS)[number];

export function isFinalRunStatus(status: RunStatus): boolean {
  return FINAL_RUN_STATUSES.includes(status);
}

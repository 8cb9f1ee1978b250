/**
 * What the engine announces once a change is stored: for the client namespaces (live
 * `sv.workflow.changed`, `/runs`), the benchmark and the tests. Listeners run synchronously after
 * the store write; they must not throw or block.
 */
import type { Attempt, Run } from '../../shared/domain/model.js';

/** A stored move of a run or of one of its instances. */
export interface TransitionEvent {
  machine: 'run' | 'instance';
  /** The run as stored after the step. */
  run: Run;
  /** The instance's position in the run (instance moves only). */
  index: number | null;
  instanceId: string | null;
  from: string;
  to: string;
  input: string;
  /** When it was stored: ms since the epoch, sub-millisecond resolution. */
  at: number;
}

/** Something happened to an attempt. */
export interface AttemptEvent {
  /**
   * - `dispatched`: claimed for a worker (stored);
   * - `accepted`: the worker acknowledged the dispatch;
   * - `declined`: the worker refused it (released, re-dispatched);
   * - `reported`: a report of the worker was stored (started, progress, checkpoint, finished);
   * - `ended`: the attempt reached its final status, stored once by this supervisor (a finished
   *   report applied, a lease expired, handed back or declined, not held by its board).
   */
  kind: 'dispatched' | 'accepted' | 'declined' | 'reported' | 'ended';
  runId: string;
  index: number;
  attempt: Attempt;
  at: number;
  /** `dispatched` only: when the instance was offered to the dispatcher (due, its run running). */
  readyAt?: number;
}

export interface EngineEvents {
  transition: [TransitionEvent];
  attempt: [AttemptEvent];
  /** A run reached a final status. */
  finished: [Run];
}

/** Now, as ms since the epoch with sub-millisecond resolution (comparable across processes). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

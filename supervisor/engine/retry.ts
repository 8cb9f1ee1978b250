/**
 * Retry policy: an instance's own fields over the supervisor's defaults; attempts the worker gave back
 * (`released`) do not count; the backoff doubles from one attempt to the next.
 */
import type { Attempt, RetryPolicy, RunInstance } from '../../shared/domain/model.js';

/** The longest backoff, whatever the doubling gives. */
export const MAX_BACKOFF_MS = 24 * 3_600_000;

export function resolvePolicy(own: Partial<RetryPolicy> | null, defaults: RetryPolicy): RetryPolicy {
  return {
    maxAttempts: own?.maxAttempts ?? defaults.maxAttempts,
    backoffMs: own?.backoffMs ?? defaults.backoffMs,
    timeoutMs: own?.timeoutMs ?? defaults.timeoutMs,
  };
}

/** Attempts that count against `maxAttempts`. */
export function countedAttempts(instance: RunInstance): number {
  return instance.attempts.filter((a) => a.status !== 'released').length;
}

/** The delay before the next attempt, after `counted` counted attempts (≥ 1). */
export function backoffAfter(counted: number, policy: RetryPolicy): number {
  const factor = 2 ** Math.max(0, counted - 1);
  return Math.min(policy.backoffMs * factor, MAX_BACKOFF_MS);
}

/** An ended attempt's failure in words, for the run's error and the journal. */
export function describeFailure(attempt: Attempt): string {
  if (attempt.error !== null && attempt.error !== '') return attempt.error;
  if (attempt.status === 'lost') return 'the worker stopped renewing its lease';
  if (attempt.status === 'stopped') return 'the attempt was stopped on its worker';
  if (attempt.exitCode !== null) return `exit code ${attempt.exitCode}`;
  return `ended ${attempt.status}`;
}

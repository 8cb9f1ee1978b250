/**
 * One Prometheus registry per process, made in its composition root (never prom-client's global
 * default registry: two roles built in one test process must not share or clash over series).
 * Series names and meanings: docs/operations.md.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /**
   * Also collect the process's own series (CPU, memory, heap, event loop lag, GC, handles: prom-client's
   * default metrics). On for a role's process; off for servers built inside tests.
   * @default false
   */
  processMetrics?: boolean;
}

export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Histogram buckets (seconds) for operations from sub-millisecond store reads to slow networks. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Seconds elapsed since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * The supervisor's series (docs/operations.md). Counters follow the engine's announcements, which
 * come only after the store accepted a change, so each change is counted once, by the supervisor
 * that stored it (summing over supervisors is right). Gauges are read from the engine, the session
 * registry and the client sessions when scraped: nothing is kept up to date on the hot path.
 *
 * Dispatch latency: from an instance's offer to the dispatcher (ready: due, its run running) to its
 * board acknowledging the dispatch (it holds the attempt and starts it). Start latency: from the same
 * offer to the board's `started` report being stored (the task's process runs; a cold package cache
 * adds the download). `bench/engine.ts` measures the first to the board's receipt, without the way back.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ACTIVE_RUN_STATUSES, LIVE_ATTEMPT_STATUSES } from '../shared/domain/states.js';
import type { Engine } from './engine/engine.js';
import type { AttemptEvent, TransitionEvent } from './engine/events.js';
import type { SessionRegistry } from './workers/registry.js';

/** Latencies of a dispatch: from a few milliseconds on a LAN to a board on a slow link or a long queue. */
const DISPATCH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface SupervisorMetricsSources {
  engine: Engine;
  registry: SessionRegistry;
  /** Client sockets connected to this supervisor. */
  clientSockets: () => number;
}

export interface SupervisorMetrics {
  /** Stops following the engine (shutdown). */
  close(): void;
}

export function attachSupervisorMetrics(metrics: Registry, { engine, registry, clientSockets }: SupervisorMetricsSources): SupervisorMetrics {
  const registers = [metrics];
  const runTransitions = new Counter({
    name: 'workty_run_transitions_total',
    help: 'Runs that reached each status (running counts every start and resume), stored by this supervisor',
    labelNames: ['to'] as const, registers,
  });
  const attempts = new Counter({
    name: 'workty_attempts_total',
    help: 'Attempts by the status they reached: dispatched, then one final status each (completed, failed, stopped, lost, released), stored by this supervisor',
    labelNames: ['status'] as const, registers,
  });
  new Gauge({
    name: 'workty_runs_active',
    help: 'Runs this supervisor is driving, by status (queued, running, paused)',
    labelNames: ['status'] as const, registers,
    collect() {
      const counts = new Map<string, number>(ACTIVE_RUN_STATUSES.map((s) => [s, 0]));
      for (const entry of engine.entries()) counts.set(entry.run.status, (counts.get(entry.run.status) ?? 0) + 1);
      for (const [status, count] of counts) this.labels(status).set(count);
    },
  });
  new Gauge({
    name: 'workty_attempts_active',
    help: 'Live attempts of the runs this supervisor is driving, by status (dispatched, running)',
    labelNames: ['status'] as const, registers,
    collect() {
      const counts = new Map<string, number>(LIVE_ATTEMPT_STATUSES.map((s) => [s, 0]));
      for (const entry of engine.entries()) {
        for (const instance of entry.run.instances) {
          for (const attempt of instance.attempts) {
            if (counts.has(attempt.status)) counts.set(attempt.status, counts.get(attempt.status)! + 1);
          }
        }
      }
      for (const [status, count] of counts) this.labels(status).set(count);
    },
  });
  new Gauge({
    name: 'workty_workers_connected', help: 'Worker boards connected to this supervisor', registers,
    collect() { this.set(registry.size); },
  });
  new Gauge({
    name: 'workty_workers_available', help: 'Connected workers with a free slot (an attempt could be dispatched to them now)', registers,
    collect() { this.set(registry.availableCount); },
  });
  new Gauge({
    name: 'workty_dispatch_queue_length', help: 'Instances ready and waiting for a free worker slot', registers,
    collect() { this.set(engine.dispatcher.queued); },
  });
  new Gauge({
    name: 'workty_client_sockets', help: 'Client sockets connected to this supervisor (one per namespace a client uses)', registers,
    collect() { this.set(clientSockets()); },
  });
  const dispatchLatency = new Histogram({
    name: 'workty_dispatch_latency_seconds',
    help: 'From an instance ready (offered to the dispatcher) to its board acknowledging the dispatch',
    buckets: DISPATCH_BUCKETS, registers,
  });
  const startLatency = new Histogram({
    name: 'workty_attempt_start_latency_seconds',
    help: 'From an instance ready (offered to the dispatcher) to its board\'s started report stored (includes a package download)',
    buckets: DISPATCH_BUCKETS, registers,
  });

  /** Attempt → when its instance was ready, until both latencies are observed or the attempt ends. */
  const ready = new Map<string, { at: number; acknowledged: boolean }>();
  const keyOf = (e: AttemptEvent): string => `${e.runId}/${e.index}/${e.attempt.number}`;

  const onTransition = (e: TransitionEvent): void => {
    if (e.machine === 'run') runTransitions.labels(e.to).inc();
  };
  const onAttempt = (e: AttemptEvent): void => {
    const key = keyOf(e);
    switch (e.kind) {
      case 'dispatched':
        attempts.labels('dispatched').inc();
        if (e.readyAt !== undefined) ready.set(key, { at: e.readyAt, acknowledged: false });
        return;
      case 'accepted': {
        const pending = ready.get(key);
        if (pending !== undefined && !pending.acknowledged) {
          pending.acknowledged = true;
          dispatchLatency.observe(Math.max(0, e.at - pending.at) / 1000);
        }
        return;
      }
      case 'declined':
        ready.delete(key);
        return;
      case 'reported': {
        const pending = ready.get(key);
        if (pending !== undefined && e.attempt.started !== null) {
          startLatency.observe(Math.max(0, e.at - pending.at) / 1000);
          ready.delete(key);
        }
        return;
      }
      case 'ended':
        attempts.labels(e.attempt.status).inc();
        ready.delete(key);
        return;
    }
  };
  engine.on('transition', onTransition);
  engine.on('attempt', onAttempt);
  return {
    close() {
      engine.off('transition', onTransition);
      engine.off('attempt', onAttempt);
      ready.clear();
    },
  };
}

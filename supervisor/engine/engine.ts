/**
 * The run engine: holds the active runs, asks the planner what each needs next, asks the lifecycles
 * where that leads, stores it, and only then logs, announces and performs the step's effects.
 *
 * INVARIANTS
 * - Every change of a run goes through the store first (compare-and-set); the cached document is
 *   replaced by what the store returns, never edited in place.
 * - A run's or an instance's state changes only through a stored step (`applyStep`, a claim, or a
 *   report's follow-up); `announceStep` then logs {from, to} and emits `transition`, never before.
 * - Work on one run is serial (`RunEntry.serial`); a failed compare-and-set reloads the run and
 *   plans again, so several supervisors can share a store.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Attempt, RetryPolicy, Run } from '../../shared/domain/model.js';
import { ALL } from '../../shared/domain/query.js';
import { isFinalRunStatus, type AttemptStatus } from '../../shared/domain/states.js';
import type { Logger } from '../../shared/log.js';
import type { AttemptKey } from '../../shared/protocol/worker.js';
import type { AttemptReport, EndedAttempt, Store } from '../../shared/store/port.js';
import type { SessionRegistry } from '../workers/registry.js';
import { attemptKeyId, type WorkerSession } from '../workers/session.js';
import type { DeviceCatalog } from './catalog.js';
import { Dispatcher, type QueueItem } from './dispatcher.js';
import { preciseNow, type EngineEvents } from './events.js';
import { createLifecycles, type InstanceEffect, type RunEffect } from './machines.js';
import { plan, type Plan, type PlanContext } from './planner.js';
import { RunEntry } from './run-entry.js';
import { deliver } from './delivery.js';
import { afterReports, prepareStep, type PreparedStep, type StepPlan } from './steps.js';

export interface EngineOptions {
  /** Lease granted with each dispatch and renewal. */
  leaseMs: number;
  /** How long a worker has to acknowledge a dispatch or a cancel. */
  ackTimeoutMs: number;
  /** Retry policy fields an instance leaves unset. */
  defaults: RetryPolicy;
  /** Output kept per attempt (sent to the worker, enforced by the store). */
  maxLogBytes: number;
}

export interface EngineDeps {
  store: Store;
  registry: SessionRegistry;
  catalog: DeviceCatalog;
  logger: Logger;
  options: EngineOptions;
}

interface Claimed {
  session: WorkerSession;
  attempt: Attempt;
  key: AttemptKey;
}

/** Retry delays of a run whose drive failed (store unreachable): doubling between these bounds. */
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/** A runaway planning loop (a bug) stops after this many steps in one go and is logged. */
const MAX_STEPS_PER_DRIVE = 64;

export class Engine extends EventEmitter<EngineEvents> {
  readonly dispatcher: Dispatcher;
  readonly lifecycles = createLifecycles();
  private readonly runs = new Map<string, RunEntry>();
  private readonly loading = new Map<string, Promise<RunEntry | null>>();
  private readonly planContext: PlanContext;
  private closing = false;

  constructor(private readonly deps: EngineDeps) {
    super();
    this.dispatcher = new Dispatcher(deps.registry, (item, session) => this.claim(item, session));
    const { catalog, options } = deps;
    this.planContext = {
      now: 0,
      defaults: options.defaults,
      undispatchable: (instance) => catalog.whyUndispatchable(instance),
    };
  }

  get options(): EngineOptions {
    return this.deps.options;
  }

  get activeRuns(): number {
    return this.runs.size;
  }

  /** Start-up reconciliation: every active run is reloaded from the store and driven. */
  async load(): Promise<void> {
    const runs = await this.deps.store.runs.listActive();
    for (const run of runs) this.adopt(run);
    this.deps.logger.info({ runs: runs.length }, 'active runs reloaded from the store');
    for (const entry of this.runs.values()) this.drive(entry);
  }

  /** The entry of an active run, loaded on demand; null when the run is over or unknown. */
  entry(runId: string): Promise<RunEntry | null> {
    const cached = this.runs.get(runId);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.loading.get(runId);
    if (pending === undefined) {
      pending = this.deps.store.runs.get(runId, ALL).then((run) => {
        if (run === null || isFinalRunStatus(run.status) || this.closing) return null;
        const entry = this.runs.get(runId) ?? this.adopt(run);
        this.drive(entry);
        return entry;
      }).finally(() => this.loading.delete(runId));
      this.loading.set(runId, pending);
    }
    return pending;
  }

  /** The entry of an active run this supervisor holds, without loading anything. */
  cached(runId: string): RunEntry | undefined {
    return this.runs.get(runId);
  }

  /** Cached active runs (for reconciliation with a worker's hello). */
  entries(): IterableIterator<RunEntry> {
    return this.runs.values();
  }

  /**
   * True when a change event of a run says nothing new: the cached run has the status and desired
   * state the event carries (the engine's own writes, mostly). Anything else is re-read.
   */
  isCurrent(runId: string, data: Record<string, unknown>): boolean {
    const cached = this.runs.get(runId);
    return cached !== undefined && data['status'] === cached.run.status && data['desired'] === cached.run.desired;
  }

  /** Another process (REST, another supervisor) changed the run: re-read it and act on it. */
  async refresh(runId: string): Promise<void> {
    const cached = this.runs.get(runId);
    if (cached === undefined) {
      await this.entry(runId);
      return;
    }
    await cached.serial(() => this.reload(cached));
    this.drive(cached);
  }

  /** A newer stored document of a cached run (returned by a store verb). */
  accept(entry: RunEntry, run: Run): void {
    entry.run = run;
    if (isFinalRunStatus(run.status)) this.forget(entry);
  }

  /** Plans and acts on the run until it waits for something; coalesces with a drive already queued. */
  drive(entry: RunEntry): void {
    if (entry.driveQueued || entry.closed || this.closing) return;
    entry.driveQueued = true;
    void entry.serial(async () => {
      entry.driveQueued = false;
      try {
        await this.advance(entry);
        entry.retryDelayMs = 0;
      } catch (error) {
        // A store that cannot be reached: try again later, whether or not anything else happens.
        entry.retryDelayMs = Math.min(Math.max(2 * entry.retryDelayMs, MIN_RETRY_MS), MAX_RETRY_MS);
        entry.logger.error({ err: error, retryInMs: entry.retryDelayMs }, 'driving the run failed; trying again');
        entry.scheduleRetry(() => this.drive(entry));
      }
    });
  }

  /** Ends attempts in the store (lost, released) and moves their runs on. */
  async endAttempts(deviceId: string, keys: AttemptKey[], status: Extract<AttemptStatus, 'lost' | 'released'>, reason: string): Promise<EndedAttempt[]> {
    if (keys.length === 0) return [];
    const ended = await this.deps.store.runs.endAttempts(deviceId, keys, status, reason);
    await this.afterEnded(ended);
    return ended;
  }

  /** Attempts the store ended on its own (expired leases): reload their runs and drive them. */
  async afterEnded(ended: EndedAttempt[]): Promise<void> {
    const at = preciseNow();
    for (const e of ended) this.emit('attempt', { kind: 'ended', runId: e.runId, index: e.instanceIndex, attempt: e.attempt, at });
    const runIds = new Set(ended.map((e) => e.runId));
    await Promise.all([...runIds].map((runId) => this.refresh(runId)));
  }

  /** Stops planning and dispatching; waits for work under way on every run. */
  async close(): Promise<void> {
    this.closing = true;
    this.dispatcher.stop();
    for (const entry of this.runs.values()) entry.clearTimer();
    await Promise.all([...this.runs.values()].map((entry) => entry.settled()));
    await Promise.all([...this.loading.values()]);
  }

  private adopt(run: Run): RunEntry {
    const entry = new RunEntry(run, this.deps.logger.child({ runId: run._id }));
    this.runs.set(run._id, entry);
    return entry;
  }

  private forget(entry: RunEntry): void {
    entry.closed = true;
    entry.clearTimer();
    this.dispatcher.withdraw(entry.id);
    if (this.runs.get(entry.id) === entry) this.runs.delete(entry.id);
  }

  private async reload(entry: RunEntry): Promise<void> {
    const run = await this.deps.store.runs.get(entry.id, ALL);
    if (run === null) {
      this.forget(entry);
      return;
    }
    this.accept(entry, run);
  }

  private async advance(entry: RunEntry): Promise<void> {
    for (let steps = 0; steps < MAX_STEPS_PER_DRIVE; steps += 1) {
      if (entry.closed || this.closing) return;
      this.planContext.now = Date.now();
      const next = plan(entry.run, this.planContext);
      if (next.kind !== 'step') {
        this.settleOn(entry, next);
        return;
      }
      if (!(await this.applyStep(entry, next))) await this.reload(entry);
    }
    entry.logger.error({ status: entry.run.status }, `the run did not settle after ${MAX_STEPS_PER_DRIVE} steps (a bug); left as is`);
  }

  /** A plan that is not a step: queue, wait or cancel. */
  private settleOn(entry: RunEntry, next: Exclude<Plan, { kind: 'step' }>): void {
    switch (next.kind) {
      case 'dispatch':
      case 'wait':
        this.queueInstance(entry, next.index);
        return;
      case 'cancel':
        entry.clearTimer();
        this.dispatcher.withdraw(entry.id);
        this.sendCancel(entry, next.index, next.attempt);
        return;
      case 'idle':
        entry.clearTimer();
        this.dispatcher.withdraw(entry.id);
        return;
    }
  }

  /** Offers a waiting instance to the dispatcher, or wakes the run when its backoff ends. */
  private queueInstance(entry: RunEntry, index: number): void {
    const instance = entry.run.instances[index];
    if (instance === undefined || instance.state !== 'waiting' || entry.run.status !== 'running' || entry.closed) return;
    const due = instance.notBefore === null ? 0 : Date.parse(instance.notBefore);
    const now = Date.now();
    entry.clearTimer();
    if (due > now) {
      this.dispatcher.withdraw(entry.id);
      entry.timer = setTimeout(() => {
        entry.timer = null;
        this.drive(entry);
      }, due - now);
      return;
    }
    this.dispatcher.offer({ runId: entry.id, index, runtime: instance.runtime, target: instance.target });
  }

  private sendCancel(entry: RunEntry, index: number, attempt: Attempt): void {
    const instance = entry.run.instances[index]!;
    const key: AttemptKey = { runId: entry.id, instanceId: instance.instanceId, attempt: attempt.number, leaseToken: attempt.leaseToken };
    const session = this.deps.registry.get(attempt.deviceId);
    // Without a connection here, the lease runs out (or the worker's next hello gets the cancel).
    if (session === undefined || session.closed || entry.cancelSent.get(attemptKeyId(key)) === session) return;
    entry.cancelSent.set(attemptKeyId(key), session);
    entry.logger.info({ deviceId: attempt.deviceId, attempt: attempt.number }, 'stop: cancelling the running attempt');
    session.cancel({ key, reason: 'stop' }, this.deps.options.ackTimeoutMs);
  }

  /** Stores a planned step, then announces it (the one transition point, with `announceStep`). */
  private async applyStep(entry: RunEntry, plan: StepPlan): Promise<boolean> {
    const prepared = prepareStep(this.lifecycles, entry.run, plan);
    const { from, to, change } = prepared.step;
    const stored = await this.deps.store.runs.transition(entry.id, from, to, change);
    if (stored === null) {
      entry.logger.debug({ status: from }, 'the run changed meanwhile; reloading');
      return false;
    }
    this.accept(entry, stored);
    this.announceStep(entry, prepared, stored);
    return true;
  }

  /**
   * What follows once these reports are stored, if they end the attempt: the step the planner would
   * take next, for the store to apply in the same transaction. Undefined when nothing would follow.
   */
  followUp(entry: RunEntry, reports: AttemptReport[]): PreparedStep | undefined {
    const predicted = afterReports(entry.run, reports);
    if (predicted === null) return undefined;
    this.planContext.now = Date.now();
    const next = plan(predicted, this.planContext);
    return next.kind === 'step' ? prepareStep(this.lifecycles, predicted, next) : undefined;
  }

  /**
   * A step is stored: log {from, to} of every move, announce it, perform its effects. Announced in
   * causal order: a run starts before its instance is readied, an instance ends before the run it ends.
   */
  announceStep(entry: RunEntry, prepared: PreparedStep, stored: Run): void {
    const { runMove, instanceMoves, error } = prepared;
    const at = preciseNow();
    const announceRun = (): void => {
      if (runMove === null) return;
      entry.logger.info({ machine: 'run', from: runMove.from, to: runMove.to, input: runMove.input, error }, 'transition');
      this.emit('transition', { machine: 'run', run: stored, index: null, instanceId: null, from: runMove.from, to: runMove.to, input: runMove.input, at });
      this.performRunEffect(entry, runMove.effect);
    };
    if (runMove?.to === 'running') announceRun();
    for (const { index, move } of instanceMoves) {
      const instanceId = stored.instances[index]!.instanceId;
      entry.logger.info({ machine: 'instance', index, instanceId, from: move.from, to: move.to, input: move.input }, 'transition');
      this.emit('transition', { machine: 'instance', run: stored, index, instanceId, from: move.from, to: move.to, input: move.input, at });
      this.performInstanceEffect(entry, index, move.effect);
    }
    if (runMove !== null && runMove.to !== 'running') announceRun();
  }

  /** `deliver` needs the claim it follows; the other effects only the run and the instance. */
  private performInstanceEffect(entry: RunEntry, index: number, effect: InstanceEffect, claim?: Claimed): void {
    switch (effect) {
      case 'queue':
        this.queueInstance(entry, index);
        return;
      case 'deliver':
        if (claim !== undefined) void deliver(this, entry, claim.session, index, claim.attempt, claim.key);
        return;
      case 'none':
        return;
    }
  }

  private performRunEffect(entry: RunEntry, effect: RunEffect): void {
    switch (effect) {
      case 'hold':
        this.dispatcher.withdraw(entry.id);
        return;
      case 'close':
        this.emit('finished', entry.run);
        return;
      case 'advance':
        return;
    }
  }

  /** The dispatcher picked `session` for `item`: store the claim, then deliver it. Never rejects. */
  private async claim(item: QueueItem, session: WorkerSession): Promise<void> {
    const entry = this.runs.get(item.runId);
    if (entry === undefined) {
      this.dispatcher.claimSettled(item.runId);
      session.unreserve();
      return;
    }
    await entry.serial(async () => {
      try {
        await this.claimNow(entry, item, session);
      } catch (error) {
        entry.logger.error({ err: error, deviceId: session.deviceId }, 'dispatch failed');
      } finally {
        this.dispatcher.claimSettled(item.runId);
        session.unreserve();
      }
    });
    this.drive(entry);
  }

  private async claimNow(entry: RunEntry, item: QueueItem, session: WorkerSession): Promise<void> {
    const instance = entry.run.instances[item.index];
    if (entry.closed || session.closed || instance === undefined || instance.state !== 'waiting' || entry.run.status !== 'running') return;
    const move = this.lifecycles.instance.plan(instance.state, 'dispatch');
    const leaseToken = randomBytes(18).toString('base64url');
    const attempt = await this.deps.store.runs.dispatch({
      runId: entry.id,
      instanceIndex: item.index,
      deviceId: session.deviceId,
      leaseToken,
      leaseExpires: new Date(Date.now() + this.deps.options.leaseMs).toISOString(),
    });
    if (attempt === null) {
      await this.reload(entry);
      return;
    }
    const key: AttemptKey = { runId: entry.id, instanceId: instance.instanceId, attempt: attempt.number, leaseToken };
    session.hold(key);
    // The store changed exactly this (port: dispatch); the next report reads the whole run back.
    const instances = entry.run.instances.slice();
    instances[item.index] = { ...instance, state: move.to, notBefore: null, attempts: [...instance.attempts, attempt] };
    const run: Run = { ...entry.run, instances };
    this.accept(entry, run);
    const at = preciseNow();
    entry.logger.info({ machine: 'instance', index: item.index, instanceId: instance.instanceId, from: move.from, to: move.to, input: move.input, deviceId: session.deviceId, attempt: attempt.number }, 'transition');
    this.emit('transition', { machine: 'instance', run, index: item.index, instanceId: instance.instanceId, from: move.from, to: move.to, input: move.input, at });
    this.emit('attempt', { kind: 'dispatched', runId: entry.id, index: item.index, attempt, at, readyAt: item.since });
    this.performInstanceEffect(entry, item.index, move.effect, { session, attempt, key });
  }
}

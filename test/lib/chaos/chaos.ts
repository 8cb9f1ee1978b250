/**
 * A chaos run: R workflows executed by a real supervisor and real workers while faults are injected
 * (faults.ts), then checked from the store (verify.ts). Used by `npm run chaos` (bench/chaos.ts) and,
 * short, by the test suite (test/integration/chaos).
 *
 * Runs are requested as REST requests them (a durable row in the store, also while the supervisor is
 * down), `parallel` at a time. Faults stop once every run ended (or after `maxFaults`); then every
 * fault is undone and the remaining runs get `settleMs` to end. Everything is stopped gracefully
 * before the store is read. The seed fixes the workload and the sequence of faults (kinds, targets,
 * durations, gaps); the timing of processes does not replay exactly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Id } from '../../../shared/domain/ids.js';
import type { AttemptStatus } from '../../../shared/domain/states.js';
import { ALL } from '../../../shared/domain/query.js';
import { isFinalRunStatus } from '../../../shared/domain/states.js';
import { openStore } from '../../../shared/store/index.js';
import type { Store } from '../../../shared/store/port.js';
import type { JournalEntry } from '../../../shared/domain/model.js';
import { silentLogger } from '../logger.js';
import { makeTempDir } from '../tmp.js';
import { FaultInjector, type FaultKind, type FaultOptions } from './faults.js';
import { Random } from './random.js';
import { ChaosRig } from './rig.js';
import { summarise, verifyRun, type Problem, type ProblemKind, type RunEvidence } from './verify.js';
import { createWorkload, doomedAt, planWorkload, type PlannedRun, type WorkloadOptions } from './workload.js';

export interface ChaosOptions extends WorkloadOptions, FaultOptions {
  seed: number;
  workers: number;
  /** Slots of each worker. */
  slots: number;
  /** Runs active at once. */
  parallel: number;
  /** Faults stop after this many (default: until every run ended). */
  maxFaults?: number;
  /** After the faults: how long the remaining runs have to end, ms. */
  settleMs: number;
  /** Progress lines (faults, counts). */
  log: (line: string) => void;
  /** Keep the data directory (and write every process's output there) when a problem is found. */
  keepOnProblems?: boolean;
}

export interface ChaosReport {
  seed: number;
  runs: number;
  completed: number;
  /** Runs that failed at their doomed task, as planned. */
  failedAsPlanned: number;
  faults: Record<FaultKind, number>;
  /** Attempts of all runs by how they ended. */
  attempts: Partial<Record<AttemptStatus, number>>;
  counts: Record<ProblemKind, number>;
  problems: Problem[];
  durationMs: number;
  /** Where the data and the processes' output were kept (problems found and `keepOnProblems`). */
  keptIn: string | null;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = (line: string): void => options.log(`+${((Date.now() - started) / 1000).toFixed(1)}s ${line}`);
  const planned = planWorkload(new Random(options.seed), options);
  const dir = makeTempDir('chaos');
  const dataDir = join(dir.path, 'data');
  let keptIn: string | null = null;
  const rig = await ChaosRig.start({ dataDir, workers: options.workers, slots: options.slots });
  let store: Store | null = null;
  try {
    store = await openStore({ dataDir }, silentLogger());
    const { workflowIds, accountId } = await createWorkload(store, planned, `${options.seed}`);
    await rig.startWorkers(store);
    log(`seed ${options.seed}: ${planned.length} runs of ${planned.reduce((n, r) => n + r.instances.length, 0)} tasks on ${options.workers} workers × ${options.slots} slots`);

    const feeder = new Feeder(store, workflowIds, accountId, options.parallel);
    const faults = new FaultInjector(rig, new Random(options.seed ^ 0x5bd1e995), options, log);
    const feeding = feeder.run();
    let lastProgress = Date.now();
    while (!feeder.done && faults.total < (options.maxFaults ?? Number.POSITIVE_INFINITY)) {
      await within(feeding, faults.nextGap());
      if (feeder.done) break;
      await faults.inject();
      if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        log(`${feeder.ended} of ${planned.length} runs ended, ${faults.total} faults`);
      }
    }
    log(`faults over (${faults.total}); undoing them`);
    await faults.settle();
    await rig.heal();
    const settled = await within(feeding, options.settleMs);
    feeder.stop();
    if (!settled) log(`${planned.length - feeder.ended} runs had not ended ${options.settleMs} ms after the faults`);
    else log(`all ${planned.length} runs ended`);
    await rig.close();

    const evidence = await gather(store, planned, feeder.runIds);
    const problems = evidence.flatMap(verifyRun);
    const attempts: Partial<Record<AttemptStatus, number>> = {};
    for (const e of evidence) for (const i of e.run?.instances ?? []) for (const a of i.attempts) attempts[a.status] = (attempts[a.status] ?? 0) + 1;
    if (problems.length > 0 && options.keepOnProblems === true) keptIn = keep(dir.path, rig);
    return {
      seed: options.seed, runs: planned.length,
      completed: evidence.filter((e) => e.run?.status === 'completed').length,
      failedAsPlanned: evidence.filter((e) => e.run?.status === 'failed' && doomedAt(e.planned) !== -1).length,
      faults: faults.counts, attempts, counts: summarise(problems), problems, durationMs: Date.now() - started, keptIn,
    };
  } finally {
    await rig.close();
    await store?.close();
    if (keptIn === null) dir.remove();
  }
}

/** Keeps `parallel` runs active, requesting the next as one ends, until every run ended or `stop()`. */
class Feeder {
  readonly runIds = new Map<number, Id>();
  ended = 0;
  done = false;
  private stopped = false;

  constructor(private readonly store: Store, private readonly workflowIds: Id[], private readonly accountId: Id, private readonly parallel: number) {}

  async run(): Promise<void> {
    const active = new Map<number, Id>();
    let next = 0;
    while (!this.stopped) {
      for (const [index, runId] of active) {
        const run = await this.store.runs.get(runId, ALL, ['status']);
        if (run !== null && isFinalRunStatus(run.status)) {
          active.delete(index);
          this.ended += 1;
        }
      }
      while (active.size < this.parallel && next < this.workflowIds.length) {
        const run = await this.store.runs.request(this.workflowIds[next]!, ALL, this.accountId);
        this.runIds.set(next, run._id);
        active.set(next, run._id);
        next += 1;
      }
      if (active.size === 0) break;
      await sleep(100);
    }
    this.done = true;
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Everything the store holds about each planned run. */
async function gather(store: Store, planned: PlannedRun[], runIds: Map<number, Id>): Promise<RunEvidence[]> {
  const out: RunEvidence[] = [];
  for (const plan of planned) {
    const runId = runIds.get(plan.index);
    const run = runId === undefined ? null : await store.runs.get(runId, ALL);
    const journal: JournalEntry[] = [];
    const logs = new Map<string, string>();
    if (run !== null) {
      for (let pageNum = 1; ; pageNum += 1) {
        const page = await store.runs.journal(run._id, ALL, { perPage: 1000, pageNum });
        journal.push(...page.items);
        if (page.items.length < 1000) break;
      }
      for (const instance of run.instances) {
        for (const attempt of instance.attempts.filter((a) => a.status === 'completed')) {
          const chunks = await store.runs.logs(run._id, ALL, { instanceId: instance.instanceId, attempt: attempt.number });
          logs.set(`${instance.instanceId}/${attempt.number}`, chunks.map((c) => c.text).join(''));
        }
      }
    }
    out.push({ planned: plan, run, journal, logs });
  }
  return out;
}

function keep(path: string, rig: ChaosRig): string {
  writeFileSync(join(path, 'processes.log'), rig.output());
  return path;
}

/** True once `promise` resolved, false after `ms` (whichever comes first; no timer left behind). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The faults of a chaos run, drawn from a seeded stream: `kill -9` of a worker or of the supervisor
 * (started again after a while), a worker's graceful stop (SIGTERM: it hands back what it holds) and
 * restart, a worker cut off from the supervisor for a while (its relay stops passing bytes, then
 * drops the dead connections, as a lost network and its router would). The first faults are one of
 * each kind (in a seeded order), then kinds come by weight.
 */
import type { ChaosRig, RigWorker } from './rig.js';
import type { Random } from './random.js';

export const FAULT_KINDS = ['worker-kill', 'worker-term', 'supervisor-kill', 'cut'] as const;
/**
 * - `worker-kill`: SIGKILL a worker, start it again after `downMs`;
 * - `worker-term`: SIGTERM a worker (graceful), start it again after `downMs`;
 * - `supervisor-kill`: SIGKILL the supervisor, start it again after `downMs`;
 * - `cut`: block a worker's relay for `cutMs`.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** Relative frequency of each kind (0: never). */
  weights: Record<FaultKind, number>;
  /** Time between two faults: between these, ms. */
  gapMs: [number, number];
  /** How long a killed or stopped process stays down, ms. */
  downMs: [number, number];
  /** How long a cut lasts, ms. */
  cutMs: [number, number];
}

export class FaultInjector {
  readonly counts: Record<FaultKind, number> = { 'worker-kill': 0, 'worker-term': 0, 'supervisor-kill': 0, cut: 0 };
  private readonly pending = new Set<Promise<void>>();
  private readonly firstRound: FaultKind[];
  private failure: unknown = null;

  constructor(private readonly rig: ChaosRig, private readonly random: Random, private readonly options: FaultOptions, private readonly log: (line: string) => void) {
    this.firstRound = random.shuffle(FAULT_KINDS.filter((k) => options.weights[k] > 0));
  }

  get total(): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0);
  }

  /** Time to wait before the next fault. */
  nextGap(): number {
    return this.random.int(...this.options.gapMs);
  }

  /** Does one fault now (its undoing is scheduled); false when no process could take one. */
  async inject(): Promise<boolean> {
    if (this.failure !== null) throw this.failure;
    const kind = this.firstRound.shift() ?? this.random.weighted(this.options.weights);
    if (kind === 'supervisor-kill') return this.killSupervisor();
    const candidates = this.rig.workers.filter((w) => !w.faulted);
    if (candidates.length === 0) return false;
    const worker = this.random.pick(candidates);
    if (kind === 'cut') this.cut(worker);
    else await this.stopWorker(worker, kind === 'worker-kill' ? 'SIGKILL' : 'SIGTERM');
    this.counts[kind] += 1;
    return true;
  }

  /** Waits until every fault is undone; rethrows a failure to undo one (e.g. a supervisor that would not start). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.failure !== null) throw this.failure;
  }

  private async killSupervisor(): Promise<boolean> {
    if (this.rig.supervisorDown) return false;
    const down = this.random.int(...this.options.downMs);
    this.rig.supervisorDown = true;
    this.log(`kill -9 the supervisor (down for ${down} ms)`);
    await this.rig.killSupervisor();
    this.counts['supervisor-kill'] += 1;
    this.later(down, async () => {
      await this.rig.restartSupervisor();
      this.rig.supervisorDown = false;
    });
    return true;
  }

  private async stopWorker(worker: RigWorker, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const down = this.random.int(...this.options.downMs);
    worker.faulted = true;
    this.log(`${signal === 'SIGKILL' ? 'kill -9' : 'SIGTERM'} worker ${worker.index} (down for ${down} ms)`);
    await this.rig.killWorker(worker, signal);
    this.later(down, () => {
      this.rig.restartWorker(worker);
      worker.faulted = false;
    });
  }

  private cut(worker: RigWorker): void {
    const length = this.random.int(...this.options.cutMs);
    worker.faulted = true;
    this.log(`cut worker ${worker.index} off for ${length} ms`);
    worker.proxy.block();
    this.later(length, () => {
      worker.proxy.restore();
      worker.faulted = false;
    });
  }

  private later(ms: number, undo: () => void | Promise<void>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, ms))
      .then(undo)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }
}

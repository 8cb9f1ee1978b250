/**
 * Matches waiting instances with workers. A run offers its current instance when it is due; the
 * dispatcher gives it to the least loaded eligible worker at once, or keeps it queued (oldest first)
 * until a worker frees a slot, says hello or comes back.
 *
 * INVARIANTS
 * - At most one queued item per run (a run works on one instance at a time), and none while a claim
 *   for the run is under way (the claim's outcome decides whether it is offered again).
 * - A slot is reserved on the chosen worker before the claim is written, so two pumps never give the
 *   same slot twice; the claim releases the reservation whatever its outcome.
 * - `pump()` never runs re-entrantly; calls during a pump make it go round again.
 */
import type { InstanceTarget } from '../../shared/domain/model.js';
import type { SessionRegistry } from '../workers/registry.js';
import type { WorkerSession } from '../workers/session.js';

export interface QueueItem {
  runId: string;
  index: number;
  runtime: string;
  target: InstanceTarget | null;
  /** When it was offered (ms since the epoch, high resolution). */
  since: number;
}

/**
 * Claims the item for the worker (the engine's job; the dispatcher only picks the pair). It must call
 * `claimSettled(runId)` once the claim is stored or lost, before anything offers the run again.
 */
export type Claim = (item: QueueItem, session: WorkerSession) => Promise<void>;

export class Dispatcher {
  private readonly queue = new Map<string, QueueItem>();
  private readonly claiming = new Set<string>();
  private pumping = false;
  private again = false;
  private stopped = false;

  constructor(private readonly registry: SessionRegistry, private readonly claim: Claim) {}

  /** Queues the run's current instance (replacing an older offer of the same run) and pumps. */
  offer(item: Omit<QueueItem, 'since'>): void {
    if (this.stopped || this.claiming.has(item.runId)) return;
    const existing = this.queue.get(item.runId);
    if (existing !== undefined && existing.index === item.index) return;
    this.queue.set(item.runId, { ...item, since: performance.timeOrigin + performance.now() });
    this.pump();
  }

  /** A claim for the run is over: the run may be offered again. */
  claimSettled(runId: string): void {
    this.claiming.delete(runId);
  }

  withdraw(runId: string): void {
    this.queue.delete(runId);
  }

  get queued(): number {
    return this.queue.size;
  }

  /** Gives queued items to free workers, oldest first. */
  pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        for (const [runId, item] of this.queue) {
          if (this.registry.availableCount === 0) break;
          const session = this.registry.choose(item);
          if (session === undefined) continue;
          this.queue.delete(runId);
          this.claiming.add(runId);
          session.reserve();
          void this.claim(item, session);
        }
      } while (this.again && !this.stopped);
    } finally {
      this.pumping = false;
    }
  }

  /** No further dispatches (shutdown). */
  stop(): void {
    this.stopped = true;
    this.queue.clear();
  }
}

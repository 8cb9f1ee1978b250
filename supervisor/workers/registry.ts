/**
 * The connected workers of this supervisor, by device, with an index of the ones that can take an
 * attempt now, so that choosing a worker looks only at workers with a free slot.
 */
import type { InstanceTarget } from '../../shared/domain/model.js';
import type { WorkerSession } from './session.js';

/** What an attempt needs from a worker. */
export interface Requirement {
  runtime: string;
  target: InstanceTarget | null;
}

export function matchesTarget(session: WorkerSession, target: InstanceTarget | null): boolean {
  if (target === null) return true;
  if (target.deviceId !== undefined && target.deviceId !== session.deviceId) return false;
  return (target.labels ?? []).every((label) => session.labels.has(label));
}

export class SessionRegistry {
  private readonly byDevice = new Map<string, WorkerSession>();
  private readonly free = new Set<WorkerSession>();

  /** Adds a session; returns the one it replaces (same device connected again). */
  add(session: WorkerSession): WorkerSession | undefined {
    const previous = this.byDevice.get(session.deviceId);
    this.byDevice.set(session.deviceId, session);
    this.capacityChanged(session);
    return previous;
  }

  /** Removes a session if it is still the device's current one. */
  remove(session: WorkerSession): boolean {
    this.free.delete(session);
    if (this.byDevice.get(session.deviceId) !== session) return false;
    this.byDevice.delete(session.deviceId);
    return true;
  }

  get(deviceId: string): WorkerSession | undefined {
    return this.byDevice.get(deviceId);
  }

  all(): IterableIterator<WorkerSession> {
    return this.byDevice.values();
  }

  get size(): number {
    return this.byDevice.size;
  }

  /** Sessions that could take an attempt right now. */
  get availableCount(): number {
    return this.free.size;
  }

  /** Keeps the free index exact; sessions call it on every change of what they can take. */
  capacityChanged(session: WorkerSession): void {
    if (session.available && this.byDevice.get(session.deviceId) === session) this.free.add(session);
    else this.free.delete(session);
  }

  /**
   * The eligible worker with the lowest load (held + reserved over slots); ties go to the fewer
   * attempts in absolute terms, then to the one given work least recently.
   */
  choose(need: Requirement): WorkerSession | undefined {
    let best: WorkerSession | undefined;
    let bestRatio = Infinity;
    for (const session of this.free) {
      if (!session.runtimes.has(need.runtime) || !matchesTarget(session, need.target)) continue;
      const ratio = session.load / session.slots;
      if (
        best === undefined || ratio < bestRatio ||
        (ratio === bestRatio && (session.load < best.load || (session.load === best.load && session.lastDispatchAt < best.lastDispatchAt)))
      ) {
        best = session;
        bestRatio = ratio;
      }
    }
    return best;
  }
}

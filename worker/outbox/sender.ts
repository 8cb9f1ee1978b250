/**
 * Sends the outbox to the supervisor during a session: durable entries, oldest first, in batches,
 * one batch in flight at a time (so the supervisor sees them in order). After a reconnect everything
 * unacknowledged goes again from the oldest; the supervisor applies each (attempt, seq) once.
 */
import type { Logger } from '../../shared/log.js';
import type { AttemptKey } from '../../shared/protocol/worker.js';
import type { SupervisorLink } from '../connection/link.js';
import type { Outbox } from './outbox.js';

export interface SenderOptions {
  batchSize: number;
  /** Pause before resending when an acknowledgement made no progress. */
  retryMs?: number;
  logger: Logger;
  /** The supervisor refused these attempts' reports (lease gone): stop and forget them. */
  onStale: (keys: AttemptKey[]) => void;
}

export class ReportSender {
  private pumping: Promise<void> | null = null;
  private again = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly drained = new Set<() => void>();

  constructor(private readonly outbox: Outbox, private readonly link: SupervisorLink, private readonly options: SenderOptions) {
    // A new session is announced by the agent (after it applied the hello's cancellations).
    outbox.on('durable', () => this.pump());
  }

  /** Sends whatever is durable and unacknowledged (coalesced with a pump under way). */
  pump(): void {
    if (this.pumping !== null) {
      this.again = true;
      return;
    }
    this.pumping = this.run().finally(() => {
      this.pumping = null;
      if (this.again) {
        this.again = false;
        this.pump();
      }
    });
  }

  /** Resolves once the outbox is empty, or after `timeoutMs` (false then). */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.outbox.pendingCount === 0) return true;
    await this.outbox.flush();
    this.pump();
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.drained.delete(onDrained);
        resolve(ok);
      };
      const onDrained = () => done(true);
      const timer = setTimeout(() => done(this.outbox.pendingCount === 0), timeoutMs);
      this.drained.add(onDrained);
    });
  }

  close(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (this.link.session === null) return;
      const entries = this.outbox.unsent(0, this.options.batchSize);
      if (entries.length === 0) {
        if (this.outbox.pendingCount === 0) for (const resolve of [...this.drained]) resolve();
        return;
      }
      let progressed: boolean;
      try {
        const ack = await this.link.request('reports', { entries });
        progressed = ack.ackedThrough >= entries[0]!.outboxSeq || ack.stale.length > 0;
        this.outbox.ack(ack.ackedThrough);
        if (ack.stale.length > 0) {
          this.options.logger.warn({ attempts: ack.stale.length }, 'the supervisor refused reports of attempts this worker no longer holds; dropping them');
          this.options.onStale(ack.stale);
        }
      } catch (error) {
        if (this.link.session === null) return;
        this.options.logger.warn({ err: error }, 'reports were not acknowledged in time');
        this.link.restart('reports not acknowledged');
        return;
      }
      if (!progressed) {
        // Nothing moved (the supervisor could not store them yet): try again shortly, not in a loop.
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = null;
          this.pump();
        }, this.options.retryMs ?? 1000);
        return;
      }
    }
  }
}

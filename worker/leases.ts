/**
 * Keeps the leases of the attempts this worker holds: every `renewEveryMs` of the session (from the
 * hello's acknowledgement) it sends `lease:renew` with the attempts it runs or has finished without
 * acknowledgement; attempts the supervisor answers as lost are killed and forgotten.
 */
import type { Logger } from '../shared/log.js';
import type { AttemptKey } from '../shared/protocol/worker.js';
import type { SupervisorLink } from './connection/link.js';

export interface LeaseRenewerOptions {
  /** The attempts to renew now. */
  held: () => AttemptKey[];
  /** Their leases are gone: kill and forget them. */
  onLost: (keys: AttemptKey[]) => void;
  logger: Logger;
}

export class LeaseRenewer {
  private timer: NodeJS.Timeout | null = null;
  private renewing = false;

  constructor(private readonly link: SupervisorLink, private readonly options: LeaseRenewerOptions) {
    link.on('session', (_socket, ack) => this.start(ack.renewEveryMs));
    link.on('down', () => this.stop());
  }

  /** Renews now (the timer does it every interval). */
  async renew(): Promise<void> {
    const held = this.options.held();
    if (held.length === 0 || this.renewing || this.link.session === null) return;
    this.renewing = true;
    try {
      const ack = await this.link.request('lease:renew', { held });
      if (ack.lost.length > 0) {
        this.options.logger.warn({ attempts: ack.lost.length }, 'the supervisor says leases were lost; stopping those attempts');
        this.options.onLost(ack.lost);
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'lease renewal not acknowledged; will retry at the next interval');
    } finally {
      this.renewing = false;
    }
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private start(everyMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.renew(), Math.max(100, everyMs));
  }
}

/**
 * Follows the store's change feed, so that this supervisor learns of what other processes committed
 * (REST requests, other supervisors) and fans it out in commit order to its subscribers: the engine
 * (run requests and commands) and the client sockets (live `...changed` events).
 *
 * INVARIANTS
 * - Events are delivered once each, in `seq` order, never concurrently: one read loop at a time.
 * - `poke()` after a local write makes delivery immediate; polling covers writes of other processes.
 * - A subscriber's failure is logged and does not stop delivery to the others.
 */
import { EventEmitter } from 'node:events';
import type { ChangeEvent } from '../shared/domain/model.js';
import type { Logger } from '../shared/log.js';
import type { ChangeFeed } from '../shared/store/port.js';

export interface ChangeFeedTailerOptions {
  /** How often to look for other processes' changes. */
  pollMs: number;
  /** Changes read per query. */
  batchSize?: number;
}

export class ChangeFeedTailer extends EventEmitter<{ change: [ChangeEvent] }> {
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(private readonly feed: ChangeFeed, private readonly logger: Logger, private readonly options: ChangeFeedTailerOptions) {
    super();
  }

  /** The feed's newest sequence number: read it before loading state, then `start(seq)` from it. */
  head(): Promise<number> {
    return this.feed.head();
  }

  /** Delivers every change committed after `afterSeq`. */
  start(afterSeq: number): void {
    this.cursor = afterSeq;
    this.timer = setInterval(() => this.poke(), this.options.pollMs);
    this.timer.unref();
    this.poke();
  }

  get position(): number {
    return this.cursor;
  }

  /** Reads now (coalesced with a read already under way). Resolves when caught up. */
  poke(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading !== null) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.drain().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.reading;
  }

  private async drain(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    do {
      this.again = false;
      let batch: ChangeEvent[];
      try {
        batch = await this.feed.read(this.cursor, batchSize);
      } catch (error) {
        this.logger.warn({ err: error }, 'reading the change feed failed; will retry');
        return;
      }
      for (const change of batch) {
        this.cursor = change.seq;
        for (const listener of this.listeners('change')) {
          try {
            (listener as (c: ChangeEvent) => void)(change);
          } catch (error) {
            this.logger.error({ err: error, seq: change.seq }, 'a change subscriber failed');
          }
        }
      }
      if (batch.length === batchSize) this.again = true;
    } while (this.again && !this.closed);
  }
}

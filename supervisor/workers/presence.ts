/**
 * Device liveness in the store, from the connection: `waiting` (online, idle), `running` (at least
 * one attempt), `disconnected`; last seen with each write. Connects and disconnects are written at
 * once; a board going idle is written after a short quiet period, so that a busy board flipping
 * between attempts does not cost a write per attempt.
 *
 * A heartbeat marks the connected boards seen, and boards recorded online that nobody has seen for
 * three heartbeats (their supervisor died without recording it) are recorded disconnected — by any
 * supervisor, so this holds with several.
 *
 * INVARIANTS
 * - At most one write per device in flight; the latest wanted state is written after it.
 * - A write failure is logged; the next change writes again.
 */
import type { DeviceFacts } from '../../shared/domain/model.js';
import type { DeviceState } from '../../shared/domain/states.js';
import type { Logger } from '../../shared/log.js';
import type { Store } from '../../shared/store/port.js';

interface Tracked {
  wanted: DeviceState;
  written: DeviceState | null;
  facts: DeviceFacts | undefined;
  writing: Promise<void> | null;
  idleTimer: NodeJS.Timeout | null;
}

export class PresenceRecorder {
  private readonly devices = new Map<string, Tracked>();
  private closed = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;

  constructor(private readonly store: Store, private readonly logger: Logger, private readonly idleDelayMs = 250) {}

  /** A hello: online with its facts. */
  connected(deviceId: string, facts: DeviceFacts, busy: boolean): Promise<void> {
    const tracked = this.track(deviceId);
    tracked.facts = facts;
    return this.want(deviceId, tracked, busy ? 'running' : 'waiting', true);
  }

  /** The number of attempts it holds changed. */
  load(deviceId: string, busy: boolean): void {
    const tracked = this.devices.get(deviceId);
    if (tracked === undefined || tracked.wanted === 'disconnected') return;
    void this.want(deviceId, tracked, busy ? 'running' : 'waiting', busy);
  }

  disconnected(deviceId: string): Promise<void> {
    const tracked = this.track(deviceId);
    return this.want(deviceId, tracked, 'disconnected', true).finally(() => {
      if (tracked.wanted === 'disconnected' && tracked.writing === null) this.devices.delete(deviceId);
    });
  }

  /**
   * Every `everyMs`: marks `connected()` seen, then (once `graceMs` after the start passed, so that
   * boards could reconnect) records disconnected the boards unseen for three heartbeats.
   */
  startHeartbeat(connected: () => string[], everyMs: number, graceMs: number): void {
    const sweepFrom = Date.now() + graceMs;
    this.heartbeat = setInterval(() => {
      if (this.beating !== null || this.closed) return;
      this.beating = this.beat(connected(), everyMs, Date.now() >= sweepFrom).finally(() => {
        this.beating = null;
      });
    }, everyMs);
  }

  private async beat(connected: string[], everyMs: number, sweep: boolean): Promise<void> {
    try {
      await this.store.devices.touchPresence(connected);
      if (!sweep) return;
      const expired = await this.store.devices.expirePresence(new Date(Date.now() - 3 * everyMs));
      if (expired.length > 0) this.logger.info({ devices: expired.length }, 'boards nobody has seen for three heartbeats recorded disconnected');
    } catch (error) {
      this.logger.warn({ err: error }, 'presence heartbeat failed');
    }
  }

  /** Waits for the writes under way; no more afterwards. */
  async close(): Promise<void> {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    await this.beating;
    for (const tracked of this.devices.values()) if (tracked.idleTimer !== null) clearTimeout(tracked.idleTimer);
    await Promise.all([...this.devices.values()].map((t) => t.writing));
    this.closed = true;
  }

  private track(deviceId: string): Tracked {
    let tracked = this.devices.get(deviceId);
    if (tracked === undefined) {
      tracked = { wanted: 'disconnected', written: null, facts: undefined, writing: null, idleTimer: null };
      this.devices.set(deviceId, tracked);
    }
    return tracked;
  }

  private want(deviceId: string, tracked: Tracked, state: DeviceState, now: boolean): Promise<void> {
    if (tracked.idleTimer !== null) {
      clearTimeout(tracked.idleTimer);
      tracked.idleTimer = null;
    }
    tracked.wanted = state;
    if (!now) {
      tracked.idleTimer = setTimeout(() => {
        tracked.idleTimer = null;
        void this.flush(deviceId, tracked);
      }, this.idleDelayMs);
      return Promise.resolve();
    }
    return this.flush(deviceId, tracked);
  }

  private flush(deviceId: string, tracked: Tracked): Promise<void> {
    if (tracked.writing !== null) return tracked.writing;
    if (this.closed || (tracked.written === tracked.wanted && tracked.facts === undefined)) return Promise.resolve();
    const state = tracked.wanted;
    const facts = tracked.facts;
    tracked.facts = undefined;
    tracked.writing = this.store.devices.recordPresence(deviceId, state, facts).then(
      () => {
        tracked.written = state;
      },
      (error: unknown) => {
        this.logger.warn({ err: error, deviceId, state }, 'recording device presence failed');
      },
    ).finally(() => {
      tracked.writing = null;
      if ((tracked.wanted !== tracked.written || tracked.facts !== undefined) && tracked.idleTimer === null && !this.closed) void this.flush(deviceId, tracked);
    });
    return tracked.writing;
  }
}

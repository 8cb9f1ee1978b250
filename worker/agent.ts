/**
 * The worker daemon once built (see app.ts): answers the supervisor's dispatches and cancels, and
 * shuts down gracefully.
 *
 * Shutdown (`close()`), in order, each step on its own so that one failing does not skip the rest:
 * 1. `draining`: no new dispatches (the supervisor is told);
 * 2. running attempts may finish within `shutdownGraceMs`; the rest are killed (process tree);
 * 3. killed attempts are handed back with `release` (re-dispatched without a penalty) after their
 *    reports so far are delivered — or, when the supervisor is unreachable, reported honestly as
 *    failed (retryable) through the outbox, to be sent after the next start;
 * 4. the outbox is sent (bounded wait), then written to disk and closed; the socket is closed.
 * A second `close({force: true})` (a second signal) skips the grace period.
 */
import { EventEmitter } from 'node:events';
import type { Agent } from 'node:https';
import type { Logger } from '../shared/log.js';
import type { Cancel, Dispatch, DispatchAck } from '../shared/protocol/worker.js';
import type { Attempt } from './attempts/attempt.js';
import { finishedReport } from './attempts/attempt.js';
import type { AttemptManager } from './attempts/manager.js';
import type { FolderLock } from './folder-lock.js';
import type { SupervisorLink, WorkerSocket } from './connection/link.js';
import type { LeaseRenewer } from './leases.js';
import type { Outbox } from './outbox/outbox.js';
import type { ReportSender } from './outbox/sender.js';

export interface AgentParts {
  link: SupervisorLink;
  outbox: Outbox;
  sender: ReportSender;
  leases: LeaseRenewer;
  attempts: AttemptManager;
  httpsAgent: Agent;
  logger: Logger;
  shutdownGraceMs: number;
  killGraceMs: number;
  ackTimeoutMs: number;
  /** This worker's hold on its folder, released last. */
  folderLock: FolderLock;
}

export class WorkerAgent extends EventEmitter<{ closing: []; closed: [] }> {
  private closing: Promise<void> | null = null;
  private forced = false;
  private force: () => void = () => undefined;
  private readonly forceRequested = new Promise<void>((resolve) => {
    this.force = resolve;
  });

  constructor(private readonly parts: AgentParts) {
    super();
    parts.link.on('session', (_socket, ack) => {
      // Cancellations first: the reports of those attempts must not be sent again.
      if (ack.cancel.length > 0) {
        parts.logger.info({ attempts: ack.cancel.length }, 'the supervisor no longer considers some held attempts ours; dropping them');
        parts.attempts.lose(ack.cancel);
      }
      parts.sender.pump();
    });
  }

  /** Starts dialling the supervisor (and keeps trying until closed). */
  start(): void {
    this.parts.link.start();
  }

  /** Resolves true once a session is up (now or later), false after `timeoutMs` without one. */
  connected(timeoutMs: number): Promise<boolean> {
    const { link } = this.parts;
    if (link.session !== null) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const onSession = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        link.off('session', onSession);
        resolve(false);
      }, timeoutMs);
      link.once('session', onSession);
    });
  }

  /** Attaches the supervisor → worker handlers to a new socket (called by the link). */
  bind(socket: WorkerSocket): void {
    socket.on('dispatch', (dispatch, ack) => {
      if (typeof ack !== 'function') return;
      ack(this.onDispatch(dispatch));
    });
    socket.on('cancel', (cancel: Cancel, ack) => {
      const cancelled = isKey(cancel?.key) ? this.parts.attempts.cancel(cancel) : false;
      if (typeof ack === 'function') ack({ cancelled });
    });
  }

  /** Graceful shutdown (see the file header); idempotent. `force` skips the grace period. */
  close(options: { force?: boolean } = {}): Promise<void> {
    if (options.force === true && !this.forced) {
      this.forced = true;
      this.force();
    }
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private onDispatch(dispatch: Dispatch): DispatchAck {
    const problem = dispatchProblem(dispatch);
    if (problem !== null) {
      this.parts.logger.error({ problem }, 'malformed dispatch refused');
      return { accepted: false, reason: 'invalid', message: problem };
    }
    const ack = this.parts.attempts.accept(dispatch);
    const meta = { runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: dispatch.attempt, name: dispatch.name };
    if (ack.accepted) this.parts.logger.info(meta, 'attempt accepted');
    else this.parts.logger.info({ ...meta, reason: ack.reason }, `attempt declined: ${ack.message}`);
    return ack;
  }

  private async shutdown(): Promise<void> {
    const { link, attempts, sender, leases, outbox, logger } = this.parts;
    this.emit('closing');
    logger.info({ running: attempts.size, graceMs: this.forced ? 0 : this.parts.shutdownGraceMs }, 'worker shutting down');
    await step(logger, 'announce draining', async () => {
      attempts.drain();
      if (link.session === null) return;
      try {
        await link.request('draining');
      } catch (error) {
        // The supervisor may be stopping at the same moment (npm start stops every role together).
        logger.info({ error: (error as Error).message }, 'could not tell the supervisor this worker is draining');
      }
    });
    let stopped: Attempt[] = [];
    await step(logger, 'finish or stop attempts', async () => {
      if (attempts.size === 0) return;
      const grace = this.forced ? 0 : this.parts.shutdownGraceMs;
      await Promise.race([attempts.idle(grace), this.forceRequested]);
      if (attempts.size === 0) return;
      // Handed back only if the supervisor can hear it; else they are reported as failed.
      stopped = attempts.stopAll({ kind: 'shutdown' }, link.session !== null);
      logger.warn({ attempts: stopped.length }, 'attempts still running after the grace period; killing them');
      await attempts.idle(this.parts.killGraceMs + 10_000);
    });
    await step(logger, 'hand back stopped attempts', () => this.handBack(stopped));
    await step(logger, 'send the outbox', async () => {
      if (link.session === null || outbox.pendingCount === 0) return;
      const delivered = await sender.drain(this.parts.ackTimeoutMs);
      if (!delivered) logger.warn({ pending: outbox.pendingCount }, 'some reports were not acknowledged; they stay on disk for the next start');
    });
    await step(logger, 'stop lease renewal', async () => leases.stop());
    await step(logger, 'disconnect', async () => {
      sender.close();
      link.close();
    });
    await step(logger, 'close the outbox', () => outbox.close());
    await step(logger, 'close connections', async () => this.parts.httpsAgent.destroy());
    await step(logger, 'release the folder', async () => this.parts.folderLock.release());
    logger.info('worker stopped');
    this.emit('closed');
  }

  private async handBack(stopped: Attempt[]): Promise<void> {
    const { link, sender, outbox, logger } = this.parts;
    const withheld = stopped.filter((a) => a.withheldOutcome !== null);
    if (withheld.length === 0) return;
    let released = false;
    if (link.session !== null) {
      await sender.drain(this.parts.ackTimeoutMs);
      try {
        const ack = await link.request('release', { keys: withheld.map((a) => a.key), reason: 'shutdown' });
        released = true;
        logger.info({ attempts: withheld.length, released: ack.released }, 'attempts handed back to the supervisor');
      } catch (error) {
        logger.warn({ err: error }, 'could not hand attempts back; reporting them as failed instead');
      }
    }
    for (const attempt of withheld) {
      if (released) outbox.drop(attempt.key);
      else outbox.append(attempt.key, finishedReport(attempt.withheldOutcome!), true);
    }
  }
}

async function step(logger: Logger, name: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    logger.error({ err: error, step: name }, 'shutdown step failed; continuing');
  }
}

function isKey(key: unknown): boolean {
  if (typeof key !== 'object' || key === null) return false;
  const k = key as Record<string, unknown>;
  return typeof k.runId === 'string' && k.runId !== '' && typeof k.instanceId === 'string' && k.instanceId !== ''
    && Number.isSafeInteger(k.attempt) && (k.attempt as number) >= 1 && typeof k.leaseToken === 'string' && k.leaseToken !== '';
}

/** What is wrong with a dispatch, or null. (The supervisor is trusted, but its bugs must not crash a board.) */
function dispatchProblem(d: Dispatch): string | null {
  if (typeof d !== 'object' || d === null) return 'not an object';
  if (!isKey(d)) return 'runId, instanceId, attempt (>= 1) and leaseToken are required';
  if (typeof d.runtime !== 'string' || d.runtime === '') return 'runtime must be a name';
  if (typeof d.entryPoint !== 'string') return 'entryPoint must be a path';
  if (d.package !== null && (typeof d.package !== 'object' || typeof d.package.hash !== 'string' || !Number.isSafeInteger(d.package.size))) {
    return 'package must be null or {hash, size}';
  }
  if (typeof d.properties !== 'object' || d.properties === null || Array.isArray(d.properties)) return 'properties must be an object';
  if (!Number.isFinite(d.timeoutMs) || d.timeoutMs < 0) return 'timeoutMs must be a number >= 0';
  if (!Number.isFinite(d.maxLogBytes) || d.maxLogBytes < 0) return 'maxLogBytes must be a number >= 0';
  if (d.checkpoint !== null && (typeof d.checkpoint !== 'object' || typeof d.checkpoint.state !== 'string')) return 'checkpoint must be null or {state, data}';
  return null;
}

/**
 * The `deliver` effect: a claimed (stored) attempt is sent to its worker, and the worker's answer is
 * acted on. A declined attempt is released (re-dispatched without a penalty); no answer in time leaves
 * the attempt to its lease.
 */
import type { Attempt } from '../../shared/domain/model.js';
import type { AttemptKey } from '../../shared/protocol/worker.js';
import type { WorkerSession } from '../workers/session.js';
import type { Engine } from './engine.js';
import { preciseNow } from './events.js';
import type { RunEntry } from './run-entry.js';
import { toDispatch } from './steps.js';

export async function deliver(engine: Engine, entry: RunEntry, session: WorkerSession, index: number, attempt: Attempt, key: AttemptKey): Promise<void> {
  const instance = entry.run.instances[index]!;
  const ack = await session.dispatch(toDispatch(entry.run, index, key, engine.options), engine.options.ackTimeoutMs);
  if (ack === null) {
    session.logger.warn({ runId: entry.id, attempt: attempt.number }, 'dispatch not acknowledged in time; its lease decides');
    return;
  }
  if (ack.accepted || ack.reason === 'duplicate') {
    session.accepted();
    engine.emit('attempt', { kind: 'accepted', runId: entry.id, index, attempt, at: preciseNow() });
    return;
  }
  session.logger.warn({ runId: entry.id, attempt: attempt.number, reason: ack.reason, message: ack.message }, 'dispatch declined');
  session.unhold(key);
  if (ack.reason === 'unknown-runtime') session.runtimes.delete(instance.runtime);
  if (ack.reason === 'shutting-down') session.drain();
  if (ack.reason === 'no-slot') session.declinedForSlot();
  engine.emit('attempt', { kind: 'declined', runId: entry.id, index, attempt, at: preciseNow() });
  // A busy, draining or runtime-less board is a matter of where and when: no penalty. Any other
  // decline (e.g. a dispatch the board calls malformed) would come again: it counts, so the run ends.
  const transient = ack.reason === 'no-slot' || ack.reason === 'shutting-down' || ack.reason === 'unknown-runtime';
  const status = transient ? 'released' : 'lost';
  try {
    await engine.endAttempts(session.deviceId, [key], status, `declined by device "${session.deviceName}": ${ack.message || ack.reason}`);
  } catch (error) {
    entry.logger.error({ err: error }, 'releasing a declined attempt failed; its lease decides');
  }
}

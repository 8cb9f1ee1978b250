/**
 * A worker's outbox batches: each report applied once per (run, instance, attempt, seq), logs
 * appended in bulk, and the acknowledgement saying how far everything is durable.
 *
 * INVARIANTS
 * - Entries are applied in the worker's order; `ackedThrough` only covers entries that are stored
 *   (applied, or duplicates of stored ones) or refused as stale. A store failure stops the batch:
 *   the rest stays in the worker's outbox and comes again.
 * - Logs are accepted only for attempts whose lease token matches (a stale attempt's output is
 *   dropped with its other reports).
 */
import type { LogChunk, Run } from '../../shared/domain/model.js';
import { ALL } from '../../shared/domain/query.js';
import type { AttemptKey, Report, ReportBatch, ReportBatchAck } from '../../shared/protocol/worker.js';
import type { AttemptReport, ReportOutcome, Store } from '../../shared/store/port.js';
import { attemptKeyId, type WorkerSession } from '../workers/session.js';
import type { Engine } from './engine.js';
import { preciseNow } from './events.js';

type LogReport = Extract<Report, { type: 'log' }>;
type StateReport = Exclude<Report, { type: 'log' }>;

export class ReportIntake {
  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly maxLogBytes: number,
  ) {}

  async apply(session: WorkerSession, batch: ReportBatch): Promise<ReportBatchAck> {
    const entries = batch.entries;
    let ackedThrough = entries.length > 0 ? entries[0]!.outboxSeq - 1 : 0;
    const stale = new Map<string, AttemptKey>();
    let logs: Array<{ outboxSeq: number; report: LogReport }> = [];
    try {
      for (let i = 0; i < entries.length; i += 1) {
        const { outboxSeq, report } = entries[i]!;
        const id = attemptKeyId(report.key);
        if (stale.has(id)) {
          ackedThrough = outboxSeq;
          continue;
        }
        if (report.type === 'log') {
          logs.push({ outboxSeq, report });
          continue;
        }
        ackedThrough = await this.flushLogs(session, logs, stale, ackedThrough);
        logs = [];
        if (stale.has(id)) {
          ackedThrough = outboxSeq;
          continue;
        }
        // Consecutive state reports on one attempt (e.g. started + finished of a quick task) go in one write.
        const group: StateReport[] = [report];
        while (i + 1 < entries.length) {
          const next = entries[i + 1]!.report;
          if (next.type === 'log' || attemptKeyId(next.key) !== id) break;
          group.push(next);
          i += 1;
        }
        const outcome = await this.applyReports(session, group);
        if (outcome === 'stale') stale.set(id, report.key);
        ackedThrough = entries[i]!.outboxSeq;
      }
      ackedThrough = await this.flushLogs(session, logs, stale, ackedThrough);
    } catch (error) {
      session.logger.error({ err: error, ackedThrough }, 'storing reports failed; the worker will send the rest again');
    }
    for (const key of stale.values()) session.unhold(key);
    return { ackedThrough, stale: [...stale.values()] };
  }

  /** Stores one attempt's state reports on its run's serial chain, with the step that follows them. */
  private async applyReports(session: WorkerSession, reports: StateReport[]): Promise<ReportOutcome['outcome']> {
    const inputs = reports.map(toAttemptReport);
    const key = reports[0]!.key;
    const entry = await this.engine.entry(key.runId);
    if (entry === null) {
      // A finished or unknown run: the store still tells a duplicate from a stale report.
      const result = await this.store.runs.report(inputs);
      if (result.outcome === 'applied' && result.run !== null) this.announceEnded(result.run, reports);
      return result.outcome;
    }
    return entry.serial(async () => {
      const followUp = this.engine.followUp(entry, inputs);
      const result = await this.store.runs.report(inputs, followUp?.step);
      const finished = reports.find((r) => r.type === 'finished');
      if (result.run !== null) {
        this.engine.accept(entry, result.run);
        if (finished !== undefined && result.outcome === 'applied') session.unhold(key);
        const index = result.run.instances.findIndex((i) => i.instanceId === key.instanceId);
        const attempt = result.run.instances[index]?.attempts.find((a) => a.number === key.attempt);
        if (attempt !== undefined) this.engine.emit('attempt', { kind: 'reported', runId: entry.id, index, attempt, at: preciseNow() });
        if (result.outcome === 'applied' && finished !== undefined && attempt !== undefined) {
          this.engine.emit('attempt', { kind: 'ended', runId: entry.id, index, attempt, at: preciseNow() });
        }
        if (finished?.type === 'finished' && attempt?.status === finished.outcome) {
          entry.logger.info({ deviceId: session.deviceId, index, attempt: key.attempt, outcome: finished.outcome, exitCode: finished.exitCode, error: finished.error }, 'attempt finished');
        }
        if (result.followedUp && followUp !== undefined) this.engine.announceStep(entry, followUp, result.run);
      }
      if (result.outcome === 'stale') entry.logger.info({ deviceId: session.deviceId, key: redactKey(key), types: reports.map((r) => r.type) }, 'stale reports refused');
      this.engine.drive(entry);
      return result.outcome;
    });
  }

  /** A finished report was applied on a run the engine no longer drives: its attempt ended now. */
  private announceEnded(run: Run, reports: StateReport[]): void {
    const key = reports[0]!.key;
    if (!reports.some((r) => r.type === 'finished')) return;
    const index = run.instances.findIndex((i) => i.instanceId === key.instanceId);
    const attempt = run.instances[index]?.attempts.find((a) => a.number === key.attempt);
    if (attempt !== undefined) this.engine.emit('attempt', { kind: 'ended', runId: run._id, index, attempt, at: preciseNow() });
  }

  /** Stores the pending logs of attempts this worker holds; returns the new `ackedThrough`. */
  private async flushLogs(
    session: WorkerSession, logs: Array<{ outboxSeq: number; report: LogReport }>, stale: Map<string, AttemptKey>, ackedThrough: number,
  ): Promise<number> {
    if (logs.length === 0) return ackedThrough;
    const chunks: Array<Omit<LogChunk, 'at'>> = [];
    const checked = new Map<string, boolean>();
    for (const { report } of logs) {
      const id = attemptKeyId(report.key);
      let valid = checked.get(id);
      if (valid === undefined) {
        valid = await this.holdsLease(report.key);
        checked.set(id, valid);
        if (!valid) stale.set(id, report.key);
      }
      if (!valid) continue;
      chunks.push({
        runId: report.key.runId, instanceId: report.key.instanceId, attempt: report.key.attempt,
        seq: report.seq, stream: report.stream, text: report.text,
      });
    }
    if (chunks.length > 0) await this.store.runs.appendLogs(chunks, this.maxLogBytes);
    return logs[logs.length - 1]!.outboxSeq;
  }

  /** True when the attempt exists with this lease token (live or ended: its output is its own). */
  private async holdsLease(key: AttemptKey): Promise<boolean> {
    const cached = await this.engine.entry(key.runId);
    const run: Run | null = cached?.run ?? (await this.store.runs.get(key.runId, ALL, ['instances']));
    const instance = run?.instances.find((i) => i.instanceId === key.instanceId);
    const attempt = instance?.attempts.find((a) => a.number === key.attempt);
    return attempt !== undefined && attempt.leaseToken === key.leaseToken;
  }
}

function toAttemptReport(report: StateReport): AttemptReport {
  const ref = { runId: report.key.runId, instanceId: report.key.instanceId, attempt: report.key.attempt, leaseToken: report.key.leaseToken, seq: report.seq };
  switch (report.type) {
    case 'started':
      return { ...ref, type: 'started', pid: report.pid };
    case 'progress':
      return { ...ref, type: 'progress', state: report.state };
    case 'checkpoint':
      return { ...ref, type: 'checkpoint', checkpoint: report.checkpoint };
    case 'finished':
      return {
        ...ref, type: 'finished', status: report.outcome, exitCode: report.exitCode, signal: report.signal,
        result: report.result, error: report.error, retryable: report.retryable,
      };
  }
}

/** An attempt key without its lease token, for logs. */
export function redactKey(key: AttemptKey): { runId: string; instanceId: string; attempt: number } {
  return { runId: key.runId, instanceId: key.instanceId, attempt: key.attempt };
}

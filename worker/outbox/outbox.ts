/**
 * The durable outbox: every report of every attempt is kept on the board's disk until the supervisor
 * acknowledges it, so that nothing is lost across a disconnection, a crash (`kill -9`) or a power cut,
 * and everything is resent in order after a reconnect.
 *
 * INVARIANTS
 * - `outboxSeq` grows by one per report and never goes back, across restarts (the header keeps it).
 * - Per attempt, `seq` is dense from 1 (the attempt's row keeps the next one across compactions).
 * - A report is handed to the sender only once it is on disk (written and fdatasync'd): `unsent()`
 *   never returns an entry above `durableThrough`.
 * - Disk writes are batched to spare SD cards: appends go to a memory buffer written with ONE write and
 *   ONE fdatasync per flush; a flush happens `flushIntervalMs` after the first buffered record, when the
 *   buffer reaches `flushBytes`, or on the next turn of the event loop for urgent reports (state
 *   changes), which coalesce into one flush.
 * - Every disk operation (flush, compaction, close) runs on one promise chain: never two at once.
 * - Compaction rewrites the file as a header plus the unacknowledged reports into a temporary file,
 *   fsyncs it and renames it over the old one, so a crash at any point leaves one complete file.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/log.js';
import type { AttemptKey, Report } from '../../shared/protocol/worker.js';
import { attemptId, decodeFile, encodeRecord, type AttemptRow, type OutboxRecord } from './records.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A report as its producer writes it: the outbox adds `key`, `seq` and `at`. */
export type ReportBody = DistributiveOmit<Report, 'key' | 'seq' | 'at'>;

export interface OutboxEntry {
  outboxSeq: number;
  report: Report;
}

export interface OutboxOptions {
  /** Folder of the outbox file (created if missing). */
  dir: string;
  /** Longest time a buffered report waits before it is written. */
  flushIntervalMs: number;
  /** Buffered bytes that trigger a write at once. */
  flushBytes: number;
  /** Rewrite the file once it is at least this big and mostly acknowledged. @default 1 MiB */
  compactBytes?: number;
  logger: Logger;
}

/** Counters for tests and the benchmark. */
export interface OutboxStats {
  appends: number;
  writes: number;
  fsyncs: number;
  bytesWritten: number;
  compactions: number;
}

export const OUTBOX_FILE = 'outbox.log';
const DEFAULT_COMPACT_BYTES = 1024 * 1024;

interface Pending extends OutboxEntry {
  attempt: string;
  /** Size of its line in the file, to judge when compaction pays. */
  bytes: number;
}

export class Outbox extends EventEmitter<{ durable: [number] }> {
  readonly stats: OutboxStats = { appends: 0, writes: 0, fsyncs: 0, bytesWritten: 0, compactions: 0 };
  private nextOutboxSeq = 1;
  private ackedThrough = 0;
  private durable = 0;
  private readonly rows = new Map<string, AttemptRow>();
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private buffer: string[] = [];
  private bufferBytes = 0;
  private bufferedThrough = 0;
  private fileBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private chain: Promise<void> = Promise.resolve();
  private handle: FileHandle | null = null;
  private closed = false;
  private readonly file: string;
  private readonly compactBytes: number;

  private constructor(private readonly options: OutboxOptions) {
    super();
    this.file = join(options.dir, OUTBOX_FILE);
    this.compactBytes = options.compactBytes ?? DEFAULT_COMPACT_BYTES;
    // One waiter per checkpoint in flight; there may be many.
    this.setMaxListeners(0);
  }

  /**
   * Reads what a previous run left (skipping torn or corrupt lines), then rewrites it compacted.
   * Attempts it tracked without a `finished` report are among `attempts()` (with `finished: false`).
   */
  static async open(options: OutboxOptions): Promise<Outbox> {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const outbox = new Outbox(options);
    outbox.recover();
    await outbox.compactNow();
    return outbox;
  }

  /** Highest outboxSeq known to be on disk. */
  get durableThrough(): number {
    return this.durable;
  }

  /** Reports not yet acknowledged (durable or not). */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * Adds a report for `key`, giving it the attempt's next `seq` and the next `outboxSeq`. `urgent`
   * (state changes) asks for a write on the next turn of the event loop instead of the interval.
   */
  append(key: AttemptKey, body: ReportBody, urgent = false): OutboxEntry {
    if (this.closed) throw new Error('outbox is closed');
    const id = attemptId(key);
    const row = this.rows.get(id) ?? { key, nextSeq: 1, finished: false, pid: null };
    this.rows.set(id, row);
    const report = { ...body, key, seq: row.nextSeq, at: new Date().toISOString() } as Report;
    row.nextSeq += 1;
    if (report.type === 'finished') row.finished = true;
    if (report.type === 'started') row.pid = report.pid;
    const entry: OutboxEntry = { outboxSeq: this.nextOutboxSeq, report };
    this.nextOutboxSeq += 1;
    const line = encodeRecord({ k: 'r', o: entry.outboxSeq, r: report });
    const bytes = Buffer.byteLength(line);
    this.pending.push({ ...entry, attempt: id, bytes });
    this.pendingBytes += bytes;
    this.stats.appends += 1;
    this.bufferLine(line, bytes);
    this.bufferedThrough = entry.outboxSeq;
    this.scheduleFlush(urgent);
    return entry;
  }

  /** Resolves once every report appended so far is on disk. */
  async whenDurable(outboxSeq: number): Promise<void> {
    if (outboxSeq <= this.durable) return;
    this.scheduleFlush(true);
    await new Promise<void>((resolve) => {
      const check = (through: number) => {
        if (through < outboxSeq) return;
        this.off('durable', check);
        resolve();
      };
      this.on('durable', check);
    });
  }

  /** Writes the buffer now (one write, one fdatasync). */
  flush(): Promise<void> {
    this.clearTimers();
    return this.enqueue(() => this.writeBuffer());
  }

  /** Durable, unacknowledged entries after `afterOutboxSeq`, oldest first, at most `limit`. */
  unsent(afterOutboxSeq: number, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const p of this.pending) {
      if (p.outboxSeq > this.durable || out.length >= limit) break;
      if (p.outboxSeq > afterOutboxSeq) out.push({ outboxSeq: p.outboxSeq, report: p.report });
    }
    return out;
  }

  /** The supervisor holds everything up to `through`: forget it (and compact when that pays). */
  ack(through: number): void {
    if (through <= this.ackedThrough || this.closed) return;
    this.ackedThrough = Math.min(through, this.nextOutboxSeq - 1);
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.outboxSeq <= this.ackedThrough) {
      this.pendingBytes -= this.pending[n]!.bytes;
      n += 1;
    }
    const acked = this.pending.splice(0, n);
    this.forgetFinishedRows(new Set(acked.map((p) => p.attempt)));
    this.record({ k: 'a', o: this.ackedThrough });
    if (this.fileBytes >= this.compactBytes && this.fileBytes > 4 * this.pendingBytes) {
      void this.enqueue(() => this.compactNow());
    }
  }

  /** Forgets an attempt and its unacknowledged reports; returns how many were dropped. */
  drop(key: Pick<AttemptKey, 'runId' | 'instanceId' | 'attempt'>): number {
    const id = attemptId(key);
    if (!this.rows.delete(id)) return 0;
    const before = this.pending.length;
    this.pending = this.pending.filter((p) => {
      if (p.attempt !== id) return true;
      this.pendingBytes -= p.bytes;
      return false;
    });
    this.record({ k: 'd', id });
    return before - this.pending.length;
  }

  /** The attempts tracked: running ones and finished ones with unacknowledged reports. */
  attempts(): AttemptRow[] {
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  /** The row of one attempt, if tracked. */
  attempt(key: Pick<AttemptKey, 'runId' | 'instanceId' | 'attempt'>): AttemptRow | undefined {
    const row = this.rows.get(attemptId(key));
    return row === undefined ? undefined : { ...row };
  }

  /** Writes what is buffered and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.clearTimers();
    await this.enqueue(() => this.writeBuffer());
    this.closed = true;
    await this.enqueue(async () => {
      await this.handle?.close();
      this.handle = null;
    });
  }

  private record(record: OutboxRecord): void {
    const line = encodeRecord(record);
    this.bufferLine(line, Buffer.byteLength(line));
    this.scheduleFlush(false);
  }

  private bufferLine(line: string, bytes: number): void {
    this.buffer.push(line);
    this.bufferBytes += bytes;
  }

  private scheduleFlush(urgent: boolean): void {
    if (this.closed) return;
    if (urgent || this.bufferBytes >= this.options.flushBytes) {
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        void this.flush();
      });
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.options.flushIntervalMs);
    }
  }

  private clearTimers(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.chain.then(operation).catch((error: unknown) => {
      this.options.logger.error({ err: error, file: this.file }, 'outbox write failed; will retry');
      this.scheduleFlush(false);
    });
    this.chain = run;
    return run;
  }

  private async writeBuffer(): Promise<void> {
    if (this.buffer.length === 0 || this.handle === null) return;
    const lines = this.buffer;
    const bytes = this.bufferBytes;
    const through = this.bufferedThrough;
    this.buffer = [];
    this.bufferBytes = 0;
    const data = Buffer.from(lines.join(''));
    try {
      await this.handle.write(data, 0, data.length, null);
      this.stats.writes += 1;
      await this.handle.datasync();
      this.stats.fsyncs += 1;
    } catch (error) {
      // Keep the lines for the next attempt; a partial line left behind is skipped by its checksum.
      this.buffer = [...lines, ...this.buffer];
      this.bufferBytes += bytes;
      throw error;
    }
    this.stats.bytesWritten += data.length;
    this.fileBytes += data.length;
    this.markDurable(through);
  }

  private markDurable(through: number): void {
    if (through <= this.durable) return;
    this.durable = through;
    this.emit('durable', through);
  }

  /** Rewrites the file as header + unacknowledged reports (see INVARIANTS). */
  private async compactNow(): Promise<void> {
    await this.writeBuffer();
    // The in-memory state already reflects every buffered record: the snapshot replaces the buffer.
    const through = this.nextOutboxSeq - 1;
    const header = encodeRecord({ k: 'h', next: this.nextOutboxSeq, acked: this.ackedThrough, attempts: [...this.rows.values()] });
    const lines = [header, ...this.pending.map((p) => encodeRecord({ k: 'r', o: p.outboxSeq, r: p.report }))];
    this.buffer = [];
    this.bufferBytes = 0;
    const data = Buffer.from(lines.join(''));
    const tmp = `${this.file}.tmp`;
    const out = await open(tmp, 'w', 0o600);
    try {
      await out.write(data, 0, data.length, null);
      await out.datasync();
    } finally {
      await out.close();
    }
    await this.handle?.close();
    this.handle = null;
    try {
      await rename(tmp, this.file);
      await syncDir(this.options.dir);
    } finally {
      this.handle = await open(this.file, 'a', 0o600);
    }
    this.fileBytes = data.length;
    this.stats.writes += 1;
    this.stats.fsyncs += 2;
    this.stats.bytesWritten += data.length;
    this.stats.compactions += 1;
    this.markDurable(through);
  }

  private recover(): void {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const decoded = decodeFile(text);
    if (decoded.badLines > 0 || decoded.tornTail) {
      this.options.logger.warn({ file: this.file, badLines: decoded.badLines, tornTail: decoded.tornTail },
        'outbox had damaged lines (power loss during a write?); they were skipped');
    }
    for (const record of decoded.records) this.replay(record);
    this.forgetFinishedRows(new Set(this.rows.keys()));
    this.durable = this.nextOutboxSeq - 1;
    // A stale temporary file is a compaction that never got renamed: the main file is the truth.
    rmSync(`${this.file}.tmp`, { force: true });
  }

  private replay(record: OutboxRecord): void {
    switch (record.k) {
      case 'h':
        this.nextOutboxSeq = Math.max(this.nextOutboxSeq, record.next);
        this.ackedThrough = Math.max(this.ackedThrough, record.acked);
        for (const row of record.attempts) this.rows.set(attemptId(row.key), { ...row });
        return;
      case 'r': {
        const report = record.r;
        const id = attemptId(report.key);
        this.nextOutboxSeq = Math.max(this.nextOutboxSeq, record.o + 1);
        const row = this.rows.get(id) ?? { key: report.key, nextSeq: 1, finished: false, pid: null };
        row.nextSeq = Math.max(row.nextSeq, report.seq + 1);
        if (report.type === 'finished') row.finished = true;
        if (report.type === 'started') row.pid = report.pid;
        this.rows.set(id, row);
        const last = this.pending[this.pending.length - 1];
        if (record.o > this.ackedThrough && (last === undefined || record.o > last.outboxSeq)) {
          const bytes = Buffer.byteLength(encodeRecord(record));
          this.pending.push({ outboxSeq: record.o, report, attempt: id, bytes });
          this.pendingBytes += bytes;
        }
        return;
      }
      case 'a': {
        this.ackedThrough = Math.max(this.ackedThrough, record.o);
        const acked = this.pending.filter((p) => p.outboxSeq <= this.ackedThrough);
        this.pending = this.pending.filter((p) => p.outboxSeq > this.ackedThrough);
        this.pendingBytes = this.pending.reduce((sum, p) => sum + p.bytes, 0);
        this.forgetFinishedRows(new Set(acked.map((p) => p.attempt)));
        return;
      }
      case 'd':
        this.rows.delete(record.id);
        this.pending = this.pending.filter((p) => p.attempt !== record.id);
        this.pendingBytes = this.pending.reduce((sum, p) => sum + p.bytes, 0);
        return;
    }
  }

  /** A finished attempt with nothing left to send is done with. */
  private forgetFinishedRows(candidates: Set<string>): void {
    if (candidates.size === 0) return;
    const stillPending = new Set(this.pending.map((p) => p.attempt));
    for (const id of candidates) {
      if (this.rows.get(id)?.finished === true && !stillPending.has(id)) this.rows.delete(id);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The worker's status file and `main.js --check`. The worker listens on nothing, so its health is a
 * small JSON file it rewrites every WORKTY_WORKER_STATUS_INTERVAL and on every change of its link to
 * the supervisor; `--check` (the container health check, or a person on the board) reads it:
 * healthy when the file is fresh (the daemon runs and its event loop turns) and the worker is in a
 * session with the supervisor, or has been out of one for less than 3 intervals (a reconnection).
 *
 * The file is written without fsync (a status needs no durability) and is best kept on a tmpfs
 * (WORKTY_WORKER_STATUS_FILE under /run), sparing an SD card; it is removed when the worker stops.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../shared/log.js';
import type { SupervisorLink, LinkState } from './connection/link.js';

/** What the file holds. */
export interface WorkerStatus {
  pid: number;
  deviceId: string;
  version: string;
  /** When the file was written (ISO). */
  written: string;
  startedAt: string;
  /** The link to the supervisor: `session` when connected and greeted. */
  link: LinkState;
  /** Since when the current session lasts; null out of a session. */
  sessionSince: string | null;
  /** Since when the worker has been out of a session (its start, or the end of the last one); null in one. */
  disconnectedSince: string | null;
  /** The supervisor's last refusal of this device, if the link has not had a session since. */
  refusal: { code: string; message: string; at: string } | null;
  /** Attempts running now. */
  running: number;
  slots: number;
  /** Reports in the outbox not yet acknowledged by the supervisor. */
  pendingReports: number;
  stopping: boolean;
}

export interface StatusSources {
  file: string;
  intervalMs: number;
  deviceId: string;
  version: string;
  slots: number;
  link: SupervisorLink;
  running: () => number;
  pendingReports: () => number;
  logger: Logger;
}

/** Where the status file goes: the configured path, else in the worker folder. */
export function statusFilePath(configured: string | undefined, workerRoot: string): string {
  return configured ?? join(workerRoot, 'status.json');
}

export class StatusFile {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  private sessionSince: string | null = null;
  private disconnectedSince: string | null = this.startedAt;
  private refusal: WorkerStatus['refusal'] = null;
  private stopping = false;
  private failing = false;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly sources: StatusSources) {}

  start(): void {
    const { link } = this.sources;
    const onSession = (): void => {
      this.sessionSince = new Date().toISOString();
      this.disconnectedSince = null;
      this.refusal = null;
      this.write();
    };
    const onDown = (): void => {
      this.sessionSince = null;
      this.disconnectedSince = new Date().toISOString();
      this.write();
    };
    const onRefused = (refusal: { code: string; message: string }): void => {
      this.refusal = { code: refusal.code, message: refusal.message, at: new Date().toISOString() };
      this.write();
    };
    link.on('session', onSession);
    link.on('down', onDown);
    link.on('refused', onRefused);
    this.listeners.push(() => link.off('session', onSession), () => link.off('down', onDown), () => link.off('refused', onRefused));
    mkdirSync(dirname(this.sources.file), { recursive: true, mode: 0o700 });
    this.write();
    this.timer = setInterval(() => this.write(), this.sources.intervalMs);
    this.timer.unref();
  }

  /** The worker is shutting down: said in the file until it is removed. */
  markStopping(): void {
    this.stopping = true;
    this.write();
  }

  /** Stops writing and removes the file (a stopped worker has no status). */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const off of this.listeners.splice(0)) off();
    rmSync(this.sources.file, { force: true });
  }

  current(): WorkerStatus {
    const s = this.sources;
    return {
      pid: process.pid, deviceId: s.deviceId, version: s.version, written: new Date().toISOString(), startedAt: this.startedAt,
      link: s.link.status, sessionSince: this.sessionSince, disconnectedSince: this.disconnectedSince, refusal: this.refusal,
      running: s.running(), slots: s.slots, pendingReports: s.pendingReports(), stopping: this.stopping,
    };
  }

  private write(): void {
    const file = this.sources.file;
    const temp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(this.current())}\n`, { mode: 0o644 });
      renameSync(temp, file);
      this.failing = false;
    } catch (error) {
      // Said once per run of failures: a full disk must not also fill the log.
      if (!this.failing) this.sources.logger.warn({ err: error, file }, 'cannot write the status file; the health check will fail');
      this.failing = true;
    }
  }
}

export interface StatusVerdict {
  healthy: boolean;
  summary: string;
}

/** `--check`: reads the status file and judges it (see the file header). */
export function checkStatus(file: string, intervalMs: number, now = Date.now()): StatusVerdict {
  let status: WorkerStatus;
  try {
    status = JSON.parse(readFileSync(file, 'utf8')) as WorkerStatus;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no status file: the worker is not running (or WORKTY_WORKER_STATUS_FILE differs)' : (error as Error).message;
    return { healthy: false, summary: `unhealthy: ${file}: ${reason}` };
  }
  const limit = 3 * intervalMs;
  const age = now - Date.parse(status.written);
  const facts = `link ${status.link}, ${status.running}/${status.slots} slots busy, ${status.pendingReports} reports pending`;
  if (!(age <= limit)) return { healthy: false, summary: `unhealthy: the status was written ${Math.round(age / 1000)} s ago (the worker is stuck or gone; pid ${status.pid})` };
  if (status.stopping) return { healthy: false, summary: `unhealthy: the worker is stopping (${facts})` };
  if (status.link !== 'session') {
    const since = Date.parse(status.disconnectedSince ?? status.startedAt);
    const away = now - since;
    const refused = status.refusal === null ? '' : `; refused by the supervisor: ${status.refusal.message} (${status.refusal.code})`;
    if (away > limit || status.refusal !== null && ['bad-credentials', 'disabled', 'protocol-version', 'bad-handshake'].includes(status.refusal.code)) {
      return { healthy: false, summary: `unhealthy: no session with the supervisor for ${Math.round(away / 1000)} s${refused} (${facts})` };
    }
    return { healthy: true, summary: `healthy: reconnecting to the supervisor for ${Math.round(away / 1000)} s (${facts})` };
  }
  return { healthy: true, summary: `healthy: in session since ${status.sessionSince ?? '?'} (${facts})` };
}

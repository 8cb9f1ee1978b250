/**
 * One worker per folder: two daemons sharing an outbox would interleave their records, and each would
 * kill the other's tasks as orphans at start. The lock file holds the owner's pid and the start time
 * of that process, so that a lock left by a crash (or by a pid since reused after a reboot) is taken
 * over, never one of a live worker.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'worker.lock';

interface LockContent {
  pid: number;
  /** Start time of the process (clock ticks since boot, /proc/<pid>/stat), null where unknown. */
  started: string | null;
}

/** The folder is in use by another live worker. */
export class FolderLockedError extends Error {
  constructor(readonly folder: string, readonly pid: number) {
    super(`another worker (pid ${pid}) uses ${folder}; one worker per WORKTY_WORKER_DIR`);
    this.name = 'FolderLockedError';
  }
}

export interface FolderLock {
  release(): void;
}

/** Takes the folder's lock, or throws FolderLockedError. */
export function lockFolder(folder: string): FolderLock {
  const file = join(folder, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, started: startTimeOf(process.pid) };
  for (let tries = 0; tries < 2; tries += 1) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      return {
        release: () => {
          if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = readLock(file);
    if (held !== null && (held.pid === process.pid || alive(held))) throw new FolderLockedError(folder, held.pid);
    // Stale: its process is gone (or the file is unreadable).
    rmSync(file, { force: true });
  }
  throw new Error(`could not take the lock ${file}`);
}

function readLock(file: string): LockContent | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof value.pid === 'number' ? { pid: value.pid, started: value.started ?? null } : null;
  } catch {
    return null;
  }
}

function alive(lock: LockContent): boolean {
  try {
    process.kill(lock.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = startTimeOf(lock.pid);
  // The same pid with another start time is another process.
  return lock.started === null || started === null || started === lock.started;
}

/** Start time of a process (Linux), to tell a reused pid from the original. */
export function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the fields after comm start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

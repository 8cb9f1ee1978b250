/**
 * Process trees of tasks. Each task is spawned detached, so it leads its own session and process
 * group; signalling the group (a negative pid) reaches every process the task started that did not
 * leave the group on purpose. (A real sandbox would use cgroups; boards rarely offer them to a user.)
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { sep } from 'node:path';
import type { Logger } from '../../shared/log.js';

/** Sends `signal` to the process group led by `pid`; false when the group is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    throw error;
  }
}

/** True when no such process runs (gone, or a zombie waiting to be reaped). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // `pid (comm) S ...`: the state follows the last parenthesis (comm may contain spaces or parens).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * After a crash of the worker, tasks it started may still run (they are in their own process groups).
 * Finds processes whose working directory lies under `workDir` (Linux /proc) and kills their groups.
 * Returns the number of groups killed.
 */
export function killOrphans(workDir: string, logger: Logger): number {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  const prefix = workDir.endsWith(sep) ? workDir : workDir + sep;
  const ownGroup = groupOf(process.pid);
  const groups = new Set<number>();
  for (const pid of pids) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (!cwd.startsWith(prefix)) continue;
      const group = groupOf(Number(pid));
      if (group !== null && group !== ownGroup && group > 1) groups.add(group);
    } catch {
      // Gone meanwhile, or not ours to inspect.
    }
  }
  for (const group of groups) {
    try {
      signalGroup(group, 'SIGKILL');
      logger.warn({ processGroup: group }, 'killed a task left running by a previous run of the worker');
    } catch (error) {
      logger.error({ err: error, processGroup: group }, 'could not kill a task left running by a previous run of the worker');
    }
  }
  return groups.size;
}

function groupOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after comm: state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const group = Number(fields[2]);
    return Number.isInteger(group) ? group : null;
  } catch {
    return null;
  }
}

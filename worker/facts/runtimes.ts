/**
 * Runtimes a board offers: each known name is looked up on PATH and asked for its version. `node` is
 * always offered: it is the worker's own Node.js binary.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A runtime found on this board. */
export interface RuntimeCommand {
  /** The name tasks ask for (`node`, `python3`, `sh`, …). */
  name: string;
  /** Absolute path of the executable. */
  command: string;
  /** As the runtime reports it; null when it has no version option (e.g. dash as `sh`). */
  version: string | null;
}

interface Probe {
  name: string;
  /** Arguments that print the version; null = the runtime has no such option. */
  versionArgs: string[] | null;
  /** Pulls the version out of the output. */
  pattern: RegExp;
}

/** The runtimes the worker looks for. */
export const RUNTIME_PROBES: readonly Probe[] = [
  { name: 'python3', versionArgs: ['--version'], pattern: /Python\s+(\S+)/ },
  { name: 'sh', versionArgs: null, pattern: /$/ },
  { name: 'bash', versionArgs: ['--version'], pattern: /version\s+(\S+)/ },
  { name: 'perl', versionArgs: ['-e', 'print $^V'], pattern: /v?(\d+\.\d+\.\d+)/ },
  { name: 'ruby', versionArgs: ['--version'], pattern: /ruby\s+(\S+)/ },
  { name: 'java', versionArgs: ['-version'], pattern: /version\s+"([^"]+)"/ },
];

const PROBE_TIMEOUT_MS = 10_000;

/** Finds an executable named `name` on `path` (a PATH value). */
export function findOnPath(name: string, path: string | undefined): string | null {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** Probes every known runtime (in parallel); returns those found, `node` first. */
export async function probeRuntimes(path: string | undefined): Promise<RuntimeCommand[]> {
  const node: RuntimeCommand = { name: 'node', command: process.execPath, version: process.versions.node };
  const found = await Promise.all(RUNTIME_PROBES.map((probe) => probeOne(probe, path)));
  return [node, ...found.filter((r): r is RuntimeCommand => r !== null)];
}

async function probeOne(probe: Probe, path: string | undefined): Promise<RuntimeCommand | null> {
  const command = findOnPath(probe.name, path);
  if (command === null) return null;
  if (probe.versionArgs === null) return { name: probe.name, command, version: null };
  const output = await new Promise<string | null>((resolve) => {
    execFile(command, probe.versionArgs!, { timeout: PROBE_TIMEOUT_MS, env: { PATH: path ?? '' } }, (error, stdout, stderr) => {
      resolve(error ? null : `${stdout}\n${stderr}`);
    });
  });
  // A runtime that cannot even print its version is not offered.
  if (output === null) return null;
  return { name: probe.name, command, version: probe.pattern.exec(output)?.[1] ?? null };
}

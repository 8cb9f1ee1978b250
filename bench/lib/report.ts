/** Figures and tables of the benchmark scripts: percentiles, units, the machine, a results table. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** The p-th percentile (nearest rank) of values sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A copy sorted ascending. */
export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** p50 · p90 · p99 · max of a distribution, in the given unit. */
export function distribution(values: readonly number[], format: (value: number) => string): string {
  const s = sorted(values);
  return `p50 ${format(percentile(s, 50))} · p90 ${format(percentile(s, 90))} · p99 ${format(percentile(s, 99))} · max ${format(s.at(-1) ?? Number.NaN)}`;
}

export const ms = (value: number, digits = 3): string => `${value.toFixed(digits)} ms`;
export const seconds = (valueMs: number): string => `${(valueMs / 1000).toFixed(2)} s`;
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The 1-minute load average now, as printed next to every figure. */
export function load(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** The machine a benchmark ran on, in one line. */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}, ${kernel()}`;
}

function kernel(): string {
  try {
    return `Linux ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}`;
  } catch {
    return process.platform;
  }
}

/** Cumulative CPU time of a process (user + system) in ms, read from /proc; NaN if it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Linux's USER_HZ: 100 on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** VmRSS of a process, in bytes. */
export function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
}

/** A Markdown table (as `docs/BENCHMARKS.md` shows them), columns padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]): string => `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The heading every benchmark prints above its table. */
export function banner(title: string): string {
  return `\n${title}\n${machine()}\nload average at the end: ${load()}\n`;
}

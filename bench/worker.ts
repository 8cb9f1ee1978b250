/**
 * `npm run bench:worker`: figures of the worker daemon, printed as tables.
 *
 * 1. Idle RSS of the daemon process (dist/worker/main.js) connected to a supervisor side (the test
 *    fake, speaking protocol v1) with no work: sampled from /proc for a while after it settled.
 *    Target: ≤ 60 MB.
 * 2. Outbox throughput on this machine's disk: reports appended and made durable per second with
 *    batched writes (the default settings), against one fdatasync per report.
 *
 * Options (environment): BENCH_IDLE_SECONDS (default 40), BENCH_REPORTS (default 50000).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, workerSettings } from '../config/index.js';
import type { AttemptKey } from '../shared/protocol/worker.js';
import { Outbox } from '../worker/outbox/outbox.js';
import { silentLogger } from '../test/lib/logger.js';
import { makeTempDir } from '../test/lib/tmp.js';
import { testWorkerEnv } from '../test/lib/worker/config.js';
import { LAUNCHER_NODE_FLAGS, startDaemon } from '../test/lib/worker/daemon-process.js';
import { FakeSupervisor } from '../test/lib/worker/fake-supervisor.js';
import { WORKER_NODE_FLAGS } from '../worker/node-flags.js';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 40);
const REPORTS = Number(process.env.BENCH_REPORTS ?? 50_000);
const TARGET_RSS_MB = 60;

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${title}\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN);
}

const mb = (kb: number) => (kb / 1024).toFixed(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Starts the daemon with `nodeFlags`, lets it sit idle, samples its memory once a second. */
async function idleRss(nodeFlags: string[]): Promise<string[]> {
  const supervisor = await FakeSupervisor.start();
  const dir = makeTempDir('bench-worker');
  // Production settings, except where the worker lives and whom it trusts.
  const daemon = startDaemon(testWorkerEnv(supervisor, join(dir.path, 'worker'), {
    WORKTY_LOG_LEVEL: 'warn',
    WORKTY_WORKER_SLOTS: '',
    WORKTY_WORKER_RECONNECT_MIN: '',
    WORKTY_WORKER_RECONNECT_MAX: '',
    WORKTY_WORKER_REFUSED_BACKOFF: '',
    WORKTY_WORKER_OUTBOX_FLUSH: '',
    WORKTY_WORKER_ACK_TIMEOUT: '',
    WORKTY_WORKER_KILL_GRACE: '',
    WORKTY_WORKER_SHUTDOWN_GRACE: '',
    WORKTY_WORKER_READY_WAIT: '',
  }), [], nodeFlags);
  try {
    await daemon.ready;
    while (!supervisor.connected) await sleep(50);
    const pid = daemon.child.pid!;
    const samples: number[] = [];
    for (let i = 0; i < IDLE_SECONDS; i += 1) {
      await sleep(1000);
      samples.push(statusKb(pid, 'VmRSS'));
    }
    // Steady state: the second half, once V8's memory reducer had a chance to shrink the young generation.
    const steady = samples.slice(Math.floor(samples.length / 2));
    const row = [
      nodeFlags.join(' ') || '(none)',
      mb(samples[0]!),
      mb(median(steady)),
      mb(Math.min(...steady)),
      mb(Math.max(...steady)),
      mb(statusKb(pid, 'RssAnon')),
      mb(statusKb(pid, 'RssFile')),
      mb(statusKb(pid, 'VmHWM')),
      median(steady) / 1024 <= TARGET_RSS_MB ? 'met' : 'missed',
    ];
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    return row;
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
    await supervisor.close();
    dir.remove();
  }
}

function key(n: number): AttemptKey {
  return { runId: String(n).padStart(24, '0'), instanceId: 'b'.repeat(24), attempt: 1, leaseToken: 'bench-lease-token' };
}

const LINE = `${'x'.repeat(90)}\n`;

async function outboxRun(label: string, count: number, perReport: boolean, flushMs: number, flushBytes: number): Promise<string[]> {
  const dir = makeTempDir('bench-outbox');
  const outbox = await Outbox.open({ dir: dir.path, flushIntervalMs: flushMs, flushBytes, logger: silentLogger() });
  const base = { ...outbox.stats };
  const started = process.hrtime.bigint();
  let last = 0;
  if (perReport) {
    for (let i = 0; i < count; i += 1) {
      last = outbox.append(key(i % 4), { type: 'log', stream: 'stdout', text: LINE }, true).outboxSeq;
      await outbox.whenDurable(last);
    }
  } else {
    // Producers append in bursts, as task output arrives; the event loop turns between bursts.
    for (let i = 0; i < count; i += 100) {
      for (let j = i; j < Math.min(count, i + 100); j += 1) last = outbox.append(key(j % 4), { type: 'log', stream: 'stdout', text: LINE }).outboxSeq;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await outbox.whenDurable(last);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stats = outbox.stats;
  await outbox.close();
  dir.remove();
  const fsyncs = stats.fsyncs - base.fsyncs;
  return [label, String(count), (count / seconds).toFixed(0), String(stats.writes - base.writes), String(fsyncs), (count / Math.max(1, fsyncs)).toFixed(1), (seconds * 1000).toFixed(0)];
}

async function outboxThroughput(): Promise<void> {
  const defaults = loadConfig(workerSettings, { env: {} });
  const rows = [
    await outboxRun(`batched (${defaults.outboxFlushMs} ms / ${defaults.outboxFlushBytes / 1024} KiB, defaults)`, REPORTS, false, defaults.outboxFlushMs, defaults.outboxFlushBytes),
    await outboxRun('batched (20 ms / 64 KiB)', REPORTS, false, 20, 64 * 1024),
    await outboxRun('one fdatasync per report', Math.min(REPORTS, 2000), true, defaults.outboxFlushMs, defaults.outboxFlushBytes),
  ];
  table(`Outbox throughput (log reports of ${LINE.length} characters, durable on disk; temp dir of this machine)`,
    ['mode', 'reports', 'reports/s', 'writes', 'fsyncs', 'reports/fsync', 'ms'], rows);
}

const rssRows = [];
// Plain `node dist/worker/main.js`, as the launcher starts it, with the flags the image and the unit give it
// (worker/node-flags.ts), and with the JIT off.
for (const flags of [[], LAUNCHER_NODE_FLAGS, [...WORKER_NODE_FLAGS], ['--jitless']]) rssRows.push(await idleRss(flags));
table(`Worker daemon idle RSS in MB (connected to a supervisor side, no work; sampled each second for ${IDLE_SECONDS} s; `
  + `steady = second half; Node ${process.versions.node} ${process.arch}; target ≤ ${TARGET_RSS_MB} MB steady)`,
['node flags', 'after 1 s', 'steady median', 'steady min', 'steady max', 'anonymous', 'file-backed', 'peak (HWM)', `≤ ${TARGET_RSS_MB}`], rssRows);
process.stdout.write('file-backed = pages of the node binary and libraries, shared with every other Node process on the board\n');
await outboxThroughput();

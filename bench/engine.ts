/**
 * `npm run bench:engine`: the run engine's figures on this machine, in one run, next to the targets.
 *
 * 1. Bare socket.io round trip: the supervisor's process emits with acknowledgement to a client in
 *    another process (TLS, websocket), a payload the size of a dispatch. p50/p99.
 * 2. Dispatch latency: from "instance ready" (its move to `waiting` stored) to "task started on the
 *    board" (the dispatch received by a simulated worker in another process), one free worker, no-op
 *    tasks, workflows of 10 instances run one after another. p50/p99. (The supervisor runs in its own
 *    process: bench/lib/scenarios.ts, the same measurement as `npm run bench:throughput`.)
 * 3. Throughput: completed instances per second, 1 supervisor, 4 simulated workers (4 slots each) in
 *    another process, no-op tasks, embedded SQLite store, 128 concurrent runs of 10 instances
 *    (bench/lib/scenarios.ts).
 * 4. Supervisor memory per idle connected worker: the supervisor alone in a process; its RSS after a
 *    full GC with 1,000 simulated workers connected and idle, minus before, divided by 1,000.
 * 5. Worker daemon idle RSS: the real worker (`dist/worker/main.js`, with its flags: worker/node-flags.ts)
 *    connected and idle, sampled for 20 s.
 */
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Server as IoServer } from 'socket.io';
import { ensureSelfSignedTls, loadTls, type TlsMaterial } from '../shared/security/tls.js';
import { openStore } from '../shared/store/index.js';
import type { Store } from '../shared/store/port.js';
import { createSupervisor, type Supervisor } from '../supervisor/app.js';
import { TEST_SETTINGS } from '../test/lib/engine-harness.js';
import { silentLogger } from '../test/lib/logger.js';
import { makeTempDir } from '../test/lib/tmp.js';
import { waitFor } from '../test/lib/wait.js';
import { BenchChild } from './lib/child.js';
import { banner, kb, mb, ms, percentile, rssOf, sorted, table } from './lib/report.js';
import { worktyScenario } from './lib/scenarios.js';
import { productionTimings } from './lib/supervisor-child.js';
import { makeDevices } from './lib/workloads.js';
import { WORKER_NODE_FLAGS } from '../worker/node-flags.js';

interface Row {
  figure: string;
  measured: string;
  target: string;
  verdict: 'ok' | 'MISSED' | 'n/a';
}

async function bareRoundTrip(tls: TlsMaterial, fleet: BenchChild, samples: number): Promise<number[]> {
  const server = createServer({ cert: tls.cert, key: tls.key });
  const io = new IoServer(server, { serveClient: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const connected = new Promise<import('socket.io').Socket>((resolve) => io.of('/bare').once('connection', resolve));
  await fleet.request({ cmd: 'bare', url, ca: tls.cert });
  const socket = await connected;
  // About the size of a dispatch message.
  const payload = { runId: 'a'.repeat(24), instanceId: 'b'.repeat(24), attempt: 1, leaseToken: 'c'.repeat(24), name: 'noop', runtime: 'node',
    entryPoint: 'index.js', package: { hash: 'd'.repeat(64), size: 1234 }, properties: { timeout: 1000 }, timeoutMs: 600_000, maxLogBytes: 1_048_576, checkpoint: null };
  const times: number[] = [];
  for (let i = 0; i < samples + 200; i += 1) {
    const start = performance.now();
    await socket.timeout(5000).emitWithAck('ping-bench', payload);
    if (i >= 200) times.push(performance.now() - start);
  }
  await io.close();
  return times.sort((a, b) => a - b);
}

interface MemoryFigure {
  rssPerConnection: number;
  heapPerConnection: number;
  rssBefore: number;
  rssAfter: number;
}

/**
 * RSS and heap per idle connection of a server process after a full GC: the supervisor with `count`
 * simulated workers (hello done), or (`bare`) a bare socket.io-over-TLS server with `count` plain clients.
 */
async function memoryPerConnection(count: number, bare: boolean): Promise<MemoryFigure> {
  const dir = makeTempDir('bench-memory');
  try {
    await ensureSelfSignedTls({ dataDir: dir.path });
    const tls = loadTls({ dataDir: dir.path });
    const store = await openStore({ dataDir: dir.path }, silentLogger());
    const fleetDevices = bare ? [] : await makeDevices(store, count, 'idle');
    await store.close();
    const server = new BenchChild('./supervisor-child.js', ['--expose-gc']);
    const fleet = new BenchChild('./fleet.js');
    try {
      const { port } = await server.request<{ port: number }>({ cmd: 'start', dataDir: dir.path, bare });
      const before = (await server.request<{ usage: NodeJS.MemoryUsage }>({ cmd: 'memory' })).usage;
      const url = `https://127.0.0.1:${port}`;
      if (bare) await fleet.request({ cmd: 'bare', url, ca: tls.cert, count });
      else await fleet.request({ cmd: 'connect', url, ca: tls.cert, devices: fleetDevices, slots: 1, runtimes: ['node'], concurrency: 50 });
      await waitFor(async () => (await server.request<{ workers: number }>({ cmd: 'stats' })).workers === count, { timeoutMs: 120_000, intervalMs: 200, what: `${count} connections` });
      // Let the presence writes and the first ping round settle.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const after = (await server.request<{ usage: NodeJS.MemoryUsage }>({ cmd: 'memory' })).usage;
      return {
        rssPerConnection: (after.rss - before.rss) / count,
        heapPerConnection: (after.heapUsed + after.external - before.heapUsed - before.external) / count,
        rssBefore: before.rss, rssAfter: after.rss,
      };
    } finally {
      await fleet.stop();
      await server.stop();
    }
  } finally {
    dir.remove();
  }
}

/**
 * The real worker daemon (`node WORKER_NODE_FLAGS dist/worker/main.js`, as the launcher, the image and the unit run it) connected and idle: its RSS sampled each
 * second for `seconds` after the hello; the median of the second half (steady), and the first sample.
 * Null when the worker is not built.
 */
async function workerIdleRss(store: Store, supervisor: Supervisor, port: number, certPath: string, seconds: number): Promise<{ first: number; steady: number } | null> {
  const script = fileURLToPath(new URL('../worker/main.js', import.meta.url));
  if (!existsSync(script)) return null;
  const [device] = await makeDevices(store, 1, 'daemon');
  const dir = makeTempDir('bench-worker');
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', ...WORKER_NODE_FLAGS, script], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, WORKTY_SUPERVISOR_URL: `https://127.0.0.1:${port}`, WORKTY_SUPERVISOR_CA: certPath,
      WORKTY_DEVICE_ID: device!.deviceId, WORKTY_DEVICE_SECRET: device!.secret, WORKTY_WORKER_DIR: dir.path, WORKTY_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitFor(() => supervisor.registry.get(device!.deviceId)?.ready === true, { timeoutMs: 30_000, what: 'the worker daemon to connect' });
    const samples: number[] = [];
    for (let i = 0; i < seconds; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      samples.push(rssOf(child.pid!));
    }
    const steady = samples.slice(Math.floor(samples.length / 2)).sort((a, b) => a - b);
    return { first: samples[0]!, steady: steady[Math.floor(steady.length / 2)]! };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    dir.remove();
  }
}

/** `--only bare,latency,throughput,daemon,memory` runs a subset (while tuning one figure). */
function phases(): Set<string> {
  const all = ['bare', 'latency', 'throughput', 'daemon', 'memory'];
  const at = process.argv.indexOf('--only');
  return new Set(at < 0 ? all : (process.argv[at + 1] ?? '').split(',').filter((p) => all.includes(p)));
}

async function latencyRows(tls: TlsMaterial): Promise<Row[]> {
  process.stdout.write('bare socket.io round trip…\n');
  const bareFleet = new BenchChild('./fleet.js');
  const bare = await bareRoundTrip(tls, bareFleet, 2000);
  await bareFleet.stop();
  const bareP50 = percentile(bare, 50);
  process.stdout.write('dispatch latency…\n');
  const latency = sorted((await worktyScenario({ chains: 31, length: 10, workers: 1, slots: 1, sequential: true })).latency);
  const latencyP50 = percentile(latency, 50);
  return [
    { figure: `bare socket.io emit+ack round trip (n=${bare.length})`, measured: `p50 ${ms(bareP50)} · p99 ${ms(percentile(bare, 99))}`, target: '(reference)', verdict: 'n/a' },
    {
      figure: `dispatch latency, instance ready → started on the board (n=${latency.length})`,
      measured: `p50 ${ms(latencyP50)} · p99 ${ms(percentile(latency, 99))} (p50 = ${(latencyP50 / bareP50).toFixed(1)} × bare)`,
      target: `p50 ≤ 5 × bare = ${ms(5 * bareP50)}`, verdict: latencyP50 <= 5 * bareP50 ? 'ok' : 'MISSED',
    },
  ];
}

async function throughputRows(): Promise<Row[]> {
  process.stdout.write('throughput…\n');
  const rate = await worktyScenario({ chains: 128, length: 10, workers: 4, slots: 4, sequential: false });
  const perSecond = rate.completed / (rate.windowMs / 1000);
  return [
    {
      figure: `completed instances/s, 1 supervisor + 4 workers × 4 slots, no-op, SQLite (${rate.completed} in ${(rate.windowMs / 1000).toFixed(2)} s)`,
      measured: `${perSecond.toFixed(0)} /s`, target: '≥ 500 /s', verdict: perSecond >= 500 ? 'ok' : 'MISSED',
    },
    {
      figure: '  supervisor CPU per completed instance (what one dedicated core would allow)',
      measured: `${rate.serverCpuMsPerJob.toFixed(2)} ms (${(1000 / rate.serverCpuMsPerJob).toFixed(0)} /s)`, target: '(diagnostic)', verdict: 'n/a',
    },
  ];
}

async function daemonRows(store: Store, supervisor: Supervisor, tls: TlsMaterial, port: number): Promise<Row[]> {
  process.stdout.write('worker daemon idle RSS…\n');
  const daemon = await workerIdleRss(store, supervisor, port, tls.certPath, 20);
  if (daemon === null) {
    return [{ figure: 'worker daemon idle RSS', measured: 'not measured: dist/worker/main.js is not built on this branch', target: '≤ 60 MB', verdict: 'n/a' }];
  }
  return [{
    figure: 'worker daemon idle RSS (connected, idle; steady = median of seconds 10-20)',
    measured: `${mb(daemon.steady)} steady (${mb(daemon.first)} after 1 s)`, target: '≤ 60 MB', verdict: daemon.steady <= 60 * 1024 * 1024 ? 'ok' : 'MISSED',
  }];
}

async function memoryRows(): Promise<Row[]> {
  process.stdout.write('supervisor memory with 1,000 idle workers…\n');
  const reference = await memoryPerConnection(1000, true);
  const memory = await memoryPerConnection(1000, false);
  return [
    {
      figure: 'bare socket.io over TLS, per idle connection (1,000 plain clients)',
      measured: `${kb(reference.rssPerConnection)} RSS · ${kb(reference.heapPerConnection)} heap+external`, target: '(reference)', verdict: 'n/a',
    },
    {
      figure: `supervisor memory per idle connected worker (1,000 simulated; RSS ${mb(memory.rssBefore)} → ${mb(memory.rssAfter)})`,
      measured: `${kb(memory.rssPerConnection)} RSS · ${kb(memory.heapPerConnection)} heap+external`,
      target: '≤ 50 KB', verdict: memory.rssPerConnection <= 50 * 1024 ? 'ok' : 'MISSED',
    },
  ];
}

async function main(): Promise<void> {
  const only = phases();
  const rows: Row[] = [];
  const dir = makeTempDir('bench-engine');
  await ensureSelfSignedTls({ dataDir: dir.path });
  const tls = loadTls({ dataDir: dir.path });
  const logger = silentLogger();
  const store = await openStore({ dataDir: dir.path }, logger);
  const supervisor = createSupervisor({ config: { ...TEST_SETTINGS, ...productionTimings() }, store, tls, logger });
  const { port } = await supervisor.listen();
  try {
    if (only.has('bare') || only.has('latency')) rows.push(...(await latencyRows(tls)));
    if (only.has('throughput')) rows.push(...(await throughputRows()));
    if (only.has('daemon')) rows.push(...(await daemonRows(store, supervisor, tls, port)));
  } finally {
    await supervisor.close();
    await store.close();
    dir.remove();
  }
  // The supervisor alone in its own process, so that nothing else of this one is counted.
  if (only.has('memory')) rows.push(...(await memoryRows()));

  process.stdout.write(banner('Workty engine benchmark'));
  process.stdout.write(`\n${table(['figure', 'measured', 'target', 'verdict'], rows.map((r) => [r.figure, r.measured, r.target, r.verdict]))}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
});

/**
 * `npm run bench:fleet`: one supervisor and N simulated workers (N = 100, 1,000, 5,000 by default).
 *
 * The supervisor is alone in its process (composition root, embedded SQLite store, production
 * timings: ping 10 s + 10 s, presence heartbeat 30 s). The workers are spread over 4 client
 * processes; each is a real socket.io client over WSS speaking protocol v1 with its own device
 * credential (`test/lib/simulated-worker.ts`), reconnecting with the real worker's backoff
 * (`WORKTY_WORKER_RECONNECT_MIN`/`_MAX` defaults: 1 s doubling to 30 s, equal jitter).
 *
 * For each N, in a fresh data directory and a fresh supervisor:
 *   1. connection: all N connect and say hello (50 handshakes in flight per client process); the
 *      wall time, each worker's time to hello, the supervisor's CPU per connection;
 *   2. memory: the supervisor's RSS and heap+external after a full GC, before and after; per worker;
 *   3. idle CPU: the supervisor's CPU over an idle window (pings, presence heartbeats) per worker;
 *   4. restart: the supervisor is killed (SIGKILL) and started again on the same port at once; the
 *      time it takes to listen, and each worker's time to hello again (from the kill and from the
 *      moment the new supervisor listened), with failed attempts per worker.
 *
 * Options: --workers 100,1000,5000 · --idle SECONDS (60) · --clients PROCESSES (4).
 * Needs one file descriptor per connection in the supervisor (`ulimit -n` ≥ N + 100).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, workerSettings } from '../config/index.js';
import { ensureSelfSignedTls, loadTls } from '../shared/security/tls.js';
import { openStore } from '../shared/store/index.js';
import { silentLogger } from '../test/lib/logger.js';
import { freePort } from '../test/lib/supervisor-process.js';
import { makeTempDir } from '../test/lib/tmp.js';
import { waitFor } from '../test/lib/wait.js';
import { BenchChild } from './lib/child.js';
import { banner, distribution, kb, load, mb, ms, percentile, seconds, sorted, table } from './lib/report.js';
import type { Startup } from './lib/supervisor-child.js';
import { makeDevices, type BenchDevice } from './lib/workloads.js';

const { values: args } = parseArgs({
  options: { workers: { type: 'string', default: '100,1000,5000' }, idle: { type: 'string', default: '60' }, clients: { type: 'string', default: '4' } },
});
const SIZES = args.workers.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const IDLE_SECONDS = Number(args.idle);
const CLIENTS = Number(args.clients);
const WORKER_DEFAULTS = loadConfig(workerSettings, { env: {} });
const RECONNECT = { minMs: WORKER_DEFAULTS.reconnectMinMs, maxMs: WORKER_DEFAULTS.reconnectMaxMs };

interface Usage {
  usage: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
}

interface FleetFigures {
  n: number;
  connectWallMs: number;
  connectEach: number[];
  connectCpuMsPerWorker: number;
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  idleCpuMsPerSecond: number;
  idleSeconds: number;
  restartMs: number;
  /** Of `restartMs`: until the killed process was gone. */
  exitMs: number;
  /** Of `restartMs`: the new process's start, phase by phase. */
  startup: Startup;
  allBackFromKillMs: number;
  backFromReady: number[];
  /** Each worker's successful attempt: dial → hello answered. */
  lastAttempt: number[];
  failures: number[];
  afterRestart: NodeJS.MemoryUsage;
  load: string;
}

const cpuMs = (cpu: NodeJS.CpuUsage): number => (cpu.user + cpu.system) / 1000;
const now = (): number => performance.timeOrigin + performance.now();

/** Splits the devices over `count` client processes. */
function shares(devices: BenchDevice[], count: number): BenchDevice[][] {
  const out: BenchDevice[][] = Array.from({ length: count }, () => []);
  devices.forEach((device, i) => out[i % count]!.push(device));
  return out.filter((share) => share.length > 0);
}

async function startSupervisor(dataDir: string, port: number): Promise<{ child: BenchChild; startup: Startup }> {
  const child = new BenchChild('./supervisor-child.js', ['--expose-gc']);
  const { startup } = await child.request<{ startup: Startup }>({ cmd: 'start', dataDir, port });
  return { child, startup };
}

async function greeted(fleets: BenchChild[], since: number): Promise<number> {
  const counts = await Promise.all(fleets.map((f) => f.request<{ count: number }>({ cmd: 'greeted', since })));
  return counts.reduce((sum, c) => sum + c.count, 0);
}

async function measure(n: number): Promise<FleetFigures> {
  const dir = makeTempDir('bench-fleet');
  const dataDir = join(dir.path, 'data');
  const fleets: BenchChild[] = [];
  let server: BenchChild | null = null;
  try {
    await ensureSelfSignedTls({ dataDir });
    const ca = loadTls({ dataDir }).cert;
    const store = await openStore({ dataDir }, silentLogger());
    const devices = await makeDevices(store, n, 'fleet');
    await store.close();
    const port = await freePort();
    server = (await startSupervisor(dataDir, port)).child;
    const before = (await server.request<{ usage: NodeJS.MemoryUsage }>({ cmd: 'memory' })).usage;
    const url = `https://127.0.0.1:${port}`;

    process.stdout.write(`  ${n}: connecting…\n`);
    const groups = shares(devices, CLIENTS);
    for (const _ of groups) fleets.push(new BenchChild('./fleet.js'));
    // The client processes are up before the clock starts.
    await Promise.all(fleets.map((f) => f.request({ cmd: 'memory' })));
    const cpuBefore = await server.request<Usage>({ cmd: 'usage' });
    const start = performance.now();
    const answers = await Promise.all(groups.map((group, i) => fleets[i]!.request<{ durations: number[] }>({
      cmd: 'connect', url, ca, devices: group, slots: 1, runtimes: ['node'], concurrency: 50, reconnect: RECONNECT,
    })));
    const connectWallMs = performance.now() - start;
    const cpuConnected = await server.request<Usage>({ cmd: 'usage' });
    await waitFor(async () => (await server!.request<{ workers: number }>({ cmd: 'stats' })).workers === n, { timeoutMs: 60_000, what: `${n} sessions` });
    // The presence writes of the hellos and the first ping round settle.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = (await server.request<{ usage: NodeJS.MemoryUsage }>({ cmd: 'memory' })).usage;

    process.stdout.write(`  ${n}: idle for ${IDLE_SECONDS} s…\n`);
    const idleStart = await server.request<Usage>({ cmd: 'usage' });
    const idleT0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idleEnd = await server.request<Usage>({ cmd: 'usage' });
    const idleSeconds = (performance.now() - idleT0) / 1000;

    process.stdout.write(`  ${n}: killing and restarting the supervisor…\n`);
    const killedAt = now();
    await server.kill('SIGKILL');
    const goneAt = now();
    const restarted = await startSupervisor(dataDir, port);
    server = restarted.child;
    const readyAt = now();
    await waitFor(async () => (await greeted(fleets, killedAt)) === n, { timeoutMs: 300_000, intervalMs: 100, what: `${n} workers to say hello again` });
    const hellos = await Promise.all(fleets.map((f) => f.request<{ times: number[]; dials: number[]; failures: number[] }>({ cmd: 'hellos' })));
    const times = hellos.flatMap((h) => h.times);
    const dials = hellos.flatMap((h) => h.dials);
    const afterRestart = (await server.request<{ usage: NodeJS.MemoryUsage }>({ cmd: 'memory' })).usage;
    return {
      n, connectWallMs, connectEach: answers.flatMap((a) => a.durations),
      connectCpuMsPerWorker: (cpuMs(cpuConnected.cpu) - cpuMs(cpuBefore.cpu)) / n,
      before, after, idleSeconds,
      idleCpuMsPerSecond: (cpuMs(idleEnd.cpu) - cpuMs(idleStart.cpu)) / idleSeconds,
      restartMs: readyAt - killedAt, exitMs: goneAt - killedAt, startup: restarted.startup,
      allBackFromKillMs: Math.max(...times) - killedAt,
      backFromReady: times.map((t) => t - readyAt),
      lastAttempt: times.map((t, i) => t - dials[i]!),
      failures: hellos.flatMap((h) => h.failures),
      afterRestart, load: load(),
    };
  } finally {
    await Promise.all(fleets.map((f) => f.stop()));
    await server?.stop();
    dir.remove();
  }
}

function print(figures: FleetFigures[]): void {
  process.stdout.write(banner('Workty fleet benchmark: one supervisor, N simulated workers in 4 client processes'));
  process.stdout.write(`worker reconnection: ${RECONNECT.minMs} ms doubling to ${RECONNECT.maxMs} ms, equal jitter (the worker's defaults)\n\n`);
  process.stdout.write(`${table(['N', 'all connected', 'each worker to hello', 'supervisor CPU per connection', 'load avg'], figures.map((f) => [
    String(f.n), seconds(f.connectWallMs), distribution(f.connectEach, (v) => ms(v, 1)), ms(f.connectCpuMsPerWorker, 2), f.load,
  ]))}\n\n`);
  process.stdout.write(`${table(['N', 'supervisor RSS idle (before → after)', 'RSS per worker', 'heap+external per worker', 'idle CPU per worker', 'idle CPU, all workers'], figures.map((f) => [
    String(f.n), `${mb(f.before.rss)} → ${mb(f.after.rss)}`, kb((f.after.rss - f.before.rss) / f.n),
    kb((f.after.heapUsed + f.after.external - f.before.heapUsed - f.before.external) / f.n),
    `${((f.idleCpuMsPerSecond / f.n) * 1000).toFixed(1)} µs/s`, `${(f.idleCpuMsPerSecond / 10).toFixed(2)} % of a core (${f.idleSeconds.toFixed(0)} s)`,
  ]))}\n\n`);
  process.stdout.write(`${table(['N', 'killed → gone → listening', 'all back (from the kill)', 'each worker back, from listening', 'its successful attempt (dial → hello)', 'failed attempts per worker', 'RSS per worker after'], figures.map((f) => {
    const failures = sorted(f.failures);
    return [
      String(f.n), `${seconds(f.exitMs)} → ${seconds(f.restartMs)} (boot ${seconds(f.startup.bootMs)}, store ${seconds(f.startup.openMs)}, listen ${seconds(f.startup.listenMs)})`, seconds(f.allBackFromKillMs), distribution(f.backFromReady, (v) => seconds(v)),
      distribution(f.lastAttempt, (v) => seconds(v)), `p50 ${percentile(failures, 50)} · max ${failures.at(-1)}`, kb((f.afterRestart.rss - f.before.rss) / f.n),
    ];
  }))}\n`);
}

async function main(): Promise<void> {
  const figures: FleetFigures[] = [];
  for (const n of SIZES) figures.push(await measure(n));
  print(figures);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
});

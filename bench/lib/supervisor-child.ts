/**
 * The supervisor (composition root, embedded store, production timings) alone in a process started
 * with --expose-gc, driven over IPC by a benchmark: its memory before and after workers connect, its
 * CPU, and a trace of its engine (when instances became ready, when they completed) for latency and
 * throughput measured against receipts in other processes. With {cmd: 'start', bare: true} it serves
 * a bare socket.io namespace over the same TLS instead (the reference: what any socket.io-over-TLS
 * server pays per connection).
 *
 * Messages in: {cmd: 'start', dataDir, port?, settings?, bare?} · {cmd: 'memory'} (after a full GC) ·
 * {cmd: 'usage'} (CPU and memory, no GC) · {cmd: 'stats'} · {cmd: 'trace'} (start tracing) ·
 * {cmd: 'traced'} (the trace so far) · {cmd: 'finished', count} (answered once `count` runs finished
 * since the supervisor started) · {cmd: 'poke'} (read the change feed now) · {cmd: 'stop'}.
 * Each is answered with {type: <cmd>, ...}, or {type: 'error', message}.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { loadConfig, supervisorSettings } from '../../config/index.js';
import { loadTls } from '../../shared/security/tls.js';
import { openStore } from '../../shared/store/index.js';
import type { Store } from '../../shared/store/port.js';
import { createSupervisor, type Supervisor, type SupervisorSettings } from '../../supervisor/app.js';
import type { TransitionEvent } from '../../supervisor/engine/events.js';
import { silentLogger } from '../../test/lib/logger.js';
import { TEST_SETTINGS } from '../../test/lib/engine-harness.js';
import { answerCommands } from './child.js';

/** The timings of a supervisor with no settings (config/supervisor.ts defaults) where TEST_SETTINGS shortens them. */
export function productionTimings(): Partial<SupervisorSettings> {
  const d = loadConfig(supervisorSettings, { env: {} });
  return {
    leaseDurationMs: d.leaseDurationMs, leaseRenewIntervalMs: d.leaseRenewIntervalMs, stallCheckIntervalMs: d.stallCheckIntervalMs,
    reconnectGraceMs: d.reconnectGraceMs, pingIntervalMs: d.pingIntervalMs, pingTimeoutMs: d.pingTimeoutMs,
    presenceHeartbeatMs: d.presenceHeartbeatMs, dispatchAckTimeoutMs: d.dispatchAckTimeoutMs, retryBackoffMs: d.retryBackoffMs,
    taskTimeoutMs: d.taskTimeoutMs, changeFeedPollMs: d.changeFeedPollMs,
  };
}

/** What the engine did while traced: readiness per `runId/instanceId`, completions, finished runs. */
export interface Trace {
  /** `runId/instanceId` → every time the instance moved to `waiting` (ms since the epoch, sub-ms). */
  ready: Array<[string, number[]]>;
  completed: number;
  /** First move of an instance to `running`, last move to `completed` (ms since the epoch). */
  first: number;
  last: number;
  /** CPU this process used since the trace began, in ms. */
  cpuMs: number;
}

type Command =
  | { cmd: 'start'; dataDir: string; port?: number; settings?: Partial<SupervisorSettings>; bare?: boolean }
  | { cmd: 'memory' } | { cmd: 'usage' } | { cmd: 'stats' } | { cmd: 'trace' } | { cmd: 'traced' }
  | { cmd: 'finished'; count: number } | { cmd: 'poke' } | { cmd: 'stop' };

let store: Store | null = null;
let supervisor: Supervisor | null = null;
let bare: { io: IoServer; connected: number } | null = null;
let tracing: { ready: Map<string, number[]>; completed: number; first: number; last: number; cpu: NodeJS.CpuUsage } | null = null;
let finished = 0;
const finishWaiters: Array<{ count: number; answer: () => void }> = [];

async function startBare(dataDir: string, port: number): Promise<number> {
  const tls = loadTls({ dataDir });
  const server = createServer({ cert: tls.cert, key: tls.key });
  const io = new IoServer(server, { serveClient: false, pingInterval: 10_000, pingTimeout: 10_000 });
  bare = { io, connected: 0 };
  const state = bare;
  io.of('/bare').on('connection', (socket) => {
    state.connected += 1;
    socket.on('disconnect', () => (state.connected -= 1));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Where a start's time went, ms: the process's boot (to the start command), opening the store, `listen()`. */
export interface Startup {
  bootMs: number;
  openMs: number;
  listenMs: number;
}

async function startSupervisor(command: Extract<Command, { cmd: 'start' }>): Promise<{ port: number; startup: Startup }> {
  const bootMs = performance.now();
  const logger = silentLogger();
  store = await openStore({ dataDir: command.dataDir }, logger);
  const openMs = performance.now() - bootMs;
  supervisor = createSupervisor({
    config: { ...TEST_SETTINGS, ...productionTimings(), ...command.settings, supervisorPort: command.port ?? 0 },
    store, tls: loadTls({ dataDir: command.dataDir }), logger,
  });
  supervisor.engine.on('transition', onTransition);
  supervisor.engine.on('finished', onFinished);
  const { port } = await supervisor.listen();
  return { port, startup: { bootMs, openMs, listenMs: performance.now() - bootMs - openMs } };
}

function onTransition(e: TransitionEvent): void {
  if (tracing === null || e.machine !== 'instance' || e.instanceId === null) return;
  if (e.to === 'waiting') {
    const key = `${e.run._id}/${e.instanceId}`;
    const times = tracing.ready.get(key);
    if (times === undefined) tracing.ready.set(key, [e.at]);
    else times.push(e.at);
  } else if (e.to === 'running' && tracing.first === 0) {
    tracing.first = e.at;
  } else if (e.to === 'completed') {
    tracing.completed += 1;
    tracing.last = e.at;
  }
}

function onFinished(): void {
  finished += 1;
  for (const waiter of finishWaiters.splice(0)) {
    if (finished >= waiter.count) waiter.answer();
    else finishWaiters.push(waiter);
  }
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('start this process with --expose-gc');
  for (let i = 0; i < 3; i += 1) gc();
}

function traced(): Trace {
  if (tracing === null) throw new Error('not tracing');
  const cpu = process.cpuUsage(tracing.cpu);
  return {
    ready: [...tracing.ready], completed: tracing.completed, first: tracing.first, last: tracing.last,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

async function handle(command: Command): Promise<Record<string, unknown>> {
  switch (command.cmd) {
    case 'start':
      return command.bare === true ? { port: await startBare(command.dataDir, command.port ?? 0) } : await startSupervisor(command);
    case 'memory':
      fullGc();
      return { usage: process.memoryUsage() };
    case 'usage':
      return { usage: process.memoryUsage(), cpu: process.cpuUsage() };
    case 'stats':
      return { workers: supervisor?.registry.size ?? bare?.connected ?? 0, activeRuns: supervisor?.engine.activeRuns ?? 0 };
    case 'trace':
      tracing = { ready: new Map(), completed: 0, first: 0, last: 0, cpu: process.cpuUsage() };
      return {};
    case 'traced':
      return { trace: traced() };
    case 'finished':
      await new Promise<void>((resolve) => {
        if (finished >= command.count) resolve();
        else finishWaiters.push({ count: command.count, answer: resolve });
      });
      return {};
    case 'poke':
      await supervisor?.tailer.poke();
      return {};
    case 'stop':
      await supervisor?.close();
      await store?.close();
      await bare?.io.close();
      return {};
  }
}

answerCommands<Command>(handle);

/**
 * One job volume through Workty and through the peer (BullMQ), the same way on both sides:
 * `chains` chains of `length` no-op jobs over `workers` workers of `slots` slots each. A chain's job
 * becomes ready once its predecessor's completion is stored (a Workty workflow's instances; a BullMQ
 * job added when its predecessor completed). `sequential`: one chain at a time, the first one a
 * warm-up left out of the latencies (an unloaded system); otherwise every chain at once (a loaded one).
 *
 * Processes, on both sides: the load generator (this process: creates the work, requests the chains,
 * reads the figures), the server (Workty's supervisor with its SQLite store; redis-server), the
 * workers (Workty: simulated boards, real socket.io clients; BullMQ: `Worker`s), each in its own process.
 */
import { join } from 'node:path';
import { ALL } from '../../shared/domain/query.js';
import { ensureSelfSignedTls, loadTls } from '../../shared/security/tls.js';
import { openStore } from '../../shared/store/index.js';
import { silentLogger } from '../../test/lib/logger.js';
import { makeTempDir } from '../../test/lib/tmp.js';
import type { ChainJob, PeerResults } from './bullmq-worker.js';
import { BenchChild } from './child.js';
import { cpuMsOf, load } from './report.js';
import type { Trace } from './supervisor-child.js';
import { makeDevices, makeNoopWorkflows } from './workloads.js';

export interface Scenario {
  chains: number;
  length: number;
  workers: number;
  slots: number;
  sequential: boolean;
}

export interface ScenarioResult {
  /** Ready → started, ms (Workty: instance ready → dispatch received by the board; BullMQ: job created → processor start). */
  latency: number[];
  /** BullMQ only: `queue.add` resolved → processor start, ms. */
  latencyFromQueued?: number[];
  completed: number;
  /** From the first job started to the last one completed, ms (NaN when chains ran one at a time: no rate then). */
  windowMs: number;
  /** CPU of the server process and of the workers' process over the scenario, ms per completed job. */
  serverCpuMsPerJob: number;
  workersCpuMsPerJob: number;
  load: string;
}

const now = (): number => performance.timeOrigin + performance.now();

/** Workty: supervisor process, simulated boards in a fleet process, requests written to the store here (as REST does). */
export async function worktyScenario(s: Scenario): Promise<ScenarioResult> {
  const dir = makeTempDir('bench-workty');
  const dataDir = join(dir.path, 'data');
  const server = new BenchChild('./supervisor-child.js');
  const fleet = new BenchChild('./fleet.js');
  try {
    await ensureSelfSignedTls({ dataDir });
    const ca = loadTls({ dataDir }).cert;
    const store = await openStore({ dataDir }, silentLogger());
    try {
      const devices = await makeDevices(store, s.workers, 'board');
      const flows = await makeNoopWorkflows(store, s.chains, s.length, 'chains');
      const { port } = await server.request<{ port: number }>({ cmd: 'start', dataDir });
      await fleet.request({ cmd: 'connect', url: `https://127.0.0.1:${port}`, ca, devices, slots: s.slots, runtimes: ['node'], concurrency: 4 });
      const request = async (i: number): Promise<void> => {
        await store.runs.request(flows[i]!._id, ALL, flows[i]!.accountId);
      };
      let cpu0 = [cpuMsOf(server.pid), cpuMsOf(fleet.pid)];
      if (s.sequential) {
        for (let i = 0; i < s.chains; i += 1) {
          // The first chain warms up: the trace (and the CPU count) starts after it.
          if (i === 1) {
            cpu0 = [cpuMsOf(server.pid), cpuMsOf(fleet.pid)];
            await server.request({ cmd: 'trace' });
          }
          await request(i);
          await server.request({ cmd: 'poke' });
          await server.request({ cmd: 'finished', count: i + 1 });
        }
      } else {
        await server.request({ cmd: 'trace' });
        for (let i = 0; i < s.chains; i += 1) await request(i);
        await server.request({ cmd: 'poke' });
        await server.request({ cmd: 'finished', count: s.chains });
      }
      const cpu1 = [cpuMsOf(server.pid), cpuMsOf(fleet.pid)];
      const { trace } = await server.request<{ trace: Trace }>({ cmd: 'traced' });
      const { receipts } = await fleet.request<{ receipts: Array<[string, number]> }>({ cmd: 'receipts' });
      const ready = new Map(trace.ready);
      const latency: number[] = [];
      for (const [key, receivedAt] of receipts) {
        // The readiness this dispatch answered: the instance's last move to waiting before it arrived.
        const times = ready.get(key.slice(0, key.lastIndexOf('/')));
        const readyAt = times?.filter((t) => t <= receivedAt).at(-1);
        if (readyAt !== undefined) latency.push(receivedAt - readyAt);
      }
      return {
        latency, completed: trace.completed, windowMs: s.sequential ? Number.NaN : trace.last - trace.first,
        serverCpuMsPerJob: (cpu1[0]! - cpu0[0]!) / trace.completed, workersCpuMsPerJob: (cpu1[1]! - cpu0[1]!) / trace.completed, load: load(),
      };
    } finally {
      await store.close();
    }
  } finally {
    await fleet.stop();
    await server.stop();
    dir.remove();
  }
}

/** BullMQ: redis-server (started by the caller) on `redisPort`, the workers in their own process, the chain heads added here. */
export async function bullmqScenario(s: Scenario, redisPort: number, redisPid: number): Promise<ScenarioResult> {
  const { Queue } = await import('bullmq');
  const name = `bench-${process.pid}-${Date.now()}`;
  const worker = new BenchChild('./bullmq-worker.js');
  const queue = new Queue<ChainJob>(name, { connection: { host: '127.0.0.1', port: redisPort } });
  try {
    await queue.waitUntilReady();
    await worker.request({ cmd: 'start', port: redisPort, queue: name, workers: s.workers, concurrency: s.slots });
    let cpu0 = [cpuMsOf(redisPid), cpuMsOf(worker.pid)];
    const heads: Array<[string, number]> = [];
    const addHead = async (chain: number): Promise<void> => {
      const job = await queue.add('noop', { chain, index: 0, length: s.length, createdAt: now() });
      heads.push([job.id!, now()]);
    };
    if (s.sequential) {
      for (let i = 0; i < s.chains; i += 1) {
        // The first chain warms up: left out of the latencies and of the CPU count.
        if (i === 1) cpu0 = [cpuMsOf(redisPid), cpuMsOf(worker.pid)];
        await addHead(i);
        await worker.request({ cmd: 'finished', count: i + 1 });
      }
    } else {
      for (let i = 0; i < s.chains; i += 1) await addHead(i);
      await worker.request({ cmd: 'finished', count: s.chains });
    }
    const cpu1 = [cpuMsOf(redisPid), cpuMsOf(worker.pid)];
    const { results } = await worker.request<{ results: PeerResults }>({ cmd: 'results', heads, skipChains: s.sequential ? 1 : 0 });
    const completed = s.sequential ? results.completed - s.length : results.completed;
    return {
      latency: results.fromCreated, latencyFromQueued: results.fromQueued, completed, windowMs: s.sequential ? Number.NaN : results.last - results.first,
      serverCpuMsPerJob: (cpu1[0]! - cpu0[0]!) / completed, workersCpuMsPerJob: (cpu1[1]! - cpu0[1]!) / completed, load: load(),
    };
  } finally {
    await worker.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

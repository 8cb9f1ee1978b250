/**
 * The peer's side of `bench:throughput` in its own process: W BullMQ `Worker`s of concurrency S on
 * one queue, each job a no-op. Jobs form chains, as a Workty workflow's instances do: a chain's next
 * job is added once its predecessor's completion is stored (the worker's `completed` event, which
 * BullMQ emits after its moveToFinished script ran), as Workty readies a workflow's next instance
 * once the previous one's completion is stored.
 *
 * Latencies are measured here, against the job's creation time carried in its data (taken with
 * sub-millisecond resolution just before `queue.add`, where BullMQ takes `job.timestamp`) and
 * against the moment `queue.add` resolved (the job stored in Redis).
 *
 * Messages in: {cmd: 'start', port, queue, workers, concurrency} · {cmd: 'finished', count}
 * (answered once `count` chains ended) · {cmd: 'results', heads, skipChains} · {cmd: 'stop'}.
 */
import { Queue, Worker } from 'bullmq';
import { answerCommands } from './child.js';

/** The data of every job of the benchmark. */
export interface ChainJob {
  chain: number;
  index: number;
  length: number;
  /** When the job was made, just before `queue.add` (ms since the epoch, sub-ms resolution). */
  createdAt: number;
}

/** What the workers measured. */
export interface PeerResults {
  /** Job created → processor started, ms. */
  fromCreated: number[];
  /** `queue.add` resolved → processor started, ms. */
  fromQueued: number[];
  completed: number;
  /** First processor start and last completion, ms since the epoch. */
  first: number;
  last: number;
}

type Command =
  | { cmd: 'start'; port: number; queue: string; workers: number; concurrency: number }
  | { cmd: 'finished'; count: number }
  | { cmd: 'results'; heads: Array<[string, number]>; skipChains: number }
  | { cmd: 'stop' };

const now = (): number => performance.timeOrigin + performance.now();

let queue: Queue<ChainJob> | null = null;
const workers: Array<Worker<ChainJob>> = [];
const started = new Map<string, { at: number; job: ChainJob }>();
const queuedAt = new Map<string, number>();
let completed = 0;
let first = 0;
let last = 0;
let chainsDone = 0;
const waiters: Array<{ count: number; answer: () => void }> = [];

function chainEnded(): void {
  chainsDone += 1;
  for (const waiter of waiters.splice(0)) {
    if (chainsDone >= waiter.count) waiter.answer();
    else waiters.push(waiter);
  }
}

async function start(command: Extract<Command, { cmd: 'start' }>): Promise<void> {
  const connection = { host: '127.0.0.1', port: command.port };
  queue = new Queue<ChainJob>(command.queue, { connection });
  const successors = queue;
  for (let i = 0; i < command.workers; i += 1) {
    const worker = new Worker<ChainJob>(command.queue, async (job) => {
      const at = now();
      started.set(job.id!, { at, job: job.data });
      if (first === 0) first = at;
    }, { connection, concurrency: command.concurrency });
    worker.on('completed', (job) => {
      completed += 1;
      last = now();
      const { chain, index, length } = job.data;
      if (index + 1 >= length) {
        chainEnded();
        return;
      }
      const createdAt = now();
      successors.add('noop', { chain, index: index + 1, length, createdAt }).then(
        (next) => queuedAt.set(next.id!, now()),
        (error: unknown) => process.stderr.write(`adding a successor failed: ${String(error)}\n`),
      );
    });
    worker.on('error', (error) => process.stderr.write(`bullmq worker: ${String(error)}\n`));
    await worker.waitUntilReady();
    workers.push(worker);
  }
}

function results(heads: Array<[string, number]>, skipChains: number): PeerResults {
  for (const [id, at] of heads) queuedAt.set(id, at);
  const fromCreated: number[] = [];
  const fromQueued: number[] = [];
  for (const [id, { at, job }] of started) {
    if (job.chain < skipChains) continue;
    fromCreated.push(at - job.createdAt);
    const queued = queuedAt.get(id);
    if (queued !== undefined) fromQueued.push(at - queued);
  }
  return { fromCreated, fromQueued, completed, first, last };
}

async function handle(command: Command): Promise<Record<string, unknown>> {
  switch (command.cmd) {
    case 'start':
      await start(command);
      return {};
    case 'finished':
      await new Promise<void>((resolve) => {
        if (chainsDone >= command.count) resolve();
        else waiters.push({ count: command.count, answer: resolve });
      });
      return {};
    case 'results':
      return { results: results(command.heads, command.skipChains) };
    case 'stop':
      await Promise.all(workers.map((w) => w.close()));
      await queue?.close();
      return {};
  }
}

answerCommands<Command>(handle);

/**
 * A fleet of simulated workers in its own process, driven over IPC by a benchmark: connect N boards,
 * run no-op tasks, report when each dispatch arrived (for latencies measured across processes with
 * `performance.timeOrigin + performance.now()`), answer a bare socket.io round trip, report memory.
 *
 * Messages in: {cmd: 'connect', url, ca, devices, slots, runtimes, concurrency, reconnect?} (answered with
 * each worker's connection time) · {cmd: 'greeted', since} (how many said hello after `since`) ·
 * {cmd: 'hellos'} (each worker's last hello time, when its last connection attempt began, its failed attempts) · {cmd: 'receipts'} ·
 * {cmd: 'bare', url, ca} · {cmd: 'memory'} · {cmd: 'stop'}. Each is answered with {type: <cmd>, ...}.
 */
import { io } from 'socket.io-client';
import { SimulatedWorker } from '../../test/lib/simulated-worker.js';

interface ConnectCommand {
  cmd: 'connect';
  url: string;
  ca: string;
  devices: Array<{ deviceId: string; secret: string }>;
  slots: number;
  runtimes: string[];
  concurrency: number;
  /** Reconnect as the real worker does (its backoff settings); default: socket.io's quick retries. */
  reconnect?: { minMs: number; maxMs: number };
}

type Command = ConnectCommand | { cmd: 'greeted'; since: number } | { cmd: 'hellos' } | { cmd: 'receipts' } | { cmd: 'bare'; url: string; ca: string; count?: number } | { cmd: 'memory' } | { cmd: 'stop' };

const workers: SimulatedWorker[] = [];
let receipts: Array<[string, number]> = [];
const bareSockets: Array<ReturnType<typeof io>> = [];

function send(message: unknown): void {
  process.send?.(message);
}

/** Connects the devices, `concurrency` at a time; resolves with each one's time to hello (ms). */
async function connectAll(command: ConnectCommand): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < command.devices.length) {
      const device = command.devices[next]!;
      next += 1;
      const worker = new SimulatedWorker({
        url: command.url, ca: command.ca, deviceId: device.deviceId, secret: device.secret, slots: command.slots, runtimes: command.runtimes,
        reconnect: command.reconnect,
      });
      worker.on('dispatch', (dispatch, receivedAt) => receipts.push([`${dispatch.runId}/${dispatch.instanceId}/${dispatch.attempt}`, receivedAt]));
      const start = performance.now();
      await worker.connect();
      durations.push(performance.now() - start);
      workers.push(worker);
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.devices.length) }, one));
  return durations;
}

process.on('message', (raw) => {
  const command = raw as Command;
  void (async () => {
    switch (command.cmd) {
      case 'connect': {
        const durations = await connectAll(command);
        send({ type: 'connect', workers: workers.length, durations });
        return;
      }
      case 'greeted':
        send({ type: 'greeted', count: workers.filter((w) => w.lastHelloAt > command.since).length });
        return;
      case 'hellos':
        send({ type: 'hellos', times: workers.map((w) => w.lastHelloAt), dials: workers.map((w) => w.lastDialAt), failures: workers.map((w) => w.connectFailures) });
        return;
      case 'receipts':
        send({ type: 'receipts', receipts });
        receipts = [];
        return;
      case 'bare': {
        // Plain socket.io clients (no protocol): a round-trip peer, or idle connections for a reference.
        for (let i = 0; i < (command.count ?? 1); i += 1) {
          const socket = io(`${command.url}/bare`, { transports: ['websocket'], ca: command.ca });
          socket.on('ping-bench', (_payload: unknown, ack: (answer: { ok: true }) => void) => ack({ ok: true }));
          bareSockets.push(socket);
          await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        }
        send({ type: 'bare' });
        return;
      }
      case 'memory':
        send({ type: 'memory', usage: process.memoryUsage() });
        return;
      case 'stop':
        for (const worker of workers) worker.close();
        for (const socket of bareSockets) socket.close();
        send({ type: 'stop' });
        process.disconnect();
        return;
    }
  })().catch((error: unknown) => {
    send({ type: 'error', message: String(error) });
  });
});

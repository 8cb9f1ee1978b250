/**
 * `npm run bench:clients`: the client socket API of a real supervisor (its own process, embedded
 * store, production password hashing) under many authenticated clients:
 *
 *   (a) handshakes: N clients over several accounts log in with their passwords at once, in waves;
 *   (b) memory: the supervisor's heap and RSS per connected client (after a full GC);
 *   (c) fan-out: a socket of an account adds a workflow; time until every socket of that account has
 *       the `sv.workflow.changed` (the acknowledgement, the feed, the broadcast);
 *   (d) requests: `sv.workflow.refresh.all` (20 per page) acknowledgements per second, many in flight.
 *
 * Environment: BENCH_CLIENTS (default 500), BENCH_ACCOUNTS (10), BENCH_COST (bcrypt cost, 12),
 * BENCH_CHANGES (50), BENCH_REQUESTS (3000), BENCH_IN_FLIGHT (32).
 */
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { DICTIONARIES, DICTIONARY_NAMES } from '../shared/domain/dictionaries.js';
import type { ClientProtocol } from '../shared/protocol/clients.js';
import { PasswordHasher } from '../shared/security/passwords.js';
import { ensureSelfSignedTls, loadTls } from '../shared/security/tls.js';
import { openStore } from '../shared/store/index.js';
import { silentLogger } from '../test/lib/logger.js';
import { makeTempDir } from '../test/lib/tmp.js';
import { BenchChild } from './lib/child.js';

type Workflows = Socket<ClientProtocol['workflows']['server'], ClientProtocol['workflows']['client']>;

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 500);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 10);
const COST = Number(process.env.BENCH_COST ?? 12);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 50);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  const dir = makeTempDir('bench-clients');
  const dataDir = join(dir.path, 'data');
  await ensureSelfSignedTls({ dataDir });
  const ca = loadTls({ dataDir }).cert;
  const store = await openStore({ dataDir }, silentLogger());
  for (const name of DICTIONARY_NAMES) await store.dictionaries.ensure(name, DICTIONARIES[name]);
  const hasher = new PasswordHasher({ cost: COST });
  const accounts: Array<{ email: string; password: string }> = [];
  for (let i = 0; i < ACCOUNTS; i += 1) {
    const account = { email: `bench-${i}@example.com`, password: `bench-password-${i}-0123` };
    await store.accounts.create({ name: `Bench ${i}`, email: account.email, passwordHash: await hasher.hash(account.password), aclRoleNames: ['regular'] });
    accounts.push(account);
  }
  await store.close();

  // Verifying costs what the stored hashes cost (bcrypt reads its cost from the hash).
  const child = new BenchChild('./supervisor-child.js', ['--expose-gc']);
  const sockets: Array<{ account: number; socket: Workflows }> = [];
  try {
    const { port } = await child.request<{ port: number }>({ cmd: 'start', dataDir });
    const url = `https://127.0.0.1:${port}/workflows`;
    const before = (await child.request<{ usage: NodeJS.MemoryUsage }>({ cmd: 'memory' })).usage;

    // (a) handshakes, in waves of 100 at once.
    const connectStart = performance.now();
    for (let i = 0; i < CLIENTS; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, CLIENTS - i) }, (_, k) => {
        const account = (i + k) % ACCOUNTS;
        const socket = io(url, { auth: accounts[account]!, ca, transports: ['websocket'], reconnection: false, forceNew: true }) as Workflows;
        sockets.push({ account, socket });
        return new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
      }));
    }
    const connectMs = performance.now() - connectStart;

    // (b) memory per client.
    const after = (await child.request<{ usage: NodeJS.MemoryUsage }>({ cmd: 'memory' })).usage;
    const heapPerClient = (after.heapUsed - before.heapUsed) / CLIENTS / 1024;
    const rssPerClient = (after.rss - before.rss) / CLIENTS / 1024;

    // (c) fan-out: request sent → the change on every socket of the account.
    const fanout: number[] = [];
    for (let n = 0; n < CHANGES; n += 1) {
      const account = n % ACCOUNTS;
      const audience = sockets.filter((s) => s.account === account);
      const name = `fanout-${n}`;
      const start = performance.now();
      const arrived = audience.map(({ socket }) => new Promise<void>((resolve) => {
        const listener = (payload: any): void => {
          if (payload.workflow?.name !== name) return;
          socket.off('sv.workflow.changed', listener);
          resolve();
        };
        socket.on('sv.workflow.changed', listener);
      }));
      await audience[0]!.socket.emitWithAck('sv.workflow.add', { workflow: { name } });
      await Promise.all(arrived);
      fanout.push(performance.now() - start);
    }

    // (d) requests with many in flight.
    const latencies: number[] = [];
    let next = 0;
    const requestStart = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < REQUESTS) {
        const { socket } = sockets[next % sockets.length]!;
        next += 1;
        const start = performance.now();
        const ack = await socket.emitWithAck('sv.workflow.refresh.all', { per_page: 20 });
        if (ack.err !== null) throw new Error(ack.err.message);
        latencies.push(performance.now() - start);
      }
    }));
    const requestSeconds = (performance.now() - requestStart) / 1000;

    const rows: Array<[string, string]> = [
      [`(a) ${CLIENTS} password handshakes (${ACCOUNTS} accounts, bcrypt cost ${COST})`, `${(CLIENTS / (connectMs / 1000)).toFixed(0)} /s (${ms(connectMs)} in all)`],
      ['(b) supervisor memory per connected client', `heap ${heapPerClient.toFixed(1)} KiB, RSS ${rssPerClient.toFixed(1)} KiB`],
      [`(c) fan-out to the ${CLIENTS / ACCOUNTS} sockets of an account`, `p50 ${ms(percentile(fanout, 50))}, p99 ${ms(percentile(fanout, 99))}`],
      [`(d) sv.workflow.refresh.all, ${IN_FLIGHT} in flight`, `${(REQUESTS / requestSeconds).toFixed(0)} acks/s, p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    process.stdout.write(`\n${rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n\n`);
  } finally {
    for (const { socket } of sockets) socket.close();
    await child.request({ cmd: 'stop' }).catch(() => undefined);
    dir.remove();
  }
}

await main();

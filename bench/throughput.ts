/**
 * `npm run bench:throughput`: throughput and dispatch latency of Workty, and the same job volume
 * through a peer, BullMQ on a local Redis server, in the same run, side by side (bench/lib/scenarios.ts
 * says how both sides are set up).
 *
 *   unloaded: 1 worker × 1 slot; `--latency-chains` chains (31) of `--length` (10) no-op jobs, one chain
 *             at a time, the first a warm-up: ready → started p50/p99 with nothing queued;
 *   loaded:   `--workers` (4) × `--slots` (4); `--chains` (128) chains of `--length` (10) at once:
 *             completed jobs per second, ready → started p50/p99 (queueing included), CPU per job.
 *
 * The peer needs Debian's `redis-server` (started here on a free port with a temporary folder and no
 * persistence, stopped at the end); without it the script says how to install it and exits 1, unless
 * `--no-peer`.
 */
import { parseArgs } from 'node:util';
import { RedisServer, REDIS_INSTALL, findRedisServer } from './lib/redis.js';
import { banner, ms, percentile, sorted, table } from './lib/report.js';
import { bullmqScenario, worktyScenario, type Scenario, type ScenarioResult } from './lib/scenarios.js';

const { values: args } = parseArgs({
  options: {
    chains: { type: 'string', default: '128' },
    length: { type: 'string', default: '10' },
    workers: { type: 'string', default: '4' },
    slots: { type: 'string', default: '4' },
    'latency-chains': { type: 'string', default: '31' },
    'no-peer': { type: 'boolean', default: false },
  },
});

const LENGTH = Number(args.length);
const UNLOADED: Scenario = { chains: Number(args['latency-chains']), length: LENGTH, workers: 1, slots: 1, sequential: true };
const LOADED: Scenario = { chains: Number(args.chains), length: LENGTH, workers: Number(args.workers), slots: Number(args.slots), sequential: false };

interface Side {
  unloaded: ScenarioResult;
  loaded: ScenarioResult;
}

const p = (values: number[], q: number): number => percentile(sorted(values), q);
const rate = (r: ScenarioResult): number => r.completed / (r.windowMs / 1000);
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)} ×` : '—');

function rows(workty: Side, peer: Side | null): string[][] {
  const cell = (value: number | undefined, format: (v: number) => string): string => (value === undefined || Number.isNaN(value) ? '—' : format(value));
  const row = (figure: string, w: number, b: number | undefined, format: (v: number) => string): string[] =>
    [figure, cell(w, format), cell(b, format), b === undefined ? '—' : ratio(w, b)];
  const u = `unloaded (1 × 1, ${UNLOADED.chains - 1} chains of ${LENGTH}, one at a time)`;
  const l = `loaded (${LOADED.workers} × ${LOADED.slots}, ${LOADED.chains} chains of ${LENGTH} at once)`;
  const lat = (v: number): string => ms(v, 3);
  const cpu = (v: number): string => ms(v, 3);
  return [
    row(`${u}: ready → started p50`, p(workty.unloaded.latency, 50), peer ? p(peer.unloaded.latency, 50) : undefined, lat),
    row(`${u}: ready → started p99`, p(workty.unloaded.latency, 99), peer ? p(peer.unloaded.latency, 99) : undefined, lat),
    ['  BullMQ from `queue.add` resolved: p50 · p99', '—', peer ? `${lat(p(peer.unloaded.latencyFromQueued!, 50))} · ${lat(p(peer.unloaded.latencyFromQueued!, 99))}` : '—', '—'],
    row(`${l}: completed jobs/s`, rate(workty.loaded), peer ? rate(peer.loaded) : undefined, (v) => `${v.toFixed(0)} /s`),
    row(`${l}: ready → started p50`, p(workty.loaded.latency, 50), peer ? p(peer.loaded.latency, 50) : undefined, lat),
    row(`${l}: ready → started p99`, p(workty.loaded.latency, 99), peer ? p(peer.loaded.latency, 99) : undefined, lat),
    row(`${l}: server CPU per job (supervisor / redis-server)`, workty.loaded.serverCpuMsPerJob, peer?.loaded.serverCpuMsPerJob, cpu),
    row(`${l}: workers' CPU per job`, workty.loaded.workersCpuMsPerJob, peer?.loaded.workersCpuMsPerJob, cpu),
    ['samples (unloaded · loaded)', `${workty.unloaded.latency.length} · ${workty.loaded.latency.length}`, peer ? `${peer.unloaded.latency.length} · ${peer.loaded.latency.length}` : '—', ''],
    ['load average after (unloaded · loaded)', `${workty.unloaded.load} · ${workty.loaded.load}`, peer ? `${peer.unloaded.load} · ${peer.loaded.load}` : '—', ''],
  ].map((r) => r.map((c) => c ?? '—'));
}

function verdicts(workty: Side, peer: Side | null): string[] {
  const out: string[] = [];
  const perSecond = rate(workty.loaded);
  out.push(`≥ 500 completed instances/s: ${perSecond.toFixed(0)} /s — ${perSecond >= 500 ? 'met' : 'MISSED'}`);
  if (peer !== null) {
    for (const [name, w, b] of [['unloaded', workty.unloaded, peer.unloaded], ['loaded', workty.loaded, peer.loaded]] as const) {
      const wp = p(w.latency, 50);
      const bp = p(b.latency, 50);
      out.push(`Workty's dispatch p50 no worse than BullMQ's (${name}): ${ms(wp)} vs ${ms(bp)} — ${wp <= bp ? 'met' : 'MISSED'}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const binary = args['no-peer'] ? null : findRedisServer();
  if (!args['no-peer'] && binary === null) {
    process.stderr.write(`redis-server is not installed; the peer (BullMQ) needs it. Install it with:\n  ${REDIS_INSTALL}\nor run with --no-peer for Workty's figures alone.\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write('Workty, unloaded…\n');
  const workty: Side = { unloaded: await worktyScenario(UNLOADED), loaded: { latency: [], completed: 0, windowMs: 0, serverCpuMsPerJob: 0, workersCpuMsPerJob: 0, load: '' } };
  process.stdout.write('Workty, loaded…\n');
  workty.loaded = await worktyScenario(LOADED);
  let peer: Side | null = null;
  let redisVersion = '';
  if (binary !== null) {
    const redis = await RedisServer.start(binary);
    redisVersion = redis.version;
    try {
      process.stdout.write(`BullMQ on redis-server ${redis.version}, unloaded…\n`);
      const unloaded = await bullmqScenario(UNLOADED, redis.port, redis.pid);
      process.stdout.write('BullMQ, loaded…\n');
      peer = { unloaded, loaded: await bullmqScenario(LOADED, redis.port, redis.pid) };
    } finally {
      await redis.stop();
    }
  }
  const { version: bullmqVersion } = (await import('bullmq/package.json', { with: { type: 'json' } })).default as { version: string };
  process.stdout.write(banner(`Workty vs ${peer === null ? '(no peer)' : `BullMQ ${bullmqVersion} on Redis ${redisVersion}`}: the same job volume, the same workers and slots`));
  process.stdout.write(`\n${table(['figure', 'Workty', 'BullMQ', 'Workty / BullMQ'], rows(workty, peer))}\n\n`);
  for (const line of verdicts(workty, peer)) process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
});

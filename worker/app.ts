/**
 * Composition root of the worker daemon, used by main.ts and by tests. Builds the parts in the order
 * they depend on each other, recovering what a previous run left:
 * folders → folder lock → orphaned tasks killed, old working folders removed → outbox (recovered) → interrupted
 * attempts reported → board facts → trust → package cache → attempts → link, sender, leases → agent.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig } from '../config/index.js';
import type { Logger } from '../shared/log.js';
import { worktyVersion } from '../shared/paths.js';
import { WorkerAgent } from './agent.js';
import { AttemptManager } from './attempts/manager.js';
import { SupervisorLink, type WorkerSocket } from './connection/link.js';
import { normaliseFingerprint, trustAgent } from './connection/trust.js';
import { killOrphans } from './executor/process-tree.js';
import { BoardFacts } from './facts/facts.js';
import { LeaseRenewer } from './leases.js';
import { FolderLockedError, lockFolder, type FolderLock } from './folder-lock.js';
import { Outbox } from './outbox/outbox.js';
import { ReportSender } from './outbox/sender.js';
import { PackageCache } from './packages/cache.js';
import { PackageDownloader, type PackageSource } from './packages/download.js';
import { StatusFile, statusFilePath } from './status.js';

/** What tests (and the benchmark) may replace. */
export interface WorkerAppOverrides {
  /** The worker's environment, for PATH and the variables passed on to tasks. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where package bytes come from. @default the supervisor over HTTPS */
  packageSource?: PackageSource;
  /** Thermal zones folder. @default /sys/class/thermal */
  thermalDir?: string;
  /** Outbox compaction threshold. @default 1 MiB */
  outboxCompactBytes?: number;
}

/** The daemon cannot start with this configuration. */
export class WorkerSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerSetupError';
  }
}

/** The folders under WORKTY_WORKER_DIR. */
export function workerFolders(workerDir: string): { root: string; outbox: string; packages: string; work: string } {
  const root = resolve(workerDir);
  return { root, outbox: join(root, 'outbox'), packages: join(root, 'packages'), work: join(root, 'work') };
}

/**
 * The longest a shutdown may take before main.ts cuts it short: the grace for running tasks, killing
 * the rest, then handing back and sending what is left (up to three acknowledgements). A service
 * manager must wait longer than this before it kills the worker (systemd TimeoutStopSec, compose
 * stop_grace_period).
 */
export function workerStopBoundMs(config: Pick<WorkerConfig, 'shutdownGraceMs' | 'killGraceMs' | 'ackTimeoutMs'>): number {
  return config.shutdownGraceMs + config.killGraceMs + 3 * config.ackTimeoutMs + 10_000;
}

/** Absolute path of the SDK module handed to tasks as WORKTY_SDK. */
export const SDK_PATH = fileURLToPath(new URL('./sdk/index.js', import.meta.url));

export async function createWorkerApp(config: WorkerConfig, logger: Logger, overrides: WorkerAppOverrides = {}): Promise<WorkerAgent> {
  const { deviceId, deviceSecret } = config;
  if (deviceId === undefined || deviceSecret === undefined) {
    throw new WorkerSetupError('WORKTY_DEVICE_ID and WORKTY_DEVICE_SECRET are required (an admin makes a device with POST /api/v1/devices; the secret is shown once)');
  }
  if (config.supervisorCa !== undefined && config.supervisorFingerprint !== undefined) {
    throw new WorkerSetupError('set WORKTY_SUPERVISOR_CA or WORKTY_SUPERVISOR_FINGERPRINT, not both');
  }
  if (config.supervisorFingerprint !== undefined) {
    try {
      normaliseFingerprint(config.supervisorFingerprint);
    } catch {
      throw new WorkerSetupError('WORKTY_SUPERVISOR_FINGERPRINT must be a SHA-256 fingerprint: 64 hexadecimal digits, e.g. AB:CD:… as `openssl x509 -fingerprint -sha256` prints it');
    }
  }
  const folders = workerFolders(config.workerDir);
  for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  let lock: FolderLock;
  try {
    lock = lockFolder(folders.root);
  } catch (error) {
    if (error instanceof FolderLockedError) throw new WorkerSetupError(error.message);
    throw error;
  }
  try {
    return await compose(config, logger, overrides, folders, lock, { deviceId, deviceSecret });
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function compose(
  config: WorkerConfig, logger: Logger, overrides: WorkerAppOverrides, folders: ReturnType<typeof workerFolders>, lock: FolderLock,
  { deviceId, deviceSecret }: { deviceId: string; deviceSecret: string },
): Promise<WorkerAgent> {
  const env = overrides.env ?? process.env;
  prepareWorkRoot(folders.work, logger);

  const outbox = await Outbox.open({
    dir: folders.outbox,
    flushIntervalMs: config.outboxFlushMs,
    flushBytes: config.outboxFlushBytes,
    compactBytes: overrides.outboxCompactBytes,
    logger: logger.child({ part: 'outbox' }),
  });
  const facts = await BoardFacts.gather({ agentVersion: worktyVersion, slots: config.slots, path: env.PATH, thermalDir: overrides.thermalDir });
  const httpsAgent = trustAgent({ caFile: config.supervisorCa, fingerprint: config.supervisorFingerprint });
  const source = overrides.packageSource ?? new PackageDownloader({
    supervisorUrl: config.supervisorUrl, deviceId, deviceSecret, agent: httpsAgent, idleTimeoutMs: config.ackTimeoutMs,
  });
  const cache = new PackageCache({
    dir: folders.packages, budgetBytes: config.packageCacheBytes, maxPackageBytes: config.maxPackageBytes, source, logger: logger.child({ part: 'packages' }),
  });
  const attempts = new AttemptManager(
    {
      outbox,
      cache,
      runtimes: facts.runtimes,
      workRoot: folders.work,
      unzipLimits: { maxUnpackedBytes: config.maxUnpackedBytes, maxEntries: config.maxPackageEntries },
      executor: {
        killGraceMs: config.killGraceMs,
        maxResultBytes: config.maxResultBytes,
        maxCheckpointBytes: config.maxCheckpointBytes,
        outputFlushMs: config.outboxFlushMs,
        sdkPath: SDK_PATH,
        baseEnv: env,
        extraEnvNames: config.taskEnv,
      },
      maxLogBytes: config.maxLogBytes,
      logger,
    },
    { slots: facts.slots, logger },
  );
  attempts.reportInterrupted();

  let agent: WorkerAgent | null = null;
  const link = new SupervisorLink({
    supervisorUrl: config.supervisorUrl,
    deviceId,
    deviceSecret,
    agentVersion: worktyVersion,
    agent: httpsAgent,
    reconnectMinMs: config.reconnectMinMs,
    reconnectMaxMs: config.reconnectMaxMs,
    refusedBackoffMs: config.refusedBackoffMs,
    ackTimeoutMs: config.ackTimeoutMs,
    hello: () => ({ facts: facts.current(), held: attempts.held() }),
    bind: (socket: WorkerSocket) => agent?.bind(socket),
    logger: logger.child({ part: 'link' }),
  });
  const sender = new ReportSender(outbox, link, { batchSize: config.reportBatchSize, logger, onStale: (keys) => attempts.lose(keys) });
  const leases = new LeaseRenewer(link, { held: () => attempts.heldKeys(), onLost: (keys) => attempts.lose(keys), logger });
  agent = new WorkerAgent({
    link, outbox, sender, leases, attempts, httpsAgent, logger,
    shutdownGraceMs: config.shutdownGraceMs, killGraceMs: config.killGraceMs, ackTimeoutMs: config.ackTimeoutMs, folderLock: lock,
  });
  const status = new StatusFile({
    file: statusFilePath(config.statusFile, folders.root), intervalMs: config.statusIntervalMs, deviceId, version: worktyVersion,
    slots: facts.slots, link, running: () => attempts.size, pendingReports: () => outbox.pendingCount, logger,
  });
  status.start();
  agent.once('closing', () => status.markStopping());
  agent.once('closed', () => status.stop());
  const current = facts.current();
  logger.info({
    supervisorUrl: config.supervisorUrl, slots: current.slots, runtimes: current.runtimes, workerDir: folders.root, pendingReports: outbox.pendingCount,
  }, 'worker ready');
  return agent;
}

/**
 * The working folders' parent: tasks a crashed worker left running are killed, their folders
 * removed, and a package.json marks the boundary of a package scope, so that Node tasks are not read
 * as part of an enclosing project (whose "type" could turn their .js files into ES modules).
 */
function prepareWorkRoot(work: string, logger: Logger): void {
  killOrphans(work, logger);
  for (const name of readdirSync(work)) rmSync(join(work, name), { recursive: true, force: true });
  writeFileSync(join(work, 'package.json'), `${JSON.stringify({ private: true, description: 'Workty attempt folders (a package scope boundary for tasks)' })}\n`);
}

/**
 * A supervisor for engine tests: a temporary data directory, a real SQLite store, self-signed TLS, the
 * supervisor's composition root listening on port 0 with short leases and timeouts, plus makers of
 * accounts, workflows, devices and simulated workers. `close()` undoes everything.
 */
import { randomBytes } from 'node:crypto';
import { idOf } from '../../shared/domain/dictionaries.js';
import type { Id } from '../../shared/domain/ids.js';
import type { Account, Device, InstanceTarget, RetryPolicy, Run, Workflow } from '../../shared/domain/model.js';
import { ALL } from '../../shared/domain/query.js';
import { isFinalRunStatus } from '../../shared/domain/states.js';
import type { Logger } from '../../shared/log.js';
import { generateSecret, hashSecret } from '../../shared/security/secrets.js';
import { ensureSelfSignedTls, loadTls, type TlsMaterial } from '../../shared/security/tls.js';
import { openStore } from '../../shared/store/index.js';
import type { PropertyInput, Store } from '../../shared/store/port.js';
import { createSupervisor, type Supervisor, type SupervisorSettings } from '../../supervisor/app.js';
import { SimulatedWorker, type SimulatedWorkerOptions } from './simulated-worker.js';
import { silentLogger } from './logger.js';
import { makeTempDir, type TempDir } from './tmp.js';
import { waitFor } from './wait.js';

/** Short everything, so that lease expiry and retries happen within a test. */
export const TEST_SETTINGS: SupervisorSettings = {
  supervisorHost: '127.0.0.1',
  supervisorPort: 0,
  leaseDurationMs: 1500,
  leaseRenewIntervalMs: 300,
  stallCheckIntervalMs: 100,
  reconnectGraceMs: 0,
  pingIntervalMs: 1000,
  pingTimeoutMs: 1000,
  presenceHeartbeatMs: 200,
  dispatchAckTimeoutMs: 2000,
  retryMaxAttempts: 3,
  retryBackoffMs: 50,
  taskTimeoutMs: 30_000,
  maxLogBytes: 64 * 1024,
  maxPackageBytes: 1024 * 1024,
  changeFeedPollMs: 50,
  supervisorShutdownGraceMs: 2000,
  // Client sockets: cheap hashes, the production throttle.
  bcryptCost: 4,
  credentialCacheTtlMs: 60_000,
  packageLimit: 1024 * 1024,
  loginFailuresPerAccount: 10,
  loginFailuresPerAddress: 100,
  loginFailureWindowMs: 60_000,
  tokenTtlMs: 3_600_000,
};

/** One instance of a test workflow. */
export interface TaskSpec {
  name?: string;
  language?: 'nodejs' | 'python' | 'shell' | 'java';
  entryPoint?: string;
  properties?: PropertyInput[];
  packageBytes?: Buffer;
  target?: InstanceTarget;
  retry?: Partial<RetryPolicy>;
}

export interface DeviceCredential {
  device: Device;
  secret: string;
}

export class EngineHarness {
  supervisor!: Supervisor;
  port = 0;
  private readonly workers: SimulatedWorker[] = [];
  private counter = 0;
  private readonly tag = randomBytes(3).toString('hex');

  private constructor(readonly dir: TempDir, readonly store: Store, readonly tls: TlsMaterial, readonly logger: Logger, readonly settings: SupervisorSettings) {}

  /** `wrap` lets a test put a faulty store between the supervisor and the real one. */
  static async start(overrides: Partial<SupervisorSettings> = {}, logger: Logger = silentLogger(), wrap?: (store: Store) => Store): Promise<EngineHarness> {
    const dir = makeTempDir('engine');
    await ensureSelfSignedTls({ dataDir: dir.path });
    const tls = loadTls({ dataDir: dir.path });
    const opened = await openStore({ dataDir: dir.path }, logger);
    const store = wrap === undefined ? opened : wrap(opened);
    const harness = new EngineHarness(dir, store, tls, logger, { ...TEST_SETTINGS, ...overrides });
    await harness.startSupervisor();
    return harness;
  }

  /** (Re)starts the supervisor on the same store; on the same port after a `stopSupervisor`. */
  async startSupervisor(overrides: Partial<SupervisorSettings> = {}): Promise<Supervisor> {
    this.supervisor = createSupervisor({
      config: { ...this.settings, supervisorPort: this.port, ...overrides }, store: this.store, tls: this.tls, logger: this.logger,
    });
    this.port = (await this.supervisor.listen()).port;
    return this.supervisor;
  }

  async stopSupervisor(): Promise<void> {
    await this.supervisor.close();
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  unique(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.tag}-${this.counter}`;
  }

  account(): Promise<Account> {
    return this.store.accounts.create({
      name: this.unique('user'), email: `${this.unique('mail')}@example.com`, passwordHash: '$2b$04$not-a-real-hash', aclRoleNames: ['regular'],
    });
  }

  async device(options: { labels?: string[]; name?: string } = {}): Promise<DeviceCredential> {
    const secret = generateSecret();
    const device = await this.store.devices.create({ name: options.name ?? this.unique('board'), labels: options.labels ?? [], secretHash: hashSecret(secret) });
    return { device, secret };
  }

  /** A connected, greeted simulated worker for a new (or the given) device. */
  async worker(options: Partial<SimulatedWorkerOptions> & { credential?: DeviceCredential; labels?: string[] } = {}): Promise<SimulatedWorker> {
    const credential = options.credential ?? (await this.device({ labels: options.labels ?? [] }));
    const worker = this.simulated(credential, options);
    await worker.connect();
    return worker;
  }

  /** A simulated worker that has not connected yet. */
  simulated(credential: DeviceCredential, options: Partial<SimulatedWorkerOptions> = {}): SimulatedWorker {
    const worker = new SimulatedWorker({ url: this.url, ca: this.tls.cert, deviceId: credential.device._id, secret: credential.secret, ...options });
    this.workers.push(worker);
    return worker;
  }

  /** A workflow of a new account with one instance per task. */
  async workflow(tasks: TaskSpec[]): Promise<{ account: Account; workflow: Workflow; instanceIds: Id[] }> {
    const account = await this.account();
    const workflow = await this.store.workflows.create({ accountId: account._id, name: this.unique('workflow') });
    const instanceIds: Id[] = [];
    for (const [i, task] of tasks.entries()) {
      const workty = await this.store.workties.create({
        accountId: account._id,
        name: this.unique('workty'),
        typeId: idOf.worktyType('inout'),
        categoryId: idOf.category('unit-tests'),
        languageTypeId: idOf.languageType(task.language ?? 'nodejs'),
        entryPointModuleFileName: task.entryPoint ?? 'index.js',
        properties: task.properties ?? [],
        packageBytes: task.packageBytes ?? Buffer.from(this.unique('package')),
      });
      const instance = await this.store.instances.add(workflow._id, { accountId: account._id }, {
        worktyId: workty._id, name: task.name ?? `step ${i}`, target: task.target ?? null, retry: task.retry ?? null,
      });
      instanceIds.push(instance._id);
    }
    return { account, workflow, instanceIds };
  }

  /** Requests a run as REST does (store write), and tells the supervisor to look at once. */
  async run(workflow: Workflow): Promise<Run> {
    const run = await this.store.runs.request(workflow._id, { accountId: workflow.accountId }, workflow.accountId);
    void this.supervisor.tailer.poke();
    return run;
  }

  async command(workflow: Workflow, command: 'pause' | 'stop'): Promise<Run> {
    const run = await this.store.runs.command(workflow._id, { accountId: workflow.accountId }, command, workflow.accountId);
    void this.supervisor.tailer.poke();
    return run;
  }

  async getRun(runId: Id): Promise<Run> {
    const run = await this.store.runs.get(runId, ALL);
    if (run === null) throw new Error(`run ${runId} not found`);
    return run;
  }

  /** Waits until the run matches `predicate` (polling the store: the store is what counts). */
  async runUntil(runId: Id, predicate: (run: Run) => boolean, what: string, timeoutMs = 15_000): Promise<Run> {
    let last: Run | null = null;
    await waitFor(async () => {
      last = await this.getRun(runId);
      return predicate(last);
    }, { timeoutMs, what: () => `${what} (run is ${last?.status}, instances ${last?.instances.map((i) => i.state).join(',')})` });
    return last!;
  }

  finished(runId: Id, timeoutMs?: number): Promise<Run> {
    return this.runUntil(runId, (run) => isFinalRunStatus(run.status), 'the run to finish', timeoutMs);
  }

  async waitForDevice(id: Id, predicate: (device: Device) => boolean, timeoutMs = 10_000): Promise<Device> {
    let last: Device | null = null;
    await waitFor(async () => {
      last = await this.store.devices.get(id);
      return last !== null && predicate(last);
    }, { timeoutMs, what: () => `device ${id} (state ${last?.state})` });
    return last!;
  }

  async journalTypes(runId: Id): Promise<string[]> {
    return (await this.store.runs.journal(runId, ALL, { perPage: 1000 })).items.map((e) => e.type);
  }

  async close(): Promise<void> {
    for (const worker of this.workers) worker.close();
    await this.supervisor.close();
    await this.store.close();
    this.dir.remove();
  }
}

/**
 * The processes of a chaos run and the faults done to them: a real supervisor
 * (`dist/supervisor/main.js`, short leases) and real worker daemons (`dist/worker/main.js`), each
 * worker reaching the supervisor through its own TCP relay that can be cut. Kills are `kill -9`
 * (SIGKILL); a killed process is started again on the same data (the supervisor on the same store
 * and port, a worker on the same folder: its outbox survives).
 */
import type { Id } from '../../../shared/domain/ids.js';
import { generateSecret, hashSecret } from '../../../shared/security/secrets.js';
import { loadTls } from '../../../shared/security/tls.js';
import type { Store } from '../../../shared/store/port.js';
import { SupervisorProcess, freePort } from '../supervisor-process.js';
import { TcpProxy } from '../tcp-proxy.js';
import { waitFor } from '../wait.js';
import { WorkerProcess } from '../worker-process.js';

export interface RigOptions {
  dataDir: string;
  workers: number;
  slots: number;
  /** Added to the supervisor's environment (FAST_SUPERVISOR_ENV already applies). */
  supervisorEnv?: NodeJS.ProcessEnv;
}

export interface RigWorker {
  index: number;
  deviceId: Id;
  process: WorkerProcess;
  proxy: TcpProxy;
  /** A kill or a cut of this worker is under way (no second fault until it is undone). */
  faulted: boolean;
}

export class ChaosRig {
  readonly supervisor: SupervisorProcess;
  readonly workers: RigWorker[] = [];
  /** A supervisor kill is under way. */
  supervisorDown = false;
  private closing: Promise<void> | null = null;
  /** Output of processes that were killed (a restart starts a new output). */
  private readonly pastOutput: string[] = [];

  private constructor(readonly options: RigOptions, port: number) {
    this.supervisor = new SupervisorProcess(options.dataDir, port, { WORKTY_LOG_LEVEL: 'warn', ...options.supervisorEnv });
  }

  /** Starts the supervisor (which makes the store and the TLS material on its first start). */
  static async start(options: RigOptions): Promise<ChaosRig> {
    const rig = new ChaosRig(options, await freePort());
    await rig.supervisor.start();
    return rig;
  }

  /** Starts the workers (one new device each) and waits until every one is online. */
  async startWorkers(store: Store): Promise<void> {
    const caPath = loadTls({ dataDir: this.options.dataDir }).certPath;
    for (let index = 0; index < this.options.workers; index += 1) {
      const secret = generateSecret();
      const device = await store.devices.create({ name: `chaos-board-${index}`, secretHash: hashSecret(secret) });
      const proxy = new TcpProxy(this.supervisor.port);
      await proxy.listen();
      const daemon = new WorkerProcess({
        supervisorUrl: `https://127.0.0.1:${proxy.port}`, caPath, deviceId: device._id, secret,
        env: { WORKTY_WORKER_SLOTS: String(this.options.slots), WORKTY_LOG_LEVEL: 'warn' },
      });
      daemon.start();
      this.workers.push({ index, deviceId: device._id, process: daemon, proxy, faulted: false });
    }
    await waitFor(async () => {
      for (const w of this.workers) if ((await store.devices.get(w.deviceId))?.state === 'disconnected') return false;
      return true;
    }, { timeoutMs: 60_000, intervalMs: 100, what: () => `the workers to connect:\n${this.output()}` });
  }

  async killWorker(worker: RigWorker, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    await worker.process.kill(signal);
    this.pastOutput.push(`--- worker ${worker.index} (${signal}) ---\n${worker.process.output}`);
    worker.process.output = '';
  }

  restartWorker(worker: RigWorker): void {
    if (!worker.process.running) worker.process.start();
  }

  async killSupervisor(): Promise<void> {
    await this.supervisor.kill('SIGKILL');
    this.pastOutput.push(`--- supervisor (SIGKILL) ---\n${this.supervisor.output}`);
    this.supervisor.output = '';
  }

  async restartSupervisor(): Promise<void> {
    const child = this.supervisor.child;
    if (child !== null && child.exitCode === null && child.signalCode === null) return;
    await this.supervisor.start();
  }

  /** Everything back: relays restored, dead processes started again. */
  async heal(): Promise<void> {
    await this.restartSupervisor();
    this.supervisorDown = false;
    for (const worker of this.workers) {
      worker.proxy.restore();
      this.restartWorker(worker);
      worker.faulted = false;
    }
  }

  /** Graceful stop of every process (workers first: they hand back what they hold), relays closed. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.stopAll();
    return this.closing;
  }

  private async stopAll(): Promise<void> {
    await Promise.all(this.workers.map(async (w) => {
      await w.process.dispose();
      await w.proxy.close();
    }));
    const child = this.supervisor.child;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await this.supervisor.kill('SIGTERM');
      clearTimeout(force);
    }
  }

  /** Every process's output, the killed ones' included (for a failure's report). */
  output(): string {
    return [
      ...this.pastOutput,
      `--- supervisor ---\n${this.supervisor.output}`,
      ...this.workers.map((w) => `--- worker ${w.index} ---\n${w.process.output}`),
    ].join('\n');
  }
}

/** A worker daemon (in this process, built by its composition root) wired to a fake supervisor. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dispatch, Report } from '../../../shared/protocol/worker.js';
import { zipFolder } from '../../../shared/seed/package.js';
import type { WorkerAgent } from '../../../worker/agent.js';
import { createWorkerApp, type WorkerAppOverrides } from '../../../worker/app.js';
import { silentLogger } from '../logger.js';
import { makeTempDir, type TempDir } from '../tmp.js';
import { testWorkerConfig } from './config.js';
import { FakeSupervisor, makeDispatch, type FakeSupervisorOptions } from './fake-supervisor.js';
import { waitFor } from './wait.js';

export interface HarnessOptions {
  supervisor?: FakeSupervisorOptions;
  /** Worker settings (environment variable → value). */
  env?: Record<string, string>;
  overrides?: WorkerAppOverrides;
  /** Do not wait for the first session. */
  noWait?: boolean;
  /** Trust the supervisor by its certificate's fingerprint instead of the CA file. */
  pinFingerprint?: boolean;
}

export class WorkerHarness {
  agent: WorkerAgent;
  private packages = 0;

  private constructor(readonly supervisor: FakeSupervisor, readonly dir: TempDir, agent: WorkerAgent, private readonly options: HarnessOptions) {
    this.agent = agent;
  }

  static async start(options: HarnessOptions = {}): Promise<WorkerHarness> {
    const supervisor = await FakeSupervisor.start(options.supervisor);
    const dir = makeTempDir('worker');
    const agent = await createWorker(supervisor, dir.path, options);
    const harness = new WorkerHarness(supervisor, dir, agent, options);
    agent.start();
    if (options.noWait !== true) await harness.waitConnected();
    return harness;
  }

  get workerDir(): string {
    return join(this.dir.path, 'worker');
  }

  async waitConnected(hellos = 1): Promise<void> {
    await waitFor(() => this.supervisor.connected && this.supervisor.hellos.length >= hellos, { what: `hello #${hellos}` });
  }

  /** Stops the worker (forced) and starts another on the same folder; resolves on its hello. */
  async restart(env: Record<string, string> = {}): Promise<void> {
    await this.agent.close({ force: true });
    const hellos = this.supervisor.hellos.length;
    this.agent = await createWorker(this.supervisor, this.dir.path, { ...this.options, env: { ...this.options.env, ...env } });
    this.agent.start();
    await this.waitConnected(hellos + 1);
  }

  /** Zips `files` into a package the supervisor serves. */
  async addPackage(files: Record<string, string>): Promise<{ hash: string; size: number }> {
    this.packages += 1;
    const folder = join(this.dir.path, `package-${this.packages}`);
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(folder, name, '..'), { recursive: true });
      writeFileSync(join(folder, name), content, { mode: 0o755 });
    }
    return this.supervisor.addPackage(await zipFolder(folder));
  }

  /** Dispatches a task made of `files`, expecting it accepted. */
  async run(files: Record<string, string>, fields: Partial<Dispatch> & Pick<Dispatch, 'entryPoint' | 'runtime'>): Promise<Dispatch> {
    const dispatch = makeDispatch({ package: await this.addPackage(files), ...fields });
    const ack = await this.supervisor.dispatch(dispatch);
    if (!ack.accepted) throw new Error(`dispatch declined: ${ack.reason} ${ack.message}`);
    return dispatch;
  }

  /** Waits for the attempt's finished report to reach the supervisor. */
  async finished(dispatch: Dispatch): Promise<Extract<Report, { type: 'finished' }>> {
    return waitFor(() => this.supervisor.finishedOf(dispatch), { what: `attempt ${dispatch.runId} to finish`, timeoutMs: 15_000 });
  }

  async close(): Promise<void> {
    await this.agent.close({ force: true });
    await this.supervisor.close();
    this.dir.remove();
  }
}

function createWorker(supervisor: FakeSupervisor, root: string, options: HarnessOptions): Promise<WorkerAgent> {
  const pin: Record<string, string> = options.pinFingerprint === true ? { WORKTY_SUPERVISOR_CA: '', WORKTY_SUPERVISOR_FINGERPRINT: supervisor.tls.fingerprint256 } : {};
  const config = testWorkerConfig(supervisor, join(root, 'worker'), { ...pin, ...options.env });
  return createWorkerApp(config, silentLogger(), options.overrides);
}

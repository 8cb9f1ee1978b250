/** End-to-end rig: the in-process supervisor of EngineHarness plus real worker daemon processes. */
import type { Attempt, RunInstance } from '../../shared/domain/model.js';
import { roleScript } from './process.js';
import { EngineHarness, type DeviceCredential } from './engine-harness.js';
import { WorkerProcess } from './worker-process.js';
import { waitFor } from './wait.js';
import type { SupervisorSettings } from '../../supervisor/app.js';

export class E2eRig {
  private readonly workers: WorkerProcess[] = [];

  private constructor(readonly h: EngineHarness) {}

  static async start(overrides: Partial<SupervisorSettings> = {}): Promise<E2eRig> {
    return new E2eRig(await EngineHarness.start(overrides));
  }

  /** A real worker for a new (or the given) device; resolves once its hello is done. */
  async worker(options: { credential?: DeviceCredential; env?: NodeJS.ProcessEnv; url?: string; labels?: string[] } = {}): Promise<{ worker: WorkerProcess; credential: DeviceCredential }> {
    const credential = options.credential ?? (await this.h.device({ labels: options.labels ?? [] }));
    const worker = this.spawn(credential, options);
    await waitFor(() => this.h.supervisor.registry.get(credential.device._id)?.ready === true || !worker.running, {
      timeoutMs: 30_000, what: () => `worker ${credential.device.name} to connect; its output:\n${worker.output}`,
    });
    if (!worker.running) throw new Error(`the worker exited:\n${worker.output}`);
    return { worker, credential };
  }

  /** A real worker that is started but not awaited (e.g. one that will be refused). */
  spawn(credential: DeviceCredential, options: { env?: NodeJS.ProcessEnv; url?: string } = {}): WorkerProcess {
    const worker = new WorkerProcess({
      supervisorUrl: options.url ?? this.h.url, caPath: this.h.tls.certPath, deviceId: credential.device._id, secret: credential.secret, env: options.env,
    });
    this.workers.push(worker);
    worker.start();
    return worker;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.dispose()));
    await this.h.close();
  }
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An instance's attempts without the ones a board declined for want of a free slot (`released`: they
 * do not count; a real worker frees its slot only after cleaning up, so a quick re-dispatch can meet
 * a busy slot).
 */
export function counted(instance: RunInstance): Attempt[] {
  return instance.attempts.filter((a) => a.status !== 'released');
}


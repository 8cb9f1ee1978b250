/**
 * The supervisor of the client socket tests: the real composition root (`createSupervisor`: run
 * engine, `/worker`, client namespaces) on the given store, HTTPS on port 0, test timings.
 */
import type { Logger } from '../../shared/log.js';
import { PasswordHasher } from '../../shared/security/passwords.js';
import { loadTls } from '../../shared/security/tls.js';
import type { Store } from '../../shared/store/port.js';
import { createSupervisor, type Supervisor, type SupervisorSettings } from '../../supervisor/app.js';
import type { ClientAdapter, ClientApi } from '../../supervisor/clients/index.js';
import { TEST_SETTINGS } from './engine-harness.js';

export interface TestSupervisorOptions {
  /** Supervisor settings over the tests' defaults (e.g. `changeFeedPollMs`, `loginFailuresPerAccount`). */
  settings?: Partial<SupervisorSettings>;
  adapter?: ClientAdapter;
  /** The built dashboard to serve (default: none, so tests do not depend on the front-end build). */
  dashboardDir?: string;
}

export interface TestSupervisor {
  url: string;
  port: number;
  supervisor: Supervisor;
  io: Supervisor['io'];
  api: ClientApi;
  tailer: Supervisor['tailer'];
  close(): Promise<void>;
}

export async function startTestSupervisor(options: TestSupervisorOptions & { store: Store; dataDir: string; logger: Logger }): Promise<TestSupervisor> {
  const supervisor = createSupervisor({
    config: { ...TEST_SETTINGS, ...options.settings },
    store: options.store,
    tls: loadTls({ dataDir: options.dataDir }),
    logger: options.logger,
    hasher: new PasswordHasher({ cost: 4 }),
    dashboardDir: options.dashboardDir ?? null,
    ...(options.adapter === undefined ? {} : { adapter: options.adapter }),
  });
  const { port } = await supervisor.listen();
  return {
    url: `https://127.0.0.1:${port}`, port, supervisor, io: supervisor.io, api: supervisor.clients, tailer: supervisor.tailer,
    close: () => supervisor.close(),
  };
}

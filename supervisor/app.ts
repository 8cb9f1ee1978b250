/**
 * The supervisor's composition root: builds every piece in a visible order and hands back the
 * servers, the engine and an idempotent `close()`. Used by `main.ts` and by the tests (port 0).
 *
 * The client API (`clients/`: `/accounts`, `/workflows`, `/workties`, `/devices`, `/payments`,
 * `/runs`) shares the same `io` and the same change feed tailer: every change the engine stores
 * reaches client sockets through the feed, like any other change. The same HTTPS server serves the
 * web dashboard's built files (`dashboard.ts`), which use that client API.
 *
 * Metrics: one registry (given by main.ts with the process's own series, else made here), the store
 * timed through a decorator, the engine's series (`metrics.ts`), served at `GET /metrics`.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Server as IoServer } from 'socket.io';
import type { SupervisorConfig } from '../config/index.js';
import type { ChangeEvent } from '../shared/domain/model.js';
import type { Logger } from '../shared/log.js';
import { metricsEndpoint } from '../shared/metrics/endpoint.js';
import { createMetricsRegistry, type Registry } from '../shared/metrics/registry.js';
import { instrumentStore } from '../shared/metrics/store.js';
import { projectRoot, worktyVersion } from '../shared/paths.js';
import { WORKER_NAMESPACE } from '../shared/protocol/worker.js';
import { PasswordLogin } from '../shared/security/login.js';
import { CredentialVerifier, PasswordHasher } from '../shared/security/passwords.js';
import { LoginThrottle } from '../shared/security/throttle.js';
import type { TlsMaterial } from '../shared/security/tls.js';
import { createServices, tokenUseCases } from '../shared/services/index.js';
import type { Store } from '../shared/store/port.js';
import { ChangeFeedTailer } from './change-feed.js';
import { attachClientApi, type ClientAdapter, type ClientApi } from './clients/index.js';
import { DeviceCatalog } from './engine/catalog.js';
import { Engine } from './engine/engine.js';
import { LeaseKeeper } from './engine/leases.js';
import { ReportIntake } from './engine/reports.js';
import { DashboardFiles } from './dashboard.js';
import { createRequestListener, type HealthReport } from './http.js';
import { InflightTracker } from './inflight.js';
import { attachSupervisorMetrics } from './metrics.js';
import { credentialCheck, packageDownload } from './workers/packages.js';
import { PresenceRecorder } from './workers/presence.js';
import { SessionRegistry } from './workers/registry.js';
import { WorkerNamespaceHandler, type WorkerNamespace } from './workers/namespace.js';

/** Where `npm run build` puts the web dashboard (Vite's output). */
export const DASHBOARD_DIR = join(projectRoot, 'dist', 'dashboard');

/** The settings the supervisor reads (the whole supervisor config satisfies it). */
export type SupervisorSettings = Pick<SupervisorConfig,
  | 'supervisorHost' | 'supervisorPort' | 'leaseDurationMs' | 'leaseRenewIntervalMs' | 'stallCheckIntervalMs'
  | 'reconnectGraceMs' | 'pingIntervalMs' | 'pingTimeoutMs' | 'dispatchAckTimeoutMs' | 'retryMaxAttempts'
  | 'retryBackoffMs' | 'taskTimeoutMs' | 'maxLogBytes' | 'maxPackageBytes' | 'changeFeedPollMs' | 'supervisorShutdownGraceMs'
  | 'presenceHeartbeatMs' | 'bcryptCost' | 'credentialCacheTtlMs' | 'packageLimit' | 'loginFailuresPerAccount'
  | 'loginFailuresPerAddress' | 'loginFailureWindowMs' | 'tokenTtlMs'> & Partial<Pick<SupervisorConfig, 'metricsToken'>>;

export interface SupervisorDeps {
  config: SupervisorSettings;
  store: Store;
  tls: TlsMaterial;
  logger: Logger;
  /** The socket.io adapter linking several supervisors (`createClientAdapter`); default: in-memory. Its owner closes it. */
  adapter?: ClientAdapter;
  /** Default: bcrypt with the configured cost. */
  hasher?: PasswordHasher;
  /** The built web dashboard to serve (default: `dist/dashboard` of the project); null serves none. */
  dashboardDir?: string | null;
  /** Where the supervisor's series go. Default: a registry of its own. */
  metrics?: Registry;
}

export interface Supervisor {
  readonly httpsServer: HttpsServer;
  readonly io: IoServer;
  readonly engine: Engine;
  readonly tailer: ChangeFeedTailer;
  readonly registry: SessionRegistry;
  /** The client socket API (its sessions, its fan-out). */
  readonly clients: ClientApi;
  /** The registry `GET /metrics` serves. */
  readonly metrics: Registry;
  /** Loads the active runs, starts following the store, then listens; resolves with the bound port. */
  listen(): Promise<{ port: number }>;
  /** Idempotent, ordered shutdown (see `close` below); the store is the caller's to close. */
  close(): Promise<void>;
  /** Emits `closing` and `closed`. */
  readonly lifecycle: EventEmitter<{ closing: []; closed: [] }>;
}

export function createSupervisor({ config, store: givenStore, tls, logger, adapter, hasher: givenHasher, dashboardDir = DASHBOARD_DIR, metrics: givenMetrics }: SupervisorDeps): Supervisor {
  const startedAt = Date.now();
  const metrics = givenMetrics ?? createMetricsRegistry();
  const store = instrumentStore(givenStore, metrics);
  let closing: Promise<void> | null = null;
  const lifecycle = new EventEmitter<{ closing: []; closed: [] }>();
  const inflight = new InflightTracker();

  const registry = new SessionRegistry();
  const catalog = new DeviceCatalog(store, config.maxPackageBytes);
  const engine = new Engine({
    store, registry, catalog, logger: logger.child({ component: 'engine' }),
    options: {
      leaseMs: config.leaseDurationMs,
      ackTimeoutMs: config.dispatchAckTimeoutMs,
      defaults: { maxAttempts: config.retryMaxAttempts, backoffMs: config.retryBackoffMs, timeoutMs: config.taskTimeoutMs },
      maxLogBytes: config.maxLogBytes,
    },
  });
  const leases = new LeaseKeeper(engine, store, registry, logger.child({ component: 'leases' }), {
    leaseMs: config.leaseDurationMs,
    renewEveryMs: config.leaseRenewIntervalMs,
    stallCheckMs: config.stallCheckIntervalMs,
    reconnectGraceMs: config.reconnectGraceMs,
  });
  const intake = new ReportIntake(engine, store, config.maxLogBytes);
  const presence = new PresenceRecorder(store, logger.child({ component: 'presence' }));
  const tailer = new ChangeFeedTailer(store.changes, logger.child({ component: 'change-feed' }), { pollMs: config.changeFeedPollMs });

  const health = async (): Promise<HealthReport> => {
    let storeOk = true;
    try {
      await store.ping();
    } catch {
      storeOk = false;
    }
    return {
      status: storeOk && closing === null ? 'ok' : 'unavailable',
      role: 'supervisor',
      version: worktyVersion,
      store: storeOk ? 'ok' : 'unreachable',
      workers: registry.size,
      activeRuns: engine.activeRuns,
      queued: engine.dispatcher.queued,
      clients: clients.sessions.size,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
  };
  const dashboard = dashboardDir === null ? null : new DashboardFiles(dashboardDir);
  const httpsServer = createServer({ cert: tls.cert, key: tls.key }, createRequestListener({
    health,
    packages: packageDownload(store, logger.child({ component: 'packages' })),
    credential: credentialCheck(store),
    metrics: metricsEndpoint(metrics, config.metricsToken),
    ...(dashboard === null ? {} : { dashboard: (req, res, path) => dashboard.serve(req, res, path) }),
  }, logger));
  const io = new IoServer(httpsServer, {
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    // Report batches carry logs; the worker bounds its batches well below this.
    maxHttpBufferSize: 16 * 1024 * 1024,
    serveClient: false,
    ...(adapter?.adapter === undefined ? {} : { adapter: adapter.adapter }),
  });
  const workers = new WorkerNamespaceHandler({
    store, engine, leases, intake, registry, presence, catalog, logger: logger.child({ component: 'workers' }),
    leaseMs: config.leaseDurationMs, renewEveryMs: config.leaseRenewIntervalMs,
    closing: () => closing !== null, track: (work) => inflight.track(work),
  });
  workers.bind(io.of(WORKER_NAMESPACE) as WorkerNamespace);

  // Client sockets: the same password check as REST (throttle, cached bcrypt), the same use cases.
  const hasher = givenHasher ?? new PasswordHasher({ cost: config.bcryptCost });
  const login = new PasswordLogin({
    verifier: new CredentialVerifier(store.accounts, hasher, { ttlMs: config.credentialCacheTtlMs }),
    throttle: new LoginThrottle({
      perAccount: config.loginFailuresPerAccount, perAddress: config.loginFailuresPerAddress, windowMs: config.loginFailureWindowMs,
    }),
    logger: logger.child({ component: 'clients' }),
  });
  const serviceDeps = { store, hasher, limits: { packageLimit: config.packageLimit } };
  const clients = attachClientApi(io, {
    store, tailer, login, logger,
    services: { ...createServices(serviceDeps), tokens: tokenUseCases(serviceDeps, { tokenTtlMs: config.tokenTtlMs }) },
    sharedAdapter: adapter?.shared ?? false,
    closing: () => closing !== null,
  });

  const engineMetrics = attachSupervisorMetrics(metrics, { engine, registry, clientSockets: () => clients.sessions.size });

  const onChange = (change: ChangeEvent): void => {
    if (change.entity === 'run') {
      if (!engine.isCurrent(change.id, change.data)) void engine.refresh(change.id).catch((error: unknown) => {
        logger.error({ err: error, runId: change.id }, 'reloading a changed run failed');
      });
    } else if (change.entity === 'device') {
      void catalog.refresh(change.id).then(
        (device) => workers.deviceChanged(device, change.id),
        (error: unknown) => logger.error({ err: error, deviceId: change.id }, 'reloading a changed device failed'),
      );
    }
  };

  const listen = async (): Promise<{ port: number }> => {
    // Start-up reconciliation: the feed position first, so nothing committed while loading is missed.
    const head = await tailer.head();
    await catalog.load();
    await engine.load();
    tailer.on('change', onChange);
    tailer.start(head);
    leases.start();
    presence.startHeartbeat(() => [...registry.all()].filter((s) => !s.closed).map((s) => s.deviceId), config.presenceHeartbeatMs, config.reconnectGraceMs);
    await new Promise<void>((resolve, reject) => {
      httpsServer.once('error', reject);
      httpsServer.listen(config.supervisorPort, config.supervisorHost, () => {
        httpsServer.off('error', reject);
        resolve();
      });
    });
    const { port } = httpsServer.address() as AddressInfo;
    logger.info({ port, host: config.supervisorHost, version: worktyVersion }, 'supervisor listening');
    return { port };
  };

  /**
   * Ordered: refuse new handshakes and stop dispatching; let reports under way be stored and
   * acknowledged (up to the grace period); finish work under way on runs; record the boards as
   * disconnected; close every socket ("server shutting down") and the HTTPS server. Each step runs
   * even if an earlier one failed.
   */
  const close = (): Promise<void> => {
    closing ??= (async () => {
      lifecycle.emit('closing');
      const step = async (name: string, fn: () => unknown): Promise<void> => {
        try {
          await fn();
        } catch (error) {
          logger.error({ err: error, step: name }, 'shutdown step failed');
        }
      };
      await step('stop dispatching', () => {
        engine.dispatcher.stop();
        leases.close();
      });
      await step('stop following the store', () => tailer.close());
      await step('answer client requests under way, end client sessions', () => clients.close());
      await step('store reports under way', () => inflight.idle(config.supervisorShutdownGraceMs));
      await step('finish run work under way', async () => {
        await leases.settled();
        await engine.close();
      });
      await step('record boards disconnected', async () => {
        await Promise.all([...registry.all()].map((session) => presence.disconnected(session.deviceId)));
        await presence.close();
      });
      await step('close sockets and HTTPS', async () => {
        const closed = io.close();
        // Keep-alive connections (health checks, package downloads) would hold the server open.
        httpsServer.closeIdleConnections();
        await closed;
      });
      engineMetrics.close();
      logger.info('supervisor closed');
      lifecycle.emit('closed');
    })();
    return closing;
  };

  return { httpsServer, io, engine, tailer, registry, clients, metrics, listen, close, lifecycle };
}

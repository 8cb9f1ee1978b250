/**
 * Composition root of the REST API server. `createRestApi` builds the server from what it is given
 * (configuration, an open store, a logger, TLS material), in this order: security (hasher, cached
 * verification, throttle, passport), the supervisor probe, the routes and their OpenAPI document,
 * then the restify server with its plumbing and its metrics (the store is timed through a decorator).
 * `startRestApi` is what `main.ts` runs: it also makes the logger, the metrics registry (with the
 * process's own series), the TLS material and the store, and owns them.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Request, Server } from 'restify';
import type { RestapiConfig } from '../config/index.js';
import type { Logger } from '../shared/log.js';
import { createLogger } from '../shared/log.js';
import { createMetricsRegistry, type Registry } from '../shared/metrics/registry.js';
import { instrumentStore } from '../shared/metrics/store.js';
import { worktyVersion } from '../shared/paths.js';
import { PasswordLogin } from '../shared/security/login.js';
import { CredentialVerifier, PasswordHasher } from '../shared/security/passwords.js';
import { LoginThrottle } from '../shared/security/throttle.js';
import type { TlsMaterial } from '../shared/security/tls.js';
import { ensureSelfSignedTls, loadTls } from '../shared/security/tls.js';
import { openStore } from '../shared/store/index.js';
import type { Store } from '../shared/store/port.js';
import { Authenticator } from './auth/authenticator.js';
import { SupervisorProbe } from './health.js';
import { installErrorHandler } from './http/error-handler.js';
import { methodOverride } from './http/method-override.js';
import { buildOpenApi } from './http/openapi.js';
import { installRequestMetrics, mountMetricsRoute } from './http/metrics.js';
import { installRequestLog } from './http/request-log.js';
import { ResponseCache } from './http/response-cache.js';
import { mountRoutes } from './http/route.js';
import { versioning } from './http/versioning.js';
import { allRoutes } from './routes/index.js';

// restify is CommonJS; its types describe `createServer`.
const restify = createRequire(import.meta.url)('restify') as typeof import('restify');

export interface RestApiOptions {
  config: RestapiConfig;
  /** An open store; the caller owns it (it is not closed by `close()`). */
  store: Store;
  logger: Logger;
  tls: TlsMaterial;
  /** Default: bcrypt with the configured cost. */
  hasher?: PasswordHasher;
  /** Where the server's series go. Default: a registry of its own. */
  metrics?: Registry;
}

export interface RestApi {
  readonly server: Server;
  /** The response cache, when configured (`restResponseCacheBytes` > 0). */
  readonly responseCache: ResponseCache | undefined;
  /** The registry `GET /metrics` serves. */
  readonly metrics: Registry;
  /** Listens (default: the configured host and port; tests pass port 0) and resolves with the port. */
  listen(port?: number, host?: string): Promise<{ port: number }>;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `shutdownGraceMs`), then cuts
   * what is left. Idempotent.
   */
  close(): Promise<void>;
}

export function createRestApi(options: RestApiOptions): RestApi {
  const { config, logger, tls } = options;
  const log = logger.child({ component: 'restapi' });
  const metrics = options.metrics ?? createMetricsRegistry();
  const store = instrumentStore(options.store, metrics);

  const hasher = options.hasher ?? new PasswordHasher({ cost: config.bcryptCost });
  const verifier = new CredentialVerifier(store.accounts, hasher, { ttlMs: config.credentialCacheTtlMs });
  const throttle = new LoginThrottle({
    perAccount: config.loginFailuresPerAccount,
    perAddress: config.loginFailuresPerAddress,
    windowMs: config.loginFailureWindowMs,
  });
  const authenticator = new Authenticator({ login: new PasswordLogin({ verifier, throttle, logger: log }) });
  const probe = new SupervisorProbe({ url: config.supervisorUrl, ca: tls.cert, timeoutMs: config.supervisorProbeTimeoutMs });

  let openapi: unknown = null;
  const routes = allRoutes({ store, hasher, probe, config }, () => openapi);
  openapi = buildOpenApi(routes, { serverVersion: worktyVersion });

  const server = restify.createServer({
    name: 'workty',
    httpsServerOptions: { cert: tls.cert, key: tls.key },
    handleUncaughtExceptions: false,
    ignoreTrailingSlash: true,
    strictNext: true,
  });
  // Headers must not linger: a client that never finishes its request is cut (no hang).
  server.server.headersTimeout = 30_000;
  server.server.requestTimeout = 300_000;

  installRequestLog(server, log);
  installRequestMetrics(server, metrics);
  server.pre(methodOverride);
  server.pre(versioning);
  installErrorHandler(server, log);
  const cache = config.restResponseCacheBytes > 0
    ? new ResponseCache({ maxBytes: config.restResponseCacheBytes, head: () => store.changes.head() })
    : undefined;
  mountRoutes(server, routes, {
    authenticate: (req: Request) => authenticator.authenticate(req),
    logger: log,
    bodyLimit: config.restBodyLimit,
    ...(cache === undefined ? {} : { cache }),
  });
  mountMetricsRoute(server, metrics, config.metricsToken);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= shutDown(server, config.shutdownGraceMs, log);
    return closing;
  };

  return {
    server,
    responseCache: cache,
    metrics,
    listen(port = config.restPort, host = config.restHost) {
      return new Promise((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(port, host, () => {
          server.server.off('error', reject);
          const address = server.server.address() as AddressInfo;
          log.info({ port: address.port, host }, 'REST API listening (HTTPS, /api/v1)');
          resolve({ port: address.port });
        });
      });
    },
    close,
  };
}

function shutDown(server: Server, graceMs: number, log: Logger): Promise<void> {
  const http = server.server;
  if (!http.listening) return Promise.resolve();
  return new Promise((resolve) => {
    // Idle keep-alive connections go now; busy ones as soon as their response is out.
    const sweep = setInterval(() => http.closeIdleConnections(), 50);
    const force = setTimeout(() => {
      log.warn({ graceMs }, 'requests still running after the grace period: closing their connections');
      http.closeAllConnections();
    }, graceMs);
    http.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      log.info('REST API closed');
      resolve();
    });
    http.closeIdleConnections();
  });
}

/**
 * The longest a shutdown may take before main.ts gives up: the grace for requests under way, plus a
 * margin for closing the store. A service manager must wait longer (compose stop_grace_period).
 */
export function restApiStopBoundMs(config: Pick<RestapiConfig, 'shutdownGraceMs'>): number {
  return config.shutdownGraceMs + 5000;
}

/** A REST API server with the store, logger and TLS material it made itself (what `main.ts` runs). */
export interface RunningRestApi {
  port: number;
  logger: Logger;
  close(): Promise<void>;
}

export async function startRestApi(config: RestapiConfig): Promise<RunningRestApi> {
  const logger = createLogger({ role: 'restapi', level: config.logLevel });
  if (await ensureSelfSignedTls(config)) logger.info('made a self-signed TLS certificate under the data directory');
  const tls = loadTls(config);
  const store = await openStore({ dataDir: config.dataDir, mongodbUrl: config.mongodbUrl }, logger);
  const api = createRestApi({ config, store, logger, tls, metrics: createMetricsRegistry({ processMetrics: true }) });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await api.close();
      } finally {
        await store.close();
      }
    })();
    return closing;
  };
  try {
    const { port } = await api.listen();
    return { port, logger, close };
  } catch (error) {
    await close();
    throw error;
  }
}


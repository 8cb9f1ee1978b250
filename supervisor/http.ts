/**
 * The supervisor's plain HTTPS routes, beside socket.io on the same server: `GET /health` (JSON,
 * read by the REST API's health report, load balancers and the container health check), the package
 * download and the credential check for boards, `GET /metrics` (Prometheus; off without
 * WORKTY_METRICS_TOKEN), and everything else to the web dashboard's files (`dashboard.ts`). Errors
 * use the REST API's body shape `{"error": {"code", "message"}}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../shared/domain/errors.js';
import type { Logger } from '../shared/log.js';
import { METRICS_PATH, type MetricsAnswer } from '../shared/metrics/endpoint.js';
import { CREDENTIAL_PATH, PACKAGE_PATH } from '../shared/protocol/worker.js';

const CODE_BY_STATUS: Record<number, number> = {
  400: ErrorCode.invalidInput,
  401: ErrorCode.invalidInput,
  403: ErrorCode.forbidden,
  404: ErrorCode.notFound,
  405: ErrorCode.invalidInput,
  503: ErrorCode.invalidInput,
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { code: CODE_BY_STATUS[status] ?? ErrorCode.invalidInput, message } });
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  role: 'supervisor';
  version: string;
  store: 'ok' | 'unreachable';
  /** Workers connected to this supervisor. */
  workers: number;
  /** Active runs this supervisor holds. */
  activeRuns: number;
  /** Instances waiting for a free worker slot. */
  queued: number;
  /** Client sockets connected to this supervisor (one per namespace a client uses). */
  clients: number;
  uptimeSeconds: number;
}

export interface Routes {
  health: () => Promise<HealthReport>;
  packages: (req: IncomingMessage, res: ServerResponse, hash: string) => Promise<void>;
  credential: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  metrics: (method: string | undefined, authorization: string | undefined) => Promise<MetricsAnswer>;
  /** The web dashboard (every other path); without it, other paths are a 404. */
  dashboard?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
}

/** The request listener for everything that is not socket.io (which intercepts its own path first). */
export function createRequestListener(routes: Routes, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'https://supervisor').pathname;
    const handle = async (): Promise<void> => {
      if (path === '/health') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'use GET /health');
        const report = await routes.health();
        return sendJson(res, report.status === 'ok' ? 200 : 503, report);
      }
      if (path === METRICS_PATH) {
        const answer = await routes.metrics(req.method, req.headers.authorization);
        res.writeHead(answer.status, { ...answer.headers, 'Content-Length': Buffer.byteLength(answer.body) });
        res.end(answer.body);
        return;
      }
      if (path === CREDENTIAL_PATH) {
        if (req.method !== 'GET') return sendError(res, 405, `use GET ${CREDENTIAL_PATH}`);
        return routes.credential(req, res);
      }
      if (path.startsWith(`${PACKAGE_PATH}/`)) {
        if (req.method !== 'GET') return sendError(res, 405, `use GET ${PACKAGE_PATH}/<sha256>`);
        return routes.packages(req, res, path.slice(PACKAGE_PATH.length + 1));
      }
      if (routes.dashboard !== undefined) return routes.dashboard(req, res, path);
      return sendError(res, 404, `no route ${req.method ?? 'GET'} ${path} on the supervisor`);
    };
    handle().catch((error: unknown) => {
      logger.error({ err: error, path }, 'HTTP request failed');
      if (!res.headersSent) sendError(res, 503, 'the supervisor could not serve this request; retry soon');
      else res.destroy();
    });
  };
}

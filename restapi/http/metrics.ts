/**
 * The REST API's series: every answered request counted by method, route and status, and timed by
 * method and route. `route` is the route's declared path template (`/api/v1/workflows/:id`), never
 * the URL a client sent (ids would make a series per document); `unmatched` when no route matched.
 * The endpoint itself (`GET /metrics`, off without WORKTY_METRICS_TOKEN): shared/metrics/endpoint.ts.
 */
import type { Request, Response, Server } from 'restify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../../shared/metrics/registry.js';
import { METRICS_PATH, metricsEndpoint } from '../../shared/metrics/endpoint.js';
import { elapsedMs } from './request-log.js';

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']);

export function installRequestMetrics(server: Server, registry: Registry): void {
  const requests = new Counter({
    name: 'workty_http_requests_total',
    help: 'REST requests answered, by method, route (path template) and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'workty_http_request_duration_seconds',
    help: 'Time from a REST request\'s arrival to its answer, by method and route (path template)',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  server.on('after', (req: Request, res: Response) => {
    // A method outside the usual set (the HTTP parser admits a few dozen) must not mint series.
    const method = METHODS.has(req.method ?? '') ? req.method! : 'other';
    const route = req.getRoute()?.path;
    const template = typeof route === 'string' ? route : 'unmatched';
    requests.labels(method, template, String(res.statusCode)).inc();
    const ms = elapsedMs(req);
    if (ms !== null) durations.labels(method, template).observe(ms / 1000);
  });
}

/** `GET /metrics` on the REST server (outside /api/v1: it is for operators, not API clients). */
export function mountMetricsRoute(server: Server, registry: Registry, token: string | undefined): void {
  const answer = metricsEndpoint(registry, token);
  server.get({ path: METRICS_PATH, name: 'metrics' }, (req: Request, res: Response, next: (err?: unknown) => void) => {
    answer(req.method, req.headers.authorization).then((reply) => {
      res.sendRaw(reply.status, reply.body, reply.headers);
      next();
    }, next);
  });
}

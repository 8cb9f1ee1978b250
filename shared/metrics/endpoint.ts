/**
 * `GET /metrics` on a server role's HTTPS port, in Prometheus' text format. Off unless a token is
 * configured (WORKTY_METRICS_TOKEN): then a scraper must send `Authorization: Bearer <token>`, so
 * nothing about the platform's activity is served to whoever reaches the port. The token is compared
 * in constant time (through its SHA-256, so lengths do not leak either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { ErrorCode } from '../domain/errors.js';

export const METRICS_PATH = '/metrics';

export interface MetricsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function error(status: number, code: number, message: string, headers: Record<string, string> = {}): MetricsAnswer {
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    body: JSON.stringify({ error: { code, message } }),
  };
}

/** Answers metrics requests for one registry; `token` undefined = the endpoint is off. */
export function metricsEndpoint(registry: Registry, token: string | undefined): (method: string | undefined, authorization: string | undefined) => Promise<MetricsAnswer> {
  const expected = token === undefined ? null : digest(token);
  return async (method, authorization) => {
    if (expected === null) return error(404, ErrorCode.notFound, 'metrics are off: set WORKTY_METRICS_TOKEN to serve them (docs/operations.md)');
    if (method !== 'GET' && method !== 'HEAD') return error(405, ErrorCode.invalidInput, `use GET ${METRICS_PATH}`);
    const presented = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      return error(401, ErrorCode.invalidInput, 'send the metrics token: Authorization: Bearer <WORKTY_METRICS_TOKEN>', {
        'WWW-Authenticate': 'Bearer realm="workty-metrics"',
      });
    }
    const body = await registry.metrics();
    return { status: 200, headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }, body };
  };
}

/**
 * Writing responses: JSON pretty-printed unless `pretty=false` (API.md), raw bytes for downloads,
 * and `Location` URLs built from the request's own host.
 */
import type { Request, Response } from 'restify';
import { readRawQuery } from './query.js';

export const API_PREFIX = '/api/v1';

/** The Content-Type of every JSON answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** True unless the query says `pretty=false` (or `0`); errors honour it too, even for a bad query. */
export function wantsPretty(req: Request): boolean {
  let value: string | undefined;
  try {
    value = readRawQuery(req).pretty;
  } catch {
    const url = req.url ?? '';
    value = /[?&]pretty=(?:false|0)(?:&|$)/.test(url) ? 'false' : undefined;
  }
  return !(value === 'false' || value === '0');
}

export function serialise(req: Request, body: unknown): string {
  return wantsPretty(req) ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body);
}

export function sendJson(req: Request, res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined || status === 204) {
    res.sendRaw(status, '', headers);
    return;
  }
  const text = serialise(req, body);
  res.sendRaw(status, text, {
    ...headers,
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': String(Buffer.byteLength(text)),
  });
}

export function sendBytes(res: Response, status: number, bytes: Buffer, contentType: string, headers: Record<string, string> = {}): void {
  res.sendRaw(status, bytes, { ...headers, 'Content-Type': contentType, 'Content-Length': String(bytes.length) });
}

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The absolute URL of a path under the API prefix, on the host the client addressed (its Host
 * header); a missing or odd Host header gives a path without scheme and host.
 */
export function locationOf(req: Request, path: string): string {
  const host = req.headers.host;
  const full = `${API_PREFIX}${path}`;
  return host !== undefined && HOST.test(host) ? `https://${host}${full}` : full;
}

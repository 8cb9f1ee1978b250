/**
 * Writing responses: JSON pretty-printed unless `pretty=false` (API.md), raw bytes for downloads,
 * and `Location` URLs built from the request's own host.
 */
import type { Request, Response } from 'restify';

export const API_PREFIX = '/api/v1';

const PRETTY = Symbol('workty.pretty');
type WithPretty = Request & { [PRETTY]?: boolean };

/** True unless the query says `pretty=false` (or `0`); read from the raw URL so errors honour it too. */
export function wantsPretty(req: Request): boolean {
  const cached = (req as WithPretty)[PRETTY];
  if (cached !== undefined) return cached;
  const url = req.url ?? '';
  const at = url.indexOf('?');
  let pretty = true;
  if (at >= 0) {
    const value = new URLSearchParams(url.slice(at + 1)).get('pretty');
    pretty = !(value === 'false' || value === '0');
  }
  (req as WithPretty)[PRETTY] = pretty;
  return pretty;
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
    'Content-Type': 'application/json; charset=utf-8',
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

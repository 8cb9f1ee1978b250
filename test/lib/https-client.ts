/**
 * A small HTTPS client for API tests: trusts the server's own certificate, keeps connections alive,
 * and hands every response to an optional recorder (so a suite can check that no secret ever came
 * back).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';

export interface Credentials {
  email: string;
  password: string;
}

export interface RequestOptions {
  /** Basic credentials, a raw `Authorization` header, or nothing. */
  auth?: Credentials | string | null;
  /** A JSON body (sent with `Content-Type: application/json`). */
  json?: unknown;
  /** A body sent as is (set the content type in `headers`). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text (empty for none). */
  text: string;
  bytes: Buffer;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: T;
}

export type ResponseRecorder = (response: ApiResponse) => void;

export interface ClientTarget {
  host: string;
  port: number;
  /** PEM certificate to trust. */
  ca: string;
  /** Prefix prepended to relative paths. @default '/api/v1' */
  prefix?: string;
}

export function basic({ email, password }: Credentials): string {
  return `Basic ${Buffer.from(`${email}:${password}`, 'utf8').toString('base64')}`;
}

export class ApiClient {
  private readonly agent: Agent;

  constructor(
    private readonly target: ClientTarget,
    private readonly recorder?: ResponseRecorder,
    private readonly defaults: RequestOptions = {},
    agent?: Agent,
  ) {
    this.agent = agent ?? new Agent({ keepAlive: true, ca: target.ca, maxSockets: 16 });
  }

  /** A client sending these credentials by default (sharing this one's connections). */
  as(auth: Credentials | string | null): ApiClient {
    return new ApiClient(this.target, this.recorder, { ...this.defaults, auth }, this.agent);
  }

  request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const merged = { ...this.defaults, ...options };
    const headers: Record<string, string> = { Accept: 'application/json', ...merged.headers };
    if (merged.auth !== undefined && merged.auth !== null) headers.Authorization = typeof merged.auth === 'string' ? merged.auth : basic(merged.auth);
    let body: Buffer | undefined;
    if (merged.json !== undefined) {
      body = Buffer.from(JSON.stringify(merged.json));
      headers['Content-Type'] ??= 'application/json';
    } else if (merged.raw !== undefined) {
      body = Buffer.isBuffer(merged.raw) ? merged.raw : Buffer.from(merged.raw);
    }
    if (body !== undefined && headers['Transfer-Encoding'] === undefined) headers['Content-Length'] = String(body.length);
    const fullPath = path.startsWith('/api/') ? path : `${this.target.prefix ?? '/api/v1'}${path}`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const req = request({
        host: this.target.host, port: this.target.port, path: fullPath, method, headers, agent: this.agent, servername: 'localhost',
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let parsed: unknown;
          if ((res.headers['content-type'] ?? '').includes('json') && text.length > 0) parsed = JSON.parse(text);
          const response: ApiResponse<T> = { status: res.statusCode ?? 0, headers: res.headers, text, bytes, body: parsed as T };
          this.recorder?.(response);
          settled = true;
          resolve(response);
        });
        res.on('error', reject);
      });
      // A server refusing an oversized body may answer and close before the body is sent: the
      // answer counts, the write error that follows does not.
      req.on('error', (error) => {
        if (!settled) setImmediate(() => { if (!settled) reject(error); });
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  get<T = any>(path: string, options?: RequestOptions) { return this.request<T>('GET', path, options); }
  post<T = any>(path: string, json?: unknown, options: RequestOptions = {}) { return this.request<T>('POST', path, { ...options, json }); }
  put<T = any>(path: string, json?: unknown, options: RequestOptions = {}) { return this.request<T>('PUT', path, { ...options, json }); }
  del<T = any>(path: string, options?: RequestOptions) { return this.request<T>('DELETE', path, options); }

  close(): void {
    this.agent.destroy();
  }
}

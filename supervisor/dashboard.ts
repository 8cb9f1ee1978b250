/**
 * The web dashboard's files, served by the supervisor on its HTTPS port beside socket.io: the assets
 * `npm run build` made with Vite (`dist/dashboard/`; nothing of Vite is needed at run time).
 *
 * - `/assets/*` are content-hashed: cached for a year (`immutable`); a missing one is a 404.
 * - Other files (icons) and `index.html` are revalidated on every use (`no-cache` + ETag → 304).
 * - Any other path without a file extension is one of the app's routes: it gets `index.html`.
 * - Every answer carries a Content-Security-Policy allowing only this origin and its socket, and the
 *   usual hardening headers; text is compressed (brotli or gzip) once per file version, in memory.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { sendError } from './http.js';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Where Vite puts the hashed bundles (`build.assetsDir`). */
export const ASSETS_PREFIX = '/assets/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.map', '.txt']);

const HASHED_CACHE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** A host header we may repeat in the policy: a name or address and an optional port, nothing else. */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Only this origin: scripts, styles, images, and the socket.io connection (WSS to this host). */
export function contentSecurityPolicy(host: string | undefined): string {
  const socket = host !== undefined && SAFE_HOST.test(host) ? ` wss://${host}` : '';
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    `connect-src 'self'${socket}`, "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(req: IncomingMessage): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(req.headers.host),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

interface Encoded {
  key: string;
  identity: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

/** Serves the built dashboard from `root` (e.g. `dist/dashboard`). */
export class DashboardFiles {
  private readonly root: string;
  /** Compressed versions, per file and version (size + mtime): the files are few and small. */
  private readonly encoded = new Map<string, Encoded>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Answers a GET or HEAD for a path that is not one of the supervisor's own routes. */
  async serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, `use GET ${path}`);
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return sendError(res, 400, 'malformed path');
    }
    const relative = decoded.replace(/^\/+/, '');
    if (relative.includes('\0') || relative.includes('\\') || relative.split('/').some((part) => part === '..' || part.startsWith('.'))) {
      return sendError(res, 404, `no file ${path}`);
    }
    const hashed = path.startsWith(ASSETS_PREFIX);
    const wanted = relative === '' ? 'index.html' : relative;
    const file = resolve(this.root, wanted);
    if (file !== this.root && !file.startsWith(this.root + sep)) return sendError(res, 404, `no file ${path}`);
    if (await isFile(file)) return this.send(req, res, file, hashed ? HASHED_CACHE : REVALIDATE);
    // A path without an extension is a route of the app (history API): the app decides what it shows.
    if (!hashed && extname(wanted) === '') {
      const index = join(this.root, 'index.html');
      if (await isFile(index)) return this.send(req, res, index, REVALIDATE);
      return sendError(res, 503, 'the dashboard is not built: run npm run build');
    }
    return sendError(res, 404, `no file ${path}`);
  }

  private async send(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string): Promise<void> {
    const info = await stat(file);
    const ext = extname(file).toLowerCase();
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      ...securityHeaders(req),
      'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'Cache-Control': cacheControl,
      ETag: etag,
    };
    if (COMPRESSIBLE.has(ext)) headers.Vary = 'Accept-Encoding';
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const body = await this.body(file, etag, ext, String(req.headers['accept-encoding'] ?? ''));
    if (body.encoding !== null) headers['Content-Encoding'] = body.encoding;
    headers['Content-Length'] = String(body.bytes.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body.bytes);
  }

  private async body(file: string, etag: string, ext: string, accept: string): Promise<{ bytes: Buffer; encoding: 'br' | 'gzip' | null }> {
    const key = `${file}:${etag}`;
    let entry = this.encoded.get(file);
    if (entry?.key !== key) {
      entry = { key, identity: await readFile(file) };
      this.encoded.set(file, entry);
    }
    // Tiny files are not worth the header; binary formats are compressed already.
    if (!COMPRESSIBLE.has(ext) || entry.identity.length < 512) return { bytes: entry.identity, encoding: null };
    const accepted = acceptedEncodings(accept);
    if (accepted.has('br')) {
      entry.br ??= await brotli(entry.identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: entry.identity.length } });
      return { bytes: entry.br, encoding: 'br' };
    }
    if (accepted.has('gzip')) {
      entry.gzip ??= await gzipped(entry.identity, { level: 9 });
      return { bytes: entry.gzip, encoding: 'gzip' };
    }
    return { bytes: entry.identity, encoding: null };
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The codings an `Accept-Encoding` header accepts (those with a non-zero quality). */
export function acceptedEncodings(header: string): Set<string> {
  const accepted = new Set<string>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (name === undefined || name === '') continue;
    const q = params.find((param) => param.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(name);
  }
  return accepted;
}

/**
 * The supervisor serves the built dashboard on its HTTPS port beside socket.io, `/health` and the
 * package downloads: content types, caching (hashed assets immutable, the rest revalidated), the
 * app's routes answered with `index.html`, compression, the Content-Security-Policy, and nothing
 * outside the dashboard's folder. Served from a folder of stand-in files, so the suite does not
 * depend on the front-end build (the browser suites use the real one).
 */
import { expect } from 'chai';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { ClientHarness } from '../../lib/client-harness.js';
import { ApiClient } from '../../lib/https-client.js';
import { makeTempDir, type TempDir } from '../../lib/tmp.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-3f2a9c1d.js"></script></head><body></body></html>';
const SCRIPT = `export const answer = ${JSON.stringify('x'.repeat(4000))};\n`;

describe('supervisor: the dashboard\'s files', function () {
  let dir: TempDir;
  let t: ClientHarness;
  let http: ApiClient;

  before(async function () {
    dir = makeTempDir('dashboard-files');
    mkdirSync(join(dir.path, 'assets'));
    writeFileSync(join(dir.path, 'index.html'), INDEX);
    writeFileSync(join(dir.path, 'assets', 'app-3f2a9c1d.js'), SCRIPT);
    writeFileSync(join(dir.path, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir.path, '.secret'), 'hidden');
    t = await ClientHarness.start({ dashboardDir: dir.path });
    http = new ApiClient({ host: '127.0.0.1', port: t.supervisor.port, ca: t.rest.ca, prefix: '' });
  });

  after(async function () {
    http?.close();
    await t?.close();
    dir?.remove();
  });

  it('answers / and every route of the app with index.html, revalidated (ETag → 304), under a strict policy', async function () {
    for (const path of ['/', '/workflows', '/workflows/0123456789abcdef01234567/runs', '/fleet?x=1']) {
      const page = await http.get(path, { headers: { Host: `localhost:${t.supervisor.port}` } });
      expect(page.status, path).to.equal(200);
      expect(page.text).to.equal(INDEX);
      expect(page.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(page.headers['cache-control']).to.equal('no-cache');
      expect(page.headers['x-content-type-options']).to.equal('nosniff');
      expect(page.headers['referrer-policy']).to.equal('no-referrer');
      expect(page.headers['x-frame-options']).to.equal('DENY');
      const policy = String(page.headers['content-security-policy']);
      expect(policy).to.include("default-src 'none'").and.include("script-src 'self'").and.include("style-src 'self'")
        .and.include(`connect-src 'self' wss://localhost:${t.supervisor.port}`).and.include("frame-ancestors 'none'");
      expect(policy).not.to.include('unsafe');
    }
    const first = await http.get('/');
    const again = await http.get('/', { headers: { 'If-None-Match': String(first.headers.etag) } });
    expect(again.status).to.equal(304);
    expect(again.bytes.length).to.equal(0);
  });

  it('serves hashed assets for a year (immutable), compressed as the browser accepts', async function () {
    const plain = await http.get('/assets/app-3f2a9c1d.js', { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.status).to.equal(200);
    expect(plain.text).to.equal(SCRIPT);
    expect(plain.headers['content-type']).to.equal('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
    expect(plain.headers['content-encoding']).to.equal(undefined);
    expect(plain.headers.vary).to.equal('Accept-Encoding');

    const br = await http.get('/assets/app-3f2a9c1d.js', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).to.equal('br');
    expect(brotliDecompressSync(br.bytes).toString()).to.equal(SCRIPT);
    expect(Number(br.headers['content-length'])).to.equal(br.bytes.length).and.be.lessThan(SCRIPT.length / 10);

    const gz = await http.get('/assets/app-3f2a9c1d.js', { headers: { 'Accept-Encoding': 'gzip, br;q=0' } });
    expect(gz.headers['content-encoding']).to.equal('gzip');
    expect(gunzipSync(gz.bytes).toString()).to.equal(SCRIPT);

    const icon = await http.get('/favicon.svg');
    expect(icon.headers['content-type']).to.equal('image/svg+xml');
    expect(icon.headers['cache-control']).to.equal('no-cache');

    const head = await http.request('HEAD', '/assets/app-3f2a9c1d.js', { headers: { 'Accept-Encoding': 'identity' } });
    expect(head.status).to.equal(200);
    expect(head.headers['content-length']).to.equal(String(Buffer.byteLength(SCRIPT)));
    expect(head.bytes.length).to.equal(0);
  });

  it('answers a JSON 404 for a missing file — never index.html for an asset — and nothing outside the folder', async function () {
    for (const path of ['/assets/app-00000000.js', '/assets/gone', '/logo.png', '/.secret', '/..%2f..%2fpackage.json',
      '/assets/..%2F..%2F..%2Fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets%5c..%5cindex.html']) {
      const missing = await http.get(path);
      expect(missing.status, path).to.equal(404);
      expect(missing.body.error.code, path).to.equal(2);
      expect(missing.text).not.to.include('hidden');
    }
    const malformed = await http.get('/%E0%A4%A');
    expect(malformed.status).to.equal(400);
  });

  it('takes GET and HEAD only; /health, package downloads and socket.io keep their own paths', async function () {
    const posted = await http.post('/', {});
    expect(posted.status).to.equal(405);
    expect(posted.headers.allow).to.equal('GET, HEAD');
    const health = await http.get('/health');
    expect(health.body).to.include({ role: 'supervisor', status: 'ok' });
    expect((await http.get(`/worker/packages/${'0'.repeat(64)}`)).status).to.equal(401);
    const socket = await t.connect('workflows', t.auth(t.admin));
    expect(socket.connected).to.equal(true);
    socket.close();
  });

  it('says the dashboard is not built when its index is missing (503), and serves it again once built', async function () {
    rmSync(join(dir.path, 'index.html'));
    try {
      const unbuilt = await http.get('/workflows');
      expect(unbuilt.status).to.equal(503);
      expect(unbuilt.body.error.message).to.match(/npm run build/);
    } finally {
      writeFileSync(join(dir.path, 'index.html'), INDEX);
    }
    expect((await http.get('/workflows')).text).to.equal(INDEX);
  });
});

import { expect } from 'chai';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedTls, generatedTlsPaths, loadTls } from '../../../shared/security/tls.js';

describe('TLS material', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'workty-tls-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('makes a self-signed pair once, with the key readable by the owner only', async () => {
    expect(await ensureSelfSignedTls({ dataDir })).to.equal(true);
    const paths = generatedTlsPaths(dataDir);
    expect(statSync(paths.key).mode & 0o777).to.equal(0o600);
    const first = loadTls({ dataDir });
    expect(await ensureSelfSignedTls({ dataDir })).to.equal(false);
    expect(loadTls({ dataDir }).cert).to.equal(first.cert);
    expect(first.fingerprint256).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('serves HTTPS that a client trusting the certificate accepts for localhost', async () => {
    const tls = loadTls({ dataDir });
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', servername: 'localhost', port, ca: tls.cert }, (res) => {
          let data = '';
          res.on('data', (chunk: Buffer) => (data += chunk.toString()));
          res.on('end', () => resolve(data));
        }).on('error', reject).end();
      });
      expect(body).to.equal('ok');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('never pairs one start\'s key with another\'s certificate when two roles start at once', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'workty-tls-race-'));
    try {
      const made = await Promise.all([ensureSelfSignedTls({ dataDir: fresh }), ensureSelfSignedTls({ dataDir: fresh })]);
      expect(made.filter(Boolean)).to.have.length(1);
      const tls = loadTls({ dataDir: fresh });
      expect(new X509Certificate(tls.cert).checkPrivateKey(createPrivateKey(tls.key))).to.equal(true);
      expect(readdirSync(fresh)).to.deep.equal(['tls']);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('leaves configured material alone and wants both files', async () => {
    expect(await ensureSelfSignedTls({ dataDir, tlsCert: '/x/cert.pem', tlsKey: '/x/key.pem' })).to.equal(false);
    expect(() => loadTls({ dataDir, tlsCert: '/x/cert.pem' })).to.throw('must be given together');
  });
});

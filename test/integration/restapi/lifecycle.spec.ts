/**
 * The REST server's life: `restapi/main.js` as a real process (bad configuration, start, SIGTERM)
 * and the graceful close of the composition root (in-flight requests finish, close is idempotent).
 */
import { expect } from 'chai';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadTls } from '../../../shared/security/tls.js';
import { ApiClient, basic } from '../../lib/https-client.js';
import { roleScript, runToEnd } from '../../lib/process.js';
import { startTestRestApi, uniqueName } from '../../lib/restapi.js';
import { makeTempDir } from '../../lib/tmp.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('REST server lifecycle', () => {
  it('stops with exit code 2 on a bad setting, naming it, before creating anything', async () => {
    const root = makeTempDir('restapi-main');
    try {
      const dataDir = join(root.path, 'data');
      const result = await runToEnd(roleScript('restapi'), [], { WORKTY_DATA_DIR: dataDir, WORKTY_REST_BODY_LIMIT: 'lots' });
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain('WORKTY_REST_BODY_LIMIT = "lots"');
      expect(existsSync(dataDir)).to.equal(false);
    } finally {
      root.remove();
    }
  });

  it('starts alone (certificate made on first start), tells the launcher, serves, and stops on SIGTERM', async () => {
    const root = makeTempDir('restapi-main');
    try {
      const dataDir = join(root.path, 'data');
      const port = await freePort();
      const child = fork(roleScript('restapi'), [], {
        env: { PATH: process.env.PATH, WORKTY_DATA_DIR: dataDir, WORKTY_REST_HOST: '127.0.0.1', WORKTY_REST_PORT: String(port), WORKTY_BCRYPT_COST: '4' },
        execArgv: ['--disable-warning=DEP0111'],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const ready = await new Promise<{ type: string; role: string; url: string }>((resolve, reject) => {
        child.once('message', (message) => resolve(message as { type: string; role: string; url: string }));
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      expect(ready).to.deep.equal({ type: 'ready', role: 'restapi', url: `https://127.0.0.1:${port}` });
      const client = new ApiClient({ host: '127.0.0.1', port, ca: loadTls({ dataDir }).cert });
      try {
        const health = await client.get('/health');
        expect(health.status).to.equal(200);
        expect(health.body.store).to.equal('ok');
      } finally {
        client.close();
      }
      child.kill('SIGTERM');
      expect(await exited, output).to.equal(0);
      expect(output).to.contain('REST API closed');
    } finally {
      root.remove();
    }
  });

  it('lets an in-flight request finish on close, refuses new connections, and closes once', async () => {
    const t = await startTestRestApi();
    try {
      const arrived = new Promise<void>((resolve) => t.api.server.server.once('request', () => resolve()));
      const name = uniqueName('late');
      const body = JSON.stringify({ name });
      let closing: Promise<void> | undefined;
      // A request whose body is still on its way when the server is asked to close.
      const answer = new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1', port: t.port, path: '/api/v1/workflows', method: 'POST', ca: t.ca, servername: 'localhost', agent: false,
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length), Authorization: basic(t.admin) },
        }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.write(body.slice(0, 5));
        void arrived.then(() => {
          closing = t.api.close();
          setImmediate(() => req.end(body.slice(5)));
        });
      });
      expect(await answer).to.equal(201);
      await closing;
      const refused = await t.client.get('/health').then(() => false, () => true);
      expect(refused, 'a new connection after close').to.equal(true);
      expect(t.api.close()).to.equal(closing);
      expect(t.api.server.server.listening).to.equal(false);
      expect((await t.store.workflows.list({ all: true }, { filter: { name } })).items).to.have.length(1);
    } finally {
      await t.close();
    }
  });
});

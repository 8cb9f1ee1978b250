/** The health report: the store and the supervisor (probed over HTTPS, trusting the configured certificate). */
import { expect } from 'chai';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureSelfSignedTls, loadTls } from '../../../shared/security/tls.js';
import { startTestRestApi } from '../../lib/restapi.js';
import { makeTempDir } from '../../lib/tmp.js';

describe('REST health', () => {
  it('reports ok when the supervisor answers its health over HTTPS with the configured certificate', async () => {
    const dir = makeTempDir('health');
    // The certificate made on first start; the stand-in supervisor serves with it, as on one host.
    await ensureSelfSignedTls({ dataDir: dir.path });
    const tls = loadTls({ dataDir: dir.path });
    let probed = 0;
    const supervisor: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      probed += 1;
      res.statusCode = req.url === '/health' ? 200 : 404;
      res.setHeader('Content-Type', 'application/json');
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => supervisor.listen(0, '127.0.0.1', resolve));
    const { port } = supervisor.address() as AddressInfo;
    const t = await startTestRestApi({ dataDir: dir.path, env: { WORKTY_SUPERVISOR_URL: `https://localhost:${port}` } });
    try {
      const response = await t.client.get('/health');
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({ status: 'ok', store: 'ok', supervisor: 'ok' });
      expect(probed).to.equal(1);
    } finally {
      await t.close();
      await new Promise<void>((resolve) => supervisor.close(() => resolve()));
      dir.remove();
    }
  });

  it('answers 503 when the store is unreachable, and keeps serving', async () => {
    const t = await startTestRestApi();
    try {
      await t.store.close();
      const response = await t.client.get('/health');
      expect(response.status).to.equal(503);
      expect(response.body).to.deep.equal({ status: 'unavailable', store: 'unreachable', supervisor: 'unreachable' });
      const again = await t.client.get('/openapi.json');
      expect(again.status).to.equal(200);
    } finally {
      await t.close();
    }
  });
});

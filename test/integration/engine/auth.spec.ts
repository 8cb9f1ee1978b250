/** Worker authentication: handshake refusals with reasons, credential changes, the package download, health. */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { request } from 'node:https';
import { generateSecret, hashSecret } from '../../../shared/security/secrets.js';
import { PROTOCOL_VERSION } from '../../../shared/protocol/worker.js';
import { EngineHarness } from '../../lib/engine-harness.js';
import { capturingLogger, type CapturedLogger } from '../../lib/logger.js';
import { nextEvent } from '../../lib/wait.js';

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe('engine: worker authentication', function () {
  let h: EngineHarness;
  let logs: CapturedLogger;
  beforeEach(async () => {
    logs = capturingLogger('supervisor', 'debug');
    h = await EngineHarness.start({}, logs.logger);
  });
  afterEach(async () => {
    await h.close();
  });

  function get(path: string, auth?: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` };
      request({ host: '127.0.0.1', port: h.port, path, ca: h.tls.cert, servername: 'localhost', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
  }

  it('refuses a wrong secret and an unknown device alike, with a reason and a back-off', async () => {
    const { device, secret } = await h.device();
    const wrong = await h.simulated({ device, secret: `${secret}x` }).refusal();
    expect(wrong.data?.code).to.equal('bad-credentials');
    expect(wrong.data?.retryAfterMs).to.be.greaterThan(0);
    expect(wrong.message).to.equal('unknown device or wrong secret (a rotated secret stops working at once)');
    const unknown = await h.simulated({ device: { ...device, _id: 'e'.repeat(24) }, secret }).refusal();
    expect(unknown).to.deep.equal(wrong);
    expect(h.supervisor.registry.size).to.equal(0);
    expect(logs.text()).to.not.include(secret);
  });

  it('refuses a disabled device, and drops one that gets disabled while connected', async () => {
    const credential = await h.device({ name: 'garage-pi' });
    const worker = await h.worker({ credential });
    expect(h.supervisor.registry.size).to.equal(1);
    const gone = nextEvent<[string]>(worker, 'disconnected');
    await h.store.devices.update(credential.device._id, { disabled: true });
    await h.supervisor.tailer.poke();
    const [reason] = await gone;
    expect(reason).to.equal('io server disconnect');
    const refused = await h.simulated(credential).refusal();
    expect(refused.data?.code).to.equal('disabled');
    expect(refused.message).to.equal('device "garage-pi" is disabled by an administrator');
    await h.waitForDevice(credential.device._id, (d) => d.state === 'disconnected');
  });

  it('refuses a rotated secret at once and drops the connection made with it; the new secret works', async () => {
    const credential = await h.device();
    const worker = await h.worker({ credential });
    const gone = nextEvent<[string]>(worker, 'disconnected');
    const fresh = generateSecret();
    await h.store.devices.rotateCredential(credential.device._id, hashSecret(fresh));
    await h.supervisor.tailer.poke();
    await gone;
    const old = await h.simulated(credential).refusal();
    expect(old.data?.code).to.equal('bad-credentials');
    await h.worker({ credential: { device: credential.device, secret: fresh } });
    expect(h.supervisor.registry.get(credential.device._id)).to.not.equal(undefined);
  });

  it('refuses an agent speaking another protocol version, naming both versions', async () => {
    const credential = await h.device();
    const older = await h.simulated(credential, { protocolVersion: 0, agentVersion: '0.9.0' }).refusal();
    expect(older.data?.code).to.equal('protocol-version');
    expect(older.message).to.equal(`agent 0.9.0 speaks worker protocol 0; this supervisor speaks ${PROTOCOL_VERSION}: upgrade the worker`);
    const newer = await h.simulated(credential, { protocolVersion: PROTOCOL_VERSION + 1, agentVersion: '9.0.0' }).refusal();
    expect(newer.message).to.equal(`agent 9.0.0 speaks worker protocol ${PROTOCOL_VERSION + 1}; this supervisor speaks ${PROTOCOL_VERSION}: upgrade the supervisor`);
    expect(newer.data?.retryAfterMs).to.be.at.least(60_000);
  });

  it('refuses a malformed handshake and says which fields', async () => {
    const credential = await h.device();
    const refused = await h.simulated({ device: { ...credential.device, _id: 'not-an-id' }, secret: '' }).refusal();
    expect(refused.data?.code).to.equal('bad-handshake');
    expect(refused.message).to.match(/^malformed handshake: .*\(bad: deviceId, secret\)$/);
  });

  it('keeps one connection per board: a newer one replaces the older', async () => {
    const credential = await h.device();
    const first = await h.worker({ credential });
    const gone = nextEvent<[string]>(first, 'disconnected');
    first.socket.io.opts.reconnection = false;
    await h.worker({ credential });
    await gone;
    expect(h.supervisor.registry.size).to.equal(1);
    const device = await h.waitForDevice(credential.device._id, (d) => d.state === 'waiting');
    expect(device.facts?.runtimes).to.deep.equal(['node', 'python3', 'sh']);
  });

  it('serves packages by hash to enabled devices with their credential only', async () => {
    const { workflow } = await h.workflow([{ packageBytes: Buffer.from('zip bytes of a workty') }]);
    void workflow;
    const hash = createHash('sha256').update('zip bytes of a workty').digest('hex');
    const { device, secret } = await h.device({ name: 'fetcher' });
    const ok = await get(`/worker/packages/${hash}`, `${device._id}:${secret}`);
    expect(ok.status).to.equal(200);
    expect(ok.headers['content-type']).to.equal('application/zip');
    expect(createHash('sha256').update(ok.body).digest('hex')).to.equal(hash);

    const none = await get(`/worker/packages/${hash}`);
    expect(none.status).to.equal(401);
    expect(none.headers['www-authenticate']).to.equal('Basic realm="workty-worker"');
    expect(JSON.parse(none.body.toString())).to.deep.equal({ error: { code: 1, message: 'device credentials required (Basic deviceId:secret)' } });
    expect((await get(`/worker/packages/${hash}`, `${device._id}:wrong`)).status).to.equal(401);
    expect((await get(`/worker/packages/${'0'.repeat(64)}`, `${device._id}:${secret}`)).status).to.equal(404);
    const bad = await get('/worker/packages/..%2F..%2Fetc%2Fpasswd', `${device._id}:${secret}`);
    expect(bad.status).to.equal(400);
    await h.store.devices.update(device._id, { disabled: true });
    const disabled = await get(`/worker/packages/${hash}`, `${device._id}:${secret}`);
    expect(disabled.status).to.equal(403);
    expect(JSON.parse(disabled.body.toString()).error).to.deep.equal({ code: 13, message: 'device "fetcher" is disabled by an administrator' });
    expect(logs.text()).to.not.include(secret);
  });

  it('answers GET /health with the store, workers and runs it holds; unknown files get a JSON 404', async () => {
    await h.worker();
    const health = await get('/health');
    expect(health.status).to.equal(200);
    expect(JSON.parse(health.body.toString())).to.deep.include({ status: 'ok', role: 'supervisor', store: 'ok', workers: 1, activeRuns: 0, queued: 0 });
    const missing = await get('/nope.txt');
    expect(missing.status).to.equal(404);
    expect(JSON.parse(missing.body.toString()).error.code).to.equal(2);
  });
});

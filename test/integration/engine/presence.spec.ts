/** Device liveness from the connection; a board whose network dies (simulated workers behind a blockable relay). */
import { expect } from 'chai';
import { EngineHarness } from '../../lib/engine-harness.js';
import { TcpProxy } from '../../lib/tcp-proxy.js';
import { nextEvent } from '../../lib/wait.js';

const PING = { pingIntervalMs: 300, pingTimeoutMs: 300 };

describe('engine: device presence', function () {
  let h: EngineHarness;
  let proxy: TcpProxy;
  beforeEach(async () => {
    // A lease longer than the cuts below: the board keeps its attempt across them.
    h = await EngineHarness.start({ ...PING, leaseDurationMs: 6000, leaseRenewIntervalMs: 300 });
    proxy = new TcpProxy(h.port);
    await proxy.listen();
  });
  afterEach(async () => {
    await proxy.close();
    await h.close();
  });

  it('records waiting, running and disconnected with the last time seen, and the facts of the hello', async () => {
    const credential = await h.device();
    const before = Date.now();
    const worker = await h.worker({ credential, slots: 2, runtimes: ['node', 'sh'], behaviour: () => ({ hold: true }) });
    const online = await h.waitForDevice(credential.device._id, (d) => d.state === 'waiting');
    expect(Date.parse(online.lastSeen!)).to.be.at.least(before - 5);
    expect(online.facts).to.deep.include({ slots: 2, runtimes: ['node', 'sh'], arch: 'arm64', protocolVersion: 1 });
    const { workflow } = await h.workflow([{}]);
    const run = await h.run(workflow);
    await nextEvent(worker, 'dispatch');
    await h.waitForDevice(credential.device._id, (d) => d.state === 'running');
    worker.finish();
    await h.finished(run._id);
    await h.waitForDevice(credential.device._id, (d) => d.state === 'waiting');
    worker.cut();
    const gone = await h.waitForDevice(credential.device._id, (d) => d.state === 'disconnected');
    expect(Date.parse(gone.lastSeen!)).to.be.at.least(Date.parse(online.lastSeen!));
  });

  it('marks a board whose network died disconnected within ping interval + ping timeout, and online again when it is back', async () => {
    const credential = await h.device();
    const worker = h.simulated(credential, { url: `https://127.0.0.1:${proxy.port}` });
    await worker.connect();
    await h.waitForDevice(credential.device._id, (d) => d.state === 'waiting');
    const blockedAt = Date.now();
    proxy.block();
    await h.waitForDevice(credential.device._id, (d) => d.state === 'disconnected', 5000);
    const detectedAfter = Date.now() - blockedAt;
    // socket.io closes the connection one ping interval + ping timeout after the last pong at most
    // (plus the store write): the bound is the configuration, not a guess.
    expect(detectedAfter).to.be.at.most(PING.pingIntervalMs + PING.pingTimeoutMs + 500);
    const back = nextEvent(worker, 'hello');
    proxy.restore();
    await back;
    await h.waitForDevice(credential.device._id, (d) => d.state === 'waiting');
  });

  it('a board cut off while its task finishes: the result arrives after it reconnects, recorded once', async () => {
    const credential = await h.device();
    const worker = h.simulated(credential, { url: `https://127.0.0.1:${proxy.port}`, behaviour: () => ({ hold: true }) });
    await worker.connect();
    const { workflow } = await h.workflow([{}, {}]);
    const run = await h.run(workflow);
    await nextEvent(worker, 'dispatch');
    await h.runUntil(run._id, (r) => r.instances[0]!.attempts[0]?.status === 'running', 'the attempt to start');
    proxy.block();
    await h.waitForDevice(credential.device._id, (d) => d.state === 'disconnected', 5000);
    worker.behaviour = () => ({});
    worker.finish(undefined, { result: 'done while cut off', logs: [{ stream: 'stdout', text: 'offline output\n' }] });
    proxy.restore();
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts.map((a) => [a.status, a.result])).to.deep.equal([['completed', 'done while cut off']]);
    const logs = await h.store.runs.logs(run._id, { all: true }, { instanceId: done.instances[0]!.instanceId });
    expect(logs.map((l) => l.text)).to.deep.equal(['offline output\n']);
  });

  it('records disconnected a board left online by a supervisor that died, after three heartbeats; connected boards stay online', async () => {
    const connected = await h.device();
    await h.worker({ credential: connected });
    const orphan = await h.device();
    // As a supervisor that was killed would have left it.
    await h.store.devices.recordPresence(orphan.device._id, 'running');
    const gone = await h.waitForDevice(orphan.device._id, (d) => d.state === 'disconnected', 5000);
    expect(Date.parse(gone.updated) - Date.parse(gone.lastSeen!)).to.be.at.least(3 * h.settings.presenceHeartbeatMs);
    const still = await h.store.devices.get(connected.device._id);
    expect(still?.state).to.equal('waiting');
    expect(Date.now() - Date.parse(still!.lastSeen!)).to.be.below(3 * h.settings.presenceHeartbeatMs);
  });
});

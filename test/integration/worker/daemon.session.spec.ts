import { expect } from 'chai';
import { arch, availableParallelism } from 'node:os';
import { worktyVersion } from '../../../shared/paths.js';
import { PROTOCOL_VERSION } from '../../../shared/protocol/worker.js';
import { capturingLogger, silentLogger } from '../../lib/logger.js';
import { keyId } from '../../lib/worker/fake-supervisor.js';
import { WorkerHarness } from '../../lib/worker/harness.js';
import { nextEvent, waitFor } from '../../lib/worker/wait.js';
import { createWorkerApp, WorkerSetupError } from '../../../worker/app.js';
import { testWorkerConfig } from '../../lib/worker/config.js';
import { makeTempDir } from '../../lib/tmp.js';

describe('worker daemon: session with the supervisor (fake supervisor)', function () {
  this.timeout(30_000);
  let h: WorkerHarness | null = null;

  afterEach(async () => {
    await h?.close();
    h = null;
  });

  it('authenticates in the handshake and says hello with the board\'s facts', async () => {
    h = await WorkerHarness.start();
    expect(h.supervisor.handshakes[0]).to.deep.equal({
      deviceId: h.supervisor.deviceId, secret: h.supervisor.secret, protocolVersion: PROTOCOL_VERSION, agentVersion: worktyVersion,
    });
    const facts = h.supervisor.facts!;
    expect(facts).to.include({ arch: arch(), cpus: availableParallelism(), agentVersion: worktyVersion, protocolVersion: PROTOCOL_VERSION, slots: 4 });
    expect(facts.memoryBytes).to.be.greaterThan(0);
    expect(facts.runtimes).to.include.members(['node', 'sh', 'python3']);
    expect(facts.runtimeVersions?.node).to.equal(process.versions.node);
    expect(facts.runtimeVersions?.python3).to.match(/^3\.\d+/);
    expect(facts.os).to.be.a('string').and.not.equal('');
    expect(facts.temperatureC === null || typeof facts.temperatureC === 'number').to.equal(true);
    expect(h.supervisor.hellos[0]!.held).to.deep.equal([]);
  });

  it('backs off as a refusal asks, says why in its log, and connects once allowed', async () => {
    h = await WorkerHarness.start({ env: { WORKTY_WORKER_REFUSED_BACKOFF: '400ms' } });
    // Refuse from the next handshake on.
    h.supervisor.refusal = { code: 'disabled', retryAfterMs: 200, message: 'device "board-1" is disabled by an administrator' };
    h.supervisor.dropWorker();
    const times: number[] = [];
    h.supervisor.on('refused', () => times.push(Date.now()));
    await waitFor(() => times.length >= 2, { what: 'two refused handshakes' });
    // At least max(retryAfterMs, refused backoff) apart.
    expect(times[1]! - times[0]!).to.be.at.least(395);
    h.supervisor.refusal = null;
    await h.waitConnected(2);
  });

  it('logs a refusal for bad credentials clearly, never the secret', async () => {
    const dir = makeTempDir('bad-secret');
    const harness = await WorkerHarness.start({ noWait: true });
    h = harness;
    const log = capturingLogger('worker');
    const config = testWorkerConfig(harness.supervisor, dir.path, { WORKTY_DEVICE_SECRET: 'a-wrong-secret-that-must-not-leak' });
    const agent = await createWorkerApp(config, log.logger);
    agent.start();
    await waitFor(() => log.text().includes('the supervisor refused this device'), { what: 'the refusal in the log' });
    await agent.close({ force: true });
    dir.remove();
    expect(log.text()).to.contain('the supervisor refused this device: unknown device or wrong secret');
    expect(log.text()).to.contain('check WORKTY_DEVICE_ID and WORKTY_DEVICE_SECRET');
    expect(log.text()).not.to.contain('a-wrong-secret-that-must-not-leak');
  });

  it('trusts a supervisor by its pinned certificate fingerprint, for the socket and the packages', async () => {
    h = await WorkerHarness.start({ pinFingerprint: true });
    const dispatch = await h.run({ 'run.sh': 'echo pinned\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    expect((await h.finished(dispatch)).outcome).to.equal('completed');
    expect(h.supervisor.logOf(dispatch)).to.equal('pinned\n');
    expect(h.supervisor.packageRequests).to.have.length(1);
  });

  it('refuses to start with a malformed pin, or with both a CA and a pin', async () => {
    h = await WorkerHarness.start({ noWait: true });
    const dir = makeTempDir('bad-pin');
    try {
      for (const [env, message] of [
        [{ WORKTY_SUPERVISOR_CA: '', WORKTY_SUPERVISOR_FINGERPRINT: 'AB:CD' }, 'WORKTY_SUPERVISOR_FINGERPRINT must be a SHA-256 fingerprint'],
        [{ WORKTY_SUPERVISOR_FINGERPRINT: 'AB'.repeat(32) }, 'set WORKTY_SUPERVISOR_CA or WORKTY_SUPERVISOR_FINGERPRINT, not both'],
      ] as const) {
        let error: unknown;
        try {
          await createWorkerApp(testWorkerConfig(h.supervisor, dir.path, env), silentLogger());
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(WorkerSetupError);
        expect((error as Error).message).to.contain(message);
      }
    } finally {
      dir.remove();
    }
  });

  it('never connects to a supervisor showing another certificate than the pinned one', async () => {
    const log = capturingLogger('worker');
    h = await WorkerHarness.start({ noWait: true });
    const dir = makeTempDir('wrong-pin');
    const config = testWorkerConfig(h.supervisor, dir.path, { WORKTY_SUPERVISOR_CA: '', WORKTY_SUPERVISOR_FINGERPRINT: 'AB'.repeat(32) });
    const agent = await createWorkerApp(config, log.logger);
    const handshakes = h.supervisor.handshakes.length;
    agent.start();
    await waitFor(() => log.text().includes('not the pinned'), { what: 'the mismatch in the log' });
    await agent.close({ force: true });
    dir.remove();
    // The handshake (with the secret) never reached the impostor.
    expect(h.supervisor.handshakes.length).to.equal(handshakes);
    expect(log.text()).not.to.contain(h.supervisor.secret);
  });

  it('resends unacknowledged reports in order after a reconnect: no loss, no duplicate', async () => {
    h = await WorkerHarness.start();
    const { supervisor } = h;
    supervisor.ackReports = false;
    const dispatch = await h.run({ 'run.sh': 'for i in 1 2 3 4 5 6 7 8; do echo "line $i"; sleep 0.05; done\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    // The first batch stays unacknowledged: the worker sends nothing more until it is.
    await waitFor(() => supervisor.received.length > 0, { what: 'a first unacknowledged batch' });
    const firstSession = supervisor.received.length;
    supervisor.dropWorker();
    supervisor.ackReports = true;
    await h.finished(dispatch);
    const reports = supervisor.reportsOf(dispatch);
    expect(reports.map((r) => r.seq)).to.deep.equal(reports.map((_, i) => i + 1));
    expect(reports.filter((r) => r.type === 'finished')).to.have.length(1);
    expect(supervisor.logOf(dispatch)).to.equal([1, 2, 3, 4, 5, 6, 7, 8].map((i) => `line ${i}\n`).join(''));
    // The second session started again from the oldest unacknowledged report, in order.
    const resent = supervisor.received.slice(firstSession).map((e) => e.outboxSeq);
    expect(resent[0]).to.equal(supervisor.received[0]!.outboxSeq);
    expect(resent).to.deep.equal([...new Set(resent)].sort((a, b) => a - b));
  });

  it('reconnects by itself when acknowledgements stop coming', async () => {
    h = await WorkerHarness.start({ env: { WORKTY_WORKER_ACK_TIMEOUT: '1s' } });
    h.supervisor.ackReports = false;
    const dispatch = await h.run({ 'run.sh': 'echo once\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    await waitFor(() => h!.supervisor.received.length > 0, { what: 'reports' });
    await nextEvent(h.supervisor, 'worker-disconnected', 5000);
    h.supervisor.ackReports = true;
    await h.finished(dispatch);
    expect(h.supervisor.hellos.length).to.be.at.least(2);
  });

  it('after a restart, announces finished but unacknowledged attempts in its hello and delivers them', async () => {
    h = await WorkerHarness.start({ env: { WORKTY_WORKER_ACK_TIMEOUT: '1s' } });
    const { supervisor } = h;
    supervisor.ackReports = false;
    const dispatch = await h.run({ 'run.sh': 'echo "before the restart"\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    await waitFor(() => supervisor.received.some((e) => e.report.type === 'finished'), { what: 'the finished report to be sent' });
    supervisor.applied.clear();
    await h.restart();
    expect(supervisor.hellos[supervisor.hellos.length - 1]!.held).to.deep.equal([
      { runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: 1, leaseToken: dispatch.leaseToken, status: 'finished' },
    ]);
    supervisor.ackReports = true;
    supervisor.dropWorker();
    const finished = await h.finished(dispatch);
    expect(finished.outcome).to.equal('completed');
    expect(supervisor.logOf(dispatch)).to.equal('before the restart\n');
  });

  it('drops the held attempts the supervisor cancels in its hello acknowledgement', async () => {
    h = await WorkerHarness.start({ env: { WORKTY_WORKER_ACK_TIMEOUT: '1s' } });
    const { supervisor } = h;
    supervisor.ackReports = false;
    const dispatch = await h.run({ 'run.sh': 'echo "its lease is gone"\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    await waitFor(() => supervisor.received.some((e) => e.report.type === 'finished'), { what: 'the finished report' });
    supervisor.applied.clear();
    supervisor.helloCancel = [dispatch];
    supervisor.ackReports = true;
    const hellos = supervisor.hellos.length;
    supervisor.dropWorker();
    await h.waitConnected(hellos + 1);
    // A later attempt's reports arrive, the cancelled one's never again.
    const later = await h.run({ 'run.sh': 'echo later\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    await h.finished(later);
    expect(supervisor.reportsOf(dispatch)).to.deep.equal([]);
    expect(supervisor.hellos[hellos]!.held.map(keyId)).to.deep.equal([keyId(dispatch)]);
  });
});

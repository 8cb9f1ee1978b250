import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PropertyValue } from '../../../shared/domain/model.js';
import { zipFolder } from '../../../shared/seed/package.js';
import { projectRoot } from '../../../shared/paths.js';
import { makeDispatch } from '../../lib/worker/fake-supervisor.js';
import { WorkerHarness } from '../../lib/worker/harness.js';
import { waitFor } from '../../lib/worker/wait.js';
import { makeZip, patchBytes } from '../../lib/worker/zips.js';

describe('worker daemon: attempts end to end (fake supervisor)', function () {
  this.timeout(30_000);
  let h: WorkerHarness;

  beforeEach(async () => {
    h = await WorkerHarness.start({ supervisor: { renewEveryMs: 100 } });
  });

  afterEach(async () => {
    await h.close();
  });

  it('runs a dispatched attempt: started, logs, finished with its result, seqs dense from 1', async () => {
    const dispatch = await h.run({
      'index.js': 'console.log("working on", process.argv[2]); require("fs").writeFileSync(process.env.WORKTY_RESULT_FILE, "{\\"done\\":true}");',
    }, { runtime: 'node', entryPoint: 'index.js', properties: { item: 7 } });
    const finished = await h.finished(dispatch);
    expect(finished).to.deep.include({ outcome: 'completed', exitCode: 0, result: { done: true }, error: null });
    const reports = h.supervisor.reportsOf(dispatch);
    expect(reports.map((r) => r.seq)).to.deep.equal(reports.map((_, i) => i + 1));
    expect(reports[0]).to.deep.include({ type: 'started', key: { runId: dispatch.runId, instanceId: dispatch.instanceId, attempt: 1, leaseToken: dispatch.leaseToken } });
    expect(h.supervisor.logOf(dispatch)).to.equal('working on {"item":7}\n');
    const outboxSeqs = h.supervisor.received.map((e) => e.outboxSeq);
    expect(outboxSeqs).to.deep.equal([...outboxSeqs].sort((a, b) => a - b));
    // The working folder is gone; only the scope marker stays.
    await waitFor(() => readdirSync(join(h.workerDir, 'work')).length === 1, { what: 'the working folder to be removed' });
    expect(readdirSync(join(h.workerDir, 'work'))).to.deep.equal(['package.json']);
  });

  it('downloads a package with the device credential once, then uses the cache', async () => {
    const files = { 'run.sh': 'echo "$WORKTY_ATTEMPT"\n' };
    const first = await h.run(files, { runtime: 'sh', entryPoint: 'run.sh' });
    await h.finished(first);
    const second = await h.run(files, { runtime: 'sh', entryPoint: 'run.sh', attempt: 2 });
    expect((await h.finished(second)).outcome).to.equal('completed');
    expect(h.supervisor.logOf(second)).to.equal('2\n');
    expect(h.supervisor.packageRequests).to.have.length(1);
    expect(h.supervisor.packageRequests[0]!.authorization).to.equal(`Basic ${Buffer.from(`${h.supervisor.deviceId}:${h.supervisor.secret}`).toString('base64')}`);
  });

  it('runs the seed samples of every runtime', async () => {
    const samples: Array<{ folder: string; runtime: string; entryPoint: string; properties: Record<string, PropertyValue>; expect: string }> = [
      { folder: 'print-and-exit', runtime: 'node', entryPoint: 'index.js', properties: { greeting: 'hi' }, expect: 'properties: {"greeting":"hi"}\n' },
      { folder: 'python-word-count', runtime: 'python3', entryPoint: 'main.py', properties: { text: 'a b' }, expect: '2 words in 3 characters\n' },
      { folder: 'wait-and-print', runtime: 'node', entryPoint: 'index.js', properties: { timeout: 10 }, expect: 'waited 10 ms; properties: {"timeout":10}\n' },
    ];
    for (const sample of samples) {
      const pkg = h.supervisor.addPackage(await zipFolder(join(projectRoot, 'shared', 'seed', 'workties', sample.folder)));
      const dispatch = makeDispatch({ package: pkg, runtime: sample.runtime, entryPoint: sample.entryPoint, properties: sample.properties });
      expect(await h.supervisor.dispatch(dispatch)).to.deep.equal({ accepted: true });
      expect((await h.finished(dispatch)).outcome).to.equal('completed');
      expect(h.supervisor.logOf(dispatch)).to.equal(sample.expect);
    }
  });

  it('fails an attempt whose package escapes its folder, for good', async () => {
    const zip = patchBytes(await makeZip([{ name: 'QQ/pwned.sh', data: 'echo pwned' }, { name: 'run.sh', data: 'echo hi' }]), 'QQ/pwned.sh', '../pwned.sh');
    const dispatch = makeDispatch({ package: h.supervisor.addPackage(zip), runtime: 'sh', entryPoint: 'run.sh' });
    expect(await h.supervisor.dispatch(dispatch)).to.deep.equal({ accepted: true });
    const finished = await h.finished(dispatch);
    expect(finished).to.deep.include({ outcome: 'failed', retryable: false, exitCode: null });
    expect(finished.error).to.match(/^package rejected: .*pwned\.sh/);
    expect(h.supervisor.reportsOf(dispatch).map((r) => r.type)).to.deep.equal(['finished']);
  });

  it('fails for good when the package does not match its hash or the entry point is missing', async () => {
    const real = await h.addPackage({ 'run.sh': 'echo real\n' });
    h.supervisor.addPackageUnder(real.hash, await makeZip([{ name: 'run.sh', data: 'echo forged\n' }]));
    const forged = makeDispatch({ package: real, runtime: 'sh', entryPoint: 'run.sh' });
    await h.supervisor.dispatch(forged);
    expect((await h.finished(forged)).error).to.match(/^package rejected: (its content has SHA-256|it is \d+ bytes, not the announced|the supervisor sent more)/);
    const missing = await h.run({ 'run.sh': 'echo hi\n' }, { runtime: 'sh', entryPoint: 'nope.sh' });
    expect(await h.finished(missing)).to.deep.include({ error: 'package rejected: the entry point "nope.sh" is not in the package', retryable: false });
  });

  it('declines what it cannot take: unknown runtime, duplicate, no slot, malformed', async () => {
    const pkg = await h.addPackage({ 'run.sh': 'sleep 30\n' });
    expect(await h.supervisor.dispatch(makeDispatch({ package: pkg, runtime: 'cobol', entryPoint: 'run.sh' })))
      .to.deep.include({ accepted: false, reason: 'unknown-runtime' });
    const long = [1, 2, 3, 4].map(() => makeDispatch({ package: pkg, runtime: 'sh', entryPoint: 'run.sh' }));
    for (const d of long) expect(await h.supervisor.dispatch(d)).to.deep.equal({ accepted: true });
    expect(await h.supervisor.dispatch(long[0]!)).to.deep.include({ accepted: false, reason: 'duplicate' });
    expect(await h.supervisor.dispatch(makeDispatch({ package: pkg, runtime: 'sh', entryPoint: 'run.sh' })))
      .to.deep.include({ accepted: false, reason: 'no-slot', message: 'all 4 slots are busy' });
    const malformed = { ...makeDispatch({ package: pkg, runtime: 'sh', entryPoint: 'run.sh' }), attempt: 0 };
    expect(await h.supervisor.dispatch(malformed)).to.deep.include({ accepted: false, reason: 'invalid' });
  });

  it('frees a slot as soon as the task ended, before its folder is removed', async () => {
    await h.close();
    h = await WorkerHarness.start({ env: { WORKTY_WORKER_SLOTS: '1' } });
    // Thousands of files make the folder slow to remove.
    const first = await h.run({ 'index.js': 'const fs = require("fs"); for (let i = 0; i < 5000; i++) fs.writeFileSync("f" + i, "x");' }, { runtime: 'node', entryPoint: 'index.js' });
    const second = makeDispatch({ package: await h.addPackage({ 'run.sh': 'echo second\n' }), runtime: 'sh', entryPoint: 'run.sh' });
    const answer = await new Promise<unknown>((resolve) => {
      const onReports = (entries: Array<{ report: { type: string; key: { runId: string } } }>) => {
        if (!entries.some((e) => e.report.type === 'finished' && e.report.key.runId === first.runId)) return;
        h.supervisor.off('reports', onReports);
        resolve(h.supervisor.dispatch(second));
      };
      h.supervisor.on('reports', onReports);
    });
    expect(answer).to.deep.equal({ accepted: true });
    expect((await h.finished(second)).outcome).to.equal('completed');
  });

  it('kills an attempt the supervisor cancels and reports it stopped', async () => {
    const dispatch = await h.run({ 'run.sh': 'echo begin\nsleep 30\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    await waitFor(() => h.supervisor.logOf(dispatch).includes('begin'), { what: 'the task to begin' });
    expect(await h.supervisor.cancel({ key: dispatch, reason: 'stop' })).to.deep.equal({ cancelled: true });
    expect(await h.finished(dispatch)).to.deep.include({ outcome: 'stopped', error: 'stopped: stopped by a user' });
    expect(await h.supervisor.cancel({ key: dispatch, reason: 'stop' })).to.deep.equal({ cancelled: false });
  });

  it('renews the leases of what it holds and kills what the supervisor says is lost', async () => {
    const dispatch = await h.run({ 'run.sh': 'echo begin\nsleep 30\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    await waitFor(() => h.supervisor.renewals.some((r) => r.held.some((k) => k.runId === dispatch.runId && k.leaseToken === dispatch.leaseToken)), { what: 'a renewal' });
    h.supervisor.lostAttempts.add(`${dispatch.runId}/${dispatch.instanceId}/1`);
    await waitFor(() => readdirSync(join(h.workerDir, 'work')).length === 1, { what: 'the lost attempt to be killed and removed' });
    // Once lost, it is no longer renewed (nor reported): the worker dropped it.
    const other = await h.run({ 'run.sh': 'sleep 30\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    const renewal = await waitFor(() => h.supervisor.renewals.find((r) => r.held.some((k) => k.runId === other.runId)), { what: 'a renewal of the other attempt' });
    expect(renewal.held.map((k) => k.runId)).to.deep.equal([other.runId]);
    expect(h.supervisor.finishedOf(dispatch)).to.equal(undefined);
  });

  it('stops an attempt whose reports the supervisor refuses as stale, and sends no more of them', async () => {
    const dispatch = makeDispatch({ package: await h.addPackage({ 'run.sh': 'while true; do echo tick; sleep 0.05; done\n' }), runtime: 'sh', entryPoint: 'run.sh' });
    h.supervisor.staleAttempts.add(`${dispatch.runId}/${dispatch.instanceId}/1`);
    await h.supervisor.dispatch(dispatch);
    await waitFor(() => h.supervisor.received.some((e) => e.report.key.runId === dispatch.runId), { what: 'a first report' });
    await waitFor(() => readdirSync(join(h.workerDir, 'work')).length === 1, { what: 'the attempt to be stopped and removed' });
    const count = h.supervisor.received.length;
    // Reports arrive in order: once a later attempt's have all arrived, anything of the stale one would have too.
    const later = await h.run({ 'run.sh': 'echo later\n' }, { runtime: 'sh', entryPoint: 'run.sh' });
    await h.finished(later);
    const after = h.supervisor.received.slice(count);
    expect(after.filter((e) => e.report.key.runId === dispatch.runId)).to.deep.equal([]);
    expect(h.supervisor.finishedOf(dispatch)).to.equal(undefined);
  });
});

/**
 * End to end with real worker daemons and real tasks: a Node, Python and shell workflow on two
 * workers; failures, timeouts, retries, unknown runtime, bad packages.
 */
import { expect } from 'chai';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ALL } from '../../../shared/domain/query.js';
import type { TransitionEvent } from '../../../supervisor/engine/events.js';
import { E2eRig, counted } from '../../lib/e2e.js';
import { escapingPackage, inflatingPackage, nodeTask, samplePackage } from '../../lib/test-packages.js';
import { makeTempDir } from '../../lib/tmp.js';

describe('end to end: workflows on real workers', function () {
  this.timeout(60_000);
  let rig: E2eRig;
  beforeEach(async () => {
    rig = await E2eRig.start();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('runs a Node, Python and shell workflow on two workers: states in order, logs, exit codes, results, a complete journal', async () => {
    const h = rig.h;
    const [one, two] = await Promise.all([rig.worker(), rig.worker()]);
    const { workflow } = await h.workflow([
      { name: 'node', language: 'nodejs', entryPoint: 'index.js', packageBytes: await samplePackage('print-and-exit'), properties: [{ name: 'greeting', value: 'hi' }] },
      { name: 'python', language: 'python', entryPoint: 'main.py', packageBytes: await samplePackage('python-word-count'), properties: [{ name: 'text', value: 'one two three' }] },
      { name: 'shell', language: 'shell', entryPoint: 'run.sh', packageBytes: await samplePackage('shell-board-report') },
    ]);
    const seen: string[] = [];
    const listener = (e: TransitionEvent): void => {
      if (e.run.workflowId === workflow._id) seen.push(e.machine === 'run' ? `run:${e.to}` : `${e.index}:${e.to}`);
    };
    h.supervisor.engine.on('transition', listener);
    const run = await h.run(workflow);
    const done = await h.finished(run._id, 45_000);
    h.supervisor.engine.off('transition', listener);

    expect(done.status, done.error ?? '').to.equal('completed');
    expect(seen).to.deep.equal([
      'run:running', '0:waiting', '0:running', '0:completed', '1:waiting', '1:running', '1:completed', '2:waiting', '2:running', '2:completed', 'run:completed',
    ]);
    expect(done.instances.map((i) => counted(i).map((a) => [a.status, a.exitCode]))).to.deep.equal([[['completed', 0]], [['completed', 0]], [['completed', 0]]]);
    expect(counted(done.instances[1]!)[0]!.result).to.deep.equal({ words: 3, characters: 13 });
    expect(counted(done.instances[2]!)[0]!.result).to.have.property('machine');
    const devices = new Set(done.instances.map((i) => counted(i)[0]!.deviceId));
    expect([...devices].every((d) => d === one.credential.device._id || d === two.credential.device._id)).to.equal(true);
    const logs = await h.store.runs.logs(run._id, ALL);
    const text = (index: number) => logs.filter((l) => l.instanceId === done.instances[index]!.instanceId).map((l) => l.text).join('');
    expect(text(0)).to.contain('properties: {"greeting":"hi"}');
    expect(text(1)).to.contain('3 words in 13 characters');
    expect(text(2)).to.contain('board: ');
    const journal = (await h.store.runs.journal(run._id, ALL, { perPage: 1000 })).items;
    const types = journal.map((e) => e.type);
    expect(types[0]).to.equal('run.requested');
    for (const type of ['attempt.started']) expect(types.filter((t) => t === type), type).to.have.length(3);
    expect(journal.filter((e) => e.type === 'attempt.ended' && e.data['status'] === 'completed')).to.have.length(3);
    expect(journal.filter((e) => e.type === 'attempt.started').every((e) => typeof e.data['pid'] === 'number')).to.equal(true);
    expect(journal.map((e) => e.seq)).to.deep.equal(journal.map((_, i) => i + 1));
  });

  it('a failing exit fails the run with the exit code once the attempts are used up', async () => {
    const h = rig.h;
    await rig.worker();
    const { workflow } = await h.workflow([{ name: 'exits 3', packageBytes: await nodeTask("console.error('bad input'); process.exit(3);"), retry: { maxAttempts: 2, backoffMs: 50 } }]);
    const done = await h.finished((await h.run(workflow))._id, 30_000);
    expect(done.status).to.equal('failed');
    expect(done.error).to.match(/^Instance "exits 3" failed after 2 attempts: .*code 3/);
    expect(counted(done.instances[0]!).map((a) => [a.status, a.exitCode])).to.deep.equal([['failed', 3], ['failed', 3]]);
  });

  it('kills a task that runs past its timeout and says so', async () => {
    const h = rig.h;
    await rig.worker();
    const { workflow } = await h.workflow([{ name: 'sleeps', packageBytes: await nodeTask('setTimeout(() => {}, 60_000);'), retry: { maxAttempts: 1, timeoutMs: 500 } }]);
    const done = await h.finished((await h.run(workflow))._id, 30_000);
    expect(done.status).to.equal('failed');
    expect(done.error).to.match(/^Instance "sleeps" failed after 1 attempt: .*timed out/);
  });

  it('retries, then succeeds', async () => {
    const h = rig.h;
    await rig.worker();
    const task = await nodeTask("if (Number(process.env.WORKTY_ATTEMPT) < 2) { console.log('not yet'); process.exit(1); } console.log('now');");
    const { workflow } = await h.workflow([{ name: 'second time lucky', packageBytes: task, retry: { maxAttempts: 3, backoffMs: 50 } }]);
    const done = await h.finished((await h.run(workflow))._id, 30_000);
    expect(done.status).to.equal('completed');
    expect(counted(done.instances[0]!).map((a) => a.status)).to.deep.equal(['failed', 'completed']);
  });

  it('fails at once an instance whose runtime no board offers', async () => {
    const h = rig.h;
    // A board whose PATH has no java (this machine may have one).
    const bin = makeTempDir('bin');
    symlinkSync('/bin/sh', join(bin.path, 'sh'));
    await rig.worker({ env: { PATH: bin.path } }).finally(() => undefined);
    const { workflow } = await h.workflow([{ name: 'java job', language: 'java', entryPoint: 'Main.class' }]);
    const done = await h.finished((await h.run(workflow))._id);
    expect(done.status).to.equal('failed');
    expect(done.error).to.equal('Instance "java job" cannot run: unknown runtime "java": no enabled device offers it');
    expect(done.instances[0]!.attempts).to.have.length(0);
    bin.remove();
  });

  it('refuses a package that escapes its folder, or unpacks too large: failed at once, not retried, with the reason', async () => {
    const h = rig.h;
    await rig.worker({ env: { WORKTY_WORKER_MAX_UNPACKED_BYTES: String(64 * 1024) } });
    const escaping = await h.workflow([{ name: 'escaper', packageBytes: await escapingPackage(), retry: { maxAttempts: 3 } }]);
    const escaped = await h.finished((await h.run(escaping.workflow))._id, 30_000);
    expect(escaped.status).to.equal('failed');
    expect(escaped.instances[0]!.attempts).to.have.length(1);
    expect(escaped.instances[0]!.attempts[0]!.retryable).to.equal(false);
    expect(escaped.error).to.match(/^Instance "escaper" failed: .+ \(not retryable\)$/);
    const big = await h.workflow([{ name: 'bomb', packageBytes: await inflatingPackage(1024 * 1024), retry: { maxAttempts: 3 } }]);
    const bombed = await h.finished((await h.run(big.workflow))._id, 30_000);
    expect(bombed.status).to.equal('failed');
    expect(bombed.instances[0]!.attempts).to.have.length(1);
    expect(bombed.error).to.match(/^Instance "bomb" failed: .+ \(not retryable\)$/);
  });
});

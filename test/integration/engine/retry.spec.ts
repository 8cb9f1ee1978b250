/** Retries: failure exit, timeout, retry then success, exhaustion, non-retryable failures (simulated workers). */
import { expect } from 'chai';
import type { Dispatch } from '../../../shared/protocol/worker.js';
import { EngineHarness } from '../../lib/engine-harness.js';

describe('engine: retry', function () {
  let h: EngineHarness;
  beforeEach(async () => {
    h = await EngineHarness.start();
  });
  afterEach(async () => {
    await h.close();
  });

  /** A behaviour failing the first `failures` attempts of every instance with the given plan. */
  function failFirst(failures: number, failure: { exitCode?: number | null; error?: string | null; retryable?: boolean }) {
    return (d: Dispatch) => (d.attempt <= failures ? { outcome: 'failed' as const, ...failure } : { result: { attempt: d.attempt } });
  }

  it('retries a failed attempt after the backoff, and completes', async () => {
    await h.worker({ behaviour: failFirst(2, { exitCode: 3 }) });
    const { workflow } = await h.workflow([{ name: 'flaky', retry: { backoffMs: 100 } }]);
    const run = await h.run(workflow);
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    const attempts = done.instances[0]!.attempts;
    expect(attempts.map((a) => [a.number, a.status, a.exitCode])).to.deep.equal([[1, 'failed', 3], [2, 'failed', 3], [3, 'completed', 0]]);
    expect(attempts[2]!.result).to.deep.equal({ attempt: 3 });
    const journal = (await h.store.runs.journal(run._id, { all: true })).items;
    const retries = journal.filter((e) => e.type === 'attempt.retry');
    expect(retries.map((e) => [e.attempt, e.data['nextAttempt'], e.data['backoffMs'], e.data['reason']])).to.deep.equal([
      [1, 2, 100, 'exit code 3'], [2, 3, 200, 'exit code 3'],
    ]);
    // The backoff doubles, counted from the failure: no attempt went out before its notBefore.
    for (const [i, retry] of retries.entries()) {
      const notBefore = Date.parse(retry.data['notBefore'] as string);
      expect(Date.parse(attempts[i + 1]!.dispatched)).to.be.at.least(notBefore);
      expect(notBefore - Date.parse(attempts[i]!.ended!)).to.be.within((retry.data['backoffMs'] as number) - 20, (retry.data['backoffMs'] as number) + 20);
    }
  });

  it('retries an attempt that timed out on its board', async () => {
    await h.worker({ behaviour: failFirst(1, { exitCode: null, error: 'timed out after 200 ms' }) });
    const { workflow } = await h.workflow([{ retry: { timeoutMs: 200 } }]);
    const run = await h.run(workflow);
    const done = await h.finished(run._id);
    expect(done.status).to.equal('completed');
    expect(done.instances[0]!.attempts.map((a) => [a.status, a.error])).to.deep.equal([['failed', 'timed out after 200 ms'], ['completed', null]]);
  });

  it('sends each attempt the instance\'s timeout, or the default', async () => {
    const seen: number[] = [];
    await h.worker({ behaviour: (d) => (seen.push(d.timeoutMs), {}) });
    const { workflow } = await h.workflow([{ retry: { timeoutMs: 1234 } }, {}]);
    await h.finished((await h.run(workflow))._id);
    expect(seen).to.deep.equal([1234, h.settings.taskTimeoutMs]);
  });

  it('fails the run with a clear error once the attempts are used up; later instances never start', async () => {
    const dispatched: string[] = [];
    await h.worker({ behaviour: (d) => (dispatched.push(d.name), { outcome: 'failed', exitCode: 2 }) });
    const { workflow } = await h.workflow([{ name: 'always fails', retry: { maxAttempts: 2 } }, { name: 'never runs' }]);
    const run = await h.run(workflow);
    const done = await h.finished(run._id);
    expect(done.status).to.equal('failed');
    expect(done.error).to.equal('Instance "always fails" failed after 2 attempts: exit code 2');
    expect(done.instances.map((i) => i.state)).to.deep.equal(['failed', 'initial']);
    expect(dispatched).to.deep.equal(['always fails', 'always fails']);
    const journal = await h.journalTypes(run._id);
    expect(journal.at(-1)).to.equal('run.status');
  });

  it('stops at once on a non-retryable failure (bad package, unknown runtime on the board)', async () => {
    await h.worker({ behaviour: () => ({ outcome: 'failed', exitCode: null, error: 'package escapes its folder: ../../etc/passwd', retryable: false }) });
    const { workflow } = await h.workflow([{ name: 'evil', retry: { maxAttempts: 5 } }]);
    const done = await h.finished((await h.run(workflow))._id);
    expect(done.status).to.equal('failed');
    expect(done.error).to.equal('Instance "evil" failed: package escapes its folder: ../../etc/passwd (not retryable)');
    expect(done.instances[0]!.attempts).to.have.length(1);
    expect(done.instances[0]!.attempts[0]!.retryable).to.equal(false);
  });

  it('uses the supervisor\'s default attempts when the instance sets none', async () => {
    let attempts = 0;
    await h.worker({ behaviour: () => (attempts += 1, { outcome: 'failed', exitCode: 1 }) });
    const { workflow } = await h.workflow([{}]);
    const done = await h.finished((await h.run(workflow))._id);
    expect(done.status).to.equal('failed');
    expect(attempts).to.equal(h.settings.retryMaxAttempts);
  });
});

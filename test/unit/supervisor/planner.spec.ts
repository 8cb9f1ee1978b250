import { expect } from 'chai';
import type { RunInstance } from '../../../shared/domain/model.js';
import { plan, type Plan, type PlanContext } from '../../../supervisor/engine/planner.js';
import { backoffAfter, resolvePolicy } from '../../../supervisor/engine/retry.js';
import { attempt, instance, run } from '../../lib/run-fixtures.js';

const NOW = Date.parse('2024-06-01T12:00:00.000Z');
const defaults = { maxAttempts: 3, backoffMs: 1000, timeoutMs: 60_000 };

function ctx(undispatchable: (i: RunInstance) => string | null = () => null): PlanContext {
  return { now: NOW, defaults, undispatchable };
}

/** The plan without journal details, for compact expectations. */
function shape(p: Plan): unknown {
  if (p.kind === 'step') return { kind: 'step', run: p.run, instances: p.instances.map((c) => [c.index, c.input]) };
  if (p.kind === 'cancel') return { kind: 'cancel', index: p.index, attempt: p.attempt.number };
  return p;
}

describe('engine planner', () => {
  // [what, run, expected plan]
  const rows: Array<[string, ReturnType<typeof run>, unknown]> = [
    ['a queued run starts and readies its first instance',
      run('queued', 'running', [instance('initial'), instance('initial')]),
      { kind: 'step', run: 'start', instances: [[0, 'ready']] }],
    ['a queued run asked to pause before it started stays queued',
      run('queued', 'paused', [instance('initial')]),
      { kind: 'idle' }],
    ['a queued run asked to stop is stopped',
      run('queued', 'stopped', [instance('initial')]),
      { kind: 'step', run: 'stop', instances: [] }],
    ['a waiting instance that is due goes to the dispatcher',
      run('running', 'running', [instance('waiting')]),
      { kind: 'dispatch', index: 0 }],
    ['a running attempt is left alone',
      run('running', 'running', [instance('running', [attempt(1, 'running')])]),
      { kind: 'idle' }],
    ['a completed attempt completes the instance and readies the next',
      run('running', 'running', [instance('running', [attempt(1, 'completed')]), instance('initial')]),
      { kind: 'step', run: null, instances: [[0, 'complete'], [1, 'ready']] }],
    ['the last completed attempt completes the run',
      run('running', 'running', [instance('completed'), instance('running', [attempt(1, 'completed')])]),
      { kind: 'step', run: 'complete', instances: [[1, 'complete']] }],
    ['a run whose instances all completed is completed',
      run('running', 'running', [instance('completed')]),
      { kind: 'step', run: 'complete', instances: [] }],
    ['a released attempt is queued again',
      run('running', 'running', [instance('running', [attempt(1, 'released')])]),
      { kind: 'step', run: null, instances: [[0, 'requeue']] }],
    ['a failed attempt with attempts left is retried',
      run('running', 'running', [instance('running', [attempt(1, 'failed')])]),
      { kind: 'step', run: null, instances: [[0, 'retry']] }],
    ['a lost attempt with attempts left is retried',
      run('running', 'running', [instance('running', [attempt(1, 'lost')])]),
      { kind: 'step', run: null, instances: [[0, 'retry']] }],
    ['released attempts do not count against the limit',
      run('running', 'running', [instance('running', [attempt(1, 'released'), attempt(2, 'released'), attempt(3, 'failed')])]),
      { kind: 'step', run: null, instances: [[0, 'retry']] }],
    ['the last allowed attempt failing fails the instance and the run',
      run('running', 'running', [instance('running', [attempt(1, 'failed'), attempt(2, 'lost'), attempt(3, 'failed')]), instance('initial')]),
      { kind: 'step', run: 'fail', instances: [[0, 'fail']] }],
    ['a non-retryable failure fails at once',
      run('running', 'running', [instance('running', [attempt(1, 'failed', { retryable: false })])]),
      { kind: 'step', run: 'fail', instances: [[0, 'fail']] }],
    ['an instance\'s own maxAttempts overrides the default',
      run('running', 'running', [instance('running', [attempt(1, 'failed')], { retry: { maxAttempts: 1 } })]),
      { kind: 'step', run: 'fail', instances: [[0, 'fail']] }],
    ['a pause request pauses a running run; its attempt goes on',
      run('running', 'paused', [instance('running', [attempt(1, 'running')])]),
      { kind: 'step', run: 'pause', instances: [] }],
    ['a paused run records a completion but does not ready the next instance',
      run('paused', 'paused', [instance('running', [attempt(1, 'completed')]), instance('initial')]),
      { kind: 'step', run: null, instances: [[0, 'complete']] }],
    ['a paused run with a waiting instance does not dispatch',
      run('paused', 'paused', [instance('completed'), instance('waiting')]),
      { kind: 'idle' }],
    ['a paused run with a failed attempt retries it later (still paused)',
      run('paused', 'paused', [instance('running', [attempt(1, 'failed')])]),
      { kind: 'step', run: null, instances: [[0, 'retry']] }],
    ['a paused run whose last instance completes is completed',
      run('paused', 'paused', [instance('running', [attempt(1, 'completed')])]),
      { kind: 'step', run: 'complete', instances: [[0, 'complete']] }],
    ['a resume request resumes a paused run',
      run('paused', 'running', [instance('completed'), instance('initial')]),
      { kind: 'step', run: 'resume', instances: [] }],
    ['a resumed run readies the instance it held',
      run('running', 'running', [instance('completed'), instance('initial')]),
      { kind: 'step', run: null, instances: [[1, 'ready']] }],
    ['a stop with a live attempt cancels it first',
      run('running', 'stopped', [instance('running', [attempt(1, 'running')])]),
      { kind: 'cancel', index: 0, attempt: 1 }],
    ['a stop with a dispatched (not yet started) attempt cancels it too',
      run('running', 'stopped', [instance('running', [attempt(1, 'dispatched')])]),
      { kind: 'cancel', index: 0, attempt: 1 }],
    ['a stop whose attempt ended stopped stops the instance and the run',
      run('running', 'stopped', [instance('running', [attempt(1, 'stopped')])]),
      { kind: 'step', run: 'stop', instances: [[0, 'stop']] }],
    ['a stop whose attempt was lost stops the run without retrying',
      run('running', 'stopped', [instance('running', [attempt(1, 'lost')])]),
      { kind: 'step', run: 'stop', instances: [[0, 'stop']] }],
    ['a stop whose attempt completed meanwhile records the completion',
      run('running', 'stopped', [instance('running', [attempt(1, 'completed')]), instance('initial')]),
      { kind: 'step', run: 'stop', instances: [[0, 'complete']] }],
    ['a stop while waiting for a worker stops at once',
      run('running', 'stopped', [instance('waiting')]),
      { kind: 'step', run: 'stop', instances: [[0, 'stop']] }],
    ['a stop of a paused run stops it',
      run('paused', 'stopped', [instance('completed'), instance('initial')]),
      { kind: 'step', run: 'stop', instances: [] }],
    ['a run left with a failed instance (crash between writes) is failed',
      run('running', 'running', [instance('failed')]),
      { kind: 'step', run: 'fail', instances: [] }],
    ['final runs need nothing',
      run('completed', 'running', [instance('completed')]),
      { kind: 'idle' }],
  ];

  for (const [what, r, expected] of rows) {
    it(what, () => {
      expect(shape(plan(r, ctx()))).to.deep.equal(expected);
    });
  }

  it('waits for the backoff of a waiting instance', () => {
    const notBefore = new Date(NOW + 5000).toISOString();
    expect(plan(run('running', 'running', [instance('waiting', [attempt(1, 'failed')], { notBefore })]), ctx()))
      .to.deep.equal({ kind: 'wait', index: 0, until: NOW + 5000 });
  });

  it('fails at once with the reason when no board could ever run the instance', () => {
    const p = plan(run('running', 'running', [instance('waiting', [], { name: 'cobol-job', runtime: 'cobol' })]),
      ctx((i) => `unknown runtime "${i.runtime}": no enabled device offers it`));
    expect(shape(p)).to.deep.equal({ kind: 'step', run: 'fail', instances: [[0, 'fail']] });
    expect(p.kind === 'step' && p.error).to.equal('Instance "cobol-job" cannot run: unknown runtime "cobol": no enabled device offers it');
  });

  it('schedules a retry after the doubling backoff and journals why', () => {
    const r = run('running', 'running', [instance('running', [attempt(1, 'failed'), attempt(2, 'failed', { error: 'timed out after 5000 ms' })])]);
    const p = plan(r, ctx());
    if (p.kind !== 'step') throw new Error('expected a step');
    expect(p.instances[0]!.notBefore).to.equal(new Date(NOW + 2000).toISOString());
    expect(p.journal?.[0]).to.deep.include({ type: 'attempt.retry', attempt: 2 });
    expect(p.journal?.[0]?.data).to.deep.include({ reason: 'timed out after 5000 ms', nextAttempt: 3, backoffMs: 2000, maxAttempts: 3 });
  });

  it('says why the run failed when retries are exhausted', () => {
    const r = run('running', 'running', [instance('running', [attempt(1, 'failed'), attempt(2, 'failed'), attempt(3, 'failed', { exitCode: 7 })], { name: 'flaky' })]);
    const p = plan(r, ctx());
    expect(p.kind === 'step' && p.error).to.equal('Instance "flaky" failed after 3 attempts: exit code 7');
  });

  it('says a non-retryable failure was not retried', () => {
    const r = run('running', 'running', [instance('running', [attempt(1, 'failed', { retryable: false, error: 'package escapes its folder' })], { name: 'evil' })]);
    const p = plan(r, ctx());
    expect(p.kind === 'step' && p.error).to.equal('Instance "evil" failed: package escapes its folder (not retryable)');
  });

  describe('retry policy', () => {
    it('takes an instance\'s own fields over the defaults', () => {
      expect(resolvePolicy({ backoffMs: 10 }, defaults)).to.deep.equal({ maxAttempts: 3, backoffMs: 10, timeoutMs: 60_000 });
      expect(resolvePolicy(null, defaults)).to.deep.equal(defaults);
    });

    it('doubles the backoff after each counted attempt, capped at a day', () => {
      const policy = resolvePolicy(null, defaults);
      expect([1, 2, 3, 4].map((n) => backoffAfter(n, policy))).to.deep.equal([1000, 2000, 4000, 8000]);
      expect(backoffAfter(60, policy)).to.equal(24 * 3_600_000);
    });
  });
});

import { expect } from 'chai';
import { IllegalStateError } from '../../../shared/domain/errors.js';
import type { AttemptReport } from '../../../shared/store/port.js';
import { createLifecycles } from '../../../supervisor/engine/machines.js';
import { afterReports, prepareStep, toDispatch } from '../../../supervisor/engine/steps.js';
import { attempt, instance, run } from '../../lib/run-fixtures.js';

const lifecycles = createLifecycles();

describe('engine steps', () => {
  describe('prepareStep', () => {
    it('turns a planned step into the store\'s compare-and-set step and the moves to announce', () => {
      const r = run('running', 'running', [instance('running', [attempt(1, 'completed')]), instance('initial')]);
      const prepared = prepareStep(lifecycles, r, { kind: 'step', run: null, instances: [{ index: 0, input: 'complete' }, { index: 1, input: 'ready' }] });
      expect(prepared.step).to.deep.equal({
        from: 'running', to: 'running',
        change: { instances: [{ index: 0, from: 'running', to: 'completed' }, { index: 1, from: 'initial', to: 'waiting' }] },
      });
      expect(prepared.runMove).to.equal(null);
      expect(prepared.instanceMoves.map((m) => [m.index, m.move.effect])).to.deep.equal([[0, 'none'], [1, 'queue']]);
    });

    it('carries the run move, the error, the backoff and the journal', () => {
      const r = run('running', 'running', [instance('running', [attempt(1, 'failed')])]);
      const prepared = prepareStep(lifecycles, r, {
        kind: 'step', run: 'fail', instances: [{ index: 0, input: 'fail', notBefore: null }], error: 'boom', journal: [{ type: 'attempt.retry' }],
      });
      expect(prepared.step).to.deep.equal({
        from: 'running', to: 'failed',
        change: { error: 'boom', instances: [{ index: 0, from: 'running', to: 'failed', notBefore: null }], journal: [{ type: 'attempt.retry' }] },
      });
      expect(prepared.runMove).to.deep.equal({ from: 'running', input: 'fail', to: 'failed', effect: 'close' });
    });

    it('refuses a move a lifecycle does not allow, before anything is stored', () => {
      const r = run('completed', 'running', [instance('completed')]);
      expect(() => prepareStep(lifecycles, r, { kind: 'step', run: 'start', instances: [] })).to.throw(IllegalStateError);
      const waiting = run('running', 'running', [instance('waiting')]);
      expect(() => prepareStep(lifecycles, waiting, { kind: 'step', run: null, instances: [{ index: 0, input: 'complete' }] })).to.throw(IllegalStateError);
    });
  });

  describe('afterReports', () => {
    const r = run('running', 'running', [instance('running', [attempt(1, 'running', { lastSeq: 1 })])]);
    const ref = { runId: r._id, instanceId: r.instances[0]!.instanceId, attempt: 1, leaseToken: 'token-1' };
    const finished = (seq: number, extra: Partial<AttemptReport> = {}): AttemptReport =>
      ({ ...ref, seq, type: 'finished', status: 'failed', exitCode: 4, signal: null, result: { x: 1 }, error: 'bad', retryable: false, ...extra } as AttemptReport);

    it('predicts the attempt ended as the finished report says, leaving the given run untouched', () => {
      const predicted = afterReports(r, [{ ...ref, seq: 2, type: 'progress', state: 'x' }, finished(3)]);
      expect(predicted?.instances[0]!.attempts[0]).to.include({ status: 'failed', exitCode: 4, error: 'bad', retryable: false, lastSeq: 3 });
      expect(r.instances[0]!.attempts[0]!.status).to.equal('running');
    });

    it('predicts nothing when the reports would not end the attempt', () => {
      expect(afterReports(r, [{ ...ref, seq: 2, type: 'started', pid: 1 }]), 'no finished report').to.equal(null);
      expect(afterReports(r, [finished(1)]), 'seq applied already').to.equal(null);
      expect(afterReports(r, [finished(2, { leaseToken: 'other' })]), 'another lease').to.equal(null);
      expect(afterReports(r, [finished(2, { attempt: 2 })]), 'unknown attempt').to.equal(null);
      const over = run('running', 'running', [instance('running', [attempt(1, 'lost')])]);
      expect(afterReports(over, [finished(2, { instanceId: over.instances[0]!.instanceId })]), 'attempt over').to.equal(null);
    });
  });

  it('builds the dispatch message from the frozen instance and the retry policy', () => {
    const r = run('running', 'running', [instance('running', [], {
      name: 'greet', runtime: 'python3', entryPoint: 'main.py', package: { hash: 'a'.repeat(64), size: 10 },
      properties: [{ _id: 'p'.repeat(24), name: 'who', value: 'world' }], retry: { timeoutMs: 5000 }, checkpoint: { state: 's', data: 1 },
    })]);
    const key = { runId: r._id, instanceId: r.instances[0]!.instanceId, attempt: 2, leaseToken: 'lease' };
    expect(toDispatch(r, 0, key, { defaults: { maxAttempts: 3, backoffMs: 1, timeoutMs: 60_000 }, maxLogBytes: 1024 })).to.deep.equal({
      ...key, name: 'greet', runtime: 'python3', entryPoint: 'main.py', package: { hash: 'a'.repeat(64), size: 10 },
      properties: { who: 'world' }, timeoutMs: 5000, maxLogBytes: 1024, checkpoint: { state: 's', data: 1 },
    });
  });
});

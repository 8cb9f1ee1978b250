/** The chaos run's oracle finds each kind of problem in runs made wrong on purpose, and none in a right one. */
import { expect } from 'chai';
import type { JournalEntry, Run } from '../../../shared/domain/model.js';
import { verifyRun, summarise, type RunEvidence } from '../../lib/chaos/verify.js';
import { DOOMED_ATTEMPTS, RELIABLE_ATTEMPTS, type PlannedRun, type TaskMode } from '../../lib/chaos/workload.js';
import { attempt, instance, run } from '../../lib/run-fixtures.js';

function plan(modes: TaskMode[]): PlannedRun {
  return {
    index: 7,
    instances: modes.map((mode, i) => ({
      name: `r7-i${i}-sh-${mode}`, tag: `r7-i${i}`, kind: 'sh', mode, sleepMs: 10,
      retry: { maxAttempts: mode === 'doomed' ? DOOMED_ATTEMPTS : RELIABLE_ATTEMPTS, backoffMs: 20, timeoutMs: 20_000 },
    })),
  };
}

/** The journal the store writes for this run's history, entry by entry, in order. */
function journalOf(r: Run): JournalEntry[] {
  const entries: Array<Omit<JournalEntry, 'seq'>> = [];
  const push = (type: JournalEntry['type'], instanceId: string | null, attemptNo: number | null, data: Record<string, unknown>): void => {
    entries.push({ runId: r._id, at: '2024-01-01T00:00:00.000Z', type, instanceId, attempt: attemptNo, data });
  };
  push('run.requested', null, null, {});
  push('run.status', null, null, { from: 'queued', to: 'running' });
  for (const [index, inst] of r.instances.entries()) {
    if (inst.state === 'initial') continue;
    push('instance.state', inst.instanceId, null, { index, from: 'initial', to: 'waiting' });
    for (const [k, a] of inst.attempts.entries()) {
      push('instance.state', inst.instanceId, a.number, { index, from: 'waiting', to: 'running' });
      push('attempt.dispatched', inst.instanceId, a.number, { deviceId: a.deviceId });
      if (a.started !== null) push('attempt.started', inst.instanceId, a.number, { pid: 1 });
      push('attempt.ended', inst.instanceId, a.number, { status: a.status });
      const last = k === inst.attempts.length - 1;
      push('instance.state', inst.instanceId, null, { index, from: 'running', to: last ? inst.state : 'waiting' });
    }
  }
  push('run.status', null, null, { from: 'running', to: r.status });
  return entries.map((e, i) => ({ ...e, seq: i + 1 }));
}

const done = (n: number, tag: string) => attempt(n, 'completed', { started: '2024-01-01T00:00:01.000Z', result: { tag } });

function evidence(planned: PlannedRun, r: Run, journal = journalOf(r)): RunEvidence {
  const logs = new Map<string, string>();
  for (const [i, inst] of r.instances.entries()) {
    for (const a of inst.attempts) logs.set(`${inst.instanceId}/${a.number}`, `chaos ${planned.instances[i]!.tag} attempt ${a.number}\n`);
  }
  return { planned, run: r, journal, logs };
}

/** A completed run of two tasks; the second needed a second attempt (the first was lost). */
function completedRun(): Run {
  return run('completed', 'running', [
    instance('completed', [done(1, 'r7-i0')]),
    instance('completed', [attempt(1, 'lost', { error: 'lease expired' }), done(2, 'r7-i1')]),
  ]);
}

const kinds = (e: RunEvidence): Record<string, number> => summarise(verifyRun(e));

describe('chaos oracle (verifyRun)', function () {
  it('finds nothing wrong in a run that completed with a lost attempt retried', function () {
    expect(verifyRun(evidence(plan(['ok', 'ok']), completedRun()))).to.deep.equal([]);
  });

  it('accepts a run failed at its doomed task with its attempts used up, later tasks untouched', function () {
    const r = run('failed', 'running', [
      instance('completed', [done(1, 'r7-i0')]),
      instance('failed', [attempt(1, 'failed', { started: '2024-01-01T00:00:01.000Z' }), attempt(2, 'failed', { started: '2024-01-01T00:00:02.000Z' })]),
      instance('initial'),
    ]);
    r.error = 'Instance "r7-i1-sh-doomed" failed after 2 attempts: exit code 4';
    expect(verifyRun(evidence(plan(['ok', 'doomed', 'ok']), r))).to.deep.equal([]);
  });

  it('counts a run that never ended, or failed without a planned reason, as lost', function () {
    const running = run('running', 'running', [instance('completed', [done(1, 'r7-i0')]), instance('running', [attempt(1, 'running')])]);
    expect(kinds(evidence(plan(['ok', 'ok']), running))).to.include({ lost: 1 });
    const failed = run('failed', 'running', [instance('completed', [done(1, 'r7-i0')]), instance('failed', [attempt(1, 'failed'), attempt(2, 'lost')])]);
    failed.error = 'Instance "r7-i1-sh-ok" failed after 2 attempts: lost';
    expect(kinds(evidence(plan(['ok', 'ok']), failed)).lost).to.be.greaterThan(0);
    expect(kinds({ planned: plan(['ok']), run: null, journal: [], logs: new Map() })).to.include({ lost: 1 });
  });

  it('counts two completed attempts of one instance, and a completion journaled twice, as duplicated', function () {
    const twice = completedRun();
    twice.instances[0]!.attempts.push(done(2, 'r7-i0'));
    expect(kinds(evidence(plan(['ok', 'ok']), twice)).duplicated).to.be.greaterThan(0);
    const r = completedRun();
    const journal = journalOf(r);
    const completion = journal.find((e) => e.type === 'attempt.ended' && e.data['status'] === 'completed')!;
    journal.splice(journal.indexOf(completion) + 1, 0, { ...completion });
    const renumbered = journal.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(kinds(evidence(plan(['ok', 'ok']), r, renumbered)).duplicated).to.be.greaterThan(0);
  });

  it('counts a gap in seq, a missing move, an illegal move and an absent attempt entry as missing', function () {
    const r = completedRun();
    const gap = journalOf(r).map((e) => (e.seq > 5 ? { ...e, seq: e.seq + 1 } : e));
    expect(kinds(evidence(plan(['ok', 'ok']), r, gap))).to.include({ missing: journalOf(r).length - 5 });

    const withoutMove = journalOf(r).filter((e) => !(e.type === 'instance.state' && e.data['from'] === 'initial' && e.data['index'] === 1)).map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyRun(evidence(plan(['ok', 'ok']), r, withoutMove)).map((p) => p.message).join('\n')).to.match(/does not follow initial/);

    const illegal = journalOf(r).map((e) => (e.type === 'instance.state' && e.data['from'] === 'waiting' && e.data['index'] === 0 ? { ...e, data: { ...e.data, to: 'completed' } } : e));
    expect(verifyRun(evidence(plan(['ok', 'ok']), r, illegal)).map((p) => p.message).join('\n')).to.match(/illegal move waiting → completed/);

    const noDispatch = journalOf(r).filter((e) => !(e.type === 'attempt.dispatched' && e.attempt === 2)).map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyRun(evidence(plan(['ok', 'ok']), r, noDispatch)).map((p) => p.message).join('\n')).to.match(/attempt 2 \(completed\): no attempt.dispatched/);
  });

  it('counts a completed attempt without its log line or its result as missing', function () {
    const r = completedRun();
    const e = evidence(plan(['ok', 'ok']), r);
    e.logs.set(`${r.instances[1]!.instanceId}/2`, 'something else');
    r.instances[0]!.attempts[0]!.result = null;
    expect(kinds(e)).to.include({ missing: 2 });
  });

  it('counts a doomed task that completed, or a failure that does not name it, as unexplained', function () {
    const r = completedRun();
    expect(kinds(evidence(plan(['ok', 'doomed']), r)).unexplained).to.be.greaterThan(0);
    const failed = run('failed', 'running', [instance('failed', [attempt(1, 'failed'), attempt(2, 'failed')])]);
    failed.error = 'Instance "someone else" failed after 2 attempts: exit code 4';
    expect(kinds(evidence(plan(['doomed']), failed))).to.include({ unexplained: 1 });
  });
});

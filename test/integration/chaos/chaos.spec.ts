/**
 * A short chaos run (`npm run chaos` in small): real supervisor and worker processes, a kill -9 of a
 * worker and of the supervisor, a graceful worker stop, a worker cut off, flaky and doomed tasks;
 * then nothing may be lost, duplicated or missing from the journals. The seed is printed: a failure
 * replays with `npm run chaos -- --seed <seed> --runs 12 --workers 3 --slots 1 --parallel 4 --max-faults 4`.
 */
import { expect } from 'chai';
import { runChaos } from '../../lib/chaos/chaos.js';
import { Random } from '../../lib/chaos/random.js';

describe('chaos: runs survive killed workers, a killed supervisor and cut-off workers', function () {
  this.timeout(120_000);

  it('ends every run as planned: nothing lost, nothing recorded twice, no state change missing', async function () {
    const seed = Number(process.env.WORKTY_CHAOS_SEED ?? Random.freshSeed());
    const lines: string[] = [];
    const report = await runChaos({
      seed, runs: 12, minInstances: 2, maxInstances: 4, minSleepMs: 150, maxSleepMs: 400, failures: true,
      workers: 3, slots: 1, parallel: 4,
      // One fault of each kind (the first round covers every kind), close together.
      maxFaults: 4, weights: { 'worker-kill': 1, 'worker-term': 1, 'supervisor-kill': 1, cut: 1 },
      gapMs: [200, 500], downMs: [200, 1500], cutMs: [1000, 3000], settleMs: 60_000,
      log: (line) => lines.push(line),
    });
    const problems = report.problems.map((p) => `${p.kind}: ${p.message}`).join('\n');
    const context = `seed ${seed}\n${lines.join('\n')}\n${problems}`;
    expect(report.counts, context).to.deep.equal({ lost: 0, duplicated: 0, missing: 0, unexplained: 0 });
    expect(report.faults, context).to.deep.equal({ 'worker-kill': 1, 'worker-term': 1, 'supervisor-kill': 1, cut: 1 });
    expect(report.completed + report.failedAsPlanned, context).to.equal(12);
    expect(report.attempts.completed ?? 0, context).to.be.greaterThan(0);
  });
});

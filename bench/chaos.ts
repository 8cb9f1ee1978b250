/**
 * `npm run chaos`: R workflows (default 200) of short real tasks on a real supervisor and real
 * workers while workers and the supervisor are killed (`kill -9`), workers are stopped and cut off
 * from the supervisor; then checks from the store that every run ended as planned, no completion is
 * recorded twice, and no state change is missing from the journals (test/lib/chaos/ says how).
 * Prints the lost / duplicated / missing / unexplained counts and exits 1 unless all are 0.
 *
 * Options: --runs 200 · --seed N (replays a run's workload and faults) · --workers 4 · --slots 2 ·
 * --parallel 16 · --max-faults N (default: faults until every run ended) · --gap MIN-MAX ms (500-2500)
 * · --down MIN-MAX ms (200-3000) · --cut MIN-MAX ms (500-5000) · --settle SECONDS (180) ·
 * --no-failures (no flaky or doomed tasks) · --keep (keep the data and the processes' output when a
 * problem is found).
 */
import { parseArgs } from 'node:util';
import { runChaos, type ChaosReport } from '../test/lib/chaos/chaos.js';
import { Random } from '../test/lib/chaos/random.js';
import { PROBLEM_KINDS } from '../test/lib/chaos/verify.js';
import { banner, table } from './lib/report.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    seed: { type: 'string' },
    workers: { type: 'string', default: '4' },
    slots: { type: 'string', default: '2' },
    parallel: { type: 'string', default: '16' },
    'max-faults': { type: 'string' },
    gap: { type: 'string', default: '500-2500' },
    down: { type: 'string', default: '200-3000' },
    cut: { type: 'string', default: '500-5000' },
    settle: { type: 'string', default: '180' },
    'no-failures': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

function range(text: string, name: string): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(text);
  if (match === null || Number(match[1]) > Number(match[2])) throw new Error(`--${name} takes MIN-MAX in ms, e.g. 500-2500 (got "${text}")`);
  return [Number(match[1]), Number(match[2])];
}

function print(report: ChaosReport): void {
  process.stdout.write(banner(`Workty chaos run, seed ${report.seed} (replay: npm run chaos -- --seed ${report.seed}${args.runs === '200' ? '' : ` --runs ${args.runs}`})`));
  process.stdout.write(`\n${table(['runs', 'completed', 'failed as planned', 'faults', 'attempts', 'duration'], [[
    String(report.runs), String(report.completed), String(report.failedAsPlanned),
    Object.entries(report.faults).map(([k, n]) => `${k} ${n}`).join(' · '),
    Object.entries(report.attempts).map(([k, n]) => `${k} ${n}`).join(' · '),
    `${(report.durationMs / 1000).toFixed(0)} s`,
  ]])}\n\n`);
  process.stdout.write(`${table([...PROBLEM_KINDS], [PROBLEM_KINDS.map((k) => String(report.counts[k]))])}\n\n`);
  for (const problem of report.problems.slice(0, 50)) process.stdout.write(`${problem.kind}: ${problem.message}\n`);
  if (report.problems.length > 50) process.stdout.write(`… and ${report.problems.length - 50} more\n`);
  if (report.keptIn !== null) process.stdout.write(`data and process output kept in ${report.keptIn}\n`);
  process.stdout.write(report.problems.length === 0 ? 'PASS: nothing lost, nothing duplicated, nothing missing\n' : 'FAIL\n');
}

async function main(): Promise<void> {
  const seed = args.seed === undefined ? Random.freshSeed() : Number(args.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed takes a non-negative integer (got "${args.seed}")`);
  process.stdout.write(`chaos seed ${seed}\n`);
  const report = await runChaos({
    seed, runs: Number(args.runs), minInstances: 2, maxInstances: 5, minSleepMs: 20, maxSleepMs: 300, failures: !args['no-failures'],
    workers: Number(args.workers), slots: Number(args.slots), parallel: Number(args.parallel),
    maxFaults: args['max-faults'] === undefined ? undefined : Number(args['max-faults']),
    weights: { 'worker-kill': 3, 'worker-term': 1, 'supervisor-kill': 2, cut: 3 },
    gapMs: range(args.gap, 'gap'), downMs: range(args.down, 'down'), cutMs: range(args.cut, 'cut'),
    settleMs: Number(args.settle) * 1000, keepOnProblems: args.keep,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  print(report);
  if (report.problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exitCode = 1;
});

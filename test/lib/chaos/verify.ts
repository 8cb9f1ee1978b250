/**
 * The chaos run's oracle: what the store holds after the faults, checked run by run against the plan.
 * Pure (no I/O), so that it can itself be tested with runs that are wrong on purpose.
 *
 * Kinds of problem:
 * - `lost`: work that should be recorded done is not (a run that never ended, an instance that
 *   should have completed and did not, a run failed for no planned reason);
 * - `duplicated`: a completion recorded more than once (an attempt with two completions, an instance
 *   with two completed attempts, a journal entry of an attempt twice);
 * - `missing`: a state change absent from the journal or out of order (a gap in `seq`, a move that
 *   does not follow from the previous one, an illegal move, an attempt without its entries), or a
 *   completed attempt without its logs or result;
 * - `unexplained`: an outcome the plan does not explain the other way round (a doomed task that
 *   completed, a failed run whose error does not name its doomed task).
 */
import type { Attempt, JournalEntry, Run, RunInstance } from '../../../shared/domain/model.js';
import { FINAL_ATTEMPT_STATUSES, isFinalRunStatus } from '../../../shared/domain/states.js';
import { INSTANCE_LIFECYCLE, RUN_LIFECYCLE } from '../../../supervisor/engine/machines.js';
import type { LifecycleDefinition } from '../../../supervisor/engine/lifecycle.js';
import { doomedAt, type PlannedRun } from './workload.js';

export const PROBLEM_KINDS = ['lost', 'duplicated', 'missing', 'unexplained'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  kind: ProblemKind;
  /** The planned run's index. */
  run: number;
  message: string;
}

/** What the store holds about one planned run. */
export interface RunEvidence {
  planned: PlannedRun;
  run: Run | null;
  /** The whole journal, in `seq` order. */
  journal: JournalEntry[];
  /** Captured output of each completed attempt, by `instanceId/attempt`. */
  logs: Map<string, string>;
}

const attemptId = (instanceId: string, attempt: number): string => `${instanceId}/${attempt}`;

function legal<S extends string>(definition: LifecycleDefinition<S, string, string>, from: string, to: string): boolean {
  const rules = definition.states[from as S] as Record<string, { to: string }> | undefined;
  return rules !== undefined && Object.values(rules).some((rule) => rule.to === to);
}

/** Checks one run; returns its problems (none: the run is as it must be). */
export function verifyRun(evidence: RunEvidence): Problem[] {
  const { planned, run } = evidence;
  const problems: Problem[] = [];
  const add = (kind: ProblemKind, message: string): void => {
    problems.push({ kind, run: planned.index, message: `run ${planned.index}${run === null ? '' : ` (${run._id})`}: ${message}` });
  };
  if (run === null) {
    add('lost', 'was never created');
    return problems;
  }
  if (!isFinalRunStatus(run.status)) {
    add('lost', `did not end: ${run.status}, instances ${run.instances.map((i) => i.state).join(',')}`);
    return problems;
  }
  checkOutcome(planned, run, add);
  checkCompletions(run, evidence.journal, add);
  checkJournal(run, evidence.journal, add);
  checkOutput(planned, run, evidence.logs, add);
  return problems;
}

type Add = (kind: ProblemKind, message: string) => void;

/** The run ended as the plan says: completed, or failed at its doomed task with its attempts used up. */
function checkOutcome(planned: PlannedRun, run: Run, add: Add): void {
  const doomed = doomedAt(planned);
  const expected = doomed === -1 ? 'completed' : 'failed';
  if (run.status !== expected) {
    add(expected === 'completed' ? 'lost' : 'unexplained', `ended ${run.status}, expected ${expected}${run.error === null ? '' : ` (error: ${run.error})`}`);
  }
  planned.instances.forEach((plan, i) => {
    const instance = run.instances[i];
    const want = doomed === -1 || i < doomed ? 'completed' : i === doomed ? 'failed' : 'initial';
    if (instance === undefined || instance.state !== want) {
      add(want === 'completed' ? 'lost' : 'unexplained', `instance ${i} (${plan.name}) is ${instance?.state ?? 'absent'}, expected ${want}`);
      return;
    }
    if (want !== 'failed') return;
    const counted = instance.attempts.filter((a) => a.status !== 'released');
    if (counted.length !== plan.retry.maxAttempts || counted.some((a) => a.status === 'completed')) {
      add('unexplained', `instance ${i} (${plan.name}) failed with ${counted.length} counted attempts (${counted.map((a) => a.status).join(',')}), expected ${plan.retry.maxAttempts} without a completion`);
    }
    if (run.error === null || !run.error.includes(`Instance "${plan.name}" failed after ${plan.retry.maxAttempts} attempts`)) {
      add('unexplained', `failed with error ${JSON.stringify(run.error)}, which does not say that "${plan.name}" used up its ${plan.retry.maxAttempts} attempts`);
    }
  });
}

/** Exactly one completion per completed instance, in the run and in the journal; none twice. */
function checkCompletions(run: Run, journal: JournalEntry[], add: Add): void {
  const endedCompleted = new Map<string, number>();
  for (const e of journal) {
    if (e.type !== 'attempt.ended' || e.data['status'] !== 'completed' || e.instanceId === null || e.attempt === null) continue;
    const id = attemptId(e.instanceId, e.attempt);
    endedCompleted.set(id, (endedCompleted.get(id) ?? 0) + 1);
  }
  for (const [i, instance] of run.instances.entries()) {
    const completed = instance.attempts.filter((a) => a.status === 'completed');
    if (completed.length > 1) add('duplicated', `instance ${i} has ${completed.length} completed attempts (${completed.map((a) => a.number).join(', ')})`);
    if (instance.state === 'completed' && completed.length === 0) add('lost', `instance ${i} is completed without a completed attempt`);
    if (instance.state !== 'completed' && completed.length > 0) add('unexplained', `instance ${i} is ${instance.state} with a completed attempt`);
    const inJournal = [...endedCompleted.entries()].filter(([id]) => id.startsWith(`${instance.instanceId}/`));
    for (const [id, count] of inJournal) if (count > 1) add('duplicated', `the completion of attempt ${id} is in the journal ${count} times`);
    if (inJournal.length > 1) add('duplicated', `instance ${i} has completions of ${inJournal.length} attempts in the journal`);
    for (const attempt of completed) {
      if (!endedCompleted.has(attemptId(instance.instanceId, attempt.number))) add('missing', `the completion of instance ${i} attempt ${attempt.number} is not in the journal`);
    }
  }
}

/** Dense `seq`; every move present, in order, legal; every attempt's entries present once, in order. */
function checkJournal(run: Run, journal: JournalEntry[], add: Add): void {
  journal.forEach((e, k) => {
    if (e.seq !== k + 1) add('missing', `journal entry #${k + 1} has seq ${e.seq} (a gap or a duplicate)`);
  });
  checkChain(RUN_LIFECYCLE, 'run', journal.filter((e) => e.type === 'run.status'), run.status, add);
  for (const [i, instance] of run.instances.entries()) {
    const moves = journal.filter((e) => e.type === 'instance.state' && e.instanceId === instance.instanceId);
    for (const move of moves) if (move.data['index'] !== i) add('missing', `a move of instance ${i} is recorded at index ${String(move.data['index'])}`);
    checkChain(INSTANCE_LIFECYCLE, `instance ${i}`, moves, instance.state, add);
    const ended = instance.attempts.filter((a) => FINAL_ATTEMPT_STATUSES.includes(a.status));
    const intoRunning = moves.filter((m) => m.data['to'] === 'running').length;
    const outOfRunning = moves.filter((m) => m.data['from'] === 'running').length;
    if (intoRunning !== instance.attempts.length) add('missing', `instance ${i} has ${instance.attempts.length} attempts but ${intoRunning} moves to running`);
    if (outOfRunning !== ended.length) add('missing', `instance ${i} has ${ended.length} ended attempts but ${outOfRunning} moves out of running`);
    checkAttempts(i, instance, journal.filter((e) => e.instanceId === instance.instanceId && e.type.startsWith('attempt.')), add);
  }
}

function checkChain(definition: LifecycleDefinition<string, string, string>, what: string, moves: JournalEntry[], now: string, add: Add): void {
  let state = definition.initial;
  for (const move of moves) {
    const from = String(move.data['from']);
    const to = String(move.data['to']);
    if (from !== state) add('missing', `${what}: the move ${from} → ${to} (seq ${move.seq}) does not follow ${state}: a state change is missing`);
    else if (!legal(definition, from, to)) add('missing', `${what}: illegal move ${from} → ${to} (seq ${move.seq})`);
    state = to;
  }
  if (state !== now) add('missing', `${what} is ${now} but its journal ends at ${state}`);
}

/** Each attempt: dispatched once, started once if it started, ended once with its status, in that order. */
function checkAttempts(i: number, instance: RunInstance, entries: JournalEntry[], add: Add): void {
  const numbers = new Set(instance.attempts.map((a) => a.number));
  for (const e of entries) {
    if (e.attempt === null || !numbers.has(e.attempt)) add('unexplained', `journal entry ${e.type} (seq ${e.seq}) names attempt ${String(e.attempt)} of instance ${i}, which does not exist`);
  }
  for (const attempt of instance.attempts) {
    const of = (type: string): JournalEntry[] => entries.filter((e) => e.type === type && e.attempt === attempt.number);
    const once = (type: string, needed: boolean): JournalEntry | undefined => {
      const found = of(type);
      if (found.length > 1) add('duplicated', `instance ${i} attempt ${attempt.number}: ${type} is in the journal ${found.length} times`);
      if (found.length === 0 && needed) add('missing', `instance ${i} attempt ${attempt.number} (${attempt.status}): no ${type} in the journal`);
      if (found.length === 1 && !needed) add('unexplained', `instance ${i} attempt ${attempt.number} (${attempt.status}): ${type} in the journal, not in the run`);
      return found[0];
    };
    const dispatched = once('attempt.dispatched', true);
    const started = once('attempt.started', attempt.started !== null);
    const ended = once('attempt.ended', isEnded(attempt));
    if (ended !== undefined && ended.data['status'] !== attempt.status) {
      add('missing', `instance ${i} attempt ${attempt.number} is ${attempt.status} but its journal says ${String(ended.data['status'])}`);
    }
    const order = [dispatched, started, ended].filter((e) => e !== undefined).map((e) => e.seq);
    if (order.some((seq, k) => k > 0 && seq < order[k - 1]!)) add('missing', `instance ${i} attempt ${attempt.number}: its entries are out of order (seq ${order.join(', ')})`);
  }
}

function isEnded(attempt: Attempt): boolean {
  return FINAL_ATTEMPT_STATUSES.includes(attempt.status);
}

/** Each completed attempt printed its line and returned its tag. */
function checkOutput(planned: PlannedRun, run: Run, logs: Map<string, string>, add: Add): void {
  for (const [i, instance] of run.instances.entries()) {
    const plan = planned.instances[i];
    if (plan === undefined) continue;
    for (const attempt of instance.attempts.filter((a) => a.status === 'completed')) {
      const line = `chaos ${plan.tag} attempt ${attempt.number}`;
      if (!(logs.get(attemptId(instance.instanceId, attempt.number)) ?? '').includes(line)) add('missing', `instance ${i} attempt ${attempt.number}: the logs lack "${line}"`);
      const result = attempt.result as { tag?: unknown } | null;
      if (result?.tag !== plan.tag) add('missing', `instance ${i} attempt ${attempt.number}: result ${JSON.stringify(attempt.result)}, expected {"tag":"${plan.tag}"}`);
    }
  }
}

/** The problems of every run, counted by kind. */
export function summarise(problems: Problem[]): Record<ProblemKind, number> {
  const counts = Object.fromEntries(PROBLEM_KINDS.map((k) => [k, 0])) as Record<ProblemKind, number>;
  for (const problem of problems) counts[problem.kind] += 1;
  return counts;
}

/**
 * What a chaos run executes: R workflows of a few short real tasks (`sh`, Node, and Node SDK state
 * machines that checkpoint), drawn from the seed, and what each run must come to. Every task prints
 * `chaos <tag> attempt <n>` and, when it completes, returns `{"tag": <tag>}`, so that the logs and
 * the result of every completed attempt can be checked against the plan.
 *
 * Failures injected on purpose (with `failures`): a *flaky* task fails its first attempt (exit 3) and
 * completes on a retry; a *doomed* task always fails (exit 4) and has 2 attempts, so its run must fail
 * there, with its retries exhausted. Every other task has attempts to spare (`RELIABLE_ATTEMPTS`): the
 * faults of the chaos (lost leases, killed workers) cost attempts, never the run.
 */
import { idOf } from '../../../shared/domain/dictionaries.js';
import type { Id } from '../../../shared/domain/ids.js';
import type { RetryPolicy } from '../../../shared/domain/model.js';
import type { Store } from '../../../shared/store/port.js';
import { packageOf } from '../test-packages.js';
import type { Random } from './random.js';

export type TaskMode = 'ok' | 'flaky' | 'doomed';
export type TaskKind = 'sh' | 'node' | 'sdk';

export interface PlannedInstance {
  name: string;
  /** Printed by the task and returned as its result: `r<run>-i<instance>`. */
  tag: string;
  kind: TaskKind;
  mode: TaskMode;
  sleepMs: number;
  retry: RetryPolicy;
}

export interface PlannedRun {
  index: number;
  instances: PlannedInstance[];
}

export interface WorkloadOptions {
  runs: number;
  /** Instances per workflow: between these. */
  minInstances: number;
  maxInstances: number;
  /** How long each task sleeps: between these. */
  minSleepMs: number;
  maxSleepMs: number;
  /** Inject flaky and doomed tasks. */
  failures: boolean;
}

/** Attempts of a task that is not doomed: far more than the chaos can take from it. */
export const RELIABLE_ATTEMPTS = 20;
/** Attempts of a doomed task. */
export const DOOMED_ATTEMPTS = 2;

/** The first doomed instance of a run (where it must fail), or -1 when the run must complete. */
export function doomedAt(run: PlannedRun): number {
  return run.instances.findIndex((i) => i.mode === 'doomed');
}

export function planWorkload(random: Random, options: WorkloadOptions): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (let r = 0; r < options.runs; r += 1) {
    const count = random.int(options.minInstances, options.maxInstances);
    const doomed = options.failures && random.chance(0.06) ? random.int(0, count - 1) : -1;
    const instances: PlannedInstance[] = [];
    for (let i = 0; i < count; i += 1) {
      const mode: TaskMode = i === doomed ? 'doomed' : options.failures && random.chance(0.1) ? 'flaky' : 'ok';
      const kind = random.weighted<TaskKind>({ sh: 6, node: 3, sdk: 1 });
      instances.push({
        name: `r${r}-i${i}-${kind}-${mode}`, tag: `r${r}-i${i}`, kind, mode, sleepMs: random.int(options.minSleepMs, options.maxSleepMs),
        retry: { maxAttempts: mode === 'doomed' ? DOOMED_ATTEMPTS : RELIABLE_ATTEMPTS, backoffMs: 20, timeoutMs: 20_000 },
      });
    }
    runs.push({ index: r, instances });
  }
  return runs;
}

const SH_TASK = `#!/bin/sh
# A chaos task: says which attempt it is, sleeps, then completes, fails its first attempt (flaky) or always fails (doomed).
field() { printf '%s' "$1" | sed -n "s/.*\\"$2\\":\\"\\([^\\"]*\\)\\".*/\\1/p"; }
tag=$(field "$1" tag); pause=$(field "$1" sleep); mode=$(field "$1" mode)
echo "chaos $tag attempt $WORKTY_ATTEMPT"
sleep "$pause"
if [ "$mode" = doomed ]; then echo "doomed: failing" >&2; exit 4; fi
if [ "$mode" = flaky ] && [ "$WORKTY_ATTEMPT" = 1 ]; then echo "flaky: the first attempt fails" >&2; exit 3; fi
printf '{"tag":"%s"}' "$tag" > "$WORKTY_RESULT_FILE"
`;

const NODE_TASK = `'use strict';
const { tag, sleep, mode } = JSON.parse(process.argv[2]);
const attempt = Number(process.env.WORKTY_ATTEMPT);
console.log(\`chaos \${tag} attempt \${attempt}\`);
setTimeout(() => {
  if (mode === 'doomed') { console.error('doomed: failing'); process.exit(4); }
  if (mode === 'flaky' && attempt === 1) { console.error('flaky: the first attempt fails'); process.exit(3); }
  require('node:fs').writeFileSync(process.env.WORKTY_RESULT_FILE, JSON.stringify({ tag }));
}, Number(sleep) * 1000);
`;

/** Two steps with a checkpoint between: an attempt after a failure or a loss resumes at the second. */
const SDK_TASK = `const { runStateMachine } = await import(process.env.WORKTY_SDK);
const { tag, sleep, mode } = JSON.parse(process.argv[2]);
const attempt = Number(process.env.WORKTY_ATTEMPT);
console.log(\`chaos \${tag} attempt \${attempt}\`);
const pause = () => new Promise((resolve) => setTimeout(resolve, Number(sleep) * 500));
await runStateMachine({
  namespace: 'chaos',
  initialState: 'first',
  data: {},
  states: {
    first: {
      async _onEnter() {
        await pause();
        await this.checkpoint('second', { firstBy: attempt });
        this.transition('second');
      },
    },
    second: {
      async _onEnter() {
        await pause();
        if (mode === 'doomed') return this.fail(new Error('doomed: failing'));
        if (mode === 'flaky' && attempt === 1) return this.fail(new Error('flaky: the first attempt fails'));
        this.complete({ tag });
      },
    },
  },
});
`;

export interface CreatedWorkload {
  accountId: Id;
  /** The workflow of each planned run, by index. */
  workflowIds: Id[];
}

/** Stores the account, one workty per kind of task, and one workflow per planned run. */
export async function createWorkload(store: Store, runs: PlannedRun[], tag: string): Promise<CreatedWorkload> {
  const account = await store.accounts.create({ name: `chaos ${tag}`, email: `chaos-${tag}@example.com`, passwordHash: '$2b$04$chaos', aclRoleNames: ['regular'] });
  const scope = { accountId: account._id };
  const packages: Record<TaskKind, { language: string; entry: string; bytes: Buffer }> = {
    sh: { language: 'shell', entry: 'run.sh', bytes: await packageOf({ 'run.sh': SH_TASK }) },
    node: { language: 'nodejs', entry: 'index.js', bytes: await packageOf({ 'index.js': NODE_TASK }) },
    sdk: { language: 'nodejs', entry: 'index.mjs', bytes: await packageOf({ 'index.mjs': SDK_TASK }) },
  };
  const workties = {} as Record<TaskKind, Id>;
  for (const [kind, p] of Object.entries(packages) as Array<[TaskKind, (typeof packages)[TaskKind]]>) {
    const workty = await store.workties.create({
      accountId: account._id, name: `chaos-${kind}`, typeId: idOf.worktyType('inout'), categoryId: idOf.category('unit-tests'),
      languageTypeId: idOf.languageType(p.language), entryPointModuleFileName: p.entry, packageBytes: p.bytes,
      properties: [{ name: 'tag', value: '' }, { name: 'sleep', value: '0.1' }, { name: 'mode', value: 'ok' }],
    });
    workties[kind] = workty._id;
  }
  const workflowIds: Id[] = [];
  for (const run of runs) {
    const workflow = await store.workflows.create({ accountId: account._id, name: `chaos run ${run.index}` });
    for (const planned of run.instances) {
      const instance = await store.instances.add(workflow._id, scope, { worktyId: workties[planned.kind], name: planned.name, retry: planned.retry });
      const values: Record<string, string> = { tag: planned.tag, sleep: (planned.sleepMs / 1000).toFixed(3), mode: planned.mode };
      for (const property of instance.properties) {
        await store.instances.updateProperty(workflow._id, instance._id, property._id, scope, { value: values[property.name] ?? property.value });
      }
    }
    workflowIds.push(workflow._id);
  }
  return { accountId: account._id, workflowIds };
}

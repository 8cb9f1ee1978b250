/**
 * A workflow as the workflow view shows it: the workflow with its instances embedded (their
 * properties and workties), kept live from `/workflows` changes, and its current run from `/runs`.
 */
import type {
  InstanceDoc, PropertyDoc, RunDoc, RunSummaryDoc, WorkflowDoc, WorktyDoc,
} from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { useLive, type Loaded } from '../api/live.js';
import type { Session } from '../api/session.js';

/** An instance with `embed=worktiesinstances.properties,worktiesinstances.workty`. */
export type EmbeddedInstance = Omit<InstanceDoc, 'propertiesIds' | 'worktyId'> & {
  propertiesIds: PropertyDoc[];
  /** The workty, or its id (null: the workty is gone). */
  worktyId: WorktyDoc | string | null;
};

export interface WorkflowData {
  workflow: WorkflowDoc;
  instances: EmbeddedInstance[];
  /** The run the view follows: the latest one. */
  runId: string | null;
  /** Set when the workflow was deleted while shown. */
  deleted: boolean;
}

const EMBED = 'worktiesinstances,worktiesinstances.properties,worktiesinstances.workty';

async function loadWorkflow(session: Session, id: string): Promise<WorkflowData> {
  const { workflow } = await session.call('workflows', 'sv.workflow.refresh', { workflow: { id }, embed: EMBED });
  const instances = workflow.worktiesInstancesIds as unknown as EmbeddedInstance[];
  return { workflow: { ...workflow, worktiesInstancesIds: instances.map((i) => i._id) }, instances, runId: workflow.lastRunId, deleted: false };
}

/** Folds a `/workflows` change into the view's data, or asks for a new read. */
function applyChange(data: WorkflowData, change: Record<string, unknown>): WorkflowData | 'reload' {
  const id = data.workflow._id;
  if ('workflow' in change) {
    const doc = change.workflow as WorkflowDoc | { _id: string; deleted: true };
    if (doc._id !== id) return data;
    if ('deleted' in doc) return { ...data, deleted: true };
    // Instances added, removed or moved: read them again with their properties.
    if (doc.worktiesInstancesIds.join() !== data.workflow.worktiesInstancesIds.join()) return 'reload';
    return { ...data, workflow: doc, runId: doc.lastRunId ?? data.runId };
  }
  if (change.workflowId !== id) return data;
  if ('worktyInstance' in change) {
    const doc = change.worktyInstance as InstanceDoc | { _id: string; deleted: true };
    const index = data.instances.findIndex((i) => i._id === doc._id);
    if ('deleted' in doc) return { ...data, instances: data.instances.filter((i) => i._id !== doc._id) };
    if (index === -1) return 'reload';
    const current = data.instances[index]!;
    if (doc.propertiesIds.join() !== current.propertiesIds.map((p) => p._id).join()) return 'reload';
    const instances = data.instances.slice();
    instances[index] = { ...current, ...doc, propertiesIds: current.propertiesIds, worktyId: current.worktyId };
    return { ...data, instances };
  }
  if ('run' in change) {
    const run = change.run as RunSummaryDoc | { _id: string; deleted: true };
    if ('deleted' in run) return data.runId === run._id ? { ...data, runId: null } : data;
    if (change.op === 'created' || data.runId === null) return { ...data, runId: run._id };
  }
  return data;
}

export function useWorkflow(id: string): Loaded<WorkflowData> {
  return useLive('workflows', id, (session) => loadWorkflow(session, id), applyChange);
}

/** A run, live from `/runs` (its instances, attempts and status). */
export function useRun(runId: string | null): Loaded<RunDoc | null> {
  return useLive('runs', runId ?? 'none',
    async (session) => (runId === null ? null : (await session.call('runs', 'sv.run.refresh', { run: { id: runId } })).run),
    (run, change) => {
      const doc = change.run as RunDoc | { _id: string; deleted: true } | undefined;
      if (run === null || doc === undefined || doc._id !== run._id) return run;
      return 'deleted' in doc ? null : doc;
    });
}

/** Device names by id (admins read the fleet; others see short ids). */
export function useDeviceNames(): Map<string, string> {
  const session = useSession();
  const devices = useLive('devices', session.isAdmin ? 'names' : 'none',
    async (s) => (s.isAdmin ? (await s.call('devices', 'sv.device.refresh.all', { fields: 'name' })).devices : []),
    (list) => list);
  return new Map((devices.data ?? []).map((d) => [d._id, d.name]));
}

/** The workty's name of an instance, or a placeholder. */
export function worktyName(instance: EmbeddedInstance): string {
  const workty = instance.worktyId;
  return workty === null ? '(workty removed)' : typeof workty === 'string' ? workty : workty.name;
}

/** What a run's status allows: run (or run again), pause, resume, stop. */
export function runActions(run: Pick<RunSummaryDoc, 'status' | 'desired'> | null): { run: boolean; pause: boolean; resume: boolean; stop: boolean; stopping: boolean } {
  if (run === null || ['completed', 'failed', 'stopped'].includes(run.status)) return { run: true, pause: false, resume: false, stop: false, stopping: false };
  const stopping = run.desired === 'stopped';
  const paused = run.status === 'paused' || run.desired === 'paused';
  return { run: false, pause: !stopping && !paused, resume: !stopping && paused, stop: !stopping, stopping };
}

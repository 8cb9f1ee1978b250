/** Run (again), pause, resume and stop a workflow, as its latest run's status allows. */
import type { RunSummaryDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { StateBadge } from '../ui/badge.js';
import { useAction } from '../ui/notices.js';
import { runActions } from './workflow-data.js';

export function RunControls({ workflowId, run, canRun, onStarted }: {
  workflowId: string;
  run: Pick<RunSummaryDoc, 'status' | 'desired'> | null;
  /** False when the workflow has no instance. */
  canRun: boolean;
  onStarted?: (runId: string) => void;
}) {
  const session = useSession();
  const [busy, act] = useAction();
  const allowed = runActions(run);
  const workflow = { id: workflowId };
  const start = async (): Promise<void> => {
    const answer = await act(() => session.call('workflows', 'sv.workflow.run', { workflow }), 'Run requested');
    if (answer !== undefined) onStarted?.(answer.run._id);
  };
  return (
    <div class="run-controls" role="group" aria-label="Run controls">
      {run !== null && (
        <span class="run-status">
          Run <StateBadge state={run.status} />
          {allowed.stopping && <span class="muted"> stopping…</span>}
          {run.desired === 'paused' && run.status !== 'paused' && <span class="muted"> pausing…</span>}
        </span>
      )}
      {allowed.run && <button type="button" class="primary" disabled={busy || !canRun} title={canRun ? undefined : 'Add an instance first'} onClick={() => void start()}>{run === null ? 'Run' : 'Run again'}</button>}
      {allowed.resume && <button type="button" class="primary" disabled={busy} onClick={() => void act(() => session.call('workflows', 'sv.workflow.run', { workflow }), 'Resume requested')}>Resume</button>}
      {allowed.pause && <button type="button" disabled={busy} onClick={() => void act(() => session.call('workflows', 'sv.workflow.pause', { workflow }), 'Pause requested')}>Pause</button>}
      {(allowed.stop || allowed.stopping) && <button type="button" class="danger" disabled={busy || allowed.stopping} onClick={() => void act(() => session.call('workflows', 'sv.workflow.stop', { workflow }), 'Stop requested')}>Stop</button>}
    </div>
  );
}

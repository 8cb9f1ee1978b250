/** The workflows (one's own; admins: everyone's), with their latest run's status, live; a new one is made here. */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import type { RunSummaryDoc, WorkflowDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { mergeIntoList, useLive } from '../api/live.js';
import { Ago } from '../ui/ago.js';
import { StateBadge } from '../ui/badge.js';
import { Dialog } from '../ui/dialog.js';
import { useAction } from '../ui/notices.js';
import { Failed, Loading } from '../ui/page.js';

interface Row {
  workflow: WorkflowDoc;
  /** The latest run's status, when it has one. */
  run: Pick<RunSummaryDoc, '_id' | 'status' | 'desired'> | null;
}

export function WorkflowsView() {
  const session = useSession();
  const [creating, setCreating] = useState(false);
  const rows = useLive('workflows', 'all', async (s) => {
    const { workflows } = await s.call('workflows', 'sv.workflow.refresh.all', { sort: '-updated' });
    const runIds = workflows.map((w) => w.lastRunId).filter((id): id is string => id !== null);
    const runs = new Map<string, Row['run']>();
    // The latest runs' statuses, read together (a few dozen at most on one page).
    await Promise.all(runIds.map(async (id) => {
      try {
        const { run } = await s.call('runs', 'sv.run.refresh', { run: { id }, fields: 'status,desired' });
        runs.set(id, { _id: run._id, status: run.status, desired: run.desired });
      } catch {
        // A run that cannot be read shows as no run.
      }
    }));
    return workflows.map((workflow): Row => ({ workflow, run: workflow.lastRunId === null ? null : runs.get(workflow.lastRunId) ?? null }));
  }, (list, change) => {
    if ('workflow' in change) {
      const doc = change.workflow as WorkflowDoc | { _id: string; deleted: true };
      const merged = mergeIntoList(list.map((r) => r.workflow), doc);
      return merged.map((workflow) => ({ workflow, run: list.find((r) => r.workflow._id === workflow._id)?.run ?? null }));
    }
    if ('run' in change && 'workflowId' in change) {
      const run = change.run as RunSummaryDoc | { _id: string; deleted: true };
      if ('deleted' in run) return list;
      return list.map((row) => (row.workflow._id === run.workflowId ? { ...row, run: { _id: run._id, status: run.status, desired: run.desired } } : row));
    }
    return list;
  });

  return (
    <section>
      <div class="page-head">
        <h1>Workflows</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)}>New workflow</button>
      </div>
      {rows.error !== null ? <Failed error={rows.error} retry={rows.reload} />
        : rows.data === null ? <Loading what="workflows" />
        : rows.data.length === 0 ? <p class="empty">No workflow yet. Make one, then add instances of the workties you installed from the <a href="/workties">catalogue</a>.</p>
        : (
          <ul class="list" aria-label="Workflows">
            {rows.data.map(({ workflow, run }) => (
              <li key={workflow._id} class="card row" data-workflow={workflow.name}>
                <div class="grow">
                  <a class="title" href={`/workflows/${workflow._id}`}>{workflow.name}</a>
                  {workflow.desc !== '' && <p class="muted">{workflow.desc}</p>}
                  <p class="meta">
                    {workflow.worktiesInstancesIds.length} instance{workflow.worktiesInstancesIds.length === 1 ? '' : 's'} · changed <Ago iso={workflow.updated} />
                    {session.isAdmin && workflow.accountId !== session.account._id && <> · <span class="chip">another account</span></>}
                  </p>
                </div>
                {run === null ? <span class="muted">never run</span> : <a href={`/runs/${run._id}`} aria-label="Latest run"><StateBadge state={run.status} /></a>}
              </li>
            ))}
          </ul>
        )}
      {creating && <NewWorkflow onClose={() => setCreating(false)} />}
    </section>
  );
}

function NewWorkflow({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const { route } = useLocation();
  const [busy, act] = useAction();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const answer = await act(() => session.call('workflows', 'sv.workflow.add', {
      workflow: { name: String(form.get('name')).trim(), desc: String(form.get('desc')) },
    }), 'Workflow created');
    if (answer !== undefined) route(`/workflows/${answer.workflow._id}`);
  };
  return (
    <Dialog title="New workflow" onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <label for="workflow-name">Name</label>
        <input id="workflow-name" name="name" required maxLength={200} />
        <label for="workflow-desc">Description</label>
        <textarea id="workflow-desc" name="desc" maxLength={2000} rows={3} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}

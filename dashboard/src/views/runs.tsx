/** A workflow's run history, newest first, live (a new run appears, statuses move). */
import { useRoute } from 'preact-iso';
import type { RunDoc } from '../../../shared/protocol/clients.js';
import { mergeIntoList, useLive } from '../api/live.js';
import { StateBadge } from '../ui/badge.js';
import { duration, shortId, when } from '../ui/format.js';
import { Failed, Loading } from '../ui/page.js';

const PAGE = 50;

export function RunsView() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const workflow = useLive('workflows', `name-${id}`,
    async (s) => (await s.call('workflows', 'sv.workflow.refresh', { workflow: { id }, fields: 'name' })).workflow, (w) => w);
  const runs = useLive('runs', id,
    async (s) => {
      const answer = await s.call('runs', 'sv.run.refresh.all', { workflow: { id }, sort: '-created', per_page: PAGE, count: true });
      return { runs: answer.runs, total: answer.total ?? answer.runs.length };
    },
    (data, change) => {
      const run = change.run as RunDoc | { _id: string; deleted: true } | undefined;
      if (run === undefined || (!('deleted' in run) && run.workflowId !== id)) return data;
      const known = data.runs.some((r) => r._id === run._id);
      const merged = mergeIntoList(data.runs, run);
      // New runs go on top, as sorted.
      const sorted = [...merged].sort((a, b) => b.created.localeCompare(a.created));
      return { runs: sorted, total: data.total + (known ? 0 : merged.length - data.runs.length) };
    });

  const name = workflow.data?.name ?? 'Workflow';
  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/workflows">Workflows</a> › <a href={`/workflows/${id}`}>{name}</a> ›</nav>
      <h1>Run history</h1>
      {runs.error !== null ? <Failed error={runs.error} retry={runs.reload} />
        : runs.data === null ? <Loading what="runs" />
        : runs.data.runs.length === 0 ? <p class="empty">Never run. <a href={`/workflows/${id}`}>Run it</a>.</p>
        : (
          <>
            <div class="table-wrap">
              <table class="table" aria-label="Runs">
                <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Requested</th><th scope="col">Duration</th><th scope="col">Instances</th></tr></thead>
                <tbody>
                  {runs.data.runs.map((run) => (
                    <tr key={run._id} data-run={run._id}>
                      <td><a href={`/runs/${run._id}`}>{shortId(run._id)}</a></td>
                      <td><StateBadge state={run.status} />{run.error !== null && <span class="error-text"> {run.error}</span>}</td>
                      <td>{when(run.created)}</td>
                      <td>{duration(run.started, run.ended)}</td>
                      <td>{run.instances.filter((i) => i.state === 'completed').length}/{run.instances.length} completed</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {runs.data.total > runs.data.runs.length && <p class="muted">The latest {runs.data.runs.length} of {runs.data.total} runs.</p>}
          </>
        )}
    </section>
  );
}

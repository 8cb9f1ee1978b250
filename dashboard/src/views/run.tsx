/**
 * One run: its status and controls, each instance's attempts (board, times, exit code, result,
 * error) with their captured output, and the journal of everything that happened — live.
 */
import { useRoute } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { JournalEntryDoc, LogChunkDoc, RunDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { describe } from '../api/errors.js';
import { useChanges, useLive } from '../api/live.js';
import { StateBadge } from '../ui/badge.js';
import { duration, shortId, when } from '../ui/format.js';
import { Failed, Loading } from '../ui/page.js';
import { RunControls } from './run-controls.js';
import { useDeviceNames } from './workflow-data.js';

type Attempt = RunDoc['instances'][number]['attempts'][number];
const LIVE_ATTEMPT = new Set(['dispatched', 'running']);

export function RunView() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const devices = useDeviceNames();
  const run = useLive('runs', id,
    async (s) => (await s.call('runs', 'sv.run.refresh', { run: { id } })).run,
    (current, change) => {
      const doc = change.run as RunDoc | { _id: string; deleted: true } | undefined;
      return doc === undefined || doc._id !== id || 'deleted' in doc ? current : doc;
    });
  const workflow = useLive('workflows', `name-${run.data?.workflowId ?? ''}`,
    async (s) => (run.data === null ? null : (await s.call('workflows', 'sv.workflow.refresh', { workflow: { id: run.data.workflowId }, fields: 'name' })).workflow),
    (w) => w);

  useEffect(() => {
    // The instance a link pointed at (#instance-…), once it is on screen.
    if (run.data !== null && location.hash.startsWith('#instance-')) document.getElementById(location.hash.slice(1))?.scrollIntoView();
  }, [run.data !== null]);

  if (run.error !== null) return <section><h1>Run</h1><Failed error={run.error} retry={run.reload} /></section>;
  if (run.data === null) return <section><Loading what="the run" /></section>;
  const doc = run.data;
  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/workflows">Workflows</a> › <a href={`/workflows/${doc.workflowId}`}>{workflow.data?.name ?? 'Workflow'}</a> › <a href={`/workflows/${doc.workflowId}/runs`}>Runs</a> ›
      </nav>
      <div class="page-head">
        <h1>Run {shortId(doc._id)}</h1>
        <RunControls workflowId={doc.workflowId} run={doc} canRun />
      </div>
      <dl class="facts card">
        <dt>Requested</dt><dd>{when(doc.created)}</dd>
        <dt>Started</dt><dd>{when(doc.started)}</dd>
        <dt>Ended</dt><dd>{when(doc.ended)}</dd>
        <dt>Duration</dt><dd>{duration(doc.started, doc.ended)}</dd>
        {doc.error !== null && <><dt>Error</dt><dd class="error-text">{doc.error}</dd></>}
      </dl>
      <h2>Instances</h2>
      <ol class="instances" aria-label="Instances of the run">
        {doc.instances.map((instance) => (
          <li key={instance.instanceId} id={`instance-${instance.instanceId}`} class="card instance" data-instance={instance.name} aria-label={`Instance ${instance.name}`}>
            <div class="card-head">
              <h3>{instance.name}</h3>
              <StateBadge state={instance.state} />
              <span class="muted">{instance.runtime}</span>
            </div>
            {instance.properties.length > 0 && (
              <p class="props-line">{instance.properties.map((p) => <span key={p._id} class="chip mono">{p.name}={JSON.stringify(p.value)}</span>)}</p>
            )}
            {instance.attempts.length === 0 ? <p class="muted">No attempt yet.</p> : instance.attempts.map((attempt) => (
              <AttemptView key={attempt.number} runId={doc._id} instanceId={instance.instanceId} attempt={attempt}
                device={devices.get(attempt.deviceId) ?? shortId(attempt.deviceId)}
                openAtFirst={attempt.number === instance.attempts.length} runVersion={doc.updated} />
            ))}
          </li>
        ))}
      </ol>
      <Journal runId={doc._id} names={new Map(doc.instances.map((i) => [i.instanceId, i.name]))} devices={devices} />
    </section>
  );
}

function AttemptView({ runId, instanceId, attempt, device, openAtFirst, runVersion }: {
  runId: string; instanceId: string; attempt: Attempt; device: string; openAtFirst: boolean; runVersion: string;
}) {
  const [open, setOpen] = useState(openAtFirst);
  return (
    <div class="attempt" data-attempt={attempt.number}>
      <p class="meta">
        Attempt {attempt.number} on {device}: <StateBadge state={attempt.status} />
        {attempt.exitCode !== null && <> · exit code <strong>{attempt.exitCode}</strong></>}
        {' · '}{duration(attempt.started ?? attempt.dispatched, attempt.ended)}
        {' · '}<button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? 'Hide output' : 'Show output'}</button>
      </p>
      {attempt.error !== null && <p class="error-text">{attempt.error}</p>}
      {attempt.result !== null && attempt.result !== undefined && (
        <details><summary>Result</summary><pre class="output">{JSON.stringify(attempt.result, null, 2)}</pre></details>
      )}
      {open && <Output runId={runId} instanceId={instanceId} attempt={attempt.number} live={LIVE_ATTEMPT.has(attempt.status)} version={runVersion} />}
    </div>
  );
}

/** An attempt's captured output; read again as the run moves while the attempt is (or just was) live. */
function Output({ runId, instanceId, attempt, live, version }: { runId: string; instanceId: string; attempt: number; live: boolean; version: string }) {
  const session = useSession();
  const [chunks, setChunks] = useState<LogChunkDoc[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const wasLive = useRef(live);
  const shouldRead = chunks === null || live || wasLive.current;
  wasLive.current = live;
  useEffect(() => {
    if (!shouldRead) return undefined;
    let cancelled = false;
    session.call('runs', 'sv.run.logs', { run: { id: runId, instance: instanceId, attempt } }).then(
      ({ logs }) => { if (!cancelled) setChunks(logs); },
      (failure: unknown) => { if (!cancelled) setError(describe(failure)); },
    );
    return () => { cancelled = true; };
  }, [runId, instanceId, attempt, version]);
  if (error !== null) return <Failed error={error} />;
  if (chunks === null) return <Loading what="the output" />;
  if (chunks.length === 0) return <p class="muted">{live ? 'No output yet.' : 'No output.'}</p>;
  return (
    <pre class="output" aria-label={`Output of attempt ${attempt}`} tabIndex={0}>
      {chunks.map((chunk) => <span key={chunk.seq} class={chunk.stream === 'stderr' ? 'stderr' : undefined}>{chunk.text}</span>)}
    </pre>
  );
}

/** Everything that happened to the run, in order; new entries arrive with the run's changes. */
function Journal({ runId, names, devices }: { runId: string; names: Map<string, string>; devices: Map<string, string> }) {
  const session = useSession();
  const [entries, setEntries] = useState<JournalEntryDoc[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const add = (more: JournalEntryDoc[]): void => setEntries((current) => {
    const bySeq = new Map((current ?? []).map((e) => [e.seq, e]));
    for (const entry of more) bySeq.set(entry.seq, entry);
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  });
  useEffect(() => {
    let cancelled = false;
    session.call('runs', 'sv.run.journal', { run: { id: runId }, sort: 'seq', per_page: 1000 }).then(
      ({ journal }) => { if (!cancelled) add(journal); },
      (failure: unknown) => { if (!cancelled) setError(describe(failure)); },
    );
    return () => { cancelled = true; };
  }, [runId, generation]);
  useChanges('runs', (payload) => {
    const change = payload as { run?: { _id: string }; journal?: JournalEntryDoc[] };
    if (change.run?._id === runId && change.journal !== undefined) add(change.journal);
  }, () => setGeneration((g) => g + 1));

  return (
    <details class="journal" open>
      <summary><h2>Journal</h2></summary>
      {error !== null ? <Failed error={error} /> : entries === null ? <Loading what="the journal" /> : (
        <ol class="journal-list" aria-label="Journal">
          {entries.map((entry) => (
            <li key={entry.seq}>
              <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time>
              <span class="journal-type">{entry.type}</span>
              {entry.instanceId !== null && <span class="chip">{names.get(entry.instanceId) ?? shortId(entry.instanceId)}{entry.attempt !== null && ` #${entry.attempt}`}</span>}
              <span class="mono journal-data">{summarise(entry.data, devices)}</span>
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}

/** `key=value …` of an entry's details, with devices by name where known. */
function summarise(data: Record<string, unknown>, devices: Map<string, string>): string {
  const text = Object.entries(data).map(([key, value]) => {
    const shown = key === 'deviceId' && typeof value === 'string' ? devices.get(value) ?? value : value;
    return `${key === 'deviceId' && shown !== value ? 'device' : key}=${typeof shown === 'string' ? shown : JSON.stringify(shown)}`;
  }).join(' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

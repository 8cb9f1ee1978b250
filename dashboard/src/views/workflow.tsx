/**
 * One workflow: its instances in execution order with their live states, the latest run's attempts,
 * run/pause/resume/stop, editing (the workflow, each instance's properties and target), adding an
 * instance of an installed workty.
 */
import { useLocation, useRoute } from 'preact-iso';
import { useState } from 'preact/hooks';
import type { RunDoc, WorktyDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { useLive } from '../api/live.js';
import { Ago } from '../ui/ago.js';
import { StateBadge } from '../ui/badge.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { duration, shortId } from '../ui/format.js';
import { useAction } from '../ui/notices.js';
import { Failed, Loading } from '../ui/page.js';
import { InstanceEditor } from './instance.js';
import { RunControls } from './run-controls.js';
import { useDeviceNames, useRun, useWorkflow, worktyName, type EmbeddedInstance } from './workflow-data.js';

export function WorkflowView() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const loaded = useWorkflow(id);
  const run = useRun(loaded.data?.runId ?? null);
  const devices = useDeviceNames();
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);

  if (loaded.error !== null) return <section><h1>Workflow</h1><Failed error={loaded.error} retry={loaded.reload} /></section>;
  if (loaded.data === null) return <section><Loading what="the workflow" /></section>;
  const { workflow, instances, deleted } = loaded.data;
  if (deleted) return <section><h1>{workflow.name}</h1><p class="warning">This workflow was deleted. <a href="/workflows">Back to the workflows</a></p></section>;
  const current = run.data !== null && run.data._id === loaded.data.runId ? run.data : null;

  return (
    <section>
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/workflows">Workflows</a> ›</nav>
      <div class="page-head">
        <div>
          <h1>{workflow.name}</h1>
          {workflow.desc !== '' && <p class="muted">{workflow.desc}</p>}
        </div>
        <div class="actions">
          <a class="button" href={`/workflows/${workflow._id}/runs`}>Run history</a>
          <button type="button" onClick={() => setEditing(true)}>Edit</button>
        </div>
      </div>
      <div class="card run-card">
        <RunControls workflowId={workflow._id} run={current} canRun={instances.length > 0}
          onStarted={(runId) => loaded.set((d) => (d === null ? d : { ...d, runId }))} />
        {current !== null && (
          <p class="meta">
            <a href={`/runs/${current._id}`}>Run {shortId(current._id)}</a> · requested <Ago iso={current.created} />
            {current.started !== null && <> · {current.ended === null ? 'running for' : 'took'} {duration(current.started, current.ended)}</>}
            {current.error !== null && <> · <span class="error-text">{current.error}</span></>}
          </p>
        )}
      </div>

      <div class="page-head">
        <h2>Instances</h2>
        <button type="button" class="primary" onClick={() => setAdding(true)}>Add instance</button>
      </div>
      {instances.length === 0 ? <p class="empty">No instance yet: add one of your installed workties.</p> : (
        <ol class="instances" aria-label="Instances">
          {instances.map((instance) => (
            <InstanceItem key={instance._id} workflowId={workflow._id} instance={instance} run={current} devices={devices} reload={loaded.reload} />
          ))}
        </ol>
      )}
      {editing && <EditWorkflow id={workflow._id} name={workflow.name} desc={workflow.desc} onClose={() => setEditing(false)} />}
      {adding && <AddInstance workflowId={workflow._id} first={instances.length === 0} onClose={() => setAdding(false)} onAdded={loaded.reload} />}
    </section>
  );
}

function InstanceItem({ workflowId, instance, run, devices, reload }: {
  workflowId: string; instance: EmbeddedInstance; run: RunDoc | null; devices: Map<string, string>; reload: () => void;
}) {
  const [open, setOpen] = useState(false);
  const inRun = run?.instances.find((i) => i.instanceId === instance._id);
  const last = inRun?.attempts[inRun.attempts.length - 1];
  const version = typeof instance.worktyId === 'object' && instance.worktyId !== null ? instance.worktyId.version : '';
  return (
    <li class="card instance" data-instance={instance.name} aria-label={`Instance ${instance.name}`}>
      <div class="card-head">
        <h3>{instance.name}</h3>
        <StateBadge state={instance.state} />
      </div>
      <p class="meta">
        {worktyName(instance)}{version !== '' && ` v${version}`}
        {instance.target?.deviceId !== undefined && <> · on {devices.get(instance.target.deviceId) ?? shortId(instance.target.deviceId)}</>}
        {instance.target?.labels !== undefined && instance.target.labels.length > 0 && <> · on boards labelled {instance.target.labels.join(', ')}</>}
      </p>
      {last !== undefined && run !== null && (
        <p class="meta attempt-line">
          Attempt {last.number} on {devices.get(last.deviceId) ?? shortId(last.deviceId)}: <StateBadge state={last.status} />
          {last.exitCode !== null && <> exit code {last.exitCode}</>}
          {last.started !== null && <> · {duration(last.started, last.ended)}</>}
          {' · '}<a href={`/runs/${run._id}#instance-${instance._id}`}>output</a>
        </p>
      )}
      {last?.error !== undefined && last.error !== null && <p class="error-text">{last.error}</p>}
      <p class="props-line">
        {instance.propertiesIds.length === 0 ? <span class="muted">no properties</span>
          : instance.propertiesIds.map((p) => <span key={p._id} class="chip mono">{p.name}={JSON.stringify(p.value)}</span>)}
      </p>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? 'Close' : 'Edit'}</button>
      {open && <InstanceEditor workflowId={workflowId} instance={instance} devices={devices} onDone={() => setOpen(false)} onSaved={reload} />}
    </li>
  );
}

function EditWorkflow({ id, name, desc, onClose }: { id: string; name: string; desc: string; onClose: () => void }) {
  const session = useSession();
  const { route } = useLocation();
  const [busy, act] = useAction();
  const [confirm, setConfirm] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const done = await act(() => session.call('workflows', 'sv.workflow.upd', {
      workflow: { id, name: String(form.get('name')).trim(), desc: String(form.get('desc')) },
    }), 'Workflow saved');
    if (done !== undefined) onClose();
  };
  const remove = async (): Promise<void> => {
    const done = await act(() => session.call('workflows', 'sv.workflow.del', { workflow: { id } }), `${name} deleted`);
    if (done !== undefined) route('/workflows');
  };
  return (
    <Dialog title="Edit workflow" onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <label for="wf-name">Name</label>
        <input id="wf-name" name="name" required maxLength={200} defaultValue={name} />
        <label for="wf-desc">Description</label>
        <textarea id="wf-desc" name="desc" maxLength={2000} rows={3} defaultValue={desc} />
        <div class="actions">
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirm(true)}>Delete workflow</button>
          <span class="grow" />
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>Save</button>
        </div>
      </form>
      {confirm && <Confirm title={`Delete ${name}?`} action="Delete" onClose={() => setConfirm(false)} onConfirm={() => void remove()}
        message={<p>Its instances and run history are deleted too. A workflow cannot be deleted while it runs.</p>} />}
    </Dialog>
  );
}

/** Adds an instance of one of the caller's installed workties (a copy bought from the catalogue). */
function AddInstance({ workflowId, first, onClose, onAdded }: { workflowId: string; first: boolean; onClose: () => void; onAdded: () => void }) {
  const session = useSession();
  const [busy, act] = useAction();
  const installed = useLive('workties', `installed-${session.account._id}`,
    async (s) => (await s.call('workties', 'sv.workty.refresh.all', { template: false, accountId: s.account._id, sort: 'name' })).workties,
    (list) => list);
  const [worktyId, setWorktyId] = useState('');
  const [name, setName] = useState('');
  const choices: WorktyDoc[] = installed.data ?? [];
  const chosen = choices.find((w) => w._id === worktyId) ?? choices[0];

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (chosen === undefined) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const position = String(form.get('position')) === 'first' ? 'first' : 'last';
    const answer = await act(() => session.call('workflows', 'sv.workflow.add.workty.instance', {
      workflow: { id: workflowId, worktyInstance: { name: name.trim() === '' ? chosen.name : name.trim(), position_type: position } },
      workty: { id: chosen._id },
    }), 'Instance added');
    if (answer !== undefined) {
      onAdded();
      onClose();
    }
  };
  return (
    <Dialog title="Add an instance" onClose={onClose}>
      {installed.error !== null ? <Failed error={installed.error} retry={installed.reload} />
        : installed.data === null ? <Loading what="your workties" />
        : choices.length === 0 ? <p class="empty">You have no workty installed yet. Install one from the <a href="/workties">catalogue</a>.</p>
        : (
          <form class="stack" onSubmit={(e) => void submit(e)}>
            <label for="instance-workty">Workty</label>
            <select id="instance-workty" name="workty" value={chosen?._id} onChange={(e) => setWorktyId(e.currentTarget.value)}>
              {choices.map((w) => <option key={w._id} value={w._id}>{w.name}</option>)}
            </select>
            {chosen !== undefined && chosen.desc !== '' && <p class="hint">{chosen.desc}</p>}
            <label for="instance-name">Name</label>
            <input id="instance-name" name="name" maxLength={200} placeholder={chosen?.name} value={name} onInput={(e) => setName(e.currentTarget.value)} />
            <fieldset disabled={first}>
              <legend>Position</legend>
              <label class="inline"><input type="radio" name="position" value="last" defaultChecked /> Last</label>
              <label class="inline"><input type="radio" name="position" value="first" /> First</label>
            </fieldset>
            <div class="actions">
              <button type="button" onClick={onClose}>Cancel</button>
              <button type="submit" class="primary" disabled={busy}>Add</button>
            </div>
          </form>
        )}
    </Dialog>
  );
}

/**
 * The fleet (admins): every device with its state, last seen, the facts its board reported and its
 * labels, live (`sv.device.changed`: a board going online, running, offline). Devices are registered,
 * edited, disabled or enabled, given a new credential (the secret shown once) and deleted here.
 */
import { useState } from 'preact/hooks';
import type { DeviceDoc, DeviceWithSecretDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { mergeIntoList, useLive } from '../api/live.js';
import { Ago } from '../ui/ago.js';
import { StateBadge } from '../ui/badge.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { bytes } from '../ui/format.js';
import { AdminOnly, Failed, Loading, parseLabels } from '../ui/page.js';
import { useAction } from '../ui/notices.js';
import { SecretReveal, ShownOnce } from '../ui/secret.js';

interface Facts {
  arch?: string;
  cpus?: number;
  memoryBytes?: number;
  os?: string;
  osRelease?: string;
  hostname?: string;
  temperatureC?: number | null;
  runtimes?: string[];
  runtimeVersions?: Record<string, string>;
  agentVersion?: string;
  slots?: number;
}

export function FleetView() {
  const session = useSession();
  if (!session.isAdmin) return <AdminOnly what="The fleet" />;
  return <Fleet />;
}

function Fleet() {
  const session = useSession();
  const devices = useLive('devices', 'all',
    async (s) => (await s.call('devices', 'sv.device.refresh.all', { sort: 'name' })).devices,
    (list, change) => ('device' in change ? mergeIntoList(list, change.device as DeviceDoc) : list));
  const [adding, setAdding] = useState(false);
  const [issued, setIssued] = useState<{ title: string; device: DeviceWithSecretDoc } | null>(null);

  const list = devices.data;
  const count = (test: (d: DeviceDoc) => boolean): number => list?.filter(test).length ?? 0;
  return (
    <section>
      <div class="page-head">
        <h1>Fleet</h1>
        <button type="button" class="primary" onClick={() => setAdding(true)}>Register a device</button>
      </div>
      {list !== null && (
        <p class="summary" aria-label="Fleet summary">
          <span><strong>{count((d) => d.state !== 'disconnected')}</strong> online</span>
          <span><strong>{count((d) => d.state === 'running')}</strong> running</span>
          <span><strong>{count((d) => d.state === 'disconnected')}</strong> offline</span>
          <span><strong>{count((d) => d.disabled)}</strong> disabled</span>
        </p>
      )}
      {devices.error !== null ? <Failed error={devices.error} retry={devices.reload} />
        : list === null ? <Loading what="devices" />
        : list.length === 0 ? <p class="empty">No device yet. Register one, then start a worker on the board with its id and secret.</p>
        : (
          <ul class="cards" aria-label="Devices">
            {list.map((device) => <DeviceCard key={device._id} device={device} onSecret={(d) => setIssued({ title: 'New credential', device: d })} />)}
          </ul>
        )}
      {adding && (
        <RegisterDevice onClose={() => setAdding(false)} onRegistered={(device) => {
          setAdding(false);
          setIssued({ title: 'Device registered', device });
          devices.set((current) => (current === null ? current : mergeIntoList(current, strip(device))));
        }} />
      )}
      {issued !== null && <IssuedSecret title={issued.title} device={issued.device} url={session.origin} onClose={() => setIssued(null)} />}
    </section>
  );
}

function strip({ secret: _secret, ...device }: DeviceWithSecretDoc): DeviceDoc {
  return device;
}

function DeviceCard({ device, onSecret }: { device: DeviceDoc; onSecret: (device: DeviceWithSecretDoc) => void }) {
  const session = useSession();
  const [busy, act] = useAction();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<'rotate' | 'delete' | null>(null);
  const facts = (device.facts ?? {}) as Facts;
  const id = { id: device._id };
  const rotate = async (): Promise<void> => {
    const answer = await act(() => session.call('devices', 'sv.device.rotate.credential', { device: id }));
    if (answer !== undefined) onSecret(answer.device);
  };
  return (
    <li class="card device" data-device={device.name} aria-label={`Device ${device.name}`}>
      <div class="card-head">
        <h2>{device.name}</h2>
        <StateBadge state={device.state} kind="device" />
        {device.disabled && <span class="badge badge-disabled">disabled</span>}
      </div>
      {device.desc !== '' && <p class="muted">{device.desc}</p>}
      <dl class="facts">
        <dt>Last seen</dt><dd><Ago iso={device.lastSeen} /></dd>
        <dt>Board</dt><dd>{facts.arch === undefined ? '—' : `${facts.arch}, ${facts.cpus ?? '?'} CPU, ${facts.memoryBytes === undefined ? '?' : bytes(facts.memoryBytes)}`}</dd>
        <dt>System</dt><dd>{facts.os === undefined ? '—' : `${facts.os} ${facts.osRelease ?? ''}`}{facts.hostname === undefined ? '' : ` (${facts.hostname})`}</dd>
        {facts.temperatureC !== undefined && facts.temperatureC !== null && <><dt>Temperature</dt><dd>{facts.temperatureC.toFixed(1)} °C</dd></>}
        <dt>Runtimes</dt>
        <dd>{(facts.runtimes ?? []).length === 0 ? '—' : facts.runtimes!.map((r) => `${r}${facts.runtimeVersions?.[r] === undefined ? '' : ` ${facts.runtimeVersions[r]}`}`).join(', ')}</dd>
        <dt>Slots</dt><dd>{facts.slots ?? '—'}</dd>
        <dt>Agent</dt><dd>{facts.agentVersion ?? '—'}</dd>
        <dt>Id</dt><dd class="mono">{device._id}</dd>
      </dl>
      <ul class="labels" aria-label="Labels">
        {device.labels.length === 0 ? <li class="muted">no labels</li> : device.labels.map((label) => <li key={label} class="chip">{label}</li>)}
      </ul>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => setEditing(true)}>Edit</button>
        <button type="button" disabled={busy} onClick={() => void act(() => session.call('devices', 'sv.device.upd', { device: { ...id, disabled: !device.disabled } }),
          device.disabled ? `${device.name} enabled` : `${device.name} disabled`)}>{device.disabled ? 'Enable' : 'Disable'}</button>
        <button type="button" disabled={busy} onClick={() => setConfirm('rotate')}>Rotate credential</button>
        <button type="button" class="danger" disabled={busy} onClick={() => setConfirm('delete')}>Delete</button>
      </div>
      {editing && <EditDevice device={device} onClose={() => setEditing(false)} />}
      {confirm === 'rotate' && (
        <Confirm title={`Rotate the credential of ${device.name}?`} action="Rotate" onClose={() => setConfirm(null)} onConfirm={() => void rotate()}
          message={<p>The board's current secret stops working at once and its worker is disconnected. You get a new secret to give it.</p>} />
      )}
      {confirm === 'delete' && (
        <Confirm title={`Delete ${device.name}?`} action="Delete" onClose={() => setConfirm(null)}
          onConfirm={() => void act(() => session.call('devices', 'sv.device.del', { device: id }), `${device.name} deleted`)}
          message={<p>Its worker is disconnected and its credential stops working. Runs keep their history.</p>} />
      )}
    </li>
  );
}

function DeviceFields({ name, desc, labels }: { name?: string; desc?: string; labels?: string[] }) {
  return (
    <>
      <label for="device-name">Name</label>
      <input id="device-name" name="name" required maxLength={200} defaultValue={name ?? ''} />
      <label for="device-desc">Description</label>
      <input id="device-desc" name="desc" maxLength={2000} defaultValue={desc ?? ''} />
      <label for="device-labels">Labels</label>
      <input id="device-labels" name="labels" defaultValue={(labels ?? []).join(', ')} aria-describedby="device-labels-hint" />
      <p id="device-labels-hint" class="hint">Comma-separated, e.g. <code>arm64, garage</code>. Instances can target a label.</p>
    </>
  );
}

function RegisterDevice({ onClose, onRegistered }: { onClose: () => void; onRegistered: (device: DeviceWithSecretDoc) => void }) {
  const session = useSession();
  const [busy, act] = useAction();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const answer = await act(() => session.call('devices', 'sv.device.add', {
      device: { name: String(form.get('name')).trim(), desc: String(form.get('desc')), labels: parseLabels(String(form.get('labels'))) },
    }));
    if (answer !== undefined) onRegistered(answer.device);
  };
  return (
    <Dialog title="Register a device" onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <DeviceFields />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>Register</button>
        </div>
      </form>
    </Dialog>
  );
}

function EditDevice({ device, onClose }: { device: DeviceDoc; onClose: () => void }) {
  const session = useSession();
  const [busy, act] = useAction();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const done = await act(() => session.call('devices', 'sv.device.upd', {
      device: { id: device._id, name: String(form.get('name')).trim(), desc: String(form.get('desc')), labels: parseLabels(String(form.get('labels'))) },
    }), 'Device saved');
    if (done !== undefined) onClose();
  };
  return (
    <Dialog title={`Edit ${device.name}`} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <DeviceFields name={device.name} desc={device.desc} labels={device.labels} />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>Save</button>
        </div>
      </form>
    </Dialog>
  );
}

/** The device's id and its new secret, shown this once, with how to start its worker. */
function IssuedSecret({ title, device, url, onClose }: { title: string; device: DeviceWithSecretDoc; url: string; onClose: () => void }) {
  const env = `WORKTY_SUPERVISOR_URL=${url} WORKTY_DEVICE_ID=${device._id} WORKTY_DEVICE_SECRET=${device.secret} node dist/worker/main.js`;
  return (
    <Dialog title={`${title}: ${device.name}`} onClose={onClose}>
      <div class="stack">
        <ShownOnce what="device secret" />
        <SecretReveal label="Device id" value={device._id} />
        <SecretReveal label="Device secret" value={device.secret} />
        <SecretReveal label="Start its worker with" value={env} />
        <p class="hint">
          On the board, in a Workty folder (<code>npm ci --omit=dev</code> and the built <code>dist/</code>). With the self-signed certificate
          of <code>npm start</code>, also set <code>WORKTY_SUPERVISOR_CA</code> to a copy of the supervisor's <code>data/tls/cert.pem</code>.
        </p>
        <div class="actions"><button type="button" class="primary" onClick={onClose}>I have copied the secret</button></div>
      </div>
    </Dialog>
  );
}

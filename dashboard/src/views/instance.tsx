/**
 * Editing one instance of a workflow: its property values (each keeps its type: text, number or
 * yes/no), name, description, target (any board, one device, or boards with labels), retry policy;
 * and removing it.
 */
import { useState } from 'preact/hooks';
import type { PropertyDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { Confirm } from '../ui/dialog.js';
import { useAction, useNotify } from '../ui/notices.js';
import { parseLabels } from '../ui/page.js';
import type { EmbeddedInstance } from './workflow-data.js';

type Value = PropertyDoc['value'];

/** The value typed into a property's field, of the property's type; an Error says what is wrong. */
export function parseValue(original: Value, text: string): Value | Error {
  if (typeof original === 'number') {
    const number = Number(text.trim());
    return text.trim() === '' || !Number.isFinite(number) ? new Error('must be a number') : number;
  }
  if (original === null && text === '') return null;
  return text;
}

function valueText(value: Value): string {
  return value === null ? '' : String(value);
}

type TargetKind = 'any' | 'device' | 'labels';

export function InstanceEditor({ workflowId, instance, devices, onDone, onSaved }: {
  workflowId: string; instance: EmbeddedInstance; devices: Map<string, string>; onDone: () => void;
  /** After a save: the workflow's changes carry no property values, so the view reads them again. */
  onSaved: () => void;
}) {
  const session = useSession();
  const notify = useNotify();
  const [busy, act] = useAction();
  const [confirm, setConfirm] = useState(false);
  const [values, setValues] = useState<Record<string, Value>>(Object.fromEntries(instance.propertiesIds.map((p) => [p._id, p.value])));
  const [texts, setTexts] = useState<Record<string, string>>(Object.fromEntries(instance.propertiesIds.map((p) => [p._id, valueText(p.value)])));
  const initialKind: TargetKind = instance.target?.deviceId !== undefined ? 'device' : (instance.target?.labels?.length ?? 0) > 0 ? 'labels' : 'any';
  const [kind, setKind] = useState<TargetKind>(initialKind);
  const workflow = { id: workflowId };
  const prefix = `i-${instance._id}`;

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    // Properties first: each is its own request.
    const changed: { property: PropertyDoc; value: Value }[] = [];
    for (const property of instance.propertiesIds) {
      const value = typeof property.value === 'boolean' ? values[property._id]! : parseValue(property.value, texts[property._id] ?? '');
      if (value instanceof Error) {
        notify('error', `${property.name} ${value.message}`);
        return;
      }
      if (value !== property.value) changed.push({ property, value });
    }
    const update: Record<string, unknown> = {};
    const name = String(form.get('name')).trim();
    const desc = String(form.get('desc'));
    if (name !== instance.name) update.name = name;
    if (desc !== instance.desc) update.desc = desc;
    const deviceId = String(form.get('deviceId') ?? '').trim();
    const labels = parseLabels(String(form.get('labels') ?? ''));
    const target = kind === 'device' ? { deviceId, labels: null } : kind === 'labels' ? { deviceId: null, labels } : { deviceId: null, labels: null };
    const before = { deviceId: instance.target?.deviceId ?? null, labels: (instance.target?.labels?.length ?? 0) > 0 ? instance.target!.labels! : null };
    if (JSON.stringify(target) !== JSON.stringify(before)) Object.assign(update, target);
    const attempts = String(form.get('maxAttempts')).trim();
    const timeout = String(form.get('timeoutS')).trim();
    const retry = attempts === '' && timeout === '' ? null : {
      ...(attempts === '' ? {} : { maxAttempts: Number(attempts) }),
      ...(timeout === '' ? {} : { timeoutMs: Math.round(Number(timeout) * 1000) }),
      ...(instance.retry?.backoffMs === undefined ? {} : { backoffMs: instance.retry.backoffMs }),
    };
    if (JSON.stringify(retry) !== JSON.stringify(instance.retry ?? null)) update.retry = retry;
    if (changed.length === 0 && Object.keys(update).length === 0) {
      onDone();
      return;
    }
    const done = await act(async () => {
      for (const { property, value } of changed) {
        await session.call('workflows', 'sv.workflow.upd.workty.instance.property', {
          workflow: { ...workflow, worktyInstance: { id: instance._id, property: { id: property._id, value } } },
        });
      }
      if (Object.keys(update).length > 0) {
        await session.call('workflows', 'sv.workflow.upd.workty.instance', { workflow: { ...workflow, worktyInstance: { id: instance._id, ...update } } });
      }
      return true;
    }, `${name} saved`);
    if (done !== undefined) {
      onSaved();
      onDone();
    }
  };

  return (
    <form class="stack editor" onSubmit={(e) => void save(e)} aria-label={`Edit ${instance.name}`}>
      {instance.propertiesIds.length > 0 && (
        <fieldset>
          <legend>Properties</legend>
          {instance.propertiesIds.map((p) => (typeof p.value === 'boolean' ? (
            <label key={p._id} class="inline">
              <input type="checkbox" name={`property-${p.name}`} checked={values[p._id] === true}
                onChange={(e) => setValues({ ...values, [p._id]: e.currentTarget.checked })} /> {p.name}
            </label>
          ) : (
            <div key={p._id} class="field">
              <label for={`${prefix}-p-${p._id}`}>{p.name}</label>
              <input id={`${prefix}-p-${p._id}`} name={`property-${p.name}`} class="mono" inputMode={typeof p.value === 'number' ? 'decimal' : undefined}
                value={texts[p._id]} onInput={(e) => setTexts({ ...texts, [p._id]: e.currentTarget.value })} />
            </div>
          )))}
        </fieldset>
      )}
      <label for={`${prefix}-name`}>Name</label>
      <input id={`${prefix}-name`} name="name" required maxLength={200} defaultValue={instance.name} />
      <label for={`${prefix}-desc`}>Description</label>
      <input id={`${prefix}-desc`} name="desc" maxLength={2000} defaultValue={instance.desc} />
      <fieldset>
        <legend>Runs on</legend>
        {(['any', 'device', 'labels'] as const).map((k) => (
          <label key={k} class="inline">
            <input type="radio" name={`${prefix}-target`} checked={kind === k} onChange={() => setKind(k)} />
            {k === 'any' ? ' any suitable board' : k === 'device' ? ' one device' : ' boards with labels'}
          </label>
        ))}
        {kind === 'device' && (devices.size > 0 ? (
          <select name="deviceId" aria-label="Device" defaultValue={instance.target?.deviceId}>
            {[...devices].map(([id, name]) => <option key={id} value={id}>{name}</option>)}
          </select>
        ) : <input name="deviceId" aria-label="Device id" class="mono" required defaultValue={instance.target?.deviceId} placeholder="device id" />)}
        {kind === 'labels' && <input name="labels" aria-label="Labels" required defaultValue={(instance.target?.labels ?? []).join(', ')} placeholder="arm64, garage" />}
      </fieldset>
      <fieldset class="row-fields">
        <legend>Retries and timeout (empty: the supervisor's defaults)</legend>
        <div class="field">
          <label for={`${prefix}-attempts`}>Attempts</label>
          <input id={`${prefix}-attempts`} name="maxAttempts" type="number" min={1} max={20} defaultValue={instance.retry?.maxAttempts?.toString() ?? ''} />
        </div>
        <div class="field">
          <label for={`${prefix}-timeout`}>Timeout (s)</label>
          <input id={`${prefix}-timeout`} name="timeoutS" type="number" min={0.1} step="any" defaultValue={instance.retry?.timeoutMs === undefined ? '' : String(instance.retry.timeoutMs / 1000)} />
        </div>
      </fieldset>
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={() => setConfirm(true)}>Remove</button>
        <span class="grow" />
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" class="primary" disabled={busy}>Save</button>
      </div>
      {confirm && (
        <Confirm title={`Remove ${instance.name}?`} action="Remove" onClose={() => setConfirm(false)}
          onConfirm={() => void act(() => session.call('workflows', 'sv.workflow.del.workty.instance', { workflow: { ...workflow, worktyInstance: { id: instance._id } } }), `${instance.name} removed`)}
          message={<p>The instance and its property values leave the workflow. Past runs keep their record of it.</p>} />
      )}
    </form>
  );
}

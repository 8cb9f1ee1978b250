/**
 * Templates (admins): the catalogue's workties, live; publish one with its package (a zip uploaded
 * through the socket as binary), edit its price, description or package, delete it.
 */
import { useState } from 'preact/hooks';
import type { PropertyDoc, WorktyDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { mergeIntoList, useLive } from '../api/live.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { bytes, money, parseMoney } from '../ui/format.js';
import { useAction, useNotify } from '../ui/notices.js';
import { AdminOnly, Failed, Loading } from '../ui/page.js';
import { useLanguages } from './catalogue.js';

/** "timeout=1000" lines → properties; values read as numbers or yes/no where they look like one. */
export function parseProperties(text: string): { name: string; value: PropertyDoc['value'] }[] | Error {
  const properties = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    if (at <= 0) return new Error(`line ${index + 1}: write name=value`);
    const name = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    properties.push({ name, value: value === 'true' ? true : value === 'false' ? false : value !== '' && Number.isFinite(Number(value)) ? Number(value) : value });
  }
  return properties;
}

export function TemplatesView() {
  const session = useSession();
  if (!session.isAdmin) return <AdminOnly what="Templates" />;
  return <Templates />;
}

function Templates() {
  const languages = useLanguages();
  const [editing, setEditing] = useState<WorktyDoc | 'new' | null>(null);
  const templates = useLive('workties', 'templates',
    async (s) => (await s.call('workties', 'sv.workty.refresh.all', { template: true, sort: 'name', embed: 'properties' })).workties,
    (list, change) => {
      if (!('workty' in change)) return list;
      const doc = change.workty as WorktyDoc | { _id: string; deleted: true };
      // Changes carry property ids, not values: read the list again for a template's properties.
      if (!('deleted' in doc) && doc.template) return 'reload';
      return mergeIntoList(list, doc, (w) => w.template);
    });
  return (
    <section>
      <div class="page-head">
        <h1>Templates</h1>
        <button type="button" class="primary" onClick={() => setEditing('new')}>Publish a template</button>
      </div>
      {templates.error !== null ? <Failed error={templates.error} retry={templates.reload} />
        : templates.data === null ? <Loading what="templates" />
        : templates.data.length === 0 ? <p class="empty">No template yet.</p>
        : (
          <ul class="cards" aria-label="Templates">
            {templates.data.map((t) => (
              <li key={t._id} class="card" data-template={t.name}>
                <div class="card-head"><h2>{t.name}</h2><span class="chip">{languages.get(t.languageTypeId)?.name ?? ''}</span></div>
                <p class="muted">{t.desc}</p>
                <dl class="facts">
                  <dt>Price</dt><dd>{money(t.price)}{t.discountPercent > 0 && ` − ${t.discountPercent}%`}</dd>
                  <dt>Version</dt><dd>{t.version}</dd>
                  <dt>Entry point</dt><dd class="mono">{t.entryPointModuleFileName}</dd>
                  <dt>Package</dt><dd>{t.package === null ? <span class="error-text">none</span> : `${bytes(t.package.size)} · ${t.package.hash.slice(0, 12)}`}</dd>
                  <dt>Properties</dt>
                  <dd>{(t.propertiesIds as unknown as PropertyDoc[]).map((p) => <span key={p._id} class="chip mono">{p.name}={JSON.stringify(p.value)}</span>)}</dd>
                </dl>
                <div class="actions"><button type="button" onClick={() => setEditing(t)}>Edit</button></div>
              </li>
            ))}
          </ul>
        )}
      {editing !== null && <TemplateForm template={editing === 'new' ? null : editing} languages={[...languages.values()]} onClose={() => setEditing(null)} />}
    </section>
  );
}

function TemplateForm({ template, languages, onClose }: {
  template: WorktyDoc | null; languages: { _id: string; name: string; version: string | null }[]; onClose: () => void;
}) {
  const session = useSession();
  const notify = useNotify();
  const [busy, act] = useAction();
  const [confirm, setConfirm] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const price = parseMoney(String(form.get('price')) || '0');
    const discount = Number(form.get('discount') || 0);
    if (price === null || !Number.isFinite(discount)) {
      notify('error', 'Price and discount must be numbers');
      return;
    }
    const file = form.get('package');
    const code = file instanceof File && file.size > 0 ? new Uint8Array(await file.arrayBuffer()) : undefined;
    const fields = {
      name: String(form.get('name')).trim(), desc: String(form.get('desc')), languageTypeId: String(form.get('language')),
      entryPointModuleFileName: String(form.get('entry')).trim(), price, discountPercent: discount, version: String(form.get('version')).trim() || '1.0.0',
      ...(code === undefined ? {} : { compressedCode: code }),
    };
    const properties = parseProperties(String(form.get('properties')));
    if (properties instanceof Error) {
      notify('error', `Properties, ${properties.message}`);
      return;
    }
    if (template === null) {
      if (code === undefined) {
        notify('error', 'Choose the package: a zip of the task\'s files');
        return;
      }
      const done = await act(() => session.call('workties', 'sv.workty.add', { workty: { ...fields, template: true, properties } }), `${fields.name} published`);
      if (done !== undefined) onClose();
      return;
    }
    const id = template._id;
    const before = template.propertiesIds as unknown as PropertyDoc[];
    const done = await act(async () => {
      await session.call('workties', 'sv.workty.upd', { workty: { id, ...fields } });
      // Properties are their own documents: add, change and remove each one.
      for (const property of properties) {
        const old = before.find((p) => p.name === property.name);
        if (old === undefined) await session.call('workties', 'sv.workty.add.property', { workty: { id, property } });
        else if (old.value !== property.value && !(old.value === null && property.value === '')) await session.call('workties', 'sv.workty.upd.property', { workty: { id, property: { id: old._id, value: property.value } } });
      }
      for (const old of before.filter((p) => !properties.some((q) => q.name === p.name))) {
        await session.call('workties', 'sv.workty.del.property', { workty: { id, property: { id: old._id } } });
      }
      return true;
    }, `${fields.name} saved`);
    if (done !== undefined) onClose();
  };
  return (
    <Dialog title={template === null ? 'Publish a template' : `Edit ${template.name}`} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <label for="t-name">Name</label>
        <input id="t-name" name="name" required maxLength={200} defaultValue={template?.name} />
        <label for="t-desc">Description</label>
        <textarea id="t-desc" name="desc" rows={2} maxLength={2000} defaultValue={template?.desc} />
        <label for="t-language">Runtime</label>
        <select id="t-language" name="language" required defaultValue={template?.languageTypeId}>
          {languages.map((l) => <option key={l._id} value={l._id}>{l.name}{l.version === null ? '' : ` ${l.version}`}</option>)}
        </select>
        <label for="t-entry">Entry point</label>
        <input id="t-entry" name="entry" required class="mono" placeholder="index.js" defaultValue={template?.entryPointModuleFileName} />
        <label for="t-package">Package (zip){template !== null && ' — leave empty to keep the current one'}</label>
        <input id="t-package" name="package" type="file" accept=".zip,application/zip" required={template === null} />
        <label for="t-properties">Properties</label>
        <textarea id="t-properties" name="properties" rows={3} class="mono" placeholder={'timeout=1000\ngreeting=hello'} aria-describedby="t-properties-hint"
          defaultValue={template === null ? '' : (template.propertiesIds as unknown as PropertyDoc[]).map((p) => `${p.name}=${p.value === null ? '' : String(p.value)}`).join('\n')} />
        <p id="t-properties-hint" class="hint">
          One <code>name=value</code> per line: the defaults each instance starts with{template !== null && ' (instances already made keep their own values)'}.
        </p>
        <div class="row-fields">
          <div class="field"><label for="t-price">Price</label><input id="t-price" name="price" inputMode="decimal" defaultValue={template === null ? '0' : money(template.price)} /></div>
          <div class="field"><label for="t-discount">Discount %</label><input id="t-discount" name="discount" type="number" min={0} max={100} defaultValue={String(template?.discountPercent ?? 0)} /></div>
          <div class="field"><label for="t-version">Version</label><input id="t-version" name="version" maxLength={50} defaultValue={template?.version ?? '1.0.0'} /></div>
        </div>
        <div class="actions">
          {template !== null && <button type="button" class="danger" disabled={busy} onClick={() => setConfirm(true)}>Delete</button>}
          <span class="grow" />
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{template === null ? 'Publish' : 'Save'}</button>
        </div>
      </form>
      {confirm && template !== null && (
        <Confirm title={`Delete ${template.name}?`} action="Delete" onClose={() => setConfirm(false)}
          onConfirm={() => void act(() => session.call('workties', 'sv.workty.del', { workty: { id: template._id } }), `${template.name} deleted`).then((done) => { if (done !== undefined) onClose(); })}
          message={<p>It leaves the catalogue. Copies already installed in accounts stay.</p>} />
      )}
    </Dialog>
  );
}

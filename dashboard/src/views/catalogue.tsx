/**
 * The catalogue: the templates published by admins, installed ("bought") into one's account at
 * their price, and the workties one has installed — those a workflow's instances are made of.
 */
import type { DictionaryEntryDoc, WorktyDoc } from '../../../shared/protocol/clients.js';
import { useAccount, useSession } from '../api/context.js';
import { mergeIntoList, useLive } from '../api/live.js';
import { money } from '../ui/format.js';
import { useAction } from '../ui/notices.js';
import { Failed, Loading } from '../ui/page.js';

/** What a template costs after its discount, in cents (the payment's rule). */
export function priceOf(workty: Pick<WorktyDoc, 'price' | 'discountPercent'>): number {
  return Math.round((workty.price * (100 - workty.discountPercent)) / 100);
}

/** The language types by id (for "nodejs", "python" beside each workty). */
export function useLanguages(): Map<string, DictionaryEntryDoc> {
  const languages = useLive('workties', 'dictionary-languageTypes',
    async (s) => (await s.call('workties', 'sv.workty.refresh.dictionary', { dictionary: { name: 'languageTypes' } })).entries, (list) => list);
  return new Map((languages.data ?? []).map((entry) => [entry._id, entry]));
}

export function CatalogueView() {
  const session = useSession();
  const me = session.account._id;
  const languages = useLanguages();
  const workties = useLive('workties', `catalogue-${me}`,
    async (s) => {
      const [templates, mine] = await Promise.all([
        s.call('workties', 'sv.workty.refresh.all', { template: true, sort: 'name' }),
        s.call('workties', 'sv.workty.refresh.all', { template: false, accountId: me, sort: 'name' }),
      ]);
      return [...templates.workties, ...mine.workties];
    },
    (list, change) => ('workty' in change ? mergeIntoList(list, change.workty as WorktyDoc, (w) => w.template || w.accountId === me) : list));
  const account = useAccount();
  const [busy, act] = useAction();

  const all = workties.data ?? [];
  const templates = all.filter((w) => w.template);
  const installed = all.filter((w) => !w.template && w.accountId === me);
  const buy = async (template: WorktyDoc): Promise<void> => {
    const bought = await act(() => session.call('payments', 'sv.payment.add', { payment: { worktyId: template._id } }),
      `${template.name} installed`);
    if (bought !== undefined) workties.reload();
  };
  const language = (w: WorktyDoc): string => languages.get(w.languageTypeId)?.name ?? '';

  return (
    <section>
      <div class="page-head">
        <h1>Catalogue</h1>
        <p class="balance">Balance: <strong>{money(account.amount)}</strong></p>
      </div>
      {workties.error !== null ? <Failed error={workties.error} retry={workties.reload} />
        : workties.data === null ? <Loading what="the catalogue" />
        : (
          <>
            <h2>Templates</h2>
            {templates.length === 0 ? <p class="empty">No template published yet.</p> : (
              <ul class="cards" aria-label="Templates">
                {templates.map((template) => {
                  const owned = installed.filter((w) => w.templateId === template._id).length;
                  const price = priceOf(template);
                  return (
                    <li key={template._id} class="card" data-template={template.name} aria-label={`Template ${template.name}`}>
                      <div class="card-head"><h3>{template.name}</h3><span class="chip">{language(template)}</span></div>
                      <p class="muted">{template.desc}</p>
                      <p class="meta">
                        {price === 0 ? 'free' : <>price {money(price)}</>}
                        {template.discountPercent > 0 && <> ({template.discountPercent}% off {money(template.price)})</>}
                        {owned > 0 && <> · installed{owned > 1 ? ` ${owned} times` : ''}</>}
                      </p>
                      <button type="button" class={owned === 0 ? 'primary' : undefined} disabled={busy} onClick={() => void buy(template)}>
                        {owned === 0 ? 'Install' : 'Install again'}{price > 0 && ` for ${money(price)}`}
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
            <h2>Installed</h2>
            {installed.length === 0 ? <p class="empty">Nothing installed yet: install a template above, then use it in a <a href="/workflows">workflow</a>.</p> : (
              <ul class="list" aria-label="Installed workties">
                {installed.map((w) => (
                  <li key={w._id} class="card row" data-workty={w.name}>
                    <div class="grow"><strong>{w.name}</strong> <span class="chip">{language(w)}</span><p class="muted">{w.desc}</p></div>
                    <span class="muted">v{w.version}</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
    </section>
  );
}

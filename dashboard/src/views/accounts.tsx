/** Accounts (admins): every account, live; create one, fund it, change its role, remove or restore it, delete it. */
import { useState } from 'preact/hooks';
import type { AccountDoc } from '../../../shared/protocol/clients.js';
import { useSession } from '../api/context.js';
import { mergeIntoList, useLive } from '../api/live.js';
import { Ago } from '../ui/ago.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { money, parseMoney } from '../ui/format.js';
import { useAction, useNotify } from '../ui/notices.js';
import { AdminOnly, Failed, Loading } from '../ui/page.js';

export function AccountsView() {
  const session = useSession();
  if (!session.isAdmin) return <AdminOnly what="Accounts" />;
  return <Accounts />;
}

function Accounts() {
  const [creating, setCreating] = useState(false);
  const accounts = useLive('accounts', 'all',
    async (s) => (await s.call('accounts', 'sv.account.refresh.all', { sort: 'email' })).accounts,
    (list, change) => ('account' in change ? mergeIntoList(list, change.account as AccountDoc) : list));
  return (
    <section>
      <div class="page-head">
        <h1>Accounts</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)}>New account</button>
      </div>
      {accounts.error !== null ? <Failed error={accounts.error} retry={accounts.reload} />
        : accounts.data === null ? <Loading what="accounts" />
        : (
          <ul class="list" aria-label="Accounts">
            {accounts.data.map((account) => <AccountRow key={account._id} account={account} />)}
          </ul>
        )}
      {creating && <NewAccount onClose={() => setCreating(false)} />}
    </section>
  );
}

function AccountRow({ account }: { account: AccountDoc }) {
  const session = useSession();
  const [busy, act] = useAction();
  const [funding, setFunding] = useState(false);
  const [confirm, setConfirm] = useState<'remove' | 'delete' | null>(null);
  const me = account._id === session.account._id;
  const admin = account.aclRoleNames.includes('admin');
  const id = { id: account._id };
  return (
    <li class={`card row${account.removed ? ' removed' : ''}`} data-account={account.email} aria-label={`Account ${account.email}`}>
      <div class="grow">
        <strong>{account.name}</strong> <span class="muted">{account.email}</span>
        <p class="meta">
          {account.aclRoleNames.map((role) => <span key={role} class="chip">{role}</span>)}
          {' '}balance <strong>{money(account.amount)}</strong> · since <Ago iso={account.created} />
          {account.removed && <> · <span class="badge badge-disabled">removed</span></>}
          {me && <> · <span class="chip">you</span></>}
        </p>
      </div>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => setFunding(true)}>Fund</button>
        {!me && (
          <button type="button" disabled={busy} onClick={() => void act(() => session.call('accounts', 'sv.account.upd', {
            account: { ...id, aclRoleNames: admin ? ['regular'] : ['admin'] },
          }), admin ? `${account.email} is now a regular user` : `${account.email} is now an admin`)}>{admin ? 'Make regular' : 'Make admin'}</button>
        )}
        {!me && (account.removed
          ? <button type="button" disabled={busy} onClick={() => void act(() => session.call('accounts', 'sv.account.upd', { account: { ...id, removed: false } }), `${account.email} restored`)}>Restore</button>
          : <button type="button" class="danger" disabled={busy} onClick={() => setConfirm('remove')}>Remove</button>)}
        {!me && <button type="button" class="danger" disabled={busy} onClick={() => setConfirm('delete')}>Delete</button>}
      </div>
      {funding && <Fund account={account} onClose={() => setFunding(false)} />}
      {confirm === 'remove' && (
        <Confirm title={`Remove ${account.email}?`} action="Remove" onClose={() => setConfirm(null)}
          onConfirm={() => void act(() => session.call('accounts', 'sv.account.del', { account: id }), `${account.email} removed`)}
          message={<p>The account can no longer sign in and its sessions end. Its data stays; it can be restored.</p>} />
      )}
      {confirm === 'delete' && (
        <Confirm title={`Delete ${account.email} for good?`} action="Delete everything" onClose={() => setConfirm(null)}
          onConfirm={() => void act(() => session.call('accounts', 'sv.account.del', { account: { ...id, removing: true } }), `${account.email} deleted`)}
          message={<p>The account and everything it owns — workflows, runs, installed workties, payments — are deleted. This cannot be undone.</p>} />
      )}
    </li>
  );
}

function Fund({ account, onClose }: { account: AccountDoc; onClose: () => void }) {
  const session = useSession();
  const notify = useNotify();
  const [busy, act] = useAction();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const cents = parseMoney(String(form.get('amount')));
    if (cents === null || cents === 0) {
      notify('error', 'Give an amount to add, e.g. 5 or 2.50');
      return;
    }
    // The balance as shown, plus the amount: the account's own changes keep it current.
    const done = await act(() => session.call('accounts', 'sv.account.upd', { account: { id: account._id, amount: account.amount + cents } }),
      (answer) => `${account.email} now has ${money(answer.account.amount)}`);
    if (done !== undefined) onClose();
  };
  return (
    <Dialog title={`Fund ${account.email}`} onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)}>
        <p>Balance now: <strong>{money(account.amount)}</strong></p>
        <label for="fund-amount">Amount to add</label>
        <input id="fund-amount" name="amount" inputMode="decimal" required placeholder="5.00" />
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>Add</button>
        </div>
      </form>
    </Dialog>
  );
}

function NewAccount({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const notify = useNotify();
  const [busy, act] = useAction();
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const amount = parseMoney(String(form.get('amount')) || '0');
    if (amount === null) {
      notify('error', 'The starting balance must be an amount, e.g. 5 or 2.50');
      return;
    }
    const done = await act(() => session.call('accounts', 'sv.account.add', {
      account: {
        name: String(form.get('name')).trim(), email: String(form.get('email')).trim(), password: String(form.get('password')),
        aclRoleNames: form.get('admin') === 'on' ? ['admin'] : ['regular'], amount,
      },
    }), (answer) => `${answer.account.email} created`);
    if (done !== undefined) onClose();
  };
  return (
    <Dialog title="New account" onClose={onClose}>
      <form class="stack" onSubmit={(e) => void submit(e)} autoComplete="off">
        <label for="account-name">Name</label>
        <input id="account-name" name="name" required maxLength={200} />
        <label for="account-email">Email</label>
        <input id="account-email" name="email" type="email" required maxLength={254} />
        <label for="account-password">Password</label>
        <input id="account-password" name="password" type="password" required minLength={12} maxLength={200} autoComplete="new-password" aria-describedby="account-password-hint" />
        <p id="account-password-hint" class="hint">At least 12 characters. Give it to the user: it is never shown again.</p>
        <label for="account-amount">Starting balance</label>
        <input id="account-amount" name="amount" inputMode="decimal" placeholder="0.00" />
        <label class="inline"><input type="checkbox" name="admin" /> Administrator</label>
        <div class="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}

/** The app shell: resumes or asks for a session, then the navigation and the views. */
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { SessionContext, useAccount, useSession } from './api/context.js';
import { Session } from './api/session.js';
import { money } from './ui/format.js';
import { NoticesProvider } from './ui/notices.js';
import { AccountsView } from './views/accounts.js';
import { CatalogueView } from './views/catalogue.js';
import { FleetView } from './views/fleet.js';
import { RunView } from './views/run.js';
import { RunsView } from './views/runs.js';
import { SignIn } from './views/signin.js';
import { TemplatesView } from './views/templates.js';
import { WorkflowView } from './views/workflow.js';
import { WorkflowsView } from './views/workflows.js';

type State = { phase: 'resuming' } | { phase: 'signed-out'; reason: string | null } | { phase: 'signed-in'; session: Session };

export function App() {
  const [state, setState] = useState<State>({ phase: 'resuming' });

  useEffect(() => {
    Session.resume().then(
      (session) => setState(session === null ? { phase: 'signed-out', reason: null } : { phase: 'signed-in', session }),
      (error: unknown) => setState({ phase: 'signed-out', reason: error instanceof Error ? error.message : String(error) }),
    );
  }, []);

  useEffect(() => {
    if (state.phase !== 'signed-in') return undefined;
    return state.session.on('ended', (reason) => setState({ phase: 'signed-out', reason: `Signed out: ${reason}` }));
  }, [state]);

  if (state.phase === 'resuming') return <main class="signin"><p class="muted" role="status">Connecting…</p></main>;
  if (state.phase === 'signed-out') {
    return <SignIn reason={state.reason} onSignedIn={(session) => setState({ phase: 'signed-in', session })} />;
  }
  const signOut = async (): Promise<void> => {
    await state.session.signOut();
    setState({ phase: 'signed-out', reason: null });
  };
  return (
    <SessionContext.Provider value={state.session}>
      <NoticesProvider>
        <LocationProvider>
          <Shell session={state.session} onSignOut={() => void signOut()} />
        </LocationProvider>
      </NoticesProvider>
    </SessionContext.Provider>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const account = useAccount();
  const [online, setOnline] = useState(true);
  const [menuOpen, setMenuOpen] = useState(false);
  const { path } = useLocation();
  useEffect(() => session.on('online', setOnline), [session]);
  useEffect(() => setMenuOpen(false), [path]);

  const admin = account.aclRoleNames.includes('admin');
  const links: [string, string][] = [
    ...(admin ? [['/fleet', 'Fleet'] as [string, string]] : []),
    ['/workflows', 'Workflows'],
    ['/workties', 'Catalogue'],
    ...(admin ? [['/admin/accounts', 'Accounts'], ['/admin/templates', 'Templates']] as [string, string][] : []),
  ];
  const current = (href: string): boolean => path === href || path.startsWith(`${href}/`) || (href === '/workflows' && path.startsWith('/runs/'));
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href="/"><span class="logo" aria-hidden="true" /> Workty</a>
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen(!menuOpen)}>Menu</button>
        <nav id="main-nav" aria-label="Main" class={menuOpen ? 'open' : ''}>
          {links.map(([href, label]) => <a key={href} href={href} aria-current={current(href) ? 'page' : undefined}>{label}</a>)}
        </nav>
        <div class="who">
          <span class="who-name" title={account.email}>{account.name}</span>
          <span class="muted">balance {money(account.amount)}</span>
          <button type="button" class="link" onClick={onSignOut}>Sign out</button>
        </div>
      </header>
      {!online && <p class="offline" role="status">Connection lost — reconnecting…</p>}
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={Home} />
          <Route path="/fleet" component={FleetView} />
          <Route path="/workflows" component={WorkflowsView} />
          <Route path="/workflows/:id" component={WorkflowView} />
          <Route path="/workflows/:id/runs" component={RunsView} />
          <Route path="/runs/:id" component={RunView} />
          <Route path="/workties" component={CatalogueView} />
          <Route path="/admin/accounts" component={AccountsView} />
          <Route path="/admin/templates" component={TemplatesView} />
          <Route default component={NotFound} />
        </Router>
      </main>
    </>
  );
}

/** The start page: the fleet for admins, one's workflows for everyone else. */
function Home() {
  const session = useSession();
  const { route } = useLocation();
  useEffect(() => route(session.isAdmin ? '/fleet' : '/workflows', true), [session]);
  return null;
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>This page does not exist. <a href="/">Back to the start</a>.</p>
    </section>
  );
}

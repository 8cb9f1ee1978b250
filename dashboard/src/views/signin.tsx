/** Sign-in: email and password, sent once in the socket handshake (never stored). */
import { useState } from 'preact/hooks';
import { Session, SignInError } from '../api/session.js';

export function SignIn({ onSignedIn, reason }: { onSignedIn: (session: Session) => void; reason: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await Session.signIn(email.trim(), password);
      setPassword('');
      onSignedIn(session);
    } catch (failure) {
      setError(failure instanceof SignInError && failure.code === 'bad-credentials' ? 'Wrong email or password.'
        : failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={(e) => void submit(e)} aria-describedby={error === null ? undefined : 'signin-error'}>
        <h1><span class="logo" aria-hidden="true" /> Workty</h1>
        <p class="muted">Sign in to see your fleet and workflows.</p>
        {reason !== null && <p class="warning" role="status">{reason}</p>}
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required value={email}
          onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        {error !== null && <p id="signin-error" class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        <p class="hint">After <code>npm start</code>: <code>supervisor@localhost</code>, password in <code>data/admin-password</code>.</p>
      </form>
    </main>
  );
}

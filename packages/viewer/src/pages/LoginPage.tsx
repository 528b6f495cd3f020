/** Email + password sign-in; on success goes to `?next=` (same-origin paths only) or `/`. */
import { useState, type FormEvent } from 'react';
import { ApiError, login } from '../api';
import { navigate, safeNext } from '../router';

export function LoginPage() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>): Promise<void> {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await login(String(form.get('email') ?? ''), String(form.get('password') ?? ''));
      navigate(safeNext(new URLSearchParams(window.location.search).get('next')), { replace: true });
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.status === 401) setError('Wrong email or password.');
      else setError(err instanceof Error ? `Could not sign in: ${err.message}` : 'Could not sign in.');
    }
  }

  return (
    <main className="login">
      <form className="card login-form" onSubmit={onSubmit}>
        <h1>Reprise</h1>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" data-testid="login-submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

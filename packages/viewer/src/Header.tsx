/** Top bar on signed-in pages: product name, the signed-in user, logout. */
import { useEffect, useState } from 'react';
import { isAbort, logout, me, type User } from './api';
import { Link, navigate } from './router';

export function Header() {
  const [user, setUser] = useState<User | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    me(ctrl.signal).then(setUser, (err: unknown) => {
      // A 401 already redirected; other failures only cost us the email in the corner.
      if (!isAbort(err)) console.warn('could not load the current user', err);
    });
    return () => ctrl.abort();
  }, []);

  async function onLogout(): Promise<void> {
    try {
      await logout();
    } finally {
      navigate('/login', { replace: true });
    }
  }

  return (
    <header className="topbar">
      <Link to="/" className="brand">
        Reprise
      </Link>
      <nav className="nav">
        <Link to="/" data-testid="nav-sessions">
          Sessions
        </Link>
        <Link to="/problems" data-testid="nav-problems">
          Problems
        </Link>
        <Link to="/issues" data-testid="nav-issues">
          Issues
        </Link>
        <Link to="/links" data-testid="nav-links">
          Links
        </Link>
        <Link to="/tokens" data-testid="nav-tokens">
          Tokens
        </Link>
        <Link to="/webhooks" data-testid="nav-webhooks">
          Webhooks
        </Link>
      </nav>
      <span className="spacer" />
      {user && <span className="muted">{user.email}</span>}
      <button type="button" className="link-button" onClick={onLogout}>
        Log out
      </button>
    </header>
  );
}

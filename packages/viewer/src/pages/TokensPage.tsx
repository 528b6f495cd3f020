/**
 * API tokens: create one (named, read or write, for every project or some, with an optional
 * expiry; the secret is shown once, with a copy button), list one's tokens and revoke them.
 * A token never grants more than its owner (docs/access.md).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, createToken, isAbort, listProjects, listTokens, revokeToken, type ProjectInfo, type TokenInfo } from '../api';
import { localDateTime } from '../format';
import { copyText } from '../player/clipboard';
import { ListStatus } from './ListStatus';

const STATUS_TEXT: Record<TokenInfo['status'], string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

function message(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

export function TokensPage() {
  const [tokens, setTokens] = useState<TokenInfo[] | null>(null);
  const [projects, setProjects] = useState<ProjectInfo[]>([]);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async (signal?: AbortSignal) => {
    try {
      const [t, p] = await Promise.all([listTokens(signal), listProjects(signal)]);
      setTokens(t);
      setProjects(p);
      setError(null);
    } catch (err) {
      if (!isAbort(err)) setError(message(err));
    }
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    void refresh(ctrl.signal);
    return () => ctrl.abort();
  }, [refresh]);

  async function onRevoke(t: TokenInfo): Promise<void> {
    if (!window.confirm(`Revoke the token "${t.name}"? Scripts using it stop working at once.`)) return;
    try {
      await revokeToken(t.id);
      await refresh();
    } catch (err) {
      if (!isAbort(err)) setError(message(err));
    }
  }

  const projectName = (id: string) => projects.find((p) => p.id === id)?.name ?? id;

  return (
    <main className="page tokens">
      <h1>API tokens</h1>
      <p className="muted">
        A token lets a script use the API as you (<code>Authorization: Bearer …</code>). It can only read, or read and
        write, in the projects you choose, and never more than your own role allows.
      </p>
      <CreateTokenForm projects={projects} onCreated={() => void refresh()} />
      <h2>Your tokens</h2>
      <ListStatus error={error} items={tokens} loading="Loading tokens…" empty="No tokens yet." />
      {tokens && tokens.length > 0 && (
        <table className="sessions links-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Name</th>
              <th>Access</th>
              <th>Projects</th>
              <th>Created</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid="token-row" data-token-id={t.id} data-status={t.status}>
                <td className="nowrap" data-testid="token-status">
                  {STATUS_TEXT[t.status]}
                </td>
                <td data-testid="token-name">{t.name}</td>
                <td data-testid="token-scope">{t.scope === 'read' ? 'Read' : 'Read and write'}</td>
                <td data-testid="token-projects">{t.projectIds ? t.projectIds.map(projectName).join(', ') : 'All your projects'}</td>
                <td className="nowrap">{localDateTime(t.createdAt)}</td>
                <td className="nowrap">
                  {t.revokedAt ? `revoked ${localDateTime(t.revokedAt)}` : t.expiresAt ? localDateTime(t.expiresAt) : 'Never'}
                </td>
                <td>
                  {t.status === 'active' && (
                    <button type="button" data-testid="revoke-token" onClick={() => void onRevoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function CreateTokenForm({ projects, onCreated }: { projects: ProjectInfo[]; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [project, setProject] = useState('');
  const [days, setDays] = useState('90');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function onSubmit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(null);
    const d = days.trim() === '' ? null : Number(days);
    if (d !== null && (!Number.isFinite(d) || d <= 0)) return setError('Expiry must be a positive number of days (or empty for never).');
    setBusy(true);
    try {
      const t = await createToken({
        name: name.trim() || 'api token',
        scope,
        projectIds: project ? [project] : null,
        expiresInSeconds: d === null ? null : Math.round(d * 86_400),
      });
      setCreated({ name: t.name, token: t.token });
      setCopied('idle');
      setName('');
      onCreated();
    } catch (err) {
      if (!isAbort(err)) setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="card link-form">
      <form onSubmit={(e) => void onSubmit(e)}>
        <label>
          Name
          <input type="text" placeholder="nightly export" maxLength={200} data-testid="token-name-input" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Access
          <select value={scope} data-testid="token-scope-input" onChange={(e) => setScope(e.currentTarget.value === 'write' ? 'write' : 'read')}>
            <option value="read">Read</option>
            <option value="write">Read and write</option>
          </select>
        </label>
        <label>
          Project
          <select value={project} data-testid="token-project-input" onChange={(e) => setProject(e.currentTarget.value)}>
            <option value="">All your projects</option>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires in (days)
          <input type="number" min="1" step="any" placeholder="never" data-testid="token-expires-input" value={days} onChange={(e) => setDays(e.currentTarget.value)} />
        </label>
        <button type="submit" className="primary" data-testid="create-token" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {created && (
        <div className="created-link">
          <p>
            Token <strong>{created.name}</strong> created. Copy it now: it is shown only once.
          </p>
          <div className="created-link-row">
            <input readOnly data-testid="created-token" value={created.token} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" data-testid="copy-token" onClick={() => copyText(created.token).then(() => setCopied('copied'), () => setCopied('failed'))}>
              {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * Magic links: create a one-off recording link for a user (shown once, with a copy button)
 * and follow what happened to earlier ones. Refreshes every few seconds so a link that
 * starts recording shows up without a reload.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, createLink, isAbort, listLinks, revokeLink, type CreatedLink, type LinkInfo, type LinkStatus } from '../api';
import { localDateTime } from '../format';
import { copyText } from '../player/clipboard';
import { Link } from '../router';
import { ListStatus } from './ListStatus';

const REFRESH_MS = 5000;

const STATUS_TEXT: Record<LinkStatus, string> = {
  created: 'Not opened yet',
  opened: 'Opened, not recording',
  recording: 'Recording',
  ended: 'Ended',
};

function message(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

export function LinksPage() {
  const [links, setLinks] = useState<LinkInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async (signal?: AbortSignal) => {
    try {
      setLinks(await listLinks(signal));
      setError(null);
    } catch (err) {
      if (!isAbort(err)) setError(message(err));
    }
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    void refresh(ctrl.signal);
    const id = setInterval(() => void refresh(ctrl.signal), REFRESH_MS);
    return () => {
      clearInterval(id);
      ctrl.abort();
    };
  }, [refresh]);

  async function onRevoke(l: LinkInfo): Promise<void> {
    if (!window.confirm(`Revoke the link "${l.label || l.targetUrl}"? It stops working at once, also for a recording in progress.`)) return;
    try {
      await revokeLink(l.id);
      await refresh();
    } catch (err) {
      if (!isAbort(err)) setError(message(err));
    }
  }

  return (
    <main className="page links">
      <h1>Recording links</h1>
      <p className="muted">
        Send a link to a user who can reproduce a problem. They see what will be recorded, press Start, and their
        session appears here tagged with the link's label.
      </p>
      <CreateLinkForm onCreated={() => void refresh()} />
      <h2>Links</h2>
      <ListStatus error={error} items={links} loading="Loading links…" empty="No links yet." />
      {links && links.length > 0 && (
        <table className="sessions links-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Label</th>
              <th>Target</th>
              <th>Expires</th>
              <th>Sessions</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {links.map((l) => (
              <tr key={l.id} data-testid="link-row" data-status={l.status} data-link-id={l.id}>
                <td className="nowrap">
                  <span className={`link-status link-status-${l.status}`} data-testid="link-status">
                    {STATUS_TEXT[l.status]}
                  </span>
                </td>
                <td>{l.label || <span className="muted">—</span>}</td>
                <td className="url" title={l.targetUrl}>
                  {l.targetUrl}
                </td>
                <td className="nowrap">
                  {l.revokedAt ? `revoked ${localDateTime(l.revokedAt)}` : localDateTime(l.expiresAt)}
                </td>
                <td>
                  {l.sessions.length === 0 ? (
                    <span className="muted">{l.maxSessions ? `0 / ${l.maxSessions}` : '0'}</span>
                  ) : (
                    <span className="link-sessions">
                      {l.sessions.map((id, i) => (
                        <Link key={id} to={`/sessions/${encodeURIComponent(id)}`} data-testid="link-session">
                          #{l.sessions.length - i}
                        </Link>
                      ))}
                      {l.maxSessions ? <span className="muted"> of {l.maxSessions}</span> : null}
                    </span>
                  )}
                </td>
                <td>
                  {!l.revokedAt && l.expiresAt > Date.now() && (
                    <button type="button" data-testid="revoke-link" onClick={() => void onRevoke(l)}>
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

function CreateLinkForm({ onCreated }: { onCreated: () => void }) {
  const [targetUrl, setTargetUrl] = useState('');
  const [label, setLabel] = useState('');
  const [hours, setHours] = useState('24');
  const [maxSessions, setMaxSessions] = useState('1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedLink | null>(null);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function onSubmit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(null);
    const h = Number(hours);
    if (!Number.isFinite(h) || h <= 0) return setError('Expiry must be a positive number of hours.');
    const max = maxSessions.trim() === '' ? undefined : Number(maxSessions);
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) return setError('Max sessions must be a positive whole number (or empty).');
    setBusy(true);
    try {
      const link = await createLink({ targetUrl: targetUrl.trim(), label: label.trim(), expiresInSeconds: Math.round(h * 3600), maxSessions: max });
      setCreated(link);
      setCopied('idle');
      setLabel('');
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
          Target URL
          <input
            type="url"
            required
            placeholder="https://app.example.com/checkout"
            data-testid="link-target"
            value={targetUrl}
            onChange={(e) => setTargetUrl(e.currentTarget.value)}
          />
        </label>
        <label>
          Label
          <input
            type="text"
            placeholder="TICKET-123"
            maxLength={200}
            data-testid="link-label-input"
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
          />
        </label>
        <label>
          Expires in (hours)
          <input type="number" min="0.1" step="any" required data-testid="link-expires" value={hours} onChange={(e) => setHours(e.currentTarget.value)} />
        </label>
        <label>
          Max sessions
          <input type="number" min="1" step="1" placeholder="unlimited" data-testid="link-max-sessions" value={maxSessions} onChange={(e) => setMaxSessions(e.currentTarget.value)} />
        </label>
        <button type="submit" className="primary" data-testid="create-link" disabled={busy}>
          {busy ? 'Creating…' : 'Create link'}
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
            Link for <strong>{created.label || created.targetUrl}</strong>, valid until {localDateTime(created.expiresAt)}.
            Copy it now: it is shown only once.
          </p>
          <div className="created-link-row">
            <input readOnly data-testid="created-link-url" value={created.url} onFocus={(e) => e.currentTarget.select()} />
            <button
              type="button"
              data-testid="copy-link"
              onClick={() => copyText(created.url).then(() => setCopied('copied'), () => setCopied('failed'))}
            >
              {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

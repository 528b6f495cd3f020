/**
 * The session page's share links: create one (all panels or the strict view, whole session or from
 * the current moment on, with an expiry; the URL is shown once), and the active ones with when each
 * was last opened, each revocable. Server: shares/.
 */
import { useCallback, useState, type FormEvent } from 'react';
import { createShare, listShares, revokeShare, type ShareInfo } from '../api';
import { localDateTime } from '../format';
import { ErrorAlert } from './ListStatus';
import { ShownOnce } from './ShownOnce';
import { useAdminList } from './useAdminList';
import { useSubmit } from './useSubmit';

const REFRESH_MS = 10_000;

export function SharePanel({ sessionId, startedAt, nowMs }: { sessionId: string; startedAt: number; nowMs: number }) {
  const load = useCallback((signal?: AbortSignal) => listShares(sessionId, signal), [sessionId]);
  const { data: shares, error, refresh, revoke } = useAdminList(load, REFRESH_MS);
  const [open, setOpen] = useState(false);
  const active = shares?.filter((s) => s.status === 'active') ?? [];

  return (
    <details className="share-panel" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary data-testid="share-toggle">
        Share{active.length > 0 ? ` (${active.length} active link${active.length === 1 ? '' : 's'})` : ''}
      </summary>
      <ShareForm sessionId={sessionId} fromMs={startedAt + nowMs} onCreated={() => void refresh()} />
      <ErrorAlert error={error} />
      {active.length > 0 && (
        <ul className="share-list">
          {active.map((s) => (
            <ShareRow
              key={s.id}
              share={s}
              onRevoke={() =>
                void revoke('Revoke this share link? Whoever has it can no longer open the session.', () => revokeShare(s.id))
              }
            />
          ))}
        </ul>
      )}
    </details>
  );
}

function ShareRow({ share: s, onRevoke }: { share: ShareInfo; onRevoke: () => void }) {
  return (
    <li data-testid="share-row" data-share-id={s.id} data-status={s.status}>
      <span>{s.view === 'strict' ? 'Strict view' : 'All panels'}</span>
      {s.from !== null && <span className="muted"> · from {localDateTime(s.from)}</span>}
      <span className="muted"> · expires {localDateTime(s.expiresAt)}</span>
      <span data-testid="share-last-opened" className="muted">
        {' '}
        · {s.lastOpenedAt ? `last opened ${localDateTime(s.lastOpenedAt)} (${s.openCount}×)` : 'not opened yet'}
      </span>{' '}
      <button type="button" data-testid="revoke-share" onClick={onRevoke}>
        Revoke
      </button>
    </li>
  );
}

function ShareForm({ sessionId, fromMs, onCreated }: { sessionId: string; fromMs: number; onCreated: () => void }) {
  const [view, setView] = useState<'strict' | 'full'>('strict');
  const [range, setRange] = useState<'all' | 'from-now'>('all');
  const [hours, setHours] = useState('72');
  const [created, setCreated] = useState<string | null>(null);
  const { busy, error, setError, submit } = useSubmit();

  function onSubmit(e: FormEvent): void {
    e.preventDefault();
    setError(null);
    const h = Number(hours);
    if (!Number.isFinite(h) || h <= 0) return setError('Expiry must be a positive number of hours.');
    void submit(async () => {
      const share = await createShare(sessionId, {
        view,
        expiresInSeconds: Math.round(h * 3600),
        ...(range === 'from-now' ? { from: Math.max(0, Math.round(fromMs)) } : {}),
      });
      setCreated(share.url);
      onCreated();
    });
  }

  return (
    <form className="share-form" onSubmit={onSubmit}>
      <label>
        Shows{' '}
        <select
          data-testid="share-view-select"
          value={view}
          onChange={(e) => setView(e.currentTarget.value === 'full' ? 'full' : 'strict')}
        >
          <option value="strict">the player and panels, without network bodies and console arguments</option>
          <option value="full">the player and every panel</option>
        </select>
      </label>{' '}
      <label>
        Of{' '}
        <select
          data-testid="share-range"
          value={range}
          onChange={(e) => setRange(e.currentTarget.value === 'from-now' ? 'from-now' : 'all')}
        >
          <option value="all">the whole session</option>
          <option value="from-now">the session from the current moment on</option>
        </select>
      </label>{' '}
      <label>
        Expires in (hours){' '}
        <input
          type="number"
          min="0.1"
          step="any"
          className="narrow"
          data-testid="share-expires"
          value={hours}
          onChange={(e) => setHours(e.currentTarget.value)}
        />
      </label>{' '}
      <button type="submit" className="primary" data-testid="create-share" disabled={busy}>
        {busy ? 'Creating…' : 'Create share link'}
      </button>
      <ErrorAlert error={error} />
      {created && (
        <ShownOnce key={created} value={created} valueTestId="created-share-url" copyTestId="copy-share">
          Anyone with this link can watch the session, read-only, without logging in. Copy it now: it is shown only once.
        </ShownOnce>
      )}
    </form>
  );
}

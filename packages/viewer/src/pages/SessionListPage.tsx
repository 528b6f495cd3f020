/** Newest-first table of recorded sessions with cursor pagination. */
import { useEffect, useState } from 'react';
import { ProblemBadges } from './ProblemBadges';
import type { SessionSummary } from '@reprise/protocol';
import { isAbort, listSessions } from '../api';
import { environment, humanDuration, localDateTime } from '../format';
import { Link, navigate } from '../router';

type Status = 'loading' | 'idle' | 'more' | 'error';

export function SessionListPage() {
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>('loading');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    listSessions(null, ctrl.signal).then(
      (page) => {
        setSessions(page.sessions);
        setCursor(page.nextCursor);
        setStatus('idle');
      },
      (err: unknown) => {
        if (isAbort(err)) return;
        setError(err instanceof Error ? err.message : String(err));
        setStatus('error');
      },
    );
    return () => ctrl.abort();
  }, []);

  async function loadMore(): Promise<void> {
    if (!cursor) return;
    setStatus('more');
    try {
      const page = await listSessions(cursor);
      // The server pages by cursor, but guard against a row appearing twice across pages.
      setSessions((prev) => {
        const seen = new Set(prev.map((s) => s.id));
        return [...prev, ...page.sessions.filter((s) => !seen.has(s.id))];
      });
      setCursor(page.nextCursor);
      setStatus('idle');
    } catch (err) {
      if (isAbort(err)) return;
      setError(err instanceof Error ? err.message : String(err));
      setStatus('error');
    }
  }

  return (
    <main className="page">
      <h1>Sessions</h1>
      {status === 'loading' && <p className="muted">Loading sessions…</p>}
      {error && (
        <p className="error" role="alert">
          Could not load sessions: {error}
        </p>
      )}
      {status !== 'loading' && !error && sessions.length === 0 && <EmptyState />}
      {sessions.length > 0 && (
        <table className="sessions">
          <thead>
            <tr>
              <th>Started</th>
              <th>First URL</th>
              <th>Environment</th>
              <th>Problems</th>
              <th className="num">Duration</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => {
              const href = `/sessions/${encodeURIComponent(s.id)}`;
              return (
                <tr
                  key={s.id}
                  data-testid="session-row"
                  className="clickable"
                  // The whole row is a target; the link inside keeps open-in-new-tab working.
                  onClick={(e) => {
                    if (!(e.target instanceof Element && e.target.closest('a'))) navigate(href);
                  }}
                >
                  <td className="nowrap">
                    <Link to={href}>{localDateTime(s.startedAt)}</Link>
                    {s.live && (
                      <span className="live-badge" data-testid="live-badge" title="Receiving events right now">
                        LIVE
                      </span>
                    )}
                    {s.linkLabel && (
                      <span className="link-label" data-testid="link-label" title="Recorded through a magic link">
                        {s.linkLabel}
                      </span>
                    )}
                    {s.userId && (
                      <div className="muted small" data-testid="session-user">
                        {s.userId}
                      </div>
                    )}
                  </td>
                  <td className="url" title={s.firstUrl ?? ''}>
                    {s.firstUrl ?? <span className="muted">—</span>}
                  </td>
                  <td>{environment(s)}</td>
                  <td>
                    <ProblemBadges counts={s.counts} />
                  </td>
                  <td className="num">{humanDuration(s.durationMs)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {cursor && status !== 'loading' && (
        <p>
          <button type="button" onClick={loadMore} disabled={status === 'more'}>
            {status === 'more' ? 'Loading…' : 'Load more'}
          </button>
        </p>
      )}
    </main>
  );
}

function EmptyState() {
  const origin = window.location.origin;
  return (
    <div className="card empty">
      <h2>No sessions yet</h2>
      <p>
        Install the recorder in the web app you want to record, and point it at this server with your project
        key:
      </p>
      <pre>
        <code>npm install @reprise/recorder</code>
      </pre>
      <p>
        The recorder sends batches to <code>{origin}/ingest/v1/batch?key=&lt;project key&gt;</code>. Sessions
        appear here as soon as the first batch is stored; make sure the app's origin is in the project's allowed
        origins.
      </p>
    </div>
  );
}

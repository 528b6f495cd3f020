/**
 * Sessions: a search bar over the query language, a sort, saved searches, and the matching
 * sessions with cursor pagination. The query and sort live in the URL (`/?q=&sort=`), so a
 * search is a link and back/forward move between searches. The list refreshes itself every
 * few seconds while the tab is visible (LIVE badges, new sessions) and keeps the pages
 * already loaded.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ProblemBadges } from './ProblemBadges';
import type { SessionSummary } from '@reprise/protocol';
import { ApiError, isAbort, listSessions, SESSION_SORTS, type SessionSort } from '../api';
import { environment, humanDuration, localDateTime } from '../format';
import { Link, navigate, useSearch } from '../router';
import { SearchBar, type QueryProblem } from '../search/SearchBar';
import { SavedSearches } from '../search/SavedSearches';
import { parseSort, rememberSessionListUrl, sessionListUrl } from '../search/url';

type Status = 'loading' | 'idle' | 'more' | 'error';

const REFRESH_MS = 5000;
const PAGE = 50;
/** The server's largest page: a refresh reloads at most this many rows from the top. */
const MAX_LIMIT = 500;

const SORT_LABELS: Record<SessionSort, string> = {
  newest: 'Newest first',
  oldest: 'Oldest first',
  longest: 'Longest',
  errors: 'Most errors',
  rage: 'Most rage clicks',
  active: 'Most active time',
};

export function SessionListPage() {
  const params = new URLSearchParams(useSearch());
  const q = params.get('q') ?? '';
  const sort = parseSort(params.get('sort'));

  const [draft, setDraft] = useState(q);
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>('loading');
  const [error, setError] = useState<string | null>(null);
  const [queryError, setQueryError] = useState<(QueryProblem & { query: string }) | null>(null);

  // What the poller needs without re-arming its timer on every change.
  const live = useRef({ count: 0, status: 'loading' as Status, badQuery: false, refresh: null as AbortController | null });
  live.current.count = sessions.length;
  live.current.status = status;
  live.current.badQuery = queryError !== null;

  // Back/forward (or a saved search) changes the URL: the bar follows it.
  useEffect(() => setDraft(q), [q]);
  useEffect(() => rememberSessionListUrl(sessionListUrl(q, sort)), [q, sort]);

  const fail = useCallback((err: unknown, query: string) => {
    if (err instanceof ApiError && err.code === 'invalid_query') {
      const b = err.body;
      setQueryError({
        query,
        message: err.message,
        position: typeof b.position === 'number' ? b.position : 0,
        length: typeof b.length === 'number' ? b.length : 0,
      });
      setError(null);
    } else {
      setError(err instanceof Error ? err.message : String(err));
    }
    setStatus('error');
  }, []);

  // A new search: load its first page.
  useEffect(() => {
    const ctrl = new AbortController();
    setStatus('loading');
    setError(null);
    setQueryError(null);
    setSessions([]);
    setCursor(null);
    listSessions({ q, sort, limit: PAGE }, ctrl.signal).then(
      (page) => {
        setSessions(page.sessions);
        setCursor(page.nextCursor);
        setStatus('idle');
      },
      (err: unknown) => {
        if (!isAbort(err)) fail(err, q);
      },
    );
    return () => ctrl.abort();
  }, [q, sort, fail]);

  // Refresh in place: reload from the top as many rows as are shown (new sessions come in
  // at the top, LIVE badges and counts update), keeping the rows and cursor already loaded.
  useEffect(() => {
    let stopped = false;
    async function refresh(): Promise<void> {
      const cur = live.current;
      // Idle, or failed for a reason other than the query (e.g. the server was restarting): try again.
      const canRefresh = (c: typeof cur) => c.status === 'idle' || (c.status === 'error' && !c.badQuery);
      if (document.visibilityState !== 'visible' || !canRefresh(cur) || cur.refresh) return;
      const ctrl = new AbortController();
      cur.refresh = ctrl;
      const loaded = cur.count;
      const limit = Math.min(MAX_LIMIT, Math.max(PAGE, loaded));
      try {
        const page = await listSessions({ q, sort, limit }, ctrl.signal);
        if (stopped || ctrl.signal.aborted || !canRefresh(live.current)) return;
        setError(null);
        setStatus('idle');
        if (loaded <= MAX_LIMIT) {
          setSessions(page.sessions);
          setCursor(page.nextCursor);
        } else {
          // More rows than one request can reload: refresh the top, keep the rest as they were.
          setSessions((prev) => {
            const fresh = new Set(page.sessions.map((s) => s.id));
            return [...page.sessions, ...prev.slice(page.sessions.length).filter((s) => !fresh.has(s.id))];
          });
        }
      } catch (err) {
        // A failed refresh keeps what is shown; the next tick tries again.
        if (!isAbort(err)) console.warn('session list refresh failed', err);
      } finally {
        if (live.current.refresh === ctrl) live.current.refresh = null;
      }
    }
    const id = setInterval(() => void refresh(), REFRESH_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearInterval(id);
      document.removeEventListener('visibilitychange', onVisible);
      live.current.refresh?.abort();
      live.current.refresh = null;
    };
  }, [q, sort]);

  async function loadMore(): Promise<void> {
    if (!cursor) return;
    // A refresh in flight would answer for fewer rows than are about to be shown.
    live.current.refresh?.abort();
    setStatus('more');
    try {
      const page = await listSessions({ q, sort, cursor, limit: PAGE });
      // The server pages by cursor, but guard against a row appearing twice across pages.
      setSessions((prev) => {
        const seen = new Set(prev.map((s) => s.id));
        return [...prev, ...page.sessions.filter((s) => !seen.has(s.id))];
      });
      setCursor(page.nextCursor);
      setStatus('idle');
    } catch (err) {
      if (!isAbort(err)) fail(err, q);
    }
  }

  const search = (next: string, nextSort: SessionSort = sort) => {
    const url = sessionListUrl(next.trim(), nextSort);
    if (url === window.location.pathname + window.location.search) return;
    navigate(url);
  };

  const filtered = q.trim() !== '';

  return (
    <main className="page session-list">
      <div className="list-layout">
        <div className="list-main">
          <div className="list-head">
            <h1>Sessions</h1>
            <label className="sort">
              <span className="muted">Sort</span>
              <select value={sort} onChange={(e) => search(q, parseSort(e.target.value))} data-testid="sort-select">
                {SESSION_SORTS.map((s) => (
                  <option key={s} value={s}>
                    {SORT_LABELS[s]}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <SearchBar value={draft} onChange={setDraft} onSubmit={(v) => search(v)} serverError={queryError} />
          {status === 'loading' && <p className="muted">Loading sessions…</p>}
          {error && (
            <p className="error" role="alert">
              Could not load sessions: {error}
            </p>
          )}
          {status !== 'loading' && !error && !queryError && sessions.length === 0 &&
            (filtered ? (
              <p className="muted" data-testid="no-matches">
                No sessions match this search.
              </p>
            ) : (
              <EmptyState />
            ))}
          {sessions.length > 0 && (
            <table className="sessions">
              <thead>
                <tr>
                  <th>Started</th>
                  <th>First URL</th>
                  <th>Environment</th>
                  <th>Problems</th>
                  <th className="num">Active</th>
                  <th className="num">Pages</th>
                  <th className="num">Duration</th>
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <SessionRow key={s.id} s={s} />
                ))}
              </tbody>
            </table>
          )}
          {cursor && (status === 'idle' || status === 'more') && (
            <p>
              <button type="button" onClick={loadMore} disabled={status === 'more'}>
                {status === 'more' ? 'Loading…' : 'Load more'}
              </button>
            </p>
          )}
        </div>
        <SavedSearches query={q} onApply={(query) => search(query)} />
      </div>
    </main>
  );
}

function SessionRow({ s }: { s: SessionSummary }) {
  const href = `/sessions/${encodeURIComponent(s.id)}`;
  return (
    <tr
      data-testid="session-row"
      data-session-id={s.id}
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
      <td className="num" title="Time with user activity (idle gaps over 5 s left out)" data-testid="session-active">
        {humanDuration(s.activeMs ?? 0)}
      </td>
      <td className="num" title="Pages visited" data-testid="session-pages">
        {s.pageCount ?? 0}
      </td>
      <td className="num">{humanDuration(s.durationMs)}</td>
    </tr>
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

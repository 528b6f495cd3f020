/**
 * Sessions: a search bar over the query language, a sort, saved searches, and the matching
 * sessions with cursor pagination. The query and sort live in the URL (`/?q=&sort=`), so a
 * search is a link and back/forward move between searches. The data (pages, refresh in place,
 * errors) is `useSessionSearch`'s; this page renders it.
 */
import { useEffect, useState } from 'react';
import { ProblemBadges } from './ProblemBadges';
import type { SessionSummary } from '@reprise/protocol';
import { SESSION_SORTS, type SessionSort } from '../api';
import { environment, humanDuration, localDateTime } from '../format';
import { useSessionSearch } from '../hooks/useSessionSearch';
import { Link, navigate, useSearch } from '../router';
import { SearchBar } from '../search/SearchBar';
import { SavedSearches } from '../search/SavedSearches';
import { parseSort, rememberSessionListUrl, sessionListUrl } from '../search/url';

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
  const { sessions, hasMore, status, error, queryError, loadMore } = useSessionSearch(q, sort);

  // Back/forward (or a saved search) changes the URL: the bar follows it.
  useEffect(() => setDraft(q), [q]);
  useEffect(() => rememberSessionListUrl(sessionListUrl(q, sort)), [q, sort]);

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
          {status !== 'loading' &&
            !error &&
            !queryError &&
            sessions.length === 0 &&
            (filtered ? (
              <p className="muted" data-testid="no-matches">
                No sessions match this search.
              </p>
            ) : (
              <EmptyState />
            ))}
          {sessions.length > 0 && <SessionTable sessions={sessions} />}
          {hasMore && (status === 'idle' || status === 'more') && (
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

function SessionTable({ sessions }: { sessions: SessionSummary[] }) {
  return (
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
      <p>Install the recorder in the web app you want to record, and point it at this server with your project key:</p>
      <pre>
        <code>npm install @reprise/recorder</code>
      </pre>
      <p>
        The recorder sends batches to <code>{origin}/ingest/v1/batch?key=&lt;project key&gt;</code>. Sessions appear here as soon as the
        first batch is stored; make sure the app's origin is in the project's allowed origins.
      </p>
    </div>
  );
}

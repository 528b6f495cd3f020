/**
 * The session list's data for one search (query and sort): the first page, more pages by
 * cursor, and a refresh in place every few seconds while the tab is visible (LIVE badges, new
 * sessions), keeping the pages already loaded. A query the server refuses is reported apart
 * from other failures, with where it went wrong, for the search bar.
 */
import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import type { SessionSummary } from '@reprise/protocol';
import { ApiError, isAbort, listSessions, type SessionSort } from '../api';
import type { QueryProblem } from '../search/SearchBar';

export type SearchStatus = 'loading' | 'idle' | 'more' | 'error';

export interface SessionSearch {
  sessions: SessionSummary[];
  /** More rows can be loaded (`loadMore`). */
  hasMore: boolean;
  status: SearchStatus;
  /** A failure other than the query's. */
  error: string | null;
  /** The server refused the query. */
  queryError: (QueryProblem & { query: string }) | null;
  loadMore(): Promise<void>;
}

const REFRESH_MS = 5000;
const PAGE = 50;
/** The server's largest page: a refresh reloads at most this many rows from the top. */
const MAX_LIMIT = 500;

/** What the poller needs without re-arming its timer on every change. */
interface Shown {
  count: number;
  status: SearchStatus;
  badQuery: boolean;
  refresh: AbortController | null;
}

interface Setters {
  setSessions: Dispatch<SetStateAction<SessionSummary[]>>;
  setCursor(cursor: string | null): void;
  setStatus(status: SearchStatus): void;
  setError(error: string | null): void;
}

export function useSessionSearch(q: string, sort: SessionSort): SessionSearch {
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<SearchStatus>('loading');
  const [error, setError] = useState<string | null>(null);
  const [queryError, setQueryError] = useState<(QueryProblem & { query: string }) | null>(null);

  const shown = useRef<Shown>({ count: 0, status: 'loading', badQuery: false, refresh: null });
  shown.current.count = sessions.length;
  shown.current.status = status;
  shown.current.badQuery = queryError !== null;

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

  useRefresh(q, sort, shown, { setSessions, setCursor, setStatus, setError });

  async function loadMore(): Promise<void> {
    if (!cursor) return;
    // A refresh in flight would answer for fewer rows than are about to be shown.
    shown.current.refresh?.abort();
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

  return { sessions, hasMore: cursor !== null, status, error, queryError, loadMore };
}

/**
 * Refresh in place: reload from the top as many rows as are shown (new sessions come in at the
 * top, LIVE badges and counts update), keeping the rows and cursor already loaded.
 */
function useRefresh(q: string, sort: SessionSort, shown: { current: Shown }, set: Setters): void {
  const setters = useRef(set);
  setters.current = set;
  useEffect(() => {
    let stopped = false;
    async function refresh(): Promise<void> {
      const cur = shown.current;
      const { setSessions, setCursor, setStatus, setError } = setters.current;
      // Idle, or failed for a reason other than the query (e.g. the server was restarting): try again.
      const canRefresh = (c: Shown) => c.status === 'idle' || (c.status === 'error' && !c.badQuery);
      if (document.visibilityState !== 'visible' || !canRefresh(cur) || cur.refresh) return;
      const ctrl = new AbortController();
      cur.refresh = ctrl;
      const loaded = cur.count;
      const limit = Math.min(MAX_LIMIT, Math.max(PAGE, loaded));
      try {
        const page = await listSessions({ q, sort, limit }, ctrl.signal);
        if (stopped || ctrl.signal.aborted || !canRefresh(shown.current)) return;
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
        if (shown.current.refresh === ctrl) shown.current.refresh = null;
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
      shown.current.refresh?.abort();
      shown.current.refresh = null;
    };
  }, [q, sort, shown]);
}

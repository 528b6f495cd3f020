/**
 * The backend traces of a session's requests. Read once the events are in, then again every few
 * seconds while the session is live or a request's trace has not arrived yet (exporters batch,
 * so spans come a moment after the request), for a bounded while.
 */
import { useEffect, useMemo, useState } from 'react';
import type { NetworkData } from '@reprise/protocol';
import { ApiError, getSessionTraces, isAbort } from '../api';
import type { Entry } from '../devtools/model';
import { indexTraces, readSessionTraces, type TraceIndex } from '../devtools/traces';

const REFRESH_MS = 3000;
/** How long a missing trace is waited for after the session's last event (live sessions are read until they end). */
const WAIT_FOR_MISSING_MS = 60_000;

export interface SessionTracesState {
  traces: TraceIndex;
  /** 'loading' before the first answer, 'waiting' while missing traces are still expected, 'done', or 'unavailable' (older server, or no access). */
  status: 'loading' | 'waiting' | 'done' | 'unavailable';
}

const EMPTY: TraceIndex = new Map();

/** `lastEventAt`: epoch ms of the session's last event (a session that ended long ago has all the traces it will get). */
export function useSessionTraces(
  id: string,
  network: Entry<NetworkData>[] | null,
  live: boolean,
  lastEventAt: number | null,
): SessionTracesState {
  const [traces, setTraces] = useState<TraceIndex>(EMPTY);
  const [answered, setAnswered] = useState(false);
  const [unavailable, setUnavailable] = useState(false);
  const [openedAt] = useState(() => Date.now());
  const waitFrom = Math.min(openedAt, lastEventAt ?? openedAt);
  const [expired, setExpired] = useState(false);
  const traced = useMemo(() => (network ?? []).filter((e) => e.data.traceId), [network]);
  const missing = traced.some((e) => !traces.has(e.data.traceId!));
  const wanted = network !== null && traced.length > 0 && !unavailable;
  const keepPolling = wanted && (live || (missing && !expired));

  useEffect(() => {
    if (!wanted) return;
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      getSessionTraces(id, ctrl.signal).then(
        (body) => {
          setTraces(indexTraces(readSessionTraces(body)));
          setAnswered(true);
          if (Date.now() - waitFrom > WAIT_FOR_MISSING_MS) setExpired(true);
          if (keepPolling) timer = setTimeout(load, REFRESH_MS);
        },
        (err: unknown) => {
          if (isAbort(err)) return;
          // 404: a server without traces; 403: no access. Anything else is tried again.
          if (err instanceof ApiError && (err.status === 404 || err.status === 403)) setUnavailable(true);
          else timer = setTimeout(load, REFRESH_MS);
        },
      );
    };
    load();
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [id, wanted, keepPolling, waitFrom]);

  const status = unavailable ? 'unavailable' : !answered ? 'loading' : keepPolling && missing ? 'waiting' : 'done';
  return { traces, status };
}

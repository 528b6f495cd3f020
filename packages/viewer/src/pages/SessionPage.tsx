/** One session: header with what was recorded where, then the player beside the devtools panel. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SessionDetail } from '@reprise/protocol';
import { getSession, getSessionEvents, isAbort } from '../api';
import { environment, humanDuration, localDateTime } from '../format';
import { DevtoolsPanel } from '../devtools/DevtoolsPanel';
import { buildMarkers, errorMoments } from '../devtools/markers';
import { buildDevtools } from '../devtools/model';
import { Player, type PlayerApi } from '../player/Player';
import { buildTimeline, type Timeline } from '../player/timeline';
import { Link } from '../router';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function SessionPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<SessionDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [eventsError, setEventsError] = useState<string | null>(null);
  const [loadedCount, setLoadedCount] = useState(0);
  const [nowMs, setNowMs] = useState(0);
  const playerApi = useRef<PlayerApi | null>(null);
  const seek = useCallback((offsetMs: number) => playerApi.current?.seek(offsetMs), []);

  const devtools = useMemo(() => (timeline ? buildDevtools(timeline) : null), [timeline]);
  const markers = useMemo(() => (devtools && timeline ? buildMarkers(devtools, timeline) : []), [devtools, timeline]);
  const moments = useMemo(() => (devtools ? errorMoments(devtools) : []), [devtools]);

  // Details and events load in parallel; the player does not need the details.
  useEffect(() => {
    const ctrl = new AbortController();
    getSession(id, ctrl.signal).then(setDetail, (err: unknown) => {
      if (!isAbort(err)) setDetailError(message(err));
    });
    getSessionEvents(id, ctrl.signal, setLoadedCount).then(
      (events) => {
        try {
          setTimeline(buildTimeline(events));
        } catch (err) {
          setEventsError(message(err));
        }
      },
      (err: unknown) => {
        if (!isAbort(err)) setEventsError(`Could not load the recording: ${message(err)}`);
      },
    );
    return () => ctrl.abort();
  }, [id]);

  return (
    <main className="page session">
      <p className="crumbs">
        <Link to="/">← Sessions</Link>
      </p>
      <SessionHeader detail={detail} error={detailError} />
      <div className="session-body">
        <Player
          timeline={timeline}
          error={eventsError}
          loadedCount={loadedCount}
          onTimeChange={setNowMs}
          apiRef={playerApi}
          markers={markers}
          errorMoments={moments}
        />
        <DevtoolsPanel devtools={devtools} counts={detail?.counts} nowMs={nowMs} onSeek={seek} />
      </div>
    </main>
  );
}

function SessionHeader({ detail, error }: { detail: SessionDetail | null; error: string | null }) {
  if (error) return <p className="error">Could not load session details: {error}</p>;
  if (!detail) return <div className="session-header muted">Loading session…</div>;
  const version = (name: string | null, v: string | null) => (name && v ? `${name} ${v}` : name);
  return (
    <div className="session-header">
      <h1 className="url" title={detail.firstUrl ?? ''}>
        {detail.firstUrl ?? 'Unknown page'}
      </h1>
      <dl className="facts">
        <div>
          <dt>Environment</dt>
          <dd title={detail.userAgent ?? ''}>
            {environment({
              browser: version(detail.browser, detail.browserVersion),
              os: version(detail.os, detail.osVersion),
              device: detail.device,
            })}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{localDateTime(detail.startedAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{humanDuration(detail.durationMs)}</dd>
        </div>
      </dl>
      {detail.missingSeqs?.length > 0 && (
        <p className="warning">
          {detail.missingSeqs.length} upload batch{detail.missingSeqs.length === 1 ? ' was' : 'es were'} lost; the
          replay may jump over gaps.
        </p>
      )}
    </div>
  );
}

/** One session: header with what was recorded where, then the player beside the devtools panel. */
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { ReplayEvent, SessionDetail } from '@reprise/protocol';
import { getSession, isAbort, liveUrl } from '../api';
import { environment, humanDuration, localDateTime } from '../format';
import { DevtoolsPanel } from '../devtools/DevtoolsPanel';
import { buildMarkers, errorMoments } from '../devtools/markers';
import { buildDevtools } from '../devtools/model';
import { Player, type PlayerApi } from '../player/Player';
import type { RrwebEvent, Timeline } from '../player/timeline';
import { isReplayableEvent } from '../player/rrweb-guard';
import { cleanForReplay } from '../player/replay-hygiene';
import { useSessionEvents } from '../player/useSessionEvents';
import { ErrorBoundary, PartFailed } from '../ErrorBoundary';
import { Link } from '../router';
import { lastSessionListUrl } from '../search/url';

/** How often an open live session re-reads its details (counts, and whether it is still live). */
const LIVE_REFRESH_MS = 3000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function SessionPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<SessionDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [nowMs, setNowMs] = useState(0);
  // The panels follow the playhead a frame later: a seek paints first, then the lists catch up.
  const panelNowMs = useDeferredValue(nowMs);
  const playerApi = useRef<PlayerApi | null>(null);
  const seek = useCallback((offsetMs: number) => playerApi.current?.seek(offsetMs), []);
  // Windows loaded after the first go to the player; all of them feed the panels (`loaded`).
  const toPlayer = useCallback((dom: RrwebEvent[]) => playerApi.current?.addEvents(dom, 'loaded'), []);
  const loading = useSessionEvents(id, toPlayer);
  // Live events are merged once every window is in, so they are told apart from loaded ones.
  const timeline = loading.complete ? loading.loaded : null;

  // Live sessions: events that arrived over the stream after the log was loaded.
  const [liveOther, setLiveOther] = useState<ReplayEvent[]>([]);
  const [liveDom, setLiveDom] = useState<RrwebEvent[]>([]);
  const [streaming, setStreaming] = useState(false);
  const [stopped, setStopped] = useState(false);
  const pendingLive = useRef<ReplayEvent[]>([]);
  const timelineRef = useRef<Timeline | null>(null);
  timelineRef.current = timeline;
  const assetsRef = useRef(loading.assets);
  assetsRef.current = loading.assets;

  /** Devtools and markers see loaded plus live events; the player gets live ones via addEvents. */
  const fullTimeline = useMemo(() => {
    if (!timeline || (liveOther.length === 0 && liveDom.length === 0)) return loading.loaded;
    const lastDom = liveDom.length > 0 ? liveDom[liveDom.length - 1].timestamp : 0;
    return {
      ...timeline,
      dom: liveDom.length > 0 ? [...timeline.dom, ...liveDom] : timeline.dom,
      other: liveOther.length > 0 ? [...timeline.other, ...liveOther].sort((a, b) => a.t - b.t) : timeline.other,
      durationMs: Math.max(timeline.durationMs, lastDom - timeline.startTime),
    };
  }, [timeline, loading.loaded, liveOther, liveDom]);

  const deliverLive = useCallback((events: ReplayEvent[]) => {
    const base = timelineRef.current;
    if (!base) {
      pendingLive.current.push(...events);
      return;
    }
    // Asset URLs as for loaded events (player/assets.ts); the rewriter exists before any timeline does.
    const fresh = newSince(base, assetsRef.current ? assetsRef.current.events(events) : []);
    const dom: RrwebEvent[] = [];
    const other: ReplayEvent[] = [];
    for (const e of fresh) {
      if (e.kind === 'dom') {
        if (isReplayableEvent(e.data)) dom.push(cleanForReplay(e.data));
      } else other.push(e);
    }
    dom.sort((a, b) => a.timestamp - b.timestamp);
    if (dom.length > 0) {
      playerApi.current?.addEvents(dom);
      setLiveDom((prev) => [...prev, ...dom]);
    }
    if (other.length > 0) setLiveOther((prev) => [...prev, ...other]);
    // The badge's Stop ends the recording for good: no need to wait for the session to go quiet.
    if (other.some((e) => e.kind === 'custom' && (e.data as { type?: unknown } | null)?.type === 'stop')) setStopped(true);
  }, []);

  // Events that streamed in while the log was still loading, once all of it is here.
  useEffect(() => {
    if (!timeline || pendingLive.current.length === 0) return;
    const pending = pendingLive.current;
    pendingLive.current = [];
    deliverLive(pending);
  }, [timeline, deliverLive]);

  // A session that is live when opened streams its new batches (Server-Sent Events) for as
  // long as the page stays open, even after it goes quiet: if the customer picks up again,
  // nothing is missed. `streamWanted` latches so a later "not live" answer keeps the stream.
  const [streamWanted, setStreamWanted] = useState(false);
  if (detail?.live === true && !streamWanted) setStreamWanted(true);
  useEffect(() => {
    if (!streamWanted || typeof EventSource === 'undefined') return;
    const es = new EventSource(liveUrl(id));
    setStreaming(true);
    es.addEventListener('events', (m: MessageEvent<string>) => {
      try {
        const events = JSON.parse(m.data) as ReplayEvent[];
        if (Array.isArray(events)) deliverLive(events);
      } catch {
        // A malformed message is skipped; the next batch still arrives.
      }
    });
    return () => {
      es.close();
      setStreaming(false);
    };
  }, [streamWanted, id, deliverLive]);

  // While streaming, the details are re-read so the header's counts stay current and the
  // player learns when the session stops being live (no batch for the server's live window).
  useEffect(() => {
    if (!streaming) return;
    const ctrl = new AbortController();
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      getSession(id, ctrl.signal).then(setDetail, () => {
        // A failed refresh keeps the last details; the next tick tries again.
      });
    }, LIVE_REFRESH_MS);
    return () => {
      clearInterval(timer);
      ctrl.abort();
    };
  }, [streaming, id]);
  const liveNow = streaming && detail?.live === true && !stopped;

  const devtools = useMemo(() => (fullTimeline ? buildDevtools(fullTimeline) : null), [fullTimeline]);
  const markers = useMemo(() => (devtools && fullTimeline ? buildMarkers(devtools, fullTimeline) : []), [devtools, fullTimeline]);
  const moments = useMemo(() => (devtools ? errorMoments(devtools) : []), [devtools]);

  // Details and events load in parallel; the player does not need the details.
  useEffect(() => {
    const ctrl = new AbortController();
    getSession(id, ctrl.signal).then(setDetail, (err: unknown) => {
      if (!isAbort(err)) setDetailError(message(err));
    });
    return () => ctrl.abort();
  }, [id]);

  return (
    <main className="page session">
      <p className="crumbs">
        <Link to={lastSessionListUrl()}>← Sessions</Link>
      </p>
      <SessionHeader detail={detail} error={detailError} />
      {(fullTimeline?.unreadable ?? 0) > 0 && (
        <p className="muted unreadable-note" data-testid="unreadable-dom" title="stored events the replay or the panels cannot read">
          {fullTimeline!.unreadable} unreadable event{fullTimeline!.unreadable === 1 ? '' : 's'} left out of the replay
        </p>
      )}
      <div className="session-body">
        <ErrorBoundary resetKey={id} fallback={(error, retry) => <PartFailed what="player" error={error} retry={retry} />}>
          <Player
            timeline={loading.initial}
            durationHintMs={loading.durationMs}
            ensureLoaded={loading.ensureLoaded}
            complete={loading.complete}
            onReady={loading.firstFrameShown}
            error={loading.error}
            loadedCount={loading.loadedCount}
            onTimeChange={setNowMs}
            apiRef={playerApi}
            markers={markers}
            errorMoments={moments}
            live={liveNow}
            liveEnded={streaming && !liveNow}
          />
        </ErrorBoundary>
        <ErrorBoundary resetKey={id} fallback={(error, retry) => <PartFailed what="devtools panel" error={error} retry={retry} />}>
          <DevtoolsPanel sessionId={id} devtools={devtools} counts={detail?.counts} nowMs={panelNowMs} onSeek={seek} />
        </ErrorBoundary>
      </div>
    </main>
  );
}

/**
 * Drops streamed events the loaded log already holds (a batch stored while the log was being
 * read can arrive both ways): anything older than the log's last event, or equal to one at that time.
 */
function newSince(base: Timeline, events: ReplayEvent[]): ReplayEvent[] {
  const lastDom = base.dom.length > 0 ? base.dom[base.dom.length - 1].timestamp : -Infinity;
  const lastOther = base.other.length > 0 ? base.other[base.other.length - 1].t : -Infinity;
  const last = Math.max(lastDom, lastOther);
  const seen = new Set<string>();
  for (let i = base.dom.length - 1; i >= 0 && base.dom[i].timestamp >= last; i--) seen.add(`dom:${JSON.stringify({ ...base.dom[i], delay: undefined })}`);
  for (let i = base.other.length - 1; i >= 0 && base.other[i].t >= last; i--) {
    const o = base.other[i];
    seen.add(`${o.kind}:${JSON.stringify(o.data)}`);
  }
  return events.filter((e) => {
    if (typeof e.t !== 'number' || e.t < last) return false;
    if (e.t > last) return true;
    const data = e.kind === 'dom' && e.data && typeof e.data === 'object' ? { ...(e.data as object), delay: undefined } : e.data;
    return !seen.has(`${e.kind}:${JSON.stringify(data)}`);
  });
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
        {detail.linkLabel && (
          <div>
            <dt>Link</dt>
            <dd data-testid="session-link-label">{detail.linkLabel}</dd>
          </div>
        )}
        {detail.userId && (
          <div>
            <dt>User</dt>
            <dd data-testid="session-user-id">{detail.userId}</dd>
          </div>
        )}
        {detail.tags && Object.keys(detail.tags).length > 0 && (
          <div>
            <dt>Tags</dt>
            <dd data-testid="session-tags">
              {Object.entries(detail.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
            </dd>
          </div>
        )}
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

/** One session: header with what was recorded where, then the player beside the devtools panel. */
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { SessionDetail } from '@reprise/protocol';
import { getSession, isAbort } from '../api';
import { environment, humanDuration, localDateTime } from '../format';
import { useComments } from '../comments/useComments';
import { DevtoolsPanel, type Tab } from '../devtools/DevtoolsPanel';
import { buildMarkers, commentMarkers, errorMoments } from '../devtools/markers';
import { isNetworkError } from '../devtools/model';
import { activityStrip } from '../player/activity';
import { readCommentId, writeCommentId } from '../player/deepLink';
import { buildDevtools } from '../devtools/model';
import { Player, type PlayerApi } from '../player/Player';
import type { RrwebEvent } from '../player/timeline';
import { useSessionEvents } from '../player/useSessionEvents';
import { ErrorBoundary, PartFailed } from '../ErrorBoundary';
import { Link } from '../router';
import { lastSessionListUrl } from '../search/url';
import { DownloadExport } from './DownloadExport';
import { ExportTest } from './ExportTest';
import { SharePanel } from './SharePanel';
import { useLiveSession } from './useLiveSession';
import { useSessionTraces } from './useSessionTraces';

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

  // Live sessions: events that arrive over the stream after the log was loaded.
  const { fullTimeline, streaming, liveNow } = useLiveSession({
    id,
    detail,
    onDetail: setDetail,
    timeline,
    loaded: loading.loaded,
    assets: loading.assets,
    playerApi,
  });

  const devtools = useMemo(() => (fullTimeline ? buildDevtools(fullTimeline) : null), [fullTimeline]);
  const backend = useSessionTraces(id, devtools?.network ?? null, liveNow, devtools ? devtools.startTime + devtools.durationMs : null);
  const comments = useComments(id);
  const eventMarkers = useMemo(
    () => (devtools && fullTimeline ? buildMarkers(devtools, fullTimeline, backend.traces) : []),
    [devtools, fullTimeline, backend.traces],
  );
  const markers = useMemo(() => [...eventMarkers, ...commentMarkers(comments.list ?? [])], [eventMarkers, comments.list]);
  const moments = useMemo(() => (devtools ? errorMoments(devtools) : []), [devtools]);
  const activity = useMemo(
    () =>
      devtools && fullTimeline
        ? activityStrip({
            dom: fullTimeline.dom,
            startTime: fullTimeline.startTime,
            durationMs: Math.max(fullTimeline.durationMs, devtools.durationMs),
            errorOffsets: moments,
            requestOffsets: devtools.network.filter((e) => !isNetworkError(e.data)).map((e) => e.offset),
            commentOffsets: (comments.list ?? []).map((c) => c.offsetMs),
          })
        : null,
    [devtools, fullTimeline, moments, comments.list],
  );

  // The comment shown (its sketch over the frame, highlighted in Notes): from `?comment=` at first.
  const [activeComment, setActiveComment] = useState<string | null>(() => readCommentId());
  const [tab, setTab] = useState<Tab>(() => (readCommentId() ? 'notes' : 'console'));
  const [playerReady, setPlayerReady] = useState(false);
  const { firstFrameShown } = loading;
  const onPlayerReady = useCallback(() => {
    firstFrameShown();
    setPlayerReady(true);
  }, [firstFrameShown]);
  const openComment = useCallback(
    (commentId: string | null) => {
      setActiveComment(commentId);
      writeCommentId(commentId);
      if (!commentId) return;
      setTab('notes');
      // A comment just created is not in this list yet: the player has already moved to it.
      const c = comments.list?.find((x) => x.id === commentId);
      if (c) playerApi.current?.seek(c.offsetMs);
    },
    [comments.list],
  );
  // A deep link to a comment seeks to its moment once the player and the comments are in.
  const deepLinked = useRef(false);
  useEffect(() => {
    if (deepLinked.current || !playerReady || !comments.list || !activeComment) return;
    deepLinked.current = true;
    const c = comments.list.find((x) => x.id === activeComment);
    if (c) playerApi.current?.seek(c.offsetMs);
  }, [playerReady, comments.list, activeComment]);

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
      {detail && <ExportTest id={id} nowMs={panelNowMs} />}
      {detail && <DownloadExport id={id} nowMs={panelNowMs} />}
      {detail && <SharePanel sessionId={id} startedAt={detail.startedAt} nowMs={panelNowMs} />}
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
            onReady={onPlayerReady}
            error={loading.error}
            loadedCount={loading.loadedCount}
            onTimeChange={setNowMs}
            apiRef={playerApi}
            markers={markers}
            errorMoments={moments}
            live={liveNow}
            liveEnded={streaming && !liveNow}
            activity={activity}
            comments={comments.list ?? []}
            activeCommentId={activeComment}
            onSelectComment={openComment}
            onCreateComment={comments.create}
          />
        </ErrorBoundary>
        <ErrorBoundary resetKey={id} fallback={(error, retry) => <PartFailed what="devtools panel" error={error} retry={retry} />}>
          <DevtoolsPanel
            sessionId={id}
            devtools={devtools}
            counts={detail?.counts}
            nowMs={panelNowMs}
            onSeek={seek}
            traces={backend.traces}
            traceStatus={backend.status}
            tab={tab}
            onTab={setTab}
            notes={{
              comments: comments.list,
              error: comments.error,
              activeId: activeComment,
              onOpen: openComment,
              onEdit: (commentId, text) => comments.update(commentId, { text }),
              onDelete: (commentId) => comments.remove(commentId),
            }}
          />
        </ErrorBoundary>
      </div>
    </main>
  );
}

// The page re-renders with the playhead; the header only when the details arrive.
const SessionHeader = memo(function SessionHeader({ detail, error }: { detail: SessionDetail | null; error: string | null }) {
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
          {detail.missingSeqs.length} upload batch{detail.missingSeqs.length === 1 ? ' was' : 'es were'} lost; the replay may jump over
          gaps.
        </p>
      )}
    </div>
  );
});

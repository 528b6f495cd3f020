/**
 * What a share link opens (`/s/:token`), without login: the player and the devtools panels of one
 * session (or a time range of it), read through the token's own routes (server shares/). In the
 * strict view the server has already removed network bodies and console arguments.
 */
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, getSharedEvents, getSharedSession, getSharedTimeline, type SharedSession } from '../api';
import { environment, humanDuration, localDateTime } from '../format';
import { DevtoolsPanel } from '../devtools/DevtoolsPanel';
import { buildMarkers, errorMoments } from '../devtools/markers';
import { buildDevtools } from '../devtools/model';
import { ErrorBoundary, PartFailed } from '../ErrorBoundary';
import { AssetRewriter } from '../player/assets';
import { Player, type PlayerApi } from '../player/Player';
import type { RrwebEvent } from '../player/timeline';
import { useSessionEvents, type SessionSource } from '../player/useSessionEvents';

const REFUSED: Record<string, string> = {
  share_invalid: 'This share link is not valid',
  share_expired: 'This share link has expired',
  share_revoked: 'This share link was turned off',
};

export function SharePage({ token }: { token: string }) {
  const [info, setInfo] = useState<SharedSession | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    getSharedSession(token, ctrl.signal).then(setInfo, (err: unknown) => {
      if (ctrl.signal.aborted) return;
      const code = err instanceof ApiError ? err.code : 'error';
      setError({ code, message: err instanceof Error ? err.message : String(err) });
    });
    return () => ctrl.abort();
  }, [token]);

  if (error) {
    return (
      <main className="page" data-testid="share-error" data-reason={error.code.replace(/^share_/, '')}>
        <h1>{REFUSED[error.code] ?? 'This shared session cannot be shown'}</h1>
        <p>{REFUSED[error.code] ? 'Ask the person who sent it for a new link.' : error.message}</p>
      </main>
    );
  }
  if (!info) return <main className="page muted">Loading shared session…</main>;
  return <SharedPlayer token={token} info={info} />;
}

function SharedPlayer({ token, info }: { token: string; info: SharedSession }) {
  const [nowMs, setNowMs] = useState(0);
  const panelNowMs = useDeferredValue(nowMs);
  const playerApi = useRef<PlayerApi | null>(null);
  const seek = useCallback((offsetMs: number) => playerApi.current?.seek(offsetMs), []);
  const toPlayer = useCallback((dom: RrwebEvent[]) => playerApi.current?.addEvents(dom, 'loaded'), []);
  // Recorded assets are not served to share links: the replay blocks them rather than ask the recorded site.
  const source = useMemo<SessionSource>(
    () => ({
      timeline: (signal) => getSharedTimeline(token, signal),
      events: (range, signal, pace) => getSharedEvents(token, signal, range, pace),
      assets: async () => new AssetRewriter(info.sessionId, 'block'),
    }),
    [token, info.sessionId],
  );
  const loading = useSessionEvents(info.sessionId, toPlayer, source);
  const timeline = loading.complete ? loading.loaded : null;
  const devtools = useMemo(() => (timeline ? buildDevtools(timeline) : null), [timeline]);
  const markers = useMemo(() => (devtools && timeline ? buildMarkers(devtools, timeline) : []), [devtools, timeline]);
  const moments = useMemo(() => (devtools ? errorMoments(devtools) : []), [devtools]);

  return (
    <main className="page session" data-testid="share-view" data-view={info.view}>
      <div className="session-header">
        <h1 className="url" title={info.firstUrl ?? ''}>
          {info.firstUrl ?? 'Unknown page'}
        </h1>
        <p className="muted" data-testid="share-note">
          A read-only shared view{info.from !== null || info.to !== null ? ' of part of a session' : ''}, until{' '}
          {localDateTime(info.expiresAt)}.{info.view === 'strict' && ' Network bodies and console arguments are hidden.'}
        </p>
        <dl className="facts">
          <div>
            <dt>Environment</dt>
            <dd>{environment({ browser: info.browser, os: info.os, device: info.device })}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{localDateTime(info.startedAt)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{humanDuration(info.durationMs)}</dd>
          </div>
        </dl>
      </div>
      <div className="session-body">
        <ErrorBoundary resetKey={token} fallback={(error, retry) => <PartFailed what="player" error={error} retry={retry} />}>
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
            live={false}
            liveEnded={false}
          />
        </ErrorBoundary>
        <ErrorBoundary resetKey={token} fallback={(error, retry) => <PartFailed what="devtools panel" error={error} retry={retry} />}>
          <DevtoolsPanel devtools={devtools} nowMs={panelNowMs} onSeek={seek} />
        </ErrorBoundary>
      </div>
    </main>
  );
}

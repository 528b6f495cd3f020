/**
 * A session opened from an HTML export: the session page's player and devtools panels, fed from
 * the events in the file instead of the API (no range loading, no live stream, no Steps tab).
 */
import { useCallback, useDeferredValue, useMemo, useRef, useState } from 'react';
import type { HtmlExportData } from '@reprise/protocol';
import { DevtoolsPanel } from '../devtools/DevtoolsPanel';
import { buildMarkers, errorMoments } from '../devtools/markers';
import { buildDevtools } from '../devtools/model';
import { ErrorBoundary, PartFailed } from '../ErrorBoundary';
import { Player, type PlayerApi } from '../player/Player';
import { buildTimeline, type Timeline } from '../player/timeline';
import { ExportHeader } from './ExportHeader';

function built(data: HtmlExportData): { timeline: Timeline | null; error: string | null } {
  try {
    // The file holds every event it replays: the timeline is the whole log (no replay index).
    return { timeline: buildTimeline(data.events), error: null };
  } catch (err) {
    return { timeline: null, error: err instanceof Error ? err.message : String(err) };
  }
}

export function ExportPage({ data }: { data: HtmlExportData }) {
  const { timeline, error } = useMemo(() => built(data), [data]);
  const [nowMs, setNowMs] = useState(0);
  const panelNowMs = useDeferredValue(nowMs);
  const playerApi = useRef<PlayerApi | null>(null);
  const seek = useCallback((offsetMs: number) => playerApi.current?.seek(offsetMs), []);
  const devtools = useMemo(() => (timeline ? buildDevtools(timeline) : null), [timeline]);
  const markers = useMemo(() => (devtools && timeline ? buildMarkers(devtools, timeline) : []), [devtools, timeline]);
  const moments = useMemo(() => (devtools ? errorMoments(devtools) : []), [devtools]);
  // A slice opens at its first moment; its events start earlier, at the snapshot that moment needs.
  const [initialMs] = useState(() => (timeline && data.range ? Math.max(0, data.range.from - timeline.startTime) : 0));

  return (
    <main className="page session">
      <p className="crumbs muted">Reprise session {data.session.id}, exported</p>
      <ExportHeader data={data} />
      {(timeline?.unreadable ?? 0) > 0 && (
        <p className="muted unreadable-note" data-testid="unreadable-dom">
          {timeline!.unreadable} unreadable event{timeline!.unreadable === 1 ? '' : 's'} left out of the replay
        </p>
      )}
      <div className="session-body">
        <ErrorBoundary fallback={(err, retry) => <PartFailed what="player" error={err} retry={retry} />}>
          <Player
            timeline={timeline}
            error={error}
            loadedCount={data.events.length}
            onTimeChange={setNowMs}
            apiRef={playerApi}
            markers={markers}
            errorMoments={moments}
            initialMs={initialMs}
          />
        </ErrorBoundary>
        <ErrorBoundary fallback={(err, retry) => <PartFailed what="devtools panel" error={err} retry={retry} />}>
          <DevtoolsPanel devtools={devtools} nowMs={panelNowMs} onSeek={seek} />
        </ErrorBoundary>
      </div>
    </main>
  );
}

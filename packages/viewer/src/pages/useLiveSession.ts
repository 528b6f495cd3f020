/**
 * A session that is live when opened: its new batches stream in (Server-Sent Events) and are
 * merged after the loaded log, and its details are re-read while the stream is open.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type MutableRefObject } from 'react';
import type { ReplayEvent, SessionDetail } from '@reprise/protocol';
import { getSession, liveUrl } from '../api';
import type { PlayerApi } from '../player/Player';
import type { AssetRewriter } from '../player/assets';
import type { RrwebEvent, Timeline } from '../player/timeline';
import { isReplayableEvent } from '../player/rrweb-guard';
import { cleanForReplay } from '../player/replay-hygiene';

/** How often an open live session re-reads its details (counts, and whether it is still live). */
const LIVE_REFRESH_MS = 3000;

interface LiveSession {
  /** The loaded log plus the live events (what the devtools and markers see). */
  fullTimeline: Timeline | null;
  /** The stream is open. */
  streaming: boolean;
  /** The session is recording right now (streaming, the server says live, no Stop seen). */
  liveNow: boolean;
}

/**
 * `timeline` is the loaded log once complete (null before): live events are merged only then, so
 * they are told apart from loaded ones. The player gets live DOM events through `playerApi`.
 */
export function useLiveSession(opts: {
  id: string;
  detail: SessionDetail | null;
  onDetail: (d: SessionDetail) => void;
  timeline: Timeline | null;
  loaded: Timeline | null;
  assets: AssetRewriter | null;
  playerApi: MutableRefObject<PlayerApi | null>;
}): LiveSession {
  const { id, detail } = opts;
  const { fullTimeline, deliverLive, stopped } = useLiveEvents(opts);

  // A session that is live when opened streams its new batches for as long as the page stays
  // open, even after it goes quiet: if the customer picks up again, nothing is missed.
  // `streamWanted` latches so a later "not live" answer keeps the stream.
  const [streamWanted, setStreamWanted] = useState(false);
  if (detail?.live === true && !streamWanted) setStreamWanted(true);
  const streaming = useLiveStream(id, streamWanted, deliverLive);
  useDetailRefresh(id, streaming, opts.onDetail);

  return { fullTimeline, streaming, liveNow: streaming && detail?.live === true && !stopped };
}

/** Live events kept apart from the loaded log, and the merged timeline. */
function useLiveEvents({
  timeline,
  loaded,
  assets,
  playerApi,
}: {
  timeline: Timeline | null;
  loaded: Timeline | null;
  assets: AssetRewriter | null;
  playerApi: MutableRefObject<PlayerApi | null>;
}) {
  const [liveOther, setLiveOther] = useState<ReplayEvent[]>([]);
  const [liveDom, setLiveDom] = useState<RrwebEvent[]>([]);
  const [stopped, setStopped] = useState(false);
  const pendingLive = useRef<ReplayEvent[]>([]);
  const timelineRef = useRef<Timeline | null>(null);
  timelineRef.current = timeline;
  const assetsRef = useRef(assets);
  assetsRef.current = assets;

  /** Devtools and markers see loaded plus live events; the player gets live ones via addEvents. */
  const fullTimeline = useMemo(() => {
    if (!timeline || (liveOther.length === 0 && liveDom.length === 0)) return loaded;
    const lastDom = liveDom.length > 0 ? liveDom[liveDom.length - 1].timestamp : 0;
    return {
      ...timeline,
      dom: liveDom.length > 0 ? [...timeline.dom, ...liveDom] : timeline.dom,
      other: liveOther.length > 0 ? [...timeline.other, ...liveOther].sort((a, b) => a.t - b.t) : timeline.other,
      durationMs: Math.max(timeline.durationMs, lastDom - timeline.startTime),
    };
  }, [timeline, loaded, liveOther, liveDom]);

  const deliverLive = useCallback(
    (events: ReplayEvent[]) => {
      const base = timelineRef.current;
      if (!base) {
        pendingLive.current.push(...events);
        return;
      }
      // Asset URLs as for loaded events (player/assets.ts); the rewriter exists before any timeline does.
      const { dom, other } = splitLive(newSince(base, assetsRef.current ? assetsRef.current.events(events) : []));
      if (dom.length > 0) {
        playerApi.current?.addEvents(dom);
        setLiveDom((prev) => [...prev, ...dom]);
      }
      if (other.length > 0) setLiveOther((prev) => [...prev, ...other]);
      // The badge's Stop ends the recording for good: no need to wait for the session to go quiet.
      if (other.some((e) => e.kind === 'custom' && (e.data as { type?: unknown } | null)?.type === 'stop')) setStopped(true);
    },
    [playerApi],
  );

  // Events that streamed in while the log was still loading, once all of it is here.
  useEffect(() => {
    if (!timeline || pendingLive.current.length === 0) return;
    const pending = pendingLive.current;
    pendingLive.current = [];
    deliverLive(pending);
  }, [timeline, deliverLive]);

  return { fullTimeline, deliverLive, stopped };
}

/** Replayable DOM events (cleaned, in time order) apart from the rest. */
function splitLive(events: ReplayEvent[]): { dom: RrwebEvent[]; other: ReplayEvent[] } {
  const dom: RrwebEvent[] = [];
  const other: ReplayEvent[] = [];
  for (const e of events) {
    if (e.kind === 'dom') {
      if (isReplayableEvent(e.data)) dom.push(cleanForReplay(e.data));
    } else other.push(e);
  }
  dom.sort((a, b) => a.timestamp - b.timestamp);
  return { dom, other };
}

/** The session's event stream while `wanted`; true while it is open. */
function useLiveStream(id: string, wanted: boolean, deliver: (events: ReplayEvent[]) => void): boolean {
  const [streaming, setStreaming] = useState(false);
  useEffect(() => {
    if (!wanted || typeof EventSource === 'undefined') return;
    const es = new EventSource(liveUrl(id));
    setStreaming(true);
    es.addEventListener('events', (m: MessageEvent<string>) => {
      try {
        const events = JSON.parse(m.data) as ReplayEvent[];
        if (Array.isArray(events)) deliver(events);
      } catch {
        // A malformed message is skipped; the next batch still arrives.
      }
    });
    return () => {
      es.close();
      setStreaming(false);
    };
  }, [wanted, id, deliver]);
  return streaming;
}

/**
 * While streaming, the details are re-read so the header's counts stay current and the
 * player learns when the session stops being live (no batch for the server's live window).
 */
function useDetailRefresh(id: string, streaming: boolean, onDetail: (d: SessionDetail) => void): void {
  useEffect(() => {
    if (!streaming) return;
    const ctrl = new AbortController();
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      getSession(id, ctrl.signal).then(onDetail, () => {
        // A failed refresh keeps the last details; the next tick tries again.
      });
    }, LIVE_REFRESH_MS);
    return () => {
      clearInterval(timer);
      ctrl.abort();
    };
  }, [streaming, id, onDetail]);
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
  for (let i = base.dom.length - 1; i >= 0 && base.dom[i].timestamp >= last; i--)
    seen.add(`dom:${JSON.stringify({ ...base.dom[i], delay: undefined })}`);
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

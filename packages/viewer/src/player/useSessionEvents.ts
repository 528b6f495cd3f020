/**
 * A session's events for the session page, loaded in windows (player/loader.ts): the replay
 * index first, then the window the first frame needs, then the rest in the background. rrweb
 * events of later windows go to the player through `onDom`; every loaded event also lands in
 * `loaded`, which feeds the devtools panels and the scrub-bar markers.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionTimeline } from '@reprise/protocol';
import type { ReplayEvent } from '@reprise/protocol';
import { getSessionEvents, getSessionTimeline, isAbort, type EventRange } from '../api';
import { readStartMs } from './deepLink';
import { AssetRewriter, sessionAssets } from './assets';
import { DEFAULT_LOADER_OPTIONS, SessionLoader } from './loader';
import { afterNextPaint } from './scheduler';
import { takePrefetched } from './prefetch';
import { neededFor, openingMoment, replayStart } from './plan';
import { StreamedLog } from './streamedLog';
import { buildTimeline, NotReplayable, type RrwebEvent, type Timeline } from './timeline';

export interface SessionEvents {
  /** The first window's timeline, to create the player with; set once. */
  initial: Timeline | null;
  /** Every event loaded so far (grows window by window). */
  loaded: Timeline | null;
  /** The whole session's length from the index, known before any event. */
  durationMs: number | null;
  error: string | null;
  /** Events received so far, for the loading message. */
  loadedCount: number;
  /** Every window is loaded. */
  complete: boolean;
  /** Null when the moment (player offset) can be shown now, else resolves once its window is loaded. */
  ensureLoaded(offsetMs: number): Promise<void> | null;
  /** The first frame is on screen: the rest may stream in now (it would compete with it before). */
  firstFrameShown(): void;
  /** Rewrites asset URLs of events that arrive another way (live); set before `initial`. */
  assets: AssetRewriter | null;
}

/** Where a session's index, events and asset mode come from: the API (default), or a share link (pages/SharePage.tsx). */
export interface SessionSource {
  timeline(signal: AbortSignal): Promise<SessionTimeline>;
  /** `pace`: awaited before each read of the response (see getSessionEvents). */
  events(range: EventRange, signal: AbortSignal, pace?: () => Promise<void>): Promise<ReplayEvent[]>;
  assets(signal: AbortSignal): Promise<AssetRewriter>;
}

function apiSource(id: string): SessionSource {
  // The requests the page started before React rendered (prefetch.ts) answer the first calls.
  const early = takePrefetched(id);
  return {
    timeline: (signal) => early?.timeline ?? getSessionTimeline(id, signal),
    events: (range, signal, pace) => early?.events(range, signal) ?? getSessionEvents(id, signal, undefined, range, pace),
    assets: (signal) => early?.assets ?? sessionAssets(id, signal),
  };
}

const BACKGROUND_ATTEMPTS = 3;
/** Streams anyway this long after the first window should the player never report its first frame. */
const FIRST_FRAME_WAIT_MS = 5000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function useSessionEvents(id: string, onDom: (events: RrwebEvent[]) => void, source?: SessionSource): SessionEvents {
  const [initial, setInitial] = useState<Timeline | null>(null);
  const [loaded, setLoaded] = useState<Timeline | null>(null);
  const [durationMs, setDurationMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadedCount, setLoadedCount] = useState(0);
  const [complete, setComplete] = useState(false);
  const [assets, setAssets] = useState<AssetRewriter | null>(null);
  const loaderRef = useRef<{ loader: SessionLoader; start: number } | null>(null);
  const onDomRef = useRef(onDom);
  onDomRef.current = onDom;
  const shownRef = useRef<() => void>(() => undefined);
  // The source is fixed for an id (a page keys itself by it).
  const sourceRef = useRef(source);

  useEffect(() => {
    const ctrl = new AbortController();
    let loader: SessionLoader | null = null;
    const log = new StreamedLog(ctrl.signal, {
      loaded: setLoaded,
      loadedCount: setLoadedCount,
      complete: () => setComplete(true),
      dom: (events) => onDomRef.current(events),
    });
    const fail = (err: unknown) => {
      if (!isAbort(err) && !ctrl.signal.aborted) setError(`Could not load the recording: ${message(err)}`);
    };

    const src = sourceRef.current ?? apiSource(id);
    (async () => {
      const [index, assets]: [SessionTimeline, AssetRewriter] = await Promise.all([src.timeline(ctrl.signal), src.assets(ctrl.signal)]);
      setAssets(assets);
      const start = replayStart(index);
      if (index.snapshots.length > 0) setDurationMs(index.endedAt - start);
      loader = new SessionLoader(
        index,
        // Rewriting walks every snapshot's tree: a background window held back by a seek waits first.
        async (range, signal, pace) => {
          const events = await src.events(range, signal, pace);
          await pace();
          return signal.aborted ? [] : assets.events(events);
        },
        log.receive,
        DEFAULT_LOADER_OPTIONS,
        afterNextPaint,
      );
      loaderRef.current = { loader, start };
      ctrl.signal.addEventListener('abort', () => loader?.stop());
      const timeline = await firstTimeline(loader, index, openingMoment(index, readStartMs()));
      if (typeof timeline === 'string') {
        setError(timeline);
        return;
      }
      log.begin(timeline);
      setLoadedCount(loader.receivedCount);
      const shown = new Promise<void>((r) => {
        shownRef.current = r;
        setTimeout(r, FIRST_FRAME_WAIT_MS);
      });
      setInitial(timeline);
      setLoaded(timeline);
      await shown;
      await runWithRetries(loader, ctrl.signal);
      log.finish();
    })().catch(fail);

    return () => {
      ctrl.abort();
      log.stop();
      loaderRef.current = null;
    };
  }, [id]);

  const ensureLoaded = useCallback((offsetMs: number): Promise<void> | null => {
    const cur = loaderRef.current;
    if (!cur) return null;
    const t = cur.start + offsetMs;
    return cur.loader.isLoaded(t) ? null : cur.loader.ensure(t);
  }, []);

  const firstFrameShown = useCallback(() => shownRef.current(), []);

  return { initial, loaded, durationMs, error, loadedCount, complete, ensureLoaded, firstFrameShown, assets };
}

/**
 * The first window's timeline, from the moment `t` (epoch ms); the message for the user when
 * the session cannot be replayed.
 */
async function firstTimeline(loader: SessionLoader, index: SessionTimeline, t: number): Promise<Timeline | string> {
  let first = await loader.start(t);
  for (;;) {
    try {
      return buildTimeline(first, index);
    } catch (err) {
      // The window's snapshot is stored but unreadable (left out): start from the one before.
      const from = neededFor(index, t).from;
      const earlier = err instanceof NotReplayable ? index.snapshots.filter((s) => s.startT < from).pop() : undefined;
      if (!earlier) return message(err);
      t = earlier.startT;
      first = [...(await loader.start(t)), ...first].sort((a, b) => a.t - b.t);
    }
  }
}

/** Loads every other window. The replay already works: a failed background window is retried before giving up. */
async function runWithRetries(loader: SessionLoader, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await loader.run();
      return;
    } catch (err) {
      if (signal.aborted || attempt >= BACKGROUND_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

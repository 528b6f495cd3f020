/**
 * A session's events for the session page, loaded in windows (player/loader.ts): the replay
 * index first, then the window the first frame needs, then the rest in the background. rrweb
 * events of later windows go to the player through `onDom`; every loaded event also lands in
 * `loaded`, which feeds the devtools panels and the scrub-bar markers.
 */
import { startTransition, useCallback, useEffect, useRef, useState } from 'react';
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import { getSessionEvents, getSessionTimeline, isAbort } from '../api';
import { readStartMs } from './deepLink';
import { AssetRewriter, sessionAssets } from './assets';
import { SessionLoader } from './loader';
import { neededFor, replayStart } from './plan';
import { buildTimeline, endMarker, NotReplayable, splitEvents, type RrwebEvent, type Timeline } from './timeline';

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

/** Devtools re-render at most this often while windows stream in. */
const PUBLISH_EVERY_MS = 250;
const BACKGROUND_ATTEMPTS = 3;
/** Streams anyway this long after the first window should the player never report its first frame. */
const FIRST_FRAME_WAIT_MS = 5000;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Longer than the usual ~80 lines: one effect runs a session's loading from the index to the last
// window, and its steps share the log, the publish timer and the abort signal; the steps that need
// none of them are the functions below.
export function useSessionEvents(id: string, onDom: (events: RrwebEvent[]) => void): SessionEvents {
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

  useEffect(() => {
    const ctrl = new AbortController();
    let loader: SessionLoader | null = null;
    let log: Timeline | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const publish = (urgent = false) => {
      clearTimeout(timer);
      timer = undefined;
      const next = log;
      if (!next || ctrl.signal.aborted) return;
      // A transition while streaming: rebuilding the panels and markers yields to a seek or a frame
      // of playback. The last one commits with `complete`, which live streaming builds on.
      if (urgent) setLoaded({ ...next });
      else startTransition(() => setLoaded({ ...next }));
    };
    const fail = (err: unknown) => {
      if (!isAbort(err) && !ctrl.signal.aborted) setError(`Could not load the recording: ${message(err)}`);
    };

    const receive = (events: ReplayEvent[], received: number) => {
      if (!log) return;
      const { dom, other, unreadable } = splitEvents(events);
      log = {
        ...log,
        dom: mergeByTime(log.dom, dom, (e) => e.timestamp),
        other: mergeByTime(log.other, other, (e) => e.t),
        unreadable: log.unreadable + unreadable,
      };
      onDomRef.current(dom);
      setLoadedCount(received);
      timer ??= setTimeout(() => publish(), PUBLISH_EVERY_MS);
    };

    const finish = () => {
      if (!log || ctrl.signal.aborted) return;
      const end = endOf(log);
      if (end) onDomRef.current([end]);
      publish(true);
      setComplete(true);
    };

    (async () => {
      const [index, assets]: [SessionTimeline, AssetRewriter] = await Promise.all([
        getSessionTimeline(id, ctrl.signal),
        sessionAssets(id, ctrl.signal),
      ]);
      setAssets(assets);
      const start = replayStart(index);
      if (index.snapshots.length > 0) setDurationMs(index.endedAt - start);
      loader = new SessionLoader(
        index,
        (range, signal) => getSessionEvents(id, signal, undefined, range).then((events) => assets.events(events)),
        receive,
      );
      loaderRef.current = { loader, start };
      ctrl.signal.addEventListener('abort', () => loader?.stop());
      // A deep link names a moment; a live session opens at its newest events; else the beginning.
      const at = readStartMs();
      const timeline = await firstTimeline(loader, index, at > 0 ? start + at : index.live ? index.endedAt : start);
      if (typeof timeline === 'string') {
        setError(timeline);
        return;
      }
      log = timeline;
      setLoadedCount(loader.receivedCount);
      const shown = new Promise<void>((r) => {
        shownRef.current = r;
        setTimeout(r, FIRST_FRAME_WAIT_MS);
      });
      setInitial(timeline);
      setLoaded(timeline);
      await shown;
      await runWithRetries(loader, ctrl.signal);
      finish();
    })().catch(fail);

    return () => {
      ctrl.abort();
      clearTimeout(timer);
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

/** The marker at the session's true end, when events of other kinds come after the last DOM event. */
function endOf(log: Timeline): RrwebEvent | null {
  const lastDom = log.dom[log.dom.length - 1]?.timestamp ?? -Infinity;
  const lastOther = log.other[log.other.length - 1]?.t ?? -Infinity;
  return endMarker(lastDom, Math.max(lastOther, log.startTime + log.durationMs));
}

/** Merges two lists sorted by `key`; on ties the existing entries stay first. */
function mergeByTime<T>(a: T[], b: T[], key: (x: T) => number): T[] {
  if (b.length === 0) return a;
  if (a.length === 0 || key(a[a.length - 1]) <= key(b[0])) return a.concat(b);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && key(a[i]) <= key(b[j]))) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

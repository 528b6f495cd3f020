/**
 * The session page's first requests, started while the bundle runs instead of after React's
 * first render: the replay index, then the first window of events (which needs the index), the
 * asset mode and rrweb's chunk. Until now they waited for the whole viewer to parse and render
 * once, and the first window for the index; the first frame waited for both (bench/replay.ts).
 * useSessionEvents takes the answers once; a range other than the one prefetched is read as usual.
 */
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import { getSessionEvents, getSessionTimeline, type EventRange } from '../api';
import { sessionAssets, type AssetRewriter } from './assets';
import { readStartMs } from './deepLink';
import { firstWindow } from './loader';
import { openingMoment } from './plan';
import { loadRrweb } from './rrweb';

export interface Prefetched {
  timeline: Promise<SessionTimeline>;
  assets: Promise<AssetRewriter>;
  /** The first window's events when `range` is the one prefetched (first call only); else null. */
  events(range: EventRange, signal: AbortSignal): Promise<ReplayEvent[]> | null;
}

let prefetched: { id: string; value: Prefetched } | null = null;

/** Starts the requests of the session page at `pathname`, if it is one. */
export function prefetchSession(pathname: string): void {
  const m = /^\/sessions\/([^/]+)\/?$/.exec(pathname);
  if (!m) return;
  const id = decodeURIComponent(m[1]!);
  // Nobody may ever take them (the user navigates away first): they run to the end, unobserved.
  const signal = new AbortController().signal;
  const timeline = getSessionTimeline(id, signal);
  const first = timeline.then((index) => {
    const range = firstWindow(index, openingMoment(index, readStartMs()));
    return { range, events: getSessionEvents(id, signal, undefined, range) };
  });
  const assets = sessionAssets(id, signal);
  void loadRrweb().catch(() => undefined);
  let taken = false;
  const value: Prefetched = {
    timeline,
    assets,
    events(range, signal) {
      if (taken) return null;
      taken = true;
      return first.then((f) =>
        f.range.from === range.from && f.range.to === range.to ? f.events : getSessionEvents(id, signal, undefined, range),
      );
    },
  };
  prefetched = { id, value };
  // A failed answer is not kept for later: logged out, the page goes to the login form before
  // the session page mounts, and opens it again once logged in.
  const drop = () => {
    if (prefetched?.value === value) prefetched = null;
  };
  for (const p of [timeline, first, assets, first.then((f) => f.events)]) p.catch(drop);
}

/** The prefetched requests of session `id`, once; null when there are none. */
export function takePrefetched(id: string): Prefetched | null {
  const p = prefetched?.id === id ? prefetched.value : null;
  prefetched = null;
  return p;
}

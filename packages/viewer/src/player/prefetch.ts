/**
 * The session page's first requests, started while the bundle runs instead of after React's
 * first render: the replay index, the first window of events, the asset mode and rrweb's chunk.
 * The first window is asked for by its opening moment (`…/events?open=`), so it does not wait
 * for the index; the server also names these requests as preload hints in the page, so the
 * browser may have started them before the bundle arrived (server http/session-hints.ts).
 * useSessionEvents takes the answers once; a range other than the one prefetched is read as usual.
 */
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import { getOpeningWindow, getSessionEvents, getSessionTimeline, type EventRange } from '../api';
import { sessionAssets, type AssetRewriter } from './assets';
import { readStartMs } from './deepLink';
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
  const first = getOpeningWindow(id, readStartMs(), signal);
  const assets = sessionAssets(id, signal);
  void loadRrweb().catch(() => undefined);
  let taken = false;
  const value: Prefetched = {
    timeline,
    assets,
    events(range, signal) {
      if (taken) return null;
      taken = true;
      // The server chose the window from its index as it read it. A live session's answer may
      // predate batches the page's index already lists (and a window up to the end would claim
      // them): it reads its own range after the index, as do answers for another range.
      return Promise.all([first, timeline]).then(([{ window: w, events }, index]) =>
        !index.live && w && w.from === range.from && w.to === range.to ? events : getSessionEvents(id, signal, undefined, range),
      );
    },
  };
  prefetched = { id, value };
  // A failed answer is not kept for later: logged out, the page goes to the login form before
  // the session page mounts, and opens it again once logged in.
  const drop = () => {
    if (prefetched?.value === value) prefetched = null;
  };
  for (const p of [timeline, first, assets]) p.catch(drop);
}

/** The prefetched requests of session `id`, once; null when there are none. */
export function takePrefetched(id: string): Prefetched | null {
  const p = prefetched?.id === id ? prefetched.value : null;
  prefetched = null;
  return p;
}

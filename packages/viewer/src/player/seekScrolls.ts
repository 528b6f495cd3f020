/**
 * Makes seeks cheap on pages that scroll. A seek applies every event since the last full snapshot
 * at once; rrweb applies each scroll among them as it goes (`scrollTo`), and with its virtual DOM
 * off (mount.ts) every one forces a layout of the whole page: a few minutes of browsing held
 * ~50 scrolls, which took longer than everything else in the seek together (bench/replay.ts). Only
 * the last position of each element matters once the seek is done, so scrolls applied during a
 * seek are kept and applied once at the end, as rrweb's virtual DOM does. So is the document's
 * scroll position a seek's full snapshot was taken at (rrweb scrolls the window right after
 * rebuilding it, which forced a layout of the new page before the events after it changed it
 * again: a third of the seek's CPU in the 180-minute session of bench/replay.ts).
 *
 * This replaces two of rrweb's private methods on one Replayer instance (`applyScroll`,
 * `rebuildFullSnapshot`); @rrweb/replay is pinned to 2.1.6 by the root package's overrides.
 */
import type { Replayer } from '@rrweb/replay';

interface ScrollData {
  id: number;
  x: number;
  y: number;
}

interface Internals {
  applyScroll(d: ScrollData, isSync: boolean): void;
  rebuildFullSnapshot(event: unknown, isSync?: boolean): void;
  iframe: HTMLIFrameElement;
}

interface ScrollOffset {
  top: number;
  left: number;
}

function initialOffset(event: unknown): ScrollOffset | null {
  const o = (event as { data?: { initialOffset?: Partial<ScrollOffset> } } | null)?.data?.initialOffset;
  return o && typeof o.top === 'number' && typeof o.left === 'number' ? { top: o.top, left: o.left } : null;
}

export interface SeekScrolls {
  /** Applies the scrolls kept during the seek that just ran (call after every pause/play with an offset). */
  flush(): void;
}

export function deferSeekScrolls(r: Replayer): SeekScrolls {
  const inner = r as unknown as Internals;
  const applyScroll = inner.applyScroll.bind(r);
  const rebuild = inner.rebuildFullSnapshot.bind(r);
  const pending = new Map<number, ScrollData>();
  inner.applyScroll = (d, isSync) => {
    if (isSync) pending.set(d.id, d);
    else applyScroll(d, isSync);
  };
  // Puts back the window's scrollTo after rrweb's call right after a seek's rebuild was kept instead of applied.
  let release = (): void => undefined;
  // A new page: ids of the old one may name other nodes now.
  inner.rebuildFullSnapshot = (event, isSync) => {
    pending.clear();
    release();
    rebuild(event, isSync);
    const offset = initialOffset(event);
    const win = inner.iframe.contentWindow;
    const doc = inner.iframe.contentDocument;
    const id = doc ? r.getMirror().getId(doc) : -1;
    if (!isSync || !offset || !win || id < 0) return;
    // scrollTo is the window's own property (WebIDL puts a global's operations on the instance):
    // replaced for this one call, put back after it. The flush scrolls the document through
    // applyScroll (unless a later scroll of it replaced this one).
    const scrollTo = Object.getOwnPropertyDescriptor(win, 'scrollTo');
    release = () => {
      release = () => undefined;
      if (scrollTo) Object.defineProperty(win, 'scrollTo', scrollTo);
      else delete (win as Partial<Pick<Window, 'scrollTo'>>).scrollTo;
    };
    Object.defineProperty(win, 'scrollTo', {
      configurable: true,
      writable: true,
      value: () => {
        release();
        pending.set(id, { id, x: offset.left, y: offset.top });
      },
    });
  };
  return {
    flush() {
      release();
      for (const d of pending.values()) applyScroll(d, true);
      pending.clear();
    },
  };
}

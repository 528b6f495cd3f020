/**
 * Makes seeks cheap on pages that scroll. A seek applies every event since the last full snapshot
 * at once; rrweb applies each scroll among them as it goes (`scrollTo`), and with its virtual DOM
 * off (mount.ts) every one forces a layout of the whole page: a few minutes of browsing held
 * ~50 scrolls, which took longer than everything else in the seek together (bench/replay.ts). Only
 * the last position of each element matters once the seek is done, so scrolls applied during a
 * seek are kept and applied once at the end, as rrweb's virtual DOM does.
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
  // A new page: ids of the old one may name other nodes now.
  inner.rebuildFullSnapshot = (event, isSync) => {
    pending.clear();
    rebuild(event, isSync);
  };
  return {
    flush() {
      for (const d of pending.values()) applyScroll(d, true);
      pending.clear();
    },
  };
}

/**
 * The replay index: where a player can start without earlier events. rrweb writes a full
 * snapshot (type 2) at the first page, at every page load and at every checkout
 * (`checkoutEveryNms`), right after a Meta (type 4) that rrweb's Replayer needs to begin there
 * (it starts a seek at the last Meta before the target). A page recorded from before
 * DOMContentLoaded also gets DomContentLoaded (0) / Load (1) events just before.
 */

import type { SnapshotRow } from '../store/index-rows.js';

const RR_DOM_CONTENT_LOADED = 0;
const RR_LOAD = 1;
const RR_FULL_SNAPSHOT = 2;
const RR_META = 4;
const PRELUDE_TYPES = new Set([RR_DOM_CONTENT_LOADED, RR_LOAD, RR_META]);

/**
 * Fed the batch's `dom` events in batch order. Other event kinds between a Meta and its
 * snapshot (a console line logged in between) do not break the run; another rrweb event does.
 * A Meta at the very end of the previous batch is not seen: that snapshot starts at its own time
 * (rrweb then starts a seek at an earlier Meta and still rebuilds the page from the snapshot).
 */
export class SnapshotScanner {
  private preludeStart: number | null = null;

  constructor(private readonly out: SnapshotRow[]) {}

  add(t: number, type: unknown): void {
    if (typeof t !== 'number' || !Number.isFinite(t)) return;
    if (type === RR_FULL_SNAPSHOT) {
      this.out.push({ t, startT: Math.min(this.preludeStart ?? t, t) });
      this.preludeStart = null;
    } else if (typeof type === 'number' && PRELUDE_TYPES.has(type)) {
      this.preludeStart ??= t;
    } else {
      this.preludeStart = null;
    }
  }
}

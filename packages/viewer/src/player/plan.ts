/**
 * Range-loading plans over a session's replay index (`GET /api/v1/sessions/:id/timeline`):
 * which events a moment of the replay needs, and how the rest is cut into windows.
 */
import type { SessionTimeline } from '@reprise/protocol';
import type { Range } from './coverage';

// Shared with the server, which answers `…/events?open=` with the same first window.
export { neededFor, openingMoment, replayStart, snapshotFor } from '@reprise/protocol';

export interface WindowLimits {
  /** Stored (gzip) bytes of the batches a window reads. */
  maxBytes: number;
  /** Event time a window spans. */
  maxSpanMs: number;
}

/**
 * Cuts the whole time axis into consecutive windows of whole batches (in time order), each
 * reading about `maxBytes` of stored chunks or spanning `maxSpanMs`. The first starts at -∞ and
 * the last ends at +∞, so together they cover every stored event (and any arriving later).
 */
export function planWindows(index: SessionTimeline, limits: WindowLimits): Range[] {
  const batches = [...index.batches].sort((a, b) => a.tMin - b.tMin || a.seq - b.seq);
  const cuts: number[] = [];
  let bytes = 0;
  let since: number | null = null;
  for (const b of batches) {
    if (
      since !== null &&
      (bytes + b.bytes > limits.maxBytes || b.tMax - since > limits.maxSpanMs) &&
      b.tMin > (cuts[cuts.length - 1] ?? -Infinity)
    ) {
      cuts.push(b.tMin);
      bytes = 0;
      since = null;
    }
    bytes += b.bytes;
    since ??= b.tMin;
  }
  const edges = [-Infinity, ...cuts, Infinity];
  return edges.slice(1).map((to, i) => ({ from: edges[i]!, to }));
}

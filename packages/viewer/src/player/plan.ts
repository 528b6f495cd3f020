/**
 * Range-loading plans over a session's replay index (`GET /api/v1/sessions/:id/timeline`):
 * which events a moment of the replay needs, and how the rest is cut into windows.
 */
import type { SessionTimeline, TimelineSnapshot } from '@reprise/protocol';
import type { Range } from './coverage';

/** Player offset 0: where the first full snapshot's replay starts (its Meta), else the first event. */
export function replayStart(index: SessionTimeline): number {
  return index.snapshots[0]?.startT ?? index.startedAt;
}

/** Where the player opens (epoch ms): a deep link's moment (`atMs` > 0), a live session's newest events, else the start. */
export function openingMoment(index: SessionTimeline, atMs: number): number {
  const start = replayStart(index);
  return atMs > 0 ? start + atMs : index.live ? index.endedAt : start;
}

/**
 * The snapshot a replay at `t` (epoch ms) is rebuilt from: the last one whose Meta is at or
 * before `t`, as rrweb starts a seek at the last Meta at or before its target. The first one
 * when `t` precedes them all (the player never shows a moment before it); null without any.
 */
export function snapshotFor(index: SessionTimeline, t: number): TimelineSnapshot | null {
  const s = index.snapshots;
  let lo = 0;
  let hi = s.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]!.startT <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return s[Math.max(0, found)] ?? null;
}

/** What must be loaded to show the moment `t`: from its snapshot's Meta up to `t`. */
export function neededFor(index: SessionTimeline, t: number): Range {
  const s = snapshotFor(index, t);
  return { from: s ? Math.min(s.startT, t) : -Infinity, to: t };
}

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

/**
 * Where a replay opens and which events its first frame needs, over the replay index
 * (`SessionTimeline`). The viewer plans its loading with these; the server answers
 * `GET …/events?open=` with the same window, so the page can ask for it before the index is in.
 */
import type { SessionTimeline, TimelineSnapshot } from './types.js';

/** Epoch ms, both ends inclusive; ±Infinity for an open end. */
export interface TimeRange {
  from: number;
  to: number;
}

/** How far past the opening moment the first window reaches. */
export const OPEN_AHEAD_MS = 10_000;

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
export function neededFor(index: SessionTimeline, t: number): TimeRange {
  const s = snapshotFor(index, t);
  return { from: s ? Math.min(s.startT, t) : -Infinity, to: t };
}

/**
 * The events the first frame at `t` (epoch ms) needs: from its snapshot to `aheadMs` after `t`
 * (open-ended when that passes the last event). A session without snapshots is read whole.
 */
export function firstWindow(index: SessionTimeline, t: number, aheadMs = OPEN_AHEAD_MS): TimeRange {
  const need = index.snapshots.length > 0 ? neededFor(index, t) : { from: -Infinity, to: Infinity };
  let to = Math.max(need.to, t + aheadMs);
  if (to >= index.endedAt) to = Infinity;
  return { from: need.from, to };
}

/** A session URL's `?t=<seconds>` as a player offset in ms; 0 when absent or not a positive number. */
export function parseStartParam(raw: string | null): number {
  if (raw === null) return 0;
  const seconds = Number.parseFloat(raw);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0;
}

/** The `Reprise-Window` header of an `?open=` answer: the range it read (`*` for an open end). */
export const WINDOW_HEADER = 'reprise-window';

export function formatWindowHeader(r: TimeRange): string {
  const end = (x: number) => (Number.isFinite(x) ? String(x) : '*');
  return `${end(r.from)} ${end(r.to)}`;
}

/** The range of a `Reprise-Window` header; null when it is missing or malformed. */
export function parseWindowHeader(value: string | null): TimeRange | null {
  const m = value === null ? null : /^(-?\d+(?:\.\d+)?|\*) (-?\d+(?:\.\d+)?|\*)$/.exec(value.trim());
  if (!m) return null;
  return { from: m[1] === '*' ? -Infinity : Number(m[1]), to: m[2] === '*' ? Infinity : Number(m[2]) };
}

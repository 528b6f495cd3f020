/**
 * Hands loaded windows to a running rrweb Replayer without disturbing the frame on screen.
 *
 * rrweb's `addEvent` is made for live events at the end: an event older than the replayer's
 * baseline is applied to the page at once. A window loaded behind the playhead (a session
 * opened mid-way, or a gap filled after a seek) would be replayed onto the current page. Such
 * events go straight into the replayer's sorted event list instead (`service.state.context.events`,
 * the same array `addEvent` inserts into; `service` is public), where the next seek finds them:
 * rrweb rebuilds every seek from the last Meta before its target and recomputes every event's
 * delay. While playing, events after what rrweb has applied go through `addEvent` so the running
 * timer schedules them: one that only joined the list would be skipped by the next forward seek,
 * which treats everything up to the last played event as applied (playedFrontier.ts).
 */
import type { Replayer } from '@rrweb/replay';
import { appliedUpTo } from './playedFrontier';
import type { RrwebEvent } from './timeline';

/** `events` sorted by timestamp. */
export function feedReplayer(r: Replayer, events: RrwebEvent[], playing: boolean): void {
  if (events.length === 0) return;
  // While paused nothing is scheduled: every event is only stored. While playing, events after
  // what is applied must reach the timer (those between it and the clock are cast at its next tick).
  const applied = appliedUpTo(r);
  const now = !playing ? Infinity : applied > -Infinity ? applied : r.getMetaData().startTime + r.getCurrentTime();
  const behind = events.filter((e) => e.timestamp <= now);
  if (behind.length > 0) insertSorted(r.service.state.context.events, behind);
  for (const e of events) if (e.timestamp > now) r.addEvent(e);
}

/** Merges sorted `add` into sorted `list` in place; on equal timestamps existing events stay first (as addEvent does). */
export function insertSorted(list: RrwebEvent[], add: readonly RrwebEvent[]): void {
  if (add.length === 0) return;
  if (list.length === 0 || list[list.length - 1]!.timestamp <= add[0]!.timestamp) {
    for (const e of add) list.push(e);
    return;
  }
  const merged: RrwebEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < list.length || j < add.length) {
    if (j >= add.length || (i < list.length && list[i]!.timestamp <= add[j]!.timestamp)) merged.push(list[i++]!);
    else merged.push(add[j++]!);
  }
  list.length = 0;
  for (const e of merged) list.push(e);
}

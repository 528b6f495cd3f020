/**
 * Turns the session's events (all of them, or the windows loaded so far) into what the player
 * needs. rrweb only gets the `dom` events; every other kind is kept, in order, for the
 * console/network/error panels that share the same timeline (offset = t - startTime).
 */
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import type { Replayer } from '@rrweb/replay';
import { replayStart } from './plan';
import { isReplayableEvent } from './rrweb-guard';
import { cleanForReplay } from './replay-hygiene';

/** rrweb's `eventWithTime`, taken from the Replayer signature (rrweb itself is not a direct dependency). */
export type RrwebEvent = Exclude<ConstructorParameters<typeof Replayer>[0][number], string>;

const RRWEB_FULL_SNAPSHOT = 2;
const RRWEB_META = 4;
const RRWEB_CUSTOM = 5;

export interface Timeline {
  /** rrweb events for the Replayer, sorted by timestamp. */
  dom: RrwebEvent[];
  /** All non-dom events (meta, console, network, error, …), sorted by `t`. */
  other: ReplayEvent[];
  /** Epoch ms of the player's offset 0: the first rrweb event (the first snapshot's Meta). */
  startTime: number;
  /** Length of the replay in ms (last event of any kind minus startTime), the whole session's even when only a window is loaded. */
  durationMs: number;
  /** Recorded viewport of the first meta event, used to fit the replay before rrweb reports a resize. */
  viewport: { width: number; height: number };
  /** Offset of the first full snapshot: the earliest moment that has a page to show. */
  firstSnapshotMs: number;
  /** Stored events left out because they cannot be read (dom events rrweb would choke on, a `t` that is not a number). */
  unreadable: number;
}

/** Why a session cannot be replayed, as a message for the user. */
export class NotReplayable extends Error {}

function viewportOf(e: RrwebEvent): { width: number; height: number } | null {
  const d = e.data as { width?: unknown; height?: unknown } | null;
  if (d && typeof d.width === 'number' && typeof d.height === 'number' && d.width > 0 && d.height > 0) {
    return { width: d.width, height: d.height };
  }
  return null;
}

/**
 * Splits events into rrweb events (sorted by timestamp) and every other kind (sorted by `t`),
 * leaving out (and counting) what cannot be replayed or placed on the clock.
 */
export function splitEvents(events: ReplayEvent[]): { dom: RrwebEvent[]; other: ReplayEvent[]; unreadable: number } {
  const dom: RrwebEvent[] = [];
  const other: ReplayEvent[] = [];
  let unreadable = 0;
  for (const ev of events) {
    if (ev.kind === 'dom') {
      if (isReplayableEvent(ev.data)) dom.push(cleanForReplay(ev.data));
      else unreadable++;
    } else if (typeof ev.t === 'number' && Number.isFinite(ev.t)) {
      other.push(ev);
    } else {
      unreadable++;
    }
  }
  // The server sends events in time order; sorting is a cheap guard against batch reordering.
  dom.sort((a, b) => a.timestamp - b.timestamp);
  other.sort((a, b) => a.t - b.t);
  return { dom, other, unreadable };
}

/**
 * Errors and requests often come after the last DOM change (a click that throws changes
 * nothing). rrweb's duration ends at its last event, so a no-op custom event at the session's
 * true end keeps those moments reachable on the scrub bar. Null when the DOM already ends last.
 */
export function endMarker(lastDomTime: number, endTime: number): RrwebEvent | null {
  if (!(endTime > lastDomTime)) return null;
  return { type: RRWEB_CUSTOM, timestamp: endTime, data: { tag: 'reprise-end', payload: null } } as RrwebEvent;
}

/**
 * The player's timeline from loaded events. With the session's replay index (`index` with
 * snapshots), `events` may be only the first window: start, duration and first snapshot come
 * from the index. Without one, `events` must be the whole log (sessions stored before the index).
 */
export function buildTimeline(events: ReplayEvent[], index?: SessionTimeline): Timeline {
  const { dom, other, unreadable } = splitEvents(events);
  const firstSnapshot = dom.find((e) => e.type === RRWEB_FULL_SNAPSHOT);
  if (!firstSnapshot) {
    throw new NotReplayable(
      dom.length === 0
        ? 'This session has no recorded page content to replay.'
        : 'This session has no full page snapshot, so it cannot be replayed (the first batches may be missing).',
    );
  }
  const meta = dom.find((e) => e.type === RRWEB_META);
  const viewport = (meta && viewportOf(meta)) ?? { width: 1280, height: 800 };
  const lastOther = other.length > 0 ? other[other.length - 1].t : -Infinity;
  const lastDom = dom[dom.length - 1].timestamp;
  if (index && index.snapshots.length > 0) {
    const startTime = replayStart(index);
    return {
      dom,
      other,
      startTime,
      durationMs: Math.max(index.endedAt, lastDom, lastOther) - startTime,
      viewport,
      firstSnapshotMs: index.snapshots[0].t - startTime,
      unreadable,
    };
  }
  const startTime = dom[0].timestamp;
  const end = endMarker(lastDom, lastOther);
  if (end) dom.push(end);
  return {
    dom,
    other,
    startTime,
    durationMs: dom[dom.length - 1].timestamp - startTime,
    viewport,
    firstSnapshotMs: firstSnapshot.timestamp - startTime,
    unreadable,
  };
}

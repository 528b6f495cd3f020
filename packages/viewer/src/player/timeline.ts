/**
 * Turns the session's event log into what the player needs. rrweb only gets the `dom`
 * events; every other kind is kept, in order, for the console/network/error panels
 * that will share the same timeline (offset = t - startTime).
 */
import type { ReplayEvent } from '@reprise/protocol';
import type { Replayer } from '@rrweb/replay';

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
  /** Epoch ms of the first rrweb event: the player's offset 0. */
  startTime: number;
  /** Length of the replay in ms (last event of any kind minus the first rrweb event). */
  durationMs: number;
  /** Recorded viewport of the first meta event, used to fit the replay before rrweb reports a resize. */
  viewport: { width: number; height: number };
}

/** Why a session cannot be replayed, as a message for the user. */
export class NotReplayable extends Error {}

function isRrwebEvent(data: unknown): data is RrwebEvent {
  if (typeof data !== 'object' || data === null) return false;
  const e = data as { type?: unknown; timestamp?: unknown };
  return typeof e.type === 'number' && typeof e.timestamp === 'number';
}

function viewportOf(e: RrwebEvent): { width: number; height: number } | null {
  const d = e.data as { width?: unknown; height?: unknown } | null;
  if (d && typeof d.width === 'number' && typeof d.height === 'number' && d.width > 0 && d.height > 0) {
    return { width: d.width, height: d.height };
  }
  return null;
}

export function buildTimeline(events: ReplayEvent[]): Timeline {
  const dom: RrwebEvent[] = [];
  const other: ReplayEvent[] = [];
  for (const ev of events) {
    if (ev.kind === 'dom') {
      if (isRrwebEvent(ev.data)) dom.push(ev.data);
    } else {
      other.push(ev);
    }
  }
  // The server sends events in time order; sorting is a cheap guard against batch reordering.
  dom.sort((a, b) => a.timestamp - b.timestamp);
  other.sort((a, b) => a.t - b.t);

  if (!dom.some((e) => e.type === RRWEB_FULL_SNAPSHOT)) {
    throw new NotReplayable(
      dom.length === 0
        ? 'This session has no recorded page content to replay.'
        : 'This session has no full page snapshot, so it cannot be replayed (the first batches may be missing).',
    );
  }
  const meta = dom.find((e) => e.type === RRWEB_META);
  const viewport = (meta && viewportOf(meta)) ?? { width: 1280, height: 800 };
  const startTime = dom[0].timestamp;
  // Errors and requests often come after the last DOM change (a click that throws changes
  // nothing). rrweb's duration ends at its last event, so a no-op custom event at the
  // session's true end keeps those moments reachable on the scrub bar.
  const lastOther = other.length > 0 ? other[other.length - 1].t : 0;
  if (lastOther > dom[dom.length - 1].timestamp) {
    dom.push({ type: RRWEB_CUSTOM, timestamp: lastOther, data: { tag: 'reprise-end', payload: null } } as RrwebEvent);
  }
  return { dom, other, startTime, durationMs: dom[dom.length - 1].timestamp - startTime, viewport };
}

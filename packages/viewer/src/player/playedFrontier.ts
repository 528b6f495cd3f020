/**
 * What rrweb believes it has applied, made exact.
 *
 * A seek forward (and `play` from the paused moment, and following a live session) does not
 * rebuild the page: rrweb 2.1.6 skips every event at or before its last played event and applies
 * the rest. For a batch of mouse moves it counts from the batch's first position instead of its
 * timestamp (up to ~500 ms earlier), which is right while its timer plays (the batch is cast at its
 * first position, before the events in between) but wrong after a seek, which applies events in
 * timestamp order: the events between were applied already, and were applied again. Mutations
 * replayed twice remove nodes that are gone and add nodes twice: the page showed states that never
 * existed (items doubled, removed ones listed, wrong order), and rrweb logged "Node with id N not
 * found".
 *
 * After every synchronous application (a seek, a play from an offset) the last played event is
 * replaced by a stand-in at the same timestamp that is not a mouse move, so the next seek skips
 * exactly what was applied.
 */
import type { Replayer } from '@rrweb/replay';
import type { RrwebEvent } from './timeline';

/** rrweb EventType.IncrementalSnapshot and IncrementalSource.MouseMove. */
const INCREMENTAL = 3;
const MOUSE_MOVE = 1;
/** rrweb EventType.Custom: no cast code reads a stand-in, only its timestamp is compared. */
const CUSTOM = 5;

interface Context {
  lastPlayedEvent: RrwebEvent | null;
}

function context(r: Replayer): Context {
  return r.service.state.context as unknown as Context;
}

function isMouseMoveBatch(e: RrwebEvent): boolean {
  const d = e.data as { source?: unknown } | null;
  return e.type === INCREMENTAL && d?.source === MOUSE_MOVE;
}

/** Call right after `pause(offset)` / `play(offset)` (before rrweb's timer casts anything). */
export function settleFrontier(r: Replayer): void {
  const ctx = context(r);
  const last = ctx.lastPlayedEvent;
  if (last && isMouseMoveBatch(last)) {
    ctx.lastPlayedEvent = { type: CUSTOM, timestamp: last.timestamp, data: { tag: 'reprise-applied', payload: null } } as RrwebEvent;
  }
}

/**
 * Epoch ms up to which rrweb treats events as applied to the page on screen (the next forward
 * seek skips them); -Infinity when it will rebuild from a snapshot.
 */
export function appliedUpTo(r: Replayer): number {
  const last = context(r).lastPlayedEvent;
  if (!last) return -Infinity;
  if (isMouseMoveBatch(last)) {
    const first = (last.data as { positions?: { timeOffset: number }[] }).positions?.[0];
    return last.timestamp + (first?.timeOffset ?? 0);
  }
  return last.timestamp;
}

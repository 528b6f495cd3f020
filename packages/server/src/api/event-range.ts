import { firstWindow, openingMoment, type SessionTimeline, type TimeRange } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { EventTimeRange } from '../store/types.js';

/**
 * What `GET …/events` reads: everything, a time range (`from`/`to`, epoch ms, inclusive), or
 * `open=<offset ms>`: the first window a player opening at that offset needs (0: where the
 * viewer opens without `?t=`), computed from the replay index with the viewer's own rule, so
 * the page can ask for it before the index has arrived.
 */
export type EventsQuery = { kind: 'all' } | { kind: 'range'; range: EventTimeRange } | { kind: 'open'; atMs: number };

export function parseEventsQuery(q: { from?: unknown; to?: unknown; open?: unknown }): EventsQuery {
  if (q.open !== undefined) {
    if (q.from !== undefined || q.to !== undefined) throw new HttpError(400, 'invalid_request', 'open cannot be combined with from or to');
    const atMs = typeof q.open === 'string' && /^\d+$/.test(q.open) ? Number(q.open) : NaN;
    if (!Number.isSafeInteger(atMs)) throw new HttpError(400, 'invalid_request', 'open must be an offset in whole ms, 0 or more');
    return { kind: 'open', atMs };
  }
  if (q.from === undefined && q.to === undefined) return { kind: 'all' };
  return { kind: 'range', range: { from: msParam(q.from, 'from'), to: msParam(q.to, 'to') } };
}

/** The first window of a player opening at `atMs`, and the same as the store's range (open ends left out). */
export function openingWindow(index: SessionTimeline, atMs: number): { window: TimeRange; range: EventTimeRange } {
  const window = firstWindow(index, openingMoment(index, atMs));
  const bound = (x: number) => (Number.isFinite(x) ? x : undefined);
  return { window, range: { from: bound(window.from), to: bound(window.to) } };
}

function msParam(v: unknown, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new HttpError(400, 'invalid_request', `${name} must be a time in epoch ms`);
  return n;
}

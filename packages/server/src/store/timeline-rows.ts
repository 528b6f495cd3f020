import type { SessionTimeline } from '@reprise/protocol';
import { LIVE_WINDOW_MS } from './rows.js';

/** Row shapes of the timeline read (same columns on SQLite and PostgreSQL). */
export interface TimelineSessionRow {
  id: string;
  started_at: number;
  ended_at: number;
  last_batch_at: number | null;
}
export interface SnapshotDbRow {
  t: number;
  start_t: number;
}
export interface BatchRangeRow {
  seq: number;
  t_min: number;
  t_max: number;
  event_count: number;
  bytes: number;
}

/**
 * The three reads of a timeline, each taking the session id as its one parameter `p` (`?` or `$1`):
 * the session row, its full snapshots, and its batches' time ranges (empty batches carry no time
 * range and hold nothing to load).
 */
export function timelineSql(p: string): { session: string; snapshots: string; batches: string } {
  return {
    session: `SELECT id, started_at, ended_at, last_batch_at FROM sessions WHERE id = ${p}`,
    snapshots: `SELECT t, start_t FROM full_snapshots WHERE session_id = ${p} ORDER BY t, seq`,
    batches: `SELECT seq, t_min, t_max, event_count, bytes FROM batches WHERE t_min IS NOT NULL AND session_id = ${p} ORDER BY seq`,
  };
}

export function toTimeline(s: TimelineSessionRow, snapshots: SnapshotDbRow[], batches: BatchRangeRow[], now = Date.now()): SessionTimeline {
  // From the batches' event times: an empty batch widens the session's range to its receive time
  // (the server's clock), which is no moment of the recording.
  let startedAt = Infinity;
  let endedAt = -Infinity;
  for (const b of batches) {
    startedAt = Math.min(startedAt, b.t_min);
    endedAt = Math.max(endedAt, b.t_max);
  }
  return {
    sessionId: s.id,
    startedAt: batches.length > 0 ? startedAt : s.started_at,
    endedAt: batches.length > 0 ? endedAt : s.ended_at,
    live: s.last_batch_at !== null && now - s.last_batch_at <= LIVE_WINDOW_MS,
    snapshots: snapshots.map((r) => ({ t: r.t, startT: r.start_t })),
    batches: batches.map((b) => ({ seq: b.seq, tMin: b.t_min, tMax: b.t_max, eventCount: b.event_count, bytes: b.bytes })),
  };
}

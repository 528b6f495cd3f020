import type Database from 'better-sqlite3';
import type { SessionTimeline } from '@reprise/protocol';
import {
  TIMELINE_BATCHES_ORDER,
  TIMELINE_BATCHES_SQL,
  TIMELINE_SESSION_SQL,
  TIMELINE_SNAPSHOTS_ORDER,
  TIMELINE_SNAPSHOTS_SQL,
  toTimeline,
  type BatchRangeRow,
  type SnapshotDbRow,
  type TimelineSessionRow,
} from '../timeline-rows.js';

/** The replay index of a session (Store.getSessionTimeline); one read transaction, so the three parts agree. */
export function readTimeline(db: Database.Database, id: string): SessionTimeline | null {
  return db.transaction((): SessionTimeline | null => {
    const s = db.prepare(`${TIMELINE_SESSION_SQL}?`).get(id) as TimelineSessionRow | undefined;
    if (!s) return null;
    const snapshots = db.prepare(`${TIMELINE_SNAPSHOTS_SQL}?${TIMELINE_SNAPSHOTS_ORDER}`).all(id) as SnapshotDbRow[];
    const batches = db.prepare(`${TIMELINE_BATCHES_SQL}?${TIMELINE_BATCHES_ORDER}`).all(id) as BatchRangeRow[];
    return toTimeline(s, snapshots, batches);
  })();
}

import type Database from 'better-sqlite3';
import type { SessionTimeline } from '@reprise/protocol';
import { timelineSql, toTimeline, type BatchRangeRow, type SnapshotDbRow, type TimelineSessionRow } from '../timeline-rows.js';

const SQL = timelineSql('?');

/** The replay index of a session (Store.getSessionTimeline); one read transaction, so the three parts agree. */
export function readTimeline(db: Database.Database, id: string): SessionTimeline | null {
  return db.transaction((): SessionTimeline | null => {
    const s = db.prepare(SQL.session).get(id) as TimelineSessionRow | undefined;
    if (!s) return null;
    const snapshots = db.prepare(SQL.snapshots).all(id) as SnapshotDbRow[];
    const batches = db.prepare(SQL.batches).all(id) as BatchRangeRow[];
    return toTimeline(s, snapshots, batches);
  })();
}

import type pg from 'pg';
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
import { withTransaction } from './pool.js';

/** The replay index of a session (Store.getSessionTimeline); one snapshot of the database, so the three parts agree. */
export async function readTimeline(pool: pg.Pool, id: string): Promise<SessionTimeline | null> {
  return withTransaction(pool, async (c) => {
    await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const s = (await c.query<TimelineSessionRow>(`${TIMELINE_SESSION_SQL}$1`, [id])).rows[0];
    if (!s) return null;
    const snapshots = (await c.query<SnapshotDbRow>(`${TIMELINE_SNAPSHOTS_SQL}$1${TIMELINE_SNAPSHOTS_ORDER}`, [id])).rows;
    const batches = (await c.query<BatchRangeRow>(`${TIMELINE_BATCHES_SQL}$1${TIMELINE_BATCHES_ORDER}`, [id])).rows;
    return toTimeline(s, snapshots, batches);
  });
}

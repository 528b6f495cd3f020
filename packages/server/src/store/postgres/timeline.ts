import type pg from 'pg';
import type { SessionTimeline } from '@reprise/protocol';
import { timelineSql, toTimeline, type BatchRangeRow, type SnapshotDbRow, type TimelineSessionRow } from '../timeline-rows.js';
import { withTransaction } from './pool.js';

const SQL = timelineSql('$1');

/** The replay index of a session (Store.getSessionTimeline); one snapshot of the database, so the three parts agree. */
export async function readTimeline(pool: pg.Pool, id: string): Promise<SessionTimeline | null> {
  return withTransaction(pool, async (c) => {
    await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const s = (await c.query<TimelineSessionRow>(SQL.session, [id])).rows[0];
    if (!s) return null;
    const snapshots = (await c.query<SnapshotDbRow>(SQL.snapshots, [id])).rows;
    const batches = (await c.query<BatchRangeRow>(SQL.batches, [id])).rows;
    return toTimeline(s, snapshots, batches);
  });
}

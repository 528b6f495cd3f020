import type pg from 'pg';
import type { DeletedSession } from '../core/session-chunks.js';
import { addMonths, monthStart, type Partitions } from './partitions.js';
import { withTransaction } from './pool.js';
import { TOMBSTONE_MS, TOMBSTONE_UPSERT } from '../deleted-sessions.js';

const DAY_MS = 86_400_000;
/** When a session ended for retention: its last batch by the server's clock (the tab's only without one). */
const ENDED = 'coalesce(s.last_batch_at, s.ended_at)';

export async function userSessionIds(pool: pg.Pool, userId: string, projectId?: string): Promise<string[]> {
  const r =
    projectId === undefined
      ? await pool.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1', [userId])
      : await pool.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1 AND project_id = $2', [userId, projectId]);
  return r.rows.map((x) => x.id);
}

/**
 * Deletes the sessions' metadata in one transaction (the session rows; batches, every index table
 * and search_text follow by ON DELETE CASCADE). Returns the sessions that existed, with the chunk
 * keys to delete next (SessionChunks.deleteObjects).
 */
export async function deleteSessionRows(pool: pg.Pool, ids: string[]): Promise<DeletedSession[]> {
  if (ids.length === 0) return [];
  // Rows locked in id order, so two instances deleting overlapping sets never deadlock.
  return withTransaction(pool, async (c) => {
    const sessions = (
      await c.query<{ id: string; project_id: string }>('SELECT id, project_id FROM sessions WHERE id = ANY($1) ORDER BY id FOR UPDATE', [
        [...new Set(ids)],
      ])
    ).rows;
    if (sessions.length === 0) return [];
    const found = sessions.map((s) => s.id);
    const keys = (
      await c.query<{ session_id: string; chunk_key: string }>(
        'SELECT DISTINCT session_id, chunk_key FROM batches WHERE session_id = ANY($1)',
        [found],
      )
    ).rows;
    await c.query('DELETE FROM sessions WHERE id = ANY($1)', [found]);
    await c.query(`INSERT INTO deleted_sessions (id, deleted_at) SELECT unnest($1::text[]), $2 ${TOMBSTONE_UPSERT}`, [found, Date.now()]);
    const bySession = new Map(found.map((id) => [id, [] as string[]]));
    for (const k of keys) bySession.get(k.session_id)?.push(k.chunk_key);
    return sessions.map((s) => ({ id: s.id, projectId: s.project_id, chunkKeys: bySession.get(s.id) ?? [] }));
  });
}

/**
 * Retention: first drops whole monthly partitions of the index tables older than the longest
 * retention of any project (only when every project has one; with a 1-day margin, and never the
 * months around now), then deletes expired sessions project by project, a few hundred per
 * transaction. Index rows are placed by the tab's clock: a session recorded with a clock far in
 * the past can lose its index rows (search and problems) to a dropped month before it expires
 * itself; its events and summary stay until then.
 */
export async function deleteExpired(
  pool: pg.Pool,
  partitions: Partitions,
  now: number,
  deleteSessions: (ids: string[]) => Promise<number>,
): Promise<number> {
  await partitions.ensureAround(now).catch(() => undefined);
  await pool.query('DELETE FROM deleted_sessions WHERE deleted_at < $1', [now - TOMBSTONE_MS]);
  const projects = (await pool.query<{ id: string; retention_days: number | null }>('SELECT id, retention_days FROM projects')).rows;
  if (projects.length > 0 && projects.every((p) => p.retention_days !== null)) {
    const longest = Math.max(...projects.map((p) => p.retention_days!));
    const cutoff = Math.min(now - longest * DAY_MS - DAY_MS, addMonths(monthStart(now), -1));
    await partitions.dropBefore(cutoff).catch(() => undefined);
  }
  let total = 0;
  for (const p of projects) {
    if (p.retention_days === null) continue;
    for (;;) {
      const ids = (
        await pool.query<{ id: string }>(`SELECT s.id FROM sessions s WHERE s.project_id = $1 AND ${ENDED} < $2 LIMIT 500`, [
          p.id,
          now - p.retention_days * DAY_MS,
        ])
      ).rows.map((r) => r.id);
      if (ids.length === 0) break;
      const n = await deleteSessions(ids);
      total += n;
      if (n === 0) break;
    }
  }
  return total;
}

/** Which of `ids` a deletion in the last week left behind (deleted-sessions.ts); ingest refuses to create them again. */
export async function deletedAmong(q: pg.Pool | pg.PoolClient, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = (await q.query<{ id: string }>('SELECT id FROM deleted_sessions WHERE id = ANY($1::text[])', [ids])).rows;
  return new Set(rows.map((r) => r.id));
}

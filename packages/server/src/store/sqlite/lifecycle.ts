import type Database from 'better-sqlite3';
import type { DeletedSession } from '../core/session-chunks.js';
import { TOMBSTONE_MS, TOMBSTONE_UPSERT } from '../deleted-sessions.js';

const DAY_MS = 86_400_000;

/** When a session ended for retention: its last batch by the server's clock (the tab's only without one). */
const ENDED = 'coalesce(s.last_batch_at, s.ended_at)';

/** Ids of the sessions identified as `userId` (`identify`), optionally in one project. */
export function userSessionIds(db: Database.Database, userId: string, projectId?: string): string[] {
  const rows = (
    projectId === undefined
      ? db.prepare('SELECT id FROM sessions WHERE user_id = ?').all(userId)
      : db.prepare('SELECT id FROM sessions WHERE user_id = ? AND project_id = ?').all(userId, projectId)
  ) as { id: string }[];
  return rows.map((r) => r.id);
}

/** Up to `limit` sessions past their project's retention at `now` (one index range per project). */
export function expiredSessionIds(db: Database.Database, now: number, limit: number): string[] {
  const projects = db.prepare('SELECT id, retention_days FROM projects WHERE retention_days IS NOT NULL').all() as {
    id: string;
    retention_days: number;
  }[];
  const stmt = db.prepare(`SELECT s.id FROM sessions s WHERE s.project_id = ? AND ${ENDED} < ? LIMIT ?`);
  const ids: string[] = [];
  for (const p of projects) {
    if (ids.length >= limit) break;
    const rows = stmt.all(p.id, now - p.retention_days * DAY_MS, limit - ids.length) as { id: string }[];
    for (const r of rows) ids.push(r.id);
  }
  return ids;
}

/**
 * Deletes the sessions' metadata in one transaction: the session rows (batches and every index
 * table follow by ON DELETE CASCADE) and their search_text rows (an FTS5 table, no foreign key).
 * Returns the sessions that existed, with the chunk keys to delete next.
 */
export function deleteSessionRows(db: Database.Database, ids: string[]): DeletedSession[] {
  if (ids.length === 0) return [];
  return db.transaction((): DeletedSession[] => {
    const owner = db.prepare('SELECT project_id FROM sessions WHERE id = ?');
    const keys = db.prepare('SELECT chunk_key FROM batches WHERE session_id = ?').pluck();
    const out: DeletedSession[] = [];
    for (const id of new Set(ids)) {
      const row = owner.get(id) as { project_id: string } | undefined;
      if (!row) continue;
      out.push({ id, projectId: row.project_id, chunkKeys: keys.all(id) as string[] });
    }
    if (out.length === 0) return out;
    const found = out.map((s) => s.id);
    // session_id is UNINDEXED in search_text, so this is one pass over the table per call: callers
    // delete many sessions per call rather than calling once per session.
    for (let i = 0; i < found.length; i += 500) {
      const part = found.slice(i, i + 500);
      const marks = part.map(() => '?').join(', ');
      db.prepare(`DELETE FROM search_text WHERE session_id IN (${marks})`).run(...part);
      db.prepare(`DELETE FROM sessions WHERE id IN (${marks})`).run(...part);
    }
    const tombstone = db.prepare(`INSERT INTO deleted_sessions (id, deleted_at) VALUES (?, ?) ${TOMBSTONE_UPSERT}`);
    const at = Date.now();
    for (const id of found) tombstone.run(id, at);
    return out;
  })();
}

/** Forgets the deleted sessions' ids older than TOMBSTONE_MS (retention's run). */
export function pruneTombstones(db: Database.Database, now: number): void {
  db.prepare('DELETE FROM deleted_sessions WHERE deleted_at < ?').run(now - TOMBSTONE_MS);
}

/**
 * After a deletion: moves the WAL into the database and truncates it, so the deleted rows' old
 * page images do not linger in `reprise.db-wal` (secure_delete already zeroed them in the pages).
 * Returns false when a reader kept the WAL from being fully checkpointed (a later call finishes it).
 */
export function checkpointAfterDelete(db: Database.Database): boolean {
  const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  return !r || r.busy === 0;
}

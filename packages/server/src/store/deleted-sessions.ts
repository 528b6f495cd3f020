/**
 * Deleted sessions stay deleted. A tab keeps its session id for as long as it is used, so a
 * session deleted while it is still being recorded (a user's delete, an erasure, retention)
 * would come back with its next batch, as a new session holding the rest. Each deletion keeps
 * the id in `deleted_sessions` (in the deletion's transaction); ingest (AppendBatchInput.honorDeletion)
 * refuses a batch that would create one of them again with SessionDeleted (410 session_deleted,
 * final for the recorder), checked before anything is written. Only the random id is kept, for a
 * week: a tab idle for 30 minutes starts a new session anyway.
 */
export const TOMBSTONE_MS = 7 * 86_400_000;

/** Keeps the ids (SQLite and PostgreSQL alike: `?` or `$n` placeholders are the caller's). */
export const TOMBSTONE_UPSERT = 'ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at';

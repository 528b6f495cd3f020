import type pg from 'pg';
import type { BatchChunks } from '../chunks/batch-chunks.js';
import type { ChunkStore } from '../chunks/types.js';
import type { EncodedChunk } from '../chunk-codec.js';
import { deviceValues, mergeTags } from '../rows.js';
import { assertSessionKey, assertSessionLinkOpen, SESSION_ACCESS_COLUMNS, type SessionAccessRow } from '../session-access.js';
import { SessionFull, SessionProjectConflict, type AppendBatchInput } from '../types.js';
import { indexTimes, writeIndexRows } from './index-writer.js';
import * as links from './links.js';
import { lockTraces, writeBatchTraces } from './trace-index.js';
import type { IndexSealer } from '../index-seal.js';
import type { Partitions } from './partitions.js';

/** What an append needs of PgStore. */
export interface PgAppendDeps {
  pool: pg.Pool;
  chunks: ChunkStore;
  batchChunks: BatchChunks;
  partitions: Partitions;
  /** Opens pending spans and logs a batch takes over (store/trace-rows.ts). */
  sealer: IndexSealer | null;
}

/** The stored chunk of one append and the row values taken from it. */
interface StoredBatch {
  key: string;
  storedBytes: number;
  chunk: EncodedChunk;
  tMin: number | null;
  tMax: number | null;
  start: number;
  end: number;
}

/**
 * PgStore.appendBatch (input already sealed): checks, then the chunk object (durable), then one
 * transaction for the rows (see PgStore). Resolves once committed.
 */
export async function appendBatch(deps: PgAppendDeps, input: AppendBatchInput): Promise<{ duplicate: boolean }> {
  const { batch, projectId, receivedAt, index } = input;
  const sid = batch.sessionId;
  if (await isKnownDuplicate(deps.pool, input)) return { duplicate: true };
  // A batch of a month without partitions yet (near now) creates them, outside the transaction.
  await deps.partitions.ensureFor(indexTimes(index), Date.now()).catch(() => undefined);

  // A new object (unique key) per attempt, durable before the row commits: concurrent
  // duplicates never overwrite a stored chunk, and a crash leaves only an orphan object.
  // With ingest's chunk the events are never touched here (they may not even be parsed on this thread).
  const {
    key,
    bytes: storedBytes,
    chunk,
  } = await deps.batchChunks.writeBatch({ projectId, sessionId: sid, seq: batch.seq }, input.chunk ? [] : batch.events, input.chunk);
  const tMin = chunk.tMin === null ? null : Math.round(chunk.tMin);
  const tMax = chunk.tMax === null ? null : Math.round(chunk.tMax);
  const start = tMin ?? receivedAt;
  const end = tMax ?? receivedAt;

  const stored: StoredBatch = { key, storedBytes, chunk, tMin, tMax, start, end };
  const inserted = await commitRows(deps, input, stored);
  if (!inserted) {
    // Lost a race with an identical (session, seq), maybe on another instance: drop our copy.
    await deps.chunks.delete([key]).catch(() => undefined);
    return { duplicate: true };
  }
  return { duplicate: false };
}

/**
 * Before anything is written: refuses a batch of another project's session, with the wrong key,
 * of a closed link or past the byte cap; true when (session, seq) is already stored.
 */
async function isKnownDuplicate(pool: pg.Pool, input: AppendBatchInput): Promise<boolean> {
  const { batch, projectId, receivedAt } = input;
  const sid = batch.sessionId;
  const linkId = input.linkId ?? null;
  const owner = (
    await pool.query<{ project_id: string; dup: boolean; stored_bytes: number; truncated: number } & SessionAccessRow>(
      `SELECT s.project_id, s.stored_bytes, s.truncated, ${SESSION_ACCESS_COLUMNS},
         EXISTS (SELECT 1 FROM batches WHERE session_id = $1 AND seq = $2) AS dup
       FROM sessions s LEFT JOIN links l ON l.id = s.link_id WHERE s.id = $1`,
      [sid, batch.seq],
    )
  ).rows[0];
  if (owner && owner.project_id !== projectId) throw new SessionProjectConflict(sid);
  if (owner) assertSessionKey(sid, owner, input.sessionKeyHash);
  if (owner?.dup) return true;
  if (owner) assertSessionLinkOpen(owner, receivedAt);
  // The per-session byte cap, checked before the chunk is written. Concurrent appends of one
  // session may each pass it: the cap can be overshot by the batches in flight, never more.
  const cap = input.maxSessionBytes;
  if (cap !== undefined && (owner?.truncated || Number(owner?.stored_bytes ?? 0) + (input.chunk?.rawBytes ?? 0) > cap)) {
    if (owner) await pool.query('UPDATE sessions SET truncated = 1 WHERE id = $1', [sid]);
    throw new SessionFull(sid, cap);
  }
  // Refuse before writing anything; re-checked in the transaction (insertRows) against races.
  if (linkId && !owner) await links.assertRoom(pool, linkId, sid, false);
  return false;
}

/** The rows' transaction; false (rolled back) when (session, seq) was stored meanwhile. */
async function commitRows(deps: PgAppendDeps, input: AppendBatchInput, stored: StoredBatch): Promise<boolean> {
  const client = await deps.pool.connect();
  let commitSent = false;
  let inserted: boolean;
  try {
    await client.query('BEGIN');
    inserted = await insertRows(client, input, stored, deps.sealer);
    commitSent = true;
    await client.query(inserted ? 'COMMIT' : 'ROLLBACK');
  } catch (err) {
    let broken = false;
    if (!commitSent) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      // Nothing references our object: remove it (a leftover would only be an orphan for the GC).
      await deps.chunks.delete([stored.key]).catch(() => undefined);
    }
    // A failed COMMIT may still have committed: keep the object, its row may exist.
    client.release(broken || commitSent);
    throw err;
  }
  client.release();
  return inserted;
}

/** Inside the transaction: the session (locked), the batch row, the summary and the index rows. */
async function insertRows(
  client: pg.PoolClient,
  input: AppendBatchInput,
  stored: StoredBatch,
  sealer: IndexSealer | null,
): Promise<boolean> {
  const { batch, projectId, facts, receivedAt, index } = input;
  const { key, storedBytes, chunk, tMin, tMax, start, end } = stored;
  const sid = batch.sessionId;
  const linkId = input.linkId ?? null;
  const url = batch.meta?.url ?? null;
  // Trace locks before the session's row lock, in the order OTLP exports take them (trace-index.ts).
  await lockTraces(
    client,
    projectId,
    (index.traces ?? []).map((t) => t.traceId),
  );
  // A new session is tagged with its link (first batch wins); the room check is atomic with the insert.
  const isNew = (await client.query('SELECT 1 FROM sessions WHERE id = $1', [sid])).rowCount === 0;
  if (linkId && isNew) await links.assertRoom(client, linkId, sid, true);
  await client.query(
    `INSERT INTO sessions (id, project_id, started_at, ended_at, first_url, first_url_seq, user_agent,
       browser, browser_version, os, os_version, device, ip, created_at, updated_at, link_id, key_hash)
     VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14)
     ON CONFLICT (id) DO NOTHING`,
    [sid, projectId, start, end, ...deviceValues(facts), facts.ip ?? null, receivedAt, linkId, input.sessionKeyHash ?? null],
  );
  // From here on the session is ours until COMMIT: appends of it on any instance wait here.
  const session = (
    await client.query<{ project_id: string; tags: unknown; key_hash: string | null }>(
      'SELECT project_id, tags, key_hash FROM sessions WHERE id = $1 FOR UPDATE',
      [sid],
    )
  ).rows[0]!;
  if (session.project_id !== projectId) throw new SessionProjectConflict(sid);
  // Another first batch may have created the session (with its key) since the check above.
  assertSessionKey(sid, session, input.sessionKeyHash);
  const b = await client.query(
    `INSERT INTO batches (session_id, seq, chunk_key, chunk_format, event_count, bytes, t_min, t_max, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
    [sid, batch.seq, key, chunk.format, chunk.eventCount, storedBytes, tMin, tMax, receivedAt],
  );
  const inserted = b.rowCount === 1;
  if (inserted) {
    // Widen the time range; the lowest seq that carried a URL names the first page.
    await client.query(
      `UPDATE sessions SET
         started_at = least(started_at, $1), ended_at = greatest(ended_at, $2),
         first_url = CASE WHEN $3::text IS NOT NULL AND (first_url_seq IS NULL OR $4 < first_url_seq) THEN $3::text ELSE first_url END,
         first_url_seq = CASE WHEN $3::text IS NOT NULL AND (first_url_seq IS NULL OR $4 < first_url_seq) THEN $4 ELSE first_url_seq END,
         event_count = event_count + $5, batch_count = batch_count + 1, last_seq = greatest(last_seq, $4), updated_at = $6,
         stored_bytes = stored_bytes + $8
       WHERE id = $7`,
      [start, end, url, batch.seq, chunk.eventCount, receivedAt, sid, chunk.rawBytes],
    );
    if (Object.keys(index.tags).length > 0) {
      const tags = mergeTags(session.tags, index.tags);
      await client.query('UPDATE sessions SET tags = $1::jsonb WHERE id = $2', [JSON.stringify(tags), sid]);
    }
    await writeIndexRows(client, { projectId, sessionId: sid }, batch.seq, receivedAt, index);
    await writeBatchTraces(client, sid, projectId, index.traces, sealer);
  }
  return inserted;
}

import type pg from 'pg';
import { encodeBatch, type BatchChunks } from '../chunks/batch-chunks.js';
import type { ChunkStore } from '../chunks/types.js';
import type { EncodedChunk } from '../chunk-codec.js';
import type { IngestPacker, PackPart } from './ingest-packer.js';
import { deviceValues, mergeTags } from '../rows.js';
import { assertSessionKey, assertSessionLinkOpen, SESSION_ACCESS_COLUMNS, type SessionAccessRow } from '../session-access.js';
import { SessionDeleted, SessionFull, SessionProjectConflict, type AppendBatchInput } from '../types.js';
import { indexTimes, writeIndexRows } from './index-writer.js';
import { deletedAmong } from './lifecycle.js';
import * as links from './links.js';
import { lockTraces, writeBatchTraces } from './trace-index.js';
import { bulkEligible, writePackRows, type BulkOutcome, type BulkPart } from './pack-rows.js';
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
  /** Ingest packing (ingest-packer.ts); null = one object per batch. */
  packer: IngestPacker<PackedAppend, { duplicate: boolean }> | null;
  /** Told when a pack's bulk rows failed and the pack is committed one batch at a time. */
  log?: (msg: string) => void;
}

/** A batch waiting in a pack: its input and its encoded chunk. */
export interface PackedAppend {
  input: AppendBatchInput;
  chunk: EncodedChunk;
}

/** The stored chunk of one append and the row values taken from it. */
interface StoredBatch {
  key: string;
  /** The segment of a shared pack; null for a whole object. */
  offset: number | null;
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

  if (deps.packer) {
    // Sealed here, stored with the other batches of its pack, acknowledged after the pack's commit.
    const chunk = input.chunk ?? encodeBatch(batch.events);
    const bytes = deps.batchChunks.sealBatch({ projectId, sessionId: sid, seq: batch.seq }, chunk);
    return deps.packer.add(projectId, bytes, { input, chunk });
  }

  // A new object (unique key) per attempt, durable before the row commits: concurrent
  // duplicates never overwrite a stored chunk, and a crash leaves only an orphan object.
  // With ingest's chunk the events are never touched here (they may not even be parsed on this thread).
  const {
    key,
    bytes: storedBytes,
    chunk,
  } = await deps.batchChunks.writeBatch({ projectId, sessionId: sid, seq: batch.seq }, input.chunk ? [] : batch.events, input.chunk);
  const stored: StoredBatch = { key, offset: null, storedBytes, ...times(chunk, receivedAt) };
  const inserted = await commitRows(deps, input, stored);
  if (!inserted) {
    // Lost a race with an identical (session, seq), maybe on another instance: drop our copy.
    await deps.chunks.delete([key]).catch(() => undefined);
    return { duplicate: true };
  }
  return { duplicate: false };
}

/** The row's time values of a chunk (receivedAt for a batch without events). */
function times(chunk: EncodedChunk, receivedAt: number): Omit<StoredBatch, 'key' | 'offset' | 'storedBytes'> {
  const tMin = chunk.tMin === null ? null : Math.round(chunk.tMin);
  const tMax = chunk.tMax === null ? null : Math.round(chunk.tMax);
  return { chunk, tMin, tMax, start: tMin ?? receivedAt, end: tMax ?? receivedAt };
}

/**
 * The packer's commit (ingest-packer.ts): the rows of every batch of the pack at `key` in ONE
 * transaction, in (session, seq) order. Most packs take the bulk path (pack-rows.ts: a few
 * multi-row statements for the whole pack); a pack with a link's batch or trace rows, or whose
 * bulk transaction failed, goes one batch at a time (commitPackByBatch). Both store the same rows.
 */
export async function commitPack(
  deps: PgAppendDeps,
  key: string,
  parts: PackPart<PackedAppend>[],
): Promise<{ outcomes: ({ duplicate: boolean } | Error)[]; used: boolean }> {
  const order = parts.map((_, i) => i);
  const sid = (i: number) => parts[i]!.item.input.batch.sessionId;
  order.sort((a, b) => (sid(a) < sid(b) ? -1 : sid(a) > sid(b) ? 1 : parts[a]!.item.input.batch.seq - parts[b]!.item.input.batch.seq));
  const bulk = order.map((i) => bulkPart(key, parts[i]!));
  if (bulkEligible(bulk)) {
    const done = await commitBulk(deps, bulk);
    if (done) {
      const outcomes: ({ duplicate: boolean } | Error)[] = new Array(parts.length);
      order.forEach((i, k) => (outcomes[i] = done[k]!));
      return { outcomes, used: outcomes.some((o) => !(o instanceof Error) && !o.duplicate) };
    }
  }
  return commitPackByBatch(deps, key, parts, order);
}

/** A pack's batch as pack-rows.ts takes it. */
function bulkPart(key: string, { item, offset, length }: PackPart<PackedAppend>): BulkPart {
  const t = times(item.chunk, item.input.receivedAt);
  const { format, eventCount, rawBytes } = item.chunk;
  return { input: item.input, key, offset, storedBytes: length, format, eventCount, rawBytes, ...t };
}

/**
 * The whole pack's rows in a few multi-row statements (pack-rows.ts), in one transaction. Null
 * when it failed before COMMIT was sent (rolled back): then commitPackByBatch runs it again one
 * batch at a time, which refuses only the batches that fail. A failed COMMIT throws (it may have
 * committed).
 */
async function commitBulk(deps: PgAppendDeps, parts: BulkPart[]): Promise<BulkOutcome[] | null> {
  const client = await deps.pool.connect();
  let commitSent = false;
  try {
    await client.query('BEGIN');
    const outcomes = await writePackRows(client, parts);
    commitSent = true;
    await client.query('COMMIT');
    client.release();
    return outcomes;
  } catch (err) {
    if (commitSent) {
      client.release(true);
      throw err;
    }
    let broken = false;
    await client.query('ROLLBACK').catch(() => (broken = true));
    client.release(broken);
    deps.log?.(`ingest pack: the bulk rows of ${parts.length} batches failed (${String(err)}); committing them one at a time`);
    return null;
  }
}

/**
 * The pack's rows one batch after the other (batch-append's insertRows), each batch under its own
 * savepoint so a refused batch (wrong key, full link, duplicate) leaves the others in. Locks are
 * taken in one order whatever the pack holds — every trace first (sorted, as lockTraces does),
 * then the sessions by id — so packs committing on several instances at once cannot deadlock.
 */
async function commitPackByBatch(
  deps: PgAppendDeps,
  key: string,
  parts: PackPart<PackedAppend>[],
  order: number[],
): Promise<{ outcomes: ({ duplicate: boolean } | Error)[]; used: boolean }> {
  const outcomes: ({ duplicate: boolean } | Error)[] = new Array(parts.length);
  let used = false;
  const traceLocks = [
    ...new Set(parts.flatMap((p) => (p.item.input.index.traces ?? []).map((t) => `${p.item.input.projectId}:${t.traceId}`))),
  ].sort();
  const client = await deps.pool.connect();
  let commitSent = false;
  try {
    await client.query('BEGIN');
    if (traceLocks.length > 0) {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k ORDER BY k', [traceLocks]);
    }
    for (const i of order) {
      const { item, offset, length } = parts[i]!;
      const stored: StoredBatch = { key, offset, storedBytes: length, ...times(item.chunk, item.input.receivedAt) };
      await client.query('SAVEPOINT part');
      try {
        const inserted = await insertRows(client, item.input, stored, deps.sealer);
        await client.query(inserted ? 'RELEASE SAVEPOINT part' : 'ROLLBACK TO SAVEPOINT part');
        outcomes[i] = { duplicate: !inserted };
        used ||= inserted;
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT part');
        outcomes[i] = err instanceof Error ? err : new Error(String(err));
      }
    }
    commitSent = true;
    await client.query('COMMIT');
  } catch (err) {
    let broken = commitSent;
    if (!commitSent) await client.query('ROLLBACK').catch(() => (broken = true));
    client.release(broken);
    throw err;
  }
  client.release();
  return { outcomes, used };
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
  // A session deleted lately is not created again (deleted-sessions.ts).
  if (!owner && input.honorDeletion && (await deletedAmong(pool, [sid])).size > 0) throw new SessionDeleted(sid);
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
  const { key, offset, storedBytes, chunk, tMin, tMax, start, end } = stored;
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
  const created = await client.query(
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
  // Created here: a deletion that committed since the check before the chunk was written (this
  // insert waits for one in progress) left its id behind; the rollback removes the row again.
  if (created.rowCount === 1 && input.honorDeletion && (await deletedAmong(client, [sid])).size > 0) throw new SessionDeleted(sid);
  // Another first batch may have created the session (with its key) since the check above.
  assertSessionKey(sid, session, input.sessionKeyHash);
  const b = await client.query(
    `INSERT INTO batches (session_id, seq, chunk_key, chunk_offset, chunk_length, chunk_format, event_count, bytes, t_min, t_max, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
    [
      sid,
      batch.seq,
      key,
      offset,
      offset === null ? null : storedBytes,
      chunk.format,
      chunk.eventCount,
      storedBytes,
      tMin,
      tMax,
      receivedAt,
    ],
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

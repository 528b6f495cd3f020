import type { ReplayEvent } from '@reprise/protocol';
import {
  isSharedPackKey,
  sessionPrefix,
  SHARED_PACK_LIKE,
  type BatchChunks,
  type CompactResult,
  type GcResult,
  type PackedSegment,
  type SegmentRef,
} from '../chunks/batch-chunks.js';
import { isChunkNotFound } from '../chunks/errors.js';
import type { ChunkStore } from '../chunks/types.js';
import { sortedEvents } from '../event-stream.js';
import type { EventTimeRange } from '../types.js';
import type { Sql } from './sql.js';

/** A batch row: where its bytes are, when it arrived and its earliest event time. */
export type BatchSegmentRow = SegmentRef & { receivedAt: number; tMin: number | null };

/** Thrown inside BatchRows.movePack to roll its transaction back: a row no longer points where it did. */
export class RowsChanged extends Error {}

/** What each backend does itself on the chunk side: its own transaction, its own bulk lookup. */
export interface BatchRows {
  /**
   * In one transaction, points each packed batch at its segment of `pack.key` (offset, length;
   * bytes = length), only while its row still names `oldKey` as a whole object; otherwise throws
   * RowsChanged, so nothing moves.
   */
  movePack(sessionId: string, pack: { key: string; segments: PackedSegment[] }): Promise<void>;
  /** The keys among `keys` some batch row names. */
  referenced(keys: string[]): Promise<Set<string>>;
  /**
   * The [lo, hi] that selects the batches whose rounded [t_min, t_max] may hold events of `range`
   * (`t_max >= lo AND t_min <= hi`); the events are filtered exactly after reading.
   */
  timeBounds(range: EventTimeRange): [number, number];
  /**
   * Rows may name segments of shared ingest packs (SQLite, PostgreSQL with packing): compaction
   * then also copies those out, and deletion keeps a shared pack other sessions still use.
   */
  sharedPacks: boolean;
}

/** A deleted session: what is left to remove from the chunk store once its metadata is gone. */
export interface DeletedSession {
  id: string;
  projectId: string;
  /** Chunk keys its batch rows named. */
  chunkKeys: string[];
}

/** Chunk objects younger than this may still be committing (see deleteObjects). */
const ORPHAN_GRACE_MS = 15 * 60_000;

const SEGMENT_SQL = `SELECT b.seq, b.received_at, b.chunk_key, b.chunk_offset, b.chunk_length, b.chunk_format, b.t_min, s.project_id, b.session_id
  FROM batches b JOIN sessions s ON s.id = b.session_id WHERE b.session_id = $1`;

interface SegmentDbRow {
  seq: number;
  received_at: number;
  chunk_key: string;
  chunk_offset: number | null;
  chunk_length: number | null;
  chunk_format: string;
  t_min: number | null;
  project_id: string;
  session_id: string;
}

/**
 * The chunk side of a store, the same on every backend: a session's events read from its batch
 * rows' chunks (whole, by time range, or batch by batch), compaction into packs, orphan GC, and
 * the removal of deleted sessions' objects. The backend gives its Sql and its BatchRows.
 */
export class SessionChunks {
  constructor(
    private readonly sql: Sql,
    private readonly rows: BatchRows,
    private readonly batchChunks: BatchChunks,
    private readonly chunks: ChunkStore,
  ) {}

  /**
   * A session's events in time order; with `range` only those with `from <= t <= to`, and only
   * the batches whose [t_min, t_max] overlaps it are fetched (ranged reads inside packs).
   */
  async readEvents(sessionId: string, range?: EventTimeRange): Promise<ReplayEvent[]> {
    const from = range?.from ?? -Infinity;
    const to = range?.to ?? Infinity;
    const { segments } = await this.readRows(() => this.eventRows(sessionId, range));
    const events: ReplayEvent[] = [];
    for (const seg of segments) for (const e of seg) if (e.t >= from && e.t <= to) events.push(e);
    // Batches are in seq order and nearly sorted by time; a stable sort fixes cross-batch skew.
    return events.sort((a, b) => a.t - b.t);
  }

  async *streamEvents(sessionId: string, range?: EventTimeRange): AsyncGenerator<ReplayEvent[]> {
    const rows = await this.eventRows(sessionId, range);
    // One batch at a time; a batch compacted meanwhile is looked up again by its seq.
    const read = async (row: BatchSegmentRow) =>
      (await this.readRows(() => this.segmentRows('AND b.seq = $2', [sessionId, row.seq]))).segments[0] ?? [];
    yield* sortedEvents(rows, read, range);
  }

  async readBatch(sessionId: string, seq: number): Promise<ReplayEvent[] | null> {
    const { rows, segments } = await this.readRows(() => this.segmentRows('AND b.seq = $2', [sessionId, seq]));
    return rows.length > 0 ? segments[0]! : null;
  }

  async readBatches(sessionId: string): Promise<{ seq: number; receivedAt: number; events: ReplayEvent[] }[]> {
    const { rows, segments } = await this.readRows(() => this.segmentRows('', [sessionId]));
    return rows.map((r, i) => ({ seq: r.seq, receivedAt: r.receivedAt, events: segments[i]! }));
  }

  /**
   * Packs the session's whole-object batches into pack objects (BatchChunks.compact). Safe while
   * batches still arrive (new rows are left for next time) and against a concurrent compaction or
   * deletion of the session, on any instance: the commit moves only rows still pointing at the
   * objects that were packed.
   */
  async compactSession(sessionId: string, opts: { maxPackBytes?: number } = {}): Promise<CompactResult> {
    const segments = await this.segmentRows(`AND ${this.compactable}`, [sessionId]);
    try {
      return await this.batchChunks.compact({
        segments,
        maxPackBytes: opts.maxPackBytes,
        referenced: (keys) => this.rows.referenced(keys),
        commit: async (pack) => {
          try {
            await this.rows.movePack(sessionId, pack);
            return true;
          } catch (err) {
            if (err instanceof RowsChanged) return false;
            throw err;
          }
        },
      });
    } catch (err) {
      // Another compaction or an erasure got there first and removed an object we meant to pack.
      if (isChunkNotFound(err)) return { packs: [], packedBatches: 0, inPlace: 0, deletedObjects: 0 };
      throw err;
    }
  }

  /** Sessions with unpacked batches whose last batch arrived before `idleBefore` (epoch ms). */
  async listCompactableSessions(idleBefore: number, limit: number): Promise<string[]> {
    const rows = await this.sql.all<{ session_id: string }>(
      `SELECT DISTINCT b.session_id FROM batches b JOIN sessions s ON s.id = b.session_id
       WHERE ${this.compactable} AND coalesce(s.last_batch_at, s.updated_at) < $1 LIMIT $2`,
      [idleBefore, limit],
    );
    return rows.map((r) => r.session_id);
  }

  /**
   * Batches compaction moves: whole objects, and segments of shared ingest packs. The literal
   * matches the partial index batches_compactable (PostgreSQL migration 12, SQLite v19).
   */
  private get compactable(): string {
    return this.rows.sharedPacks ? `(b.chunk_offset IS NULL OR b.chunk_key LIKE '${SHARED_PACK_LIKE}')` : 'b.chunk_offset IS NULL';
  }

  /** Deletes chunk objects older than `olderThanMs` (default 1 h) that no batch row references. */
  async gcChunks(opts: { olderThanMs?: number; now?: number; dryRun?: boolean } = {}): Promise<GcResult> {
    return this.batchChunks.gc({ ...opts, referenced: (keys) => this.rows.referenced(keys) });
  }

  /**
   * Removes deleted sessions' chunk objects: the keys their batch rows named, then leftovers under
   * the session's `<projectId>/<sessionId>/` prefix older than ORPHAN_GRACE_MS (chunks of appends
   * that crashed before their row committed; a younger object may belong to an append in flight).
   */
  async deleteObjects(sessions: readonly DeletedSession[]): Promise<void> {
    if (sessions.length === 0) return;
    // Packed batches share a key. The local store drops a session's directory once empty.
    const keys = [...new Set(sessions.flatMap((s) => s.chunkKeys))];
    // A shared ingest pack goes only once no other session's row names it; until then the
    // deleted session's bytes stay in it, unreachable (no row points at them), and the last
    // compaction that copies the other sessions out deletes it (docs/ARCHITECTURE.md).
    const shared = keys.filter(isSharedPackKey);
    const used = shared.length > 0 ? await this.rows.referenced(shared) : new Set<string>();
    await this.chunks.delete(keys.filter((k) => !used.has(k)));
    const now = Date.now();
    for (const s of sessions) {
      const leftovers: string[] = [];
      for await (const o of this.chunks.list(sessionPrefix(s.projectId, s.id))) {
        if (now - o.lastModified > ORPHAN_GRACE_MS) leftovers.push(o.key);
      }
      if (leftovers.length > 0) await this.chunks.delete(leftovers);
    }
  }

  /** The batches with events, only those overlapping `range` when given. */
  private eventRows(sessionId: string, range?: EventTimeRange): Promise<BatchSegmentRow[]> {
    if (!range) return this.segmentRows('AND b.event_count > 0', [sessionId]);
    const [lo, hi] = this.rows.timeBounds(range);
    return this.segmentRows('AND b.event_count > 0 AND b.t_max >= $2 AND b.t_min <= $3', [sessionId, lo, hi]);
  }

  /** Where the selected batches' bytes are, in seq order; `where` continues `WHERE b.session_id = $1`. */
  private async segmentRows(where: string, args: unknown[]): Promise<BatchSegmentRow[]> {
    const rows = await this.sql.all<SegmentDbRow>(`${SEGMENT_SQL} ${where} ORDER BY b.seq`, args);
    return rows.map((r) => ({
      projectId: r.project_id,
      sessionId: r.session_id,
      seq: r.seq,
      key: r.chunk_key,
      offset: r.chunk_offset,
      length: r.chunk_length,
      format: r.chunk_format,
      receivedAt: r.received_at,
      tMin: r.t_min,
    }));
  }

  /**
   * Reads the selected rows' segments. Compaction (on any instance) may replace the objects
   * between the SELECT and the read (it deletes the small objects after its commit): then select once more.
   */
  private async readRows(select: () => Promise<BatchSegmentRow[]>): Promise<{ rows: BatchSegmentRow[]; segments: ReplayEvent[][] }> {
    let rows = await select();
    try {
      return { rows, segments: await this.batchChunks.readSegments(rows) };
    } catch (err) {
      if (!isChunkNotFound(err)) throw err;
      rows = await select();
      return { rows, segments: await this.batchChunks.readSegments(rows) };
    }
  }
}

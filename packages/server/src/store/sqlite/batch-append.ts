import type Database from 'better-sqlite3';
import { batchKey, encodeBatch, type BatchChunks } from '../chunks/batch-chunks.js';
import type { ChunkFormat } from '../chunk-codec.js';
import { putForIngest } from '../chunks/ingest-pack.js';
import type { ChunkStore } from '../chunks/types.js';
import { IngestPacks, type PackSegment } from './ingest-packs.js';
import { deviceValues, LINK_SELECT, mergeTags, type LinkRow } from '../rows.js';
import { assertSessionKey, assertSessionLinkOpen, SESSION_ACCESS_COLUMNS, type SessionAccessRow } from '../session-access.js';
import { LinkRefused, SessionDeleted, SessionFull, SessionProjectConflict, type AppendBatchInput } from '../types.js';
import { issueWrites, runIssueWritesSync } from '../issue-rows.js';
import type { SignalIndexWriter } from './signal-index.js';
import type { SqliteTraceIndex } from './trace-index.js';
import { sqliteSyncExec } from './sql.js';
import { WalSync } from './wal-sync.js';

/** The row values of one batch, computed before its transaction. */
interface BatchRow {
  input: AppendBatchInput;
  /** The batch's segment of its ingest pack. */
  segment: PackSegment;
  format: string;
  bytes: number;
  rawBytes: number;
  eventCount: number;
  tMin: number | null;
  tMax: number | null;
  start: number;
  end: number;
}

type Owner = { project_id: string } & SessionAccessRow;

interface Job {
  row: BatchRow;
  resolve(inserted: boolean): void;
  reject(err: unknown): void;
}

/**
 * SqliteStore.appendBatch: chunk first (durable), then the rows, acknowledged once they are
 * committed and the WAL is fsynced. The chunk is a segment of an ingest pack (ingest-packs.ts):
 * the batches queued behind one pack write share the next one. Group commit: appends whose packs
 * become durable in the same turn of the event loop share one transaction, each in its own
 * savepoint (one failing append rolls back only itself). The transaction commits with
 * synchronous=NORMAL and the WAL's fsync runs on the threadpool (wal-sync.ts), so the event loop keeps serving requests meanwhile; the
 * groups that commit while an fsync runs share the next one. Statements are prepared once.
 */
export class SqliteBatchAppender {
  private readonly q;
  private readonly exec: ReturnType<typeof sqliteSyncExec>;
  /** One append as a savepoint of the shared transaction. */
  private readonly insertOne: (row: BatchRow) => boolean;
  private pending: Job[] = [];
  private scheduled = false;
  /** null when the store is not durable (synchronous=OFF): nothing to sync. */
  private readonly wal: WalSync | null;
  private readonly synchronous: { normal: Database.Statement; full: Database.Statement };
  private readonly packs: IngestPacks | null;

  constructor(
    private readonly db: Database.Database,
    private readonly deps: {
      batchChunks: BatchChunks;
      chunks: ChunkStore;
      signalIndex: SignalIndexWriter;
      traceIndex: SqliteTraceIndex;
      durable: boolean;
      /** false: one object per batch (SqliteStoreOptions.ingestPacks). */
      ingestPacks: boolean;
    },
  ) {
    this.wal = deps.durable ? new WalSync(`${db.name}-wal`) : null;
    this.packs = deps.ingestPacks ? new IngestPacks(deps.chunks) : null;
    this.synchronous = { normal: db.prepare('PRAGMA synchronous = NORMAL'), full: db.prepare('PRAGMA synchronous = FULL') };
    this.q = {
      owner: db.prepare(
        `SELECT s.project_id, ${SESSION_ACCESS_COLUMNS} FROM sessions s LEFT JOIN links l ON l.id = s.link_id WHERE s.id = ?`,
      ),
      hasBatch: db.prepare('SELECT 1 FROM batches WHERE session_id = ? AND seq = ?'),
      deleted: db.prepare('SELECT 1 FROM deleted_sessions WHERE id = ?'),
      insertSession: db.prepare(
        `INSERT INTO sessions (id, project_id, started_at, ended_at, first_url, first_url_seq, user_agent,
           browser, browser_version, os, os_version, device, created_at, updated_at, link_id, ip, key_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO NOTHING`,
      ),
      insertBatch: db.prepare(
        `INSERT INTO batches (session_id, seq, chunk_key, chunk_offset, chunk_length, chunk_format, event_count, bytes, t_min, t_max, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      // Existing session: widen the time range; the lowest seq that carried a URL names the first page.
      widenSession: db.prepare(
        `UPDATE sessions SET
           started_at = min(started_at, ?), ended_at = max(ended_at, ?),
           first_url = CASE WHEN ? IS NOT NULL AND (first_url_seq IS NULL OR ? < first_url_seq) THEN ? ELSE first_url END,
           first_url_seq = CASE WHEN ? IS NOT NULL AND (first_url_seq IS NULL OR ? < first_url_seq) THEN ? ELSE first_url_seq END,
           event_count = event_count + ?, batch_count = batch_count + 1,
           last_seq = max(last_seq, ?), updated_at = ?
         WHERE id = ?`,
      ),
      firstBatch: db.prepare('UPDATE sessions SET event_count = ?, batch_count = 1, last_seq = ? WHERE id = ?'),
      counts: db.prepare(
        `UPDATE sessions SET errors = errors + ?, console_errors = console_errors + ?, console_warnings = console_warnings + ?,
           network_4xx = network_4xx + ?, network_5xx = network_5xx + ?, network_failed = network_failed + ?,
           feedback_count = feedback_count + ?, user_id = coalesce(?, user_id), release = coalesce(release, ?),
           last_batch_at = max(coalesce(last_batch_at, 0), ?) WHERE id = ?`,
      ),
      tags: db.prepare('SELECT tags FROM sessions WHERE id = ?'),
      setTags: db.prepare('UPDATE sessions SET tags = ? WHERE id = ?'),
      network: db.prepare(
        'INSERT INTO network_requests (session_id, seq, t, method, url, status, duration_ms, failed, route) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      console: db.prepare('INSERT INTO console_messages (session_id, seq, t, level, text) VALUES (?, ?, ?, ?, ?)'),
      errors: db.prepare(
        'INSERT INTO errors (session_id, seq, t, name, message, stack, message_key, release) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      link: db.prepare(`${LINK_SELECT} WHERE l.id = ?`),
      linkedSession: db.prepare('SELECT 1 FROM sessions WHERE id = ? AND link_id = ?'),
      capState: db.prepare('SELECT stored_bytes, truncated FROM sessions WHERE id = ?'),
      markTruncated: db.prepare('UPDATE sessions SET truncated = 1 WHERE id = ?'),
      addBytes: db.prepare('UPDATE sessions SET stored_bytes = stored_bytes + ? WHERE id = ?'),
    };
    this.exec = sqliteSyncExec(db);
    this.insertOne = db.transaction((row: BatchRow) => this.insertRows(row));
  }

  async append(input: AppendBatchInput): Promise<{ duplicate: boolean }> {
    const { batch, projectId, receivedAt } = input;
    const linkId = input.linkId ?? null;
    const owner = this.q.owner.get(batch.sessionId) as Owner | undefined;
    if (owner && owner.project_id !== projectId) throw new SessionProjectConflict(batch.sessionId);
    if (owner) assertSessionKey(batch.sessionId, owner, input.sessionKeyHash);
    // Rows are only ever seen committed (a group's transaction opens and commits within one call),
    // but maybe not yet fsynced: a duplicate is acknowledged once the original is durable.
    if (this.q.hasBatch.get(batch.sessionId, batch.seq)) {
      await this.wal?.flush();
      return { duplicate: true };
    }
    if (owner) assertSessionLinkOpen(owner, receivedAt);
    // Refuse before writing anything; re-checked in the transaction against races.
    if (!owner) this.assertNotDeleted(input);
    if (linkId && !owner) this.assertLinkHasRoom(linkId, batch.sessionId);
    if (input.maxSessionBytes !== undefined) this.assertRoomFor(input, !!owner, input.maxSessionBytes);

    // A segment of a new pack (unique key) per attempt, durable before the row commits:
    // concurrent duplicates never overwrite a stored chunk, and a crash leaves only an orphan pack.
    // With ingest's chunk the events are never touched here (they may not even be parsed on this thread).
    const chunk = input.chunk ?? encodeBatch(batch.events);
    const sealed = this.deps.batchChunks.sealBatch({ projectId, sessionId: batch.sessionId, seq: batch.seq }, chunk);
    const segment = this.packs
      ? await this.packs.add(projectId, sealed)
      : await this.wholeObject(projectId, batch.sessionId, batch.seq, chunk.format, sealed);
    const tMin = chunk.tMin === null ? null : Math.round(chunk.tMin);
    const tMax = chunk.tMax === null ? null : Math.round(chunk.tMax);
    const row: BatchRow = {
      input,
      segment,
      format: chunk.format,
      bytes: sealed.length,
      rawBytes: chunk.rawBytes,
      eventCount: chunk.eventCount,
      tMin,
      tMax,
      start: tMin ?? receivedAt,
      end: tMax ?? receivedAt,
    };

    // commitPending settles the segment (a pack no row names is deleted).
    const inserted = await new Promise<boolean>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commitPending());
      }
    });
    return { duplicate: !inserted };
  }

  /**
   * One transaction for every append queued since the last one; each append is a savepoint in it.
   * Its appends are answered once the WAL fsync that follows the commit is done.
   */
  private commitPending(): void {
    const jobs = this.pending;
    this.pending = [];
    this.scheduled = false;
    const outcome: ({ ok: true; inserted: boolean } | { ok: false; err: unknown })[] = [];
    const wal = this.wal?.usable ? this.wal : null;
    // Only this transaction skips the fsync in the commit: other writers keep synchronous=FULL.
    if (wal) this.synchronous.normal.run();
    try {
      this.db.transaction(() => {
        for (const job of jobs) {
          try {
            outcome.push({ ok: true, inserted: this.insertOne(job.row) });
          } catch (err) {
            // An error SQLite rolled the whole transaction back for (I/O, full disk): fail them all.
            if (!this.db.inTransaction) throw err;
            outcome.push({ ok: false, err });
          }
        }
      })();
    } catch (err) {
      // Rolled back: no row names any of these segments.
      for (const job of jobs) {
        job.row.segment.settle(false);
        job.reject(err);
      }
      return;
    } finally {
      if (wal) this.synchronous.full.run();
    }
    // Committed: a pack stays while a row names it, even if the WAL fsync below fails.
    jobs.forEach((job, i) => {
      const o = outcome[i]!;
      job.row.segment.settle(o.ok && o.inserted);
    });
    wal?.committed();
    const answer = () =>
      jobs.forEach((job, i) => {
        const o = outcome[i]!;
        if (o.ok) job.resolve(o.inserted);
        else job.reject(o.err);
      });
    if (!wal) return answer();
    wal.flush().then(answer, (err: unknown) => {
      for (const job of jobs) job.reject(err);
    });
  }

  /** Waits for the pack writes and WAL fsyncs in flight (the store is closing). */
  async close(): Promise<void> {
    await this.packs?.idle();
    await this.wal?.close();
  }

  /** The batch as an object of its own (ingest packing off); deleted when its row does not commit. */
  private async wholeObject(projectId: string, sessionId: string, seq: number, format: ChunkFormat, sealed: Buffer): Promise<PackSegment> {
    const key = batchKey(projectId, sessionId, seq, format);
    const chunks = this.deps.chunks;
    await putForIngest(chunks, key, sealed, 'a batch');
    return { key, offset: null, length: null, settle: (used) => void (used || chunks.delete([key]).catch(() => undefined)) };
  }

  /** The batch row, the session summary and the index rows; false when (session, seq) exists. */
  private insertRows(row: BatchRow): boolean {
    const { input, start, end } = row;
    const { batch, projectId, facts, receivedAt } = input;
    const linkId = input.linkId ?? null;
    const sid = batch.sessionId;
    const url = batch.meta?.url ?? null;
    const owner = this.q.owner.get(sid) as Owner | undefined;
    // Created by another project (or with another key) while this batch's chunk was being written.
    if (owner && owner.project_id !== projectId) throw new SessionProjectConflict(sid);
    if (owner) assertSessionKey(sid, owner, input.sessionKeyHash);
    if (!owner) this.assertNotDeleted(input);
    // A new session is tagged with its link (first batch wins); the room check is atomic with the insert.
    if (linkId && !owner) this.assertLinkHasRoom(linkId, sid);
    const res = this.q.insertSession.run(
      sid,
      projectId,
      start,
      end,
      url,
      url ? batch.seq : null,
      ...deviceValues(facts),
      receivedAt,
      receivedAt,
      linkId,
      facts.ip ?? null,
      input.sessionKeyHash ?? null,
    );
    const { key, offset, length } = row.segment;
    const b = this.q.insertBatch.run(
      sid,
      batch.seq,
      key,
      offset,
      length,
      row.format,
      row.eventCount,
      row.bytes,
      row.tMin,
      row.tMax,
      receivedAt,
    );
    if (b.changes === 0) return false;
    if (res.changes === 0) {
      this.q.widenSession.run(start, end, url, batch.seq, url, url, batch.seq, batch.seq, row.eventCount, batch.seq, receivedAt, sid);
    } else {
      this.q.firstBatch.run(row.eventCount, batch.seq, sid);
    }
    this.q.addBytes.run(row.rawBytes, sid);
    this.insertIndexRows(sid, batch.seq, input);
    return true;
  }

  /** Index rows and counts commit with the batch or not at all. */
  private insertIndexRows(sessionId: string, seq: number, input: AppendBatchInput): void {
    const { index } = input;
    const c = index.counts;
    this.q.counts.run(
      c.errors,
      c.consoleErrors,
      c.consoleWarnings,
      c.network4xx,
      c.network5xx,
      c.networkFailed,
      c.feedback,
      index.userId,
      index.release ?? null,
      input.receivedAt,
      sessionId,
    );
    if (Object.keys(index.tags).length > 0) {
      const tags = mergeTags((this.q.tags.get(sessionId) as { tags: string }).tags, index.tags);
      this.q.setTags.run(JSON.stringify(tags), sessionId);
    }
    for (const r of index.network) {
      this.q.network.run(sessionId, seq, Math.round(r.t), r.method, r.url, r.status, r.durationMs, r.failed ? 1 : 0, r.route);
    }
    for (const r of index.console) this.q.console.run(sessionId, seq, Math.round(r.t), r.level, r.text);
    for (const r of index.errors)
      this.q.errors.run(sessionId, seq, Math.round(r.t), r.name, r.message, r.stack, r.messageKey, index.release ?? null);
    runIssueWritesSync(issueWrites(input.projectId, sessionId, index.errors, input.receivedAt), this.exec);
    this.deps.signalIndex.write(sessionId, seq, index);
    this.deps.traceIndex.writeBatch(sessionId, input.projectId, index.traces);
  }

  /**
   * The per-session byte cap, checked before the chunk is written. Concurrent appends of one
   * session may each pass it: the cap can be overshot by the batches in flight, never more.
   */
  private assertRoomFor(input: AppendBatchInput, exists: boolean, cap: number): void {
    const sid = input.batch.sessionId;
    const size = input.chunk?.rawBytes ?? 0;
    const state = exists ? (this.q.capState.get(sid) as { stored_bytes: number; truncated: number }) : { stored_bytes: 0, truncated: 0 };
    if (!state.truncated && state.stored_bytes + size <= cap) return;
    if (exists) this.q.markTruncated.run(sid);
    throw new SessionFull(sid, cap);
  }

  /** A batch that would create a session deleted lately (deleted-sessions.ts). */
  private assertNotDeleted(input: AppendBatchInput): void {
    if (input.honorDeletion && this.q.deleted.get(input.batch.sessionId)) throw new SessionDeleted(input.batch.sessionId);
  }

  private assertLinkHasRoom(linkId: string, sessionId: string): void {
    const link = this.q.link.get(linkId) as LinkRow | undefined;
    if (!link) throw new LinkRefused('link_invalid');
    const mine = this.q.linkedSession.get(sessionId, linkId);
    if (!mine && link.max_sessions !== null && link.session_count >= link.max_sessions) throw new LinkRefused('link_used_up');
  }
}

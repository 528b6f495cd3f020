import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ReplayEvent, SessionDetail, SessionList, SessionSummary, SessionTimeline } from '@reprise/protocol';
import type { ClickProblem, ErrorGroup, FailingEndpoint, SavedSearch } from '@reprise/protocol';
import { randomId } from '../../ids.js';
import { IndexSealer, openEndpoints, openErrorGroups, openSummary, sealAppend } from '../index-seal.js';
import { BatchChunks, sessionPrefix, type CompactResult, type GcResult, type SegmentRef } from '../chunks/batch-chunks.js';
import type { ChunkCipher } from '../chunks/crypto.js';
import { isChunkNotFound } from '../chunks/errors.js';
import { LocalChunkStore } from '../chunks/local.js';
import type { ChunkStore } from '../chunks/types.js';
import { AssetBlobs } from '../../assets/types.js';
import { SqliteAssetIndex } from './assets.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import {
  type CreateApiTokenInput,
  type CreateLinkInput,
  type Membership,
  type Link,
  type LinkWithSessions,
  type MetadataDump,
  type ApiToken,
  type AppendBatchInput,
  type EventTimeRange,
  type CreateSavedSearchInput,
  type ProblemQuery,
  type ProblemRows,
  type Project,
  type Store,
  type User,
  type UserRole,
} from '../types.js';
import {
  LINK_SELECT,
  SESSION_COLUMNS,
  SESSION_FROM,
  missingSeqs,
  toLink,
  toProject,
  toSummary,
  toUser,
  withLinkSessions,
  type LinkRow,
  type ProjectRow,
  type SessionRow,
  type UserRow,
} from '../rows.js';
import { migrate } from './schema.js';
import * as search from './search.js';
import type { SessionSearch } from '../types.js';
import { sortedEvents } from '../event-stream.js';
import { SignalIndexWriter } from './signal-index.js';
import { SqliteBatchAppender } from './batch-append.js';
import * as problems from './problems.js';
import * as savedSearches from './saved-searches.js';
import * as access from './access.js';
import * as lifecycle from './lifecycle.js';
import * as transferMeta from './transfer-meta.js';
import { readTimeline } from './timeline.js';


export interface SqliteStoreOptions {
  /** false: bulk loads only (see the constructor). */
  durable?: boolean;
  /** Where event chunks go; default: files under `<dataDir>/chunks`. The store closes it. */
  chunks?: ChunkStore;
  /** Encrypts new chunks and decrypts stored ones (REPRISE_ENCRYPTION_KEY); null = plaintext. */
  cipher?: ChunkCipher | null;
}

type BatchSegmentRow = SegmentRef & { receivedAt: number; tMin: number | null };

/** Thrown inside a compaction commit to roll it back: a row no longer points where it did. */
class RowsChanged extends Error {}

/**
 * Embedded store: metadata in SQLite (WAL, synchronous=FULL so a commit survives
 * power loss), event chunks as immutable objects in a ChunkStore (files under
 * `<dataDir>/chunks` by default, or an S3 bucket). A batch's chunk is durable before
 * its row commits, so an acknowledged batch is never lost; a crash in between
 * leaves only an orphan object (removed by gcChunks).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  /** Where event chunks live (owned: closed with the store). */
  readonly chunks: ChunkStore;
  private readonly batchChunks: BatchChunks;
  /** Captured assets (assets/): their index rows here, their bytes beside the chunks. */
  readonly assets: SqliteAssetIndex;
  readonly assetBlobs: AssetBlobs;
  private readonly signalIndex: SignalIndexWriter;
  private readonly appender: SqliteBatchAppender;
  /** Every ingest request looks its project up: prepared once. */
  private projectByKey: Database.Statement | null = null;

  private readonly durable: boolean;

  /**
   * `durable: false` is for bulk loads (benchmark seeding, imports that can be re-run): no
   * fsync of chunks, `synchronous=OFF`. A server never opens the store that way.
   */
  /** Seals the index tables' text when REPRISE_ENCRYPTION_KEY is set (store/index-seal.ts); null = plaintext. */
  private readonly sealer: IndexSealer | null;
  /** A summary row as the API shows it (the first URL opened when sealed). */
  private readonly summaryOf = (r: SessionRow): SessionSummary => openSummary(toSummary(r), this.sealer);

  constructor(readonly dataDir: string, options: SqliteStoreOptions = {}) {
    this.durable = options.durable ?? true;
    mkdirSync(dataDir, { recursive: true });
    this.chunks = options.chunks ?? new LocalChunkStore(path.join(dataDir, 'chunks'), { durable: this.durable });
    this.batchChunks = new BatchChunks(this.chunks, options.cipher ?? null);
    this.sealer = IndexSealer.fromCipher(options.cipher);
    this.db = new Database(path.join(dataDir, 'reprise.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(this.durable ? 'synchronous = FULL' : 'synchronous = OFF');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Deleted and overwritten content is zeroed, not left in free space: erasure leaves no bytes behind.
    this.db.pragma('secure_delete = ON');
    migrate(this.db);
    this.assets = new SqliteAssetIndex(this.db);
    this.assetBlobs = new AssetBlobs(this.chunks, options.cipher ?? null);
    this.signalIndex = new SignalIndexWriter(this.db);
    this.appender = new SqliteBatchAppender(this.db, {
      batchChunks: this.batchChunks,
      chunks: this.chunks,
      signalIndex: this.signalIndex,
    });
  }

  async close(): Promise<void> {
    this.db.close();
    await this.chunks.close();
  }

  async createProject(input: { name: string; allowedOrigins: string[] }): Promise<Project> {
    const p: Project = {
      id: randomId('prj_'),
      name: input.name,
      key: randomId('pk_'),
      allowedOrigins: input.allowedOrigins,
      createdAt: Date.now(),
      retentionDays: null,
    };
    this.db
      .prepare('INSERT INTO projects (id, name, key, allowed_origins, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(p.id, p.name, p.key, JSON.stringify(p.allowedOrigins), p.createdAt);
    return p;
  }

  async listProjects(): Promise<Project[]> {
    const rows = this.db.prepare('SELECT * FROM projects ORDER BY created_at, id').all() as ProjectRow[];
    return rows.map(toProject);
  }

  async getProjectByKey(key: string): Promise<Project | null> {
    this.projectByKey ??= this.db.prepare('SELECT * FROM projects WHERE key = ?');
    const row = this.projectByKey.get(key) as ProjectRow | undefined;
    return row ? toProject(row) : null;
  }

  async updateProject(
    id: string,
    patch: { name?: string; allowedOrigins?: string[]; retentionDays?: number | null },
  ): Promise<Project | null> {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) return null;
    const next = { ...toProject(row), ...defined(patch) };
    this.db
      .prepare('UPDATE projects SET name = ?, allowed_origins = ?, retention_days = ? WHERE id = ?')
      .run(next.name, JSON.stringify(next.allowedOrigins), next.retentionDays, id);
    return next;
  }

  async countUsers(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  async createUser(input: { email: string; passwordHash: string; role: UserRole }): Promise<User> {
    const u: User = { id: randomId('usr_'), email: input.email, role: input.role, createdAt: Date.now() };
    this.db
      .prepare('INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(u.id, u.email, input.passwordHash, u.role, u.createdAt);
    return u;
  }

  async getUserByEmail(email: string): Promise<(User & { passwordHash: string }) | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async createLoginSession(input: { tokenHash: string; userId: string; expiresAt: number }): Promise<void> {
    this.db
      .prepare('INSERT INTO login_sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)')
      .run(input.tokenHash, input.userId, input.expiresAt);
  }

  async getLoginSessionUser(tokenHash: string, now: number): Promise<User | null> {
    const row = this.db
      .prepare(
        'SELECT u.* FROM login_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?',
      )
      .get(tokenHash, now) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async deleteLoginSession(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM login_sessions WHERE token_hash = ?').run(tokenHash);
  }

  async createApiToken(input: CreateApiTokenInput): Promise<ApiToken> { return access.createApiToken(this.db, input); }
  async getApiTokenByHash(tokenHash: string, now: number): Promise<{ token: ApiToken; user: User } | null> { return access.apiTokenByHash(this.db, tokenHash, now); }
  async listApiTokens(userId: string): Promise<ApiToken[]> { return access.listApiTokens(this.db, userId); }
  async revokeApiToken(id: string, userId: string, at: number): Promise<boolean> { return access.revokeApiToken(this.db, id, userId, at); }
  async listUsers(): Promise<User[]> { return access.listUsers(this.db); }
  async setUserRole(id: string, role: UserRole): Promise<boolean> { return access.setUserRole(this.db, id, role); }
  async listMemberships(userId: string): Promise<Membership[]> { return access.listMemberships(this.db, userId); }
  async listProjectMembers(projectId: string): Promise<Membership[]> { return access.listProjectMembers(this.db, projectId); }
  async setMembership(m: Membership): Promise<void> { access.setMembership(this.db, m); }
  async removeMembership(projectId: string, userId: string): Promise<boolean> { return access.removeMembership(this.db, projectId, userId); }
  async getSessionProject(sessionId: string): Promise<string | null> { return access.sessionProject(this.db, sessionId); }
  async getLink(id: string): Promise<Link | null> { return access.getLink(this.db, id); }
  async getSavedSearch(id: string): Promise<SavedSearch | null> { return access.getSavedSearch(this.db, id); }

  async appendBatch(input: AppendBatchInput): Promise<{ duplicate: boolean }> {
    return this.appender.append(sealAppend(input, this.sealer));
  }

  async createLink(input: CreateLinkInput): Promise<Link> {
    const id = randomId('lnk_');
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO links (id, project_id, label, target_url, token_hash, expires_at, max_sessions, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.projectId, input.label, input.targetUrl, input.tokenHash, input.expiresAt, input.maxSessions, now, input.createdBy);
    return toLink(this.db.prepare(`${LINK_SELECT} WHERE l.id = ?`).get(id) as LinkRow);
  }

  async getLinkByTokenHash(tokenHash: string): Promise<Link | null> {
    const row = this.db.prepare(`${LINK_SELECT} WHERE l.token_hash = ?`).get(tokenHash) as LinkRow | undefined;
    return row ? toLink(row) : null;
  }

  async listLinks(filter?: { projectIds?: string[] }): Promise<LinkWithSessions[]> {
    // `?` = a JSON array of project ids, or null for every project.
    const where = 'WHERE (? IS NULL OR project_id IN (SELECT value FROM json_each(?)))';
    const ids = filter?.projectIds ? JSON.stringify(filter.projectIds) : null;
    const rows = this.db
      .prepare(`${LINK_SELECT} ${where.replace(/project_id/g, 'l.project_id')} ORDER BY l.created_at DESC, l.id DESC LIMIT 500`)
      .all(ids, ids) as LinkRow[];
    const sessions = this.db
      .prepare(
        `SELECT id, link_id, last_batch_at FROM sessions WHERE link_id IN (SELECT id FROM links ${where} ORDER BY created_at DESC, id DESC LIMIT 500)
         ORDER BY started_at DESC, id DESC`,
      )
      .all(ids, ids) as { id: string; link_id: string; last_batch_at: number | null }[];
    return withLinkSessions(rows, sessions);
  }

  async markLinkOpened(id: string, at: number): Promise<void> {
    this.db.prepare('UPDATE links SET opened_at = ? WHERE id = ? AND opened_at IS NULL').run(at, id);
  }

  async revokeLink(id: string, at: number): Promise<boolean> {
    const res = this.db.prepare('UPDATE links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(at, id);
    return res.changes > 0;
  }

  async listSessions(query: { limit: number; cursor: string | null }): Promise<SessionList> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows = (
      after
        ? this.db
            .prepare(
              `SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE (s.started_at < ?) OR (s.started_at = ? AND s.id < ?)
               ORDER BY s.started_at DESC, s.id DESC LIMIT ?`,
            )
            .all(after.startedAt, after.startedAt, after.id, query.limit + 1)
        : this.db
            .prepare(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} ORDER BY s.started_at DESC, s.id DESC LIMIT ?`)
            .all(query.limit + 1)
    ) as SessionRow[];
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      sessions: page.map(this.summaryOf),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.started_at, last.id) : null,
    };
  }

  async searchSessions(query: SessionSearch): Promise<SessionList> {
    return search.searchSessions<SessionRow>(this.db, query, this.summaryOf, { sealer: this.sealer });
  }

  async getSession(id: string): Promise<SessionDetail | null> {
    const row = this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.id = ?`).get(id) as SessionRow | undefined;
    if (!row) return null;
    const seqs = this.db
      .prepare('SELECT seq FROM batches WHERE session_id = ? ORDER BY seq')
      .all(id) as { seq: number }[];
    return {
      ...this.summaryOf(row),
      browserVersion: row.browser_version,
      osVersion: row.os_version,
      userAgent: row.user_agent,
      eventCount: row.event_count,
      batchCount: row.batch_count,
      lastSeq: row.last_seq,
      missingSeqs: missingSeqs(seqs.map((s) => s.seq)),
      ip: row.ip,
    };
  }

  async listFailingEndpoints(q: ProblemQuery): Promise<ProblemRows<FailingEndpoint>> { return openEndpoints(await problems.failingEndpoints(this.db, q), this.sealer); }
  async listErrorGroups(q: ProblemQuery): Promise<ProblemRows<ErrorGroup>> { return openErrorGroups(await problems.errorGroups(this.db, q), this.sealer); }
  async listClickProblems(q: ProblemQuery & { type: 'rage' | 'dead' }): Promise<ProblemRows<ClickProblem>> { return problems.clickProblems(this.db, q); }
  async listSavedSearches(projectId: string): Promise<SavedSearch[]> { return savedSearches.list(this.db, projectId); }
  async createSavedSearch(input: CreateSavedSearchInput): Promise<SavedSearch> { return savedSearches.create(this.db, input); }
  async deleteSavedSearch(id: string): Promise<boolean> { return savedSearches.remove(this.db, id); }
  async getSessionTimeline(id: string): Promise<SessionTimeline | null> { return readTimeline(this.db, id); }
  async dumpMetadata(): Promise<MetadataDump> { return transferMeta.dump(this.db); }
  async restoreMetadata(dump: MetadataDump): Promise<void> { transferMeta.restore(this.db, dump); }

  /**
   * A session's events in time order; with `range` only those with `from <= t <= to`, and only
   * the batches whose [t_min, t_max] overlaps it are fetched (ranged reads inside packs).
   */
  async readEvents(sessionId: string, range?: EventTimeRange): Promise<ReplayEvent[]> {
    const from = range?.from ?? -Infinity;
    const to = range?.to ?? Infinity;
    const { segments } = await this.readRows(() => {
      // t_min/t_max are Math.round()ed, so off by at most 0.5: widen by that, filter exactly below.
      const where = range
        ? 'AND b.event_count > 0 AND b.t_max >= ? AND b.t_min <= ?'
        : 'AND b.event_count > 0';
      const args: unknown[] = range ? [sessionId, from - 0.5, to + 0.5] : [sessionId];
      return this.segmentRows(where, args);
    });
    const events: ReplayEvent[] = [];
    for (const seg of segments) for (const e of seg) if (e.t >= from && e.t <= to) events.push(e);
    // Batches are in seq order and nearly sorted by time; a stable sort fixes cross-batch skew.
    return events.sort((a, b) => a.t - b.t);
  }

  streamEvents(sessionId: string, range?: EventTimeRange): AsyncIterable<ReplayEvent[]> {
    const rows = range
      ? this.segmentRows('AND b.event_count > 0 AND b.t_max >= ? AND b.t_min <= ?', [sessionId, (range.from ?? -Infinity) - 0.5, (range.to ?? Infinity) + 0.5])
      : this.segmentRows('AND b.event_count > 0', [sessionId]);
    // One batch at a time; a batch compacted meanwhile is looked up again by its seq.
    const read = async (row: BatchSegmentRow) =>
      (await this.readRows(() => this.segmentRows('AND b.seq = ?', [sessionId, row.seq]))).segments[0] ?? [];
    return sortedEvents(rows, read, range);
  }

  /** Where the selected batches' bytes are; `where` continues `WHERE b.session_id = ?`. */
  private segmentRows(where: string, args: unknown[]): BatchSegmentRow[] {
    const rows = this.db
      .prepare(
        `SELECT b.seq, b.received_at, b.chunk_key, b.chunk_offset, b.chunk_length, b.chunk_format, b.t_min, s.project_id, b.session_id
         FROM batches b JOIN sessions s ON s.id = b.session_id
         WHERE b.session_id = ? ${where} ORDER BY b.seq`,
      )
      .all(...args) as {
      seq: number; received_at: number; chunk_key: string; chunk_offset: number | null; chunk_length: number | null;
      chunk_format: string; t_min: number | null; project_id: string; session_id: string;
    }[];
    return rows.map((r) => ({
      projectId: r.project_id, sessionId: r.session_id, seq: r.seq, key: r.chunk_key,
      offset: r.chunk_offset, length: r.chunk_length, format: r.chunk_format, receivedAt: r.received_at, tMin: r.t_min,
    }));
  }

  /**
   * Reads the selected rows' segments. Compaction may replace the objects between the SELECT
   * and the read (it deletes the small objects after its commit): then select once more.
   */
  private async readRows(select: () => BatchSegmentRow[]): Promise<{ rows: BatchSegmentRow[]; segments: ReplayEvent[][] }> {
    let rows = select();
    try {
      return { rows, segments: await this.batchChunks.readSegments(rows) };
    } catch (err) {
      if (!isChunkNotFound(err)) throw err;
      rows = select();
      return { rows, segments: await this.batchChunks.readSegments(rows) };
    }
  }

  /**
   * Packs the session's whole-object batches into pack objects (see BatchChunks.compact). Safe
   * while batches still arrive (new rows are left for next time) and against a concurrent
   * compaction or deletion of the session (the commit only moves rows still pointing at the
   * objects that were packed).
   */
  async compactSession(sessionId: string, opts: { maxPackBytes?: number } = {}): Promise<CompactResult> {
    const segments = this.segmentRows('AND b.chunk_offset IS NULL', [sessionId]);
    const move = this.db.prepare(
      `UPDATE batches SET chunk_key = ?, chunk_offset = ?, chunk_length = ?, bytes = ?
       WHERE session_id = ? AND seq = ? AND chunk_key = ? AND chunk_offset IS NULL`,
    );
    try {
      return await this.batchChunks.compact({
        segments,
        maxPackBytes: opts.maxPackBytes,
        commit: async (pack) => {
          try {
            return this.db.transaction((): boolean => {
              for (const seg of pack.segments) {
                const res = move.run(pack.key, seg.offset, seg.length, seg.length, sessionId, seg.seq, seg.oldKey);
                if (res.changes !== 1) throw new RowsChanged();
              }
              return true;
            })();
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
    return this.db
      .prepare(
        `SELECT DISTINCT b.session_id FROM batches b JOIN sessions s ON s.id = b.session_id
         WHERE b.chunk_offset IS NULL AND coalesce(s.last_batch_at, s.updated_at) < ? LIMIT ?`,
      )
      .pluck()
      .all(idleBefore, limit) as string[];
  }

  /** Deletes chunk objects older than `olderThanMs` (default 1 h) that no batch row references. */
  async gcChunks(opts: { olderThanMs?: number; now?: number; dryRun?: boolean } = {}): Promise<GcResult> {
    const used = this.db.prepare('SELECT 1 FROM batches WHERE chunk_key = ? LIMIT 1').pluck();
    return this.batchChunks.gc({
      ...opts,
      referenced: async (keys) => new Set(keys.filter((k) => used.get(k) !== undefined)),
    });
  }

  async readBatch(sessionId: string, seq: number): Promise<ReplayEvent[] | null> {
    const { rows, segments } = await this.readRows(() => this.segmentRows('AND b.seq = ?', [sessionId, seq]));
    return rows.length > 0 ? segments[0]! : null;
  }

  async readBatches(sessionId: string): Promise<{ seq: number; receivedAt: number; events: ReplayEvent[] }[]> {
    const { rows, segments } = await this.readRows(() => this.segmentRows('', [sessionId]));
    return rows.map((r, i) => ({ seq: r.seq, receivedAt: r.receivedAt, events: segments[i]! }));
  }

  async deleteSession(id: string): Promise<boolean> {
    return (await this.deleteSessions([id])) > 0;
  }

  async deleteUserSessions(userId: string, projectId?: string): Promise<number> {
    return this.deleteSessions(lifecycle.userSessionIds(this.db, userId, projectId));
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    let total = 0;
    // A few hundred sessions per transaction, so ingest is never blocked for long.
    for (;;) {
      const ids = lifecycle.expiredSessionIds(this.db, now, 500);
      if (ids.length === 0) break;
      const n = await this.deleteSessions(ids);
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  /** Metadata first, in one transaction; then the chunk objects; then the WAL is checkpointed away. */
  private async deleteSessions(ids: string[]): Promise<number> {
    const deleted = lifecycle.deleteSessionRows(this.db, ids);
    if (deleted.length === 0) return 0;
    await this.deleteSessionObjects(deleted);
    lifecycle.checkpointAfterDelete(this.db);
    return deleted.length;
  }

  /**
   * Removes deleted sessions' chunk objects: the keys their batch rows named, then leftovers under
   * the session's `<projectId>/<sessionId>/` prefix older than ORPHAN_GRACE_MS (chunks of appends
   * that crashed before their row committed; a younger file may belong to an append in flight).
   */
  private async deleteSessionObjects(sessions: lifecycle.DeletedSession[]): Promise<void> {
    const now = Date.now();
    for (const s of sessions) {
      // Packed batches share a key. The local store drops the session directory once empty.
      await this.chunks.delete([...new Set(s.chunkKeys)]);
      const leftovers: string[] = [];
      for await (const o of this.chunks.list(sessionPrefix(s.projectId, s.id))) {
        if (now - o.lastModified > ORPHAN_GRACE_MS) leftovers.push(o.key);
      }
      if (leftovers.length > 0) await this.chunks.delete(leftovers);
    }
  }
}

/** Chunk files younger than this may still be committing (see deleteSessionObjects). */
const ORPHAN_GRACE_MS = 15 * 60_000;

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

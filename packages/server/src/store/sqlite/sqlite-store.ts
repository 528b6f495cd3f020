import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { SessionList, SessionTimeline } from '@reprise/protocol';
import { randomId } from '../../ids.js';
import { sealAppend } from '../index-seal.js';
import type { ProblemAggregates } from '../problem-rows.js';
import type { PackedSegment } from '../chunks/batch-chunks.js';
import type { ChunkCipher } from '../chunks/crypto.js';
import { LocalChunkStore } from '../chunks/local.js';
import type { ChunkStore } from '../chunks/types.js';
import { RowsChanged } from '../core/session-chunks.js';
import { StoreCore } from '../core/store-core.js';
import type { Sql } from '../core/sql.js';
import { SqliteAssetIndex } from './assets.js';
import {
  type CreateLinkInput,
  type Link,
  type LinkWithSessions,
  type MetadataDump,
  type AppendBatchInput,
  type Project,
  type Store,
} from '../types.js';
import { LINK_SELECT, toLink, toProject, withLinkSessions, type LinkRow, type ProjectRow, type SessionRow } from '../rows.js';
import { migrate } from './schema.js';
import * as search from './search.js';
import type { SessionSearch } from '../types.js';
import { SignalIndexWriter } from './signal-index.js';
import { SqliteTraceIndex } from './trace-index.js';
import type { AppendOtlpInput, AppendOtlpResult } from '../trace-rows.js';
import { SqliteBatchAppender } from './batch-append.js';
import { sqliteSql } from './sql.js';
import * as problems from './problems.js';
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
  /**
   * Default true: the batches of a group commit share one object (sqlite/ingest-packs.ts).
   * false: one object per batch, the layout of earlier versions (still read, compacted and deleted alike).
   */
  ingestPacks?: boolean;
}

/**
 * Embedded store: metadata in SQLite (WAL, synchronous=FULL so a commit survives
 * power loss), event chunks as immutable objects in a ChunkStore (files under
 * `<dataDir>/chunks` by default, or an S3 bucket). A batch's chunk is durable before
 * its row commits, so an acknowledged batch is never lost; a crash in between
 * leaves only an orphan object (removed by gcChunks).
 */
export class SqliteStore extends StoreCore implements Store {
  private readonly db: Database.Database;
  protected readonly sql: Sql;
  /** Captured assets (assets/): their index rows here, their bytes beside the chunks. */
  readonly assets: SqliteAssetIndex;
  private readonly signalIndex: SignalIndexWriter;
  private readonly appender: SqliteBatchAppender;
  private readonly traceIndex: SqliteTraceIndex;
  private readonly durable: boolean;
  /** One packed batch moved into its pack (compaction), prepared once. */
  private readonly moveRow: Database.Statement;

  protected readonly problemAggregates: ProblemAggregates = {
    failingEndpoints: (q) => problems.failingEndpoints(this.db, q),
    errorGroups: (q) => problems.errorGroups(this.db, q),
    clickProblems: (q) => problems.clickProblems(this.db, q),
  };

  /**
   * `durable: false` is for bulk loads (benchmark seeding, imports that can be re-run): no
   * fsync of chunks, `synchronous=OFF`. A server never opens the store that way.
   */
  constructor(
    readonly dataDir: string,
    options: SqliteStoreOptions = {},
  ) {
    const durable = options.durable ?? true;
    mkdirSync(dataDir, { recursive: true });
    super(options.chunks ?? new LocalChunkStore(path.join(dataDir, 'chunks'), { durable }), options.cipher ?? null, {
      emailIs: 'email = $1',
      skipLocked: '',
      beforeCursor: '(s.started_at < $1) OR (s.started_at = $1 AND s.id < $2)',
      // t_min/t_max are Math.round()ed, so off by at most 0.5: widen by that (REAL bounds, infinite when open).
      timeBounds: (range) => [(range.from ?? -Infinity) - 0.5, (range.to ?? Infinity) + 0.5],
      // Ingest writes shared packs (sqlite/ingest-packs.ts); rows of a store that ran with
      // ingestPacks off, or of earlier versions, name whole objects, which this covers too.
      sharedPacks: true,
    });
    this.durable = durable;
    this.db = new Database(path.join(dataDir, 'reprise.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(this.durable ? 'synchronous = FULL' : 'synchronous = OFF');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Deleted and overwritten content is zeroed, not left in free space: erasure leaves no bytes behind.
    this.db.pragma('secure_delete = ON');
    migrate(this.db);
    this.sql = sqliteSql(this.db);
    this.moveRow = this.db.prepare(
      `UPDATE batches SET chunk_key = ?, chunk_offset = ?, chunk_length = ?, bytes = ?
       WHERE session_id = ? AND seq = ? AND chunk_key = ? AND chunk_offset IS ?`,
    );
    this.assets = new SqliteAssetIndex(this.db);
    this.signalIndex = new SignalIndexWriter(this.db);
    this.traceIndex = new SqliteTraceIndex(this.db, () => this.sealer);
    this.appender = new SqliteBatchAppender(this.db, {
      batchChunks: this.batchChunks,
      chunks: this.chunks,
      signalIndex: this.signalIndex,
      traceIndex: this.traceIndex,
      durable,
      ingestPacks: options.ingestPacks ?? true,
    });
  }

  async appendOtlp(input: AppendOtlpInput): Promise<AppendOtlpResult> {
    return this.traceIndex.append(input);
  }

  async close(): Promise<void> {
    await this.appender.close();
    this.db.close();
    await this.chunks.close();
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

  async searchSessions(query: SessionSearch): Promise<SessionList> {
    return search.searchSessions<SessionRow>(this.db, query, this.summaryOf, { sealer: this.sealer });
  }

  async getSessionTimeline(id: string): Promise<SessionTimeline | null> {
    return readTimeline(this.db, id);
  }
  async dumpMetadata(): Promise<MetadataDump> {
    return transferMeta.dump(this.db);
  }
  async restoreMetadata(dump: MetadataDump): Promise<void> {
    transferMeta.restore(this.db, dump);
  }

  async deleteSession(id: string): Promise<boolean> {
    return (await this.deleteSessions([id])) > 0;
  }

  async deleteUserSessions(userId: string, projectId?: string): Promise<number> {
    return this.deleteSessions(lifecycle.userSessionIds(this.db, userId, projectId));
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    lifecycle.pruneTombstones(this.db, now);
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
    await this.sessionChunks.deleteObjects(deleted);
    lifecycle.checkpointAfterDelete(this.db);
    return deleted.length;
  }

  /** Compaction's commit (BatchRows.movePack): one transaction, rolled back by RowsChanged. */
  protected async movePack(sessionId: string, pack: { key: string; segments: PackedSegment[] }): Promise<void> {
    this.db.transaction(() => {
      for (const seg of pack.segments) {
        const res = this.moveRow.run(pack.key, seg.offset, seg.length, seg.length, sessionId, seg.seq, seg.oldKey, seg.oldOffset);
        if (res.changes !== 1) throw new RowsChanged();
      }
    })();
  }

  protected async referencedKeys(keys: string[]): Promise<Set<string>> {
    const used = this.db.prepare('SELECT 1 FROM batches WHERE chunk_key = ? LIMIT 1').pluck();
    return new Set(keys.filter((k) => used.get(k) !== undefined));
  }
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import type pg from 'pg';
import type { SessionList, SessionTimeline } from '@reprise/protocol';
import { sealAppend } from '../index-seal.js';
import type { ProblemAggregates } from '../problem-rows.js';
import type { PackedSegment } from '../chunks/batch-chunks.js';
import type { ChunkCipher } from '../chunks/crypto.js';
import type { ChunkMaintenance } from '../chunks/maintenance.js';
import type { ChunkStore } from '../chunks/types.js';
import { RowsChanged } from '../core/session-chunks.js';
import { StoreCore } from '../core/store-core.js';
import type { Sql } from '../core/sql.js';
import type { LiveBus } from '../../live/bus.js';
import { PgLiveBus } from '../../live/pg-bus.js';
import { PgAssetIndex } from './assets.js';
import {
  type AppendBatchInput,
  type CreateLinkInput,
  type Link,
  type LinkWithSessions,
  type MetadataDump,
  type Project,
  type SessionSearch,
  type Store,
} from '../types.js';
import { appendBatch, commitPack, type PackedAppend, type PgAppendDeps } from './batch-append.js';
import { IngestPacker, type IngestPackOptions } from './ingest-packer.js';
import * as traceIndex from './trace-index.js';
import type { AppendOtlpInput, AppendOtlpResult } from '../trace-rows.js';
import * as lifecycle from './lifecycle.js';
import * as links from './links.js';
import { checkSchema, migrate } from './migrations.js';
import { Partitions } from './partitions.js';
import { createPool, withTransaction } from './pool.js';
import { pgSql } from './sql.js';
import * as problems from './problems.js';
import { toProject, type ProjectRow } from '../rows.js';
import * as search from './search.js';
import * as transferMeta from './transfer-meta.js';
import { readTimeline } from './timeline.js';

export interface PgStoreOptions {
  /** `postgres://…` */
  url: string;
  /** Where event chunks live (S3 for several instances; local files work for one). */
  chunks: ChunkStore;
  /** Encrypts new chunks and decrypts stored ones (REPRISE_ENCRYPTION_KEY); null = plaintext. */
  cipher?: ChunkCipher | null;
  /** Run pending migrations at open (default); false: refuse to open unless the schema is current. */
  migrate?: boolean;
  poolSize?: number;
  /**
   * Ingest packing (ingest-packer.ts): batches arriving within `windowMs` share one object.
   * Unset or `windowMs: 0` = one object per batch.
   */
  pack?: IngestPackOptions | null;
  /** application_name of the pool's connections. */
  name?: string;
  log?: (msg: string) => void;
}

/** Partitions for the coming months are checked this often (and at start, and by the retention job). */
const MAINTENANCE_MS = 6 * 3600_000;

/**
 * Scale-out store: metadata in PostgreSQL, event chunks in a ChunkStore (an S3 bucket), shared
 * by any number of server instances. Same contract and semantics as SqliteStore:
 * - appendBatch writes the chunk object first (ChunkStore.put resolves once it is durable), then
 *   commits the metadata in one transaction, and only then resolves: a crash in between leaves an
 *   unreferenced object, never a row without data;
 * - (session, seq) is the batches primary key: `INSERT … ON CONFLICT DO NOTHING` decides a
 *   duplicate, even when two instances receive the same batch at the same time;
 * - the session row is locked (`SELECT … FOR UPDATE`) for the rest of the transaction, so the
 *   cross-batch state (signals, active time, tags, first URL) of one session is read and written
 *   by one append at a time; counters are `col = col + n`;
 * - a link's maxSessions is re-checked with the link row locked.
 */
export class PgStore extends StoreCore implements Store, ChunkMaintenance {
  readonly pool: pg.Pool;
  protected readonly sql: Sql;
  /** Captured assets (assets/): their index rows here, their bytes beside the chunks. */
  readonly assets: PgAssetIndex;
  readonly url: string;
  private readonly partitions: Partitions;
  private maintenance: NodeJS.Timeout | null = null;
  private readonly packer: IngestPacker<PackedAppend, { duplicate: boolean }> | null;
  /** Appends in progress: close() waits for them. */
  private readonly appending = new Set<Promise<unknown>>();
  private readonly log: ((msg: string) => void) | undefined;

  protected readonly problemAggregates: ProblemAggregates = {
    failingEndpoints: (q) => problems.failingEndpoints(this.pool, q),
    errorGroups: (q) => problems.errorGroups(this.pool, q),
    clickProblems: (q) => problems.clickProblems(this.pool, q),
  };

  private constructor(options: PgStoreOptions) {
    super(options.chunks, options.cipher ?? null, {
      emailIs: 'lower(email) = lower($1)',
      skipLocked: ' FOR UPDATE SKIP LOCKED',
      sharedPacks: true,
      beforeCursor: '(s.started_at, s.id) < ($1, $2)',
      // t_min/t_max are rounded to ms: widen by 1, as the bounds must be BIGINTs; BIGINT has no
      // infinity: an open end is the widest safe integer.
      timeBounds: (range) => [
        range.from !== undefined && Number.isFinite(range.from) ? range.from - 1 : Number.MIN_SAFE_INTEGER,
        range.to !== undefined && Number.isFinite(range.to) ? range.to + 1 : Number.MAX_SAFE_INTEGER,
      ],
    });
    this.url = options.url;
    this.log = options.log;
    this.pool = createPool(options.url, { max: options.poolSize, name: options.name });
    this.sql = pgSql(this.pool);
    this.assets = new PgAssetIndex(this.pool);
    this.partitions = new Partitions(this.pool);
    const pack = options.pack;
    this.packer =
      pack && pack.windowMs > 0 ? new IngestPacker(pack, this.chunks, (key, parts) => commitPack(this.appendDeps(), key, parts)) : null;
  }

  /** Connects, migrates (or checks the schema version) and creates the partitions around now. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    if (options.migrate ?? true) await migrate(options.url, options.log);
    const store = new PgStore(options);
    try {
      if (!(options.migrate ?? true)) await checkSchema(store.pool);
    } catch (err) {
      await store.pool.end();
      throw err;
    }
    // Busy instances may hold the tables past the DDL's lock timeout: then the timer retries, and
    // until then rows of a month without a partition land in the default one.
    await store.partitions.ensureAround(Date.now()).catch((err: unknown) => options.log?.(`partitions: ${String(err)}`));
    store.maintenance = setInterval(() => {
      store.partitions.ensureAround(Date.now()).catch(() => undefined);
    }, MAINTENANCE_MS);
    store.maintenance.unref();
    return store;
  }

  private closing: Promise<void> | null = null;

  /** Idempotent: later calls wait for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.maintenance) clearInterval(this.maintenance);
      this.maintenance = null;
      // Appends in progress finish (those in a pack are written at once) before the pool goes.
      this.packer?.drain();
      while (this.appending.size > 0) await Promise.allSettled([...this.appending]);
      await this.packer?.close();
      await this.pool.end();
      await this.chunks.close();
    })();
    return this.closing;
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`reprise:${name}`]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`reprise:${name}`]);
      }
    } finally {
      client.release();
    }
  }

  liveBus(opts: { onError?: (err: unknown) => void } = {}): LiveBus {
    return new PgLiveBus(this, opts);
  }

  async updateProject(
    id: string,
    patch: { name?: string; allowedOrigins?: string[]; retentionDays?: number | null },
  ): Promise<Project | null> {
    const row = (
      await this.pool.query<ProjectRow>(
        `UPDATE projects SET
           name = CASE WHEN $2::boolean THEN $3 ELSE name END,
           allowed_origins = CASE WHEN $4::boolean THEN $5::jsonb ELSE allowed_origins END,
           retention_days = CASE WHEN $6::boolean THEN $7::integer ELSE retention_days END
         WHERE id = $1 RETURNING *`,
        [
          id,
          patch.name !== undefined,
          patch.name ?? null,
          patch.allowedOrigins !== undefined,
          JSON.stringify(patch.allowedOrigins ?? []),
          patch.retentionDays !== undefined,
          patch.retentionDays ?? null,
        ],
      )
    ).rows[0];
    return row ? toProject(row) : null;
  }

  async appendBatch(input: AppendBatchInput): Promise<{ duplicate: boolean }> {
    const p = appendBatch(this.appendDeps(), sealAppend(input, this.sealer));
    this.appending.add(p);
    try {
      return await p;
    } finally {
      this.appending.delete(p);
    }
  }

  private appendDeps(): PgAppendDeps {
    const { pool, chunks, batchChunks, partitions, sealer, packer, log } = this;
    return { pool, chunks, batchChunks, partitions, sealer, packer, log };
  }

  async appendOtlp(input: AppendOtlpInput): Promise<AppendOtlpResult> {
    return traceIndex.appendOtlp(this.pool, input, this.sealer);
  }

  async createLink(input: CreateLinkInput): Promise<Link> {
    return links.create(this.pool, input);
  }
  async getLinkByTokenHash(tokenHash: string): Promise<Link | null> {
    return links.byTokenHash(this.pool, tokenHash);
  }
  async listLinks(filter?: { projectIds?: string[] }): Promise<LinkWithSessions[]> {
    return links.list(this.pool, filter?.projectIds);
  }
  async markLinkOpened(id: string, at: number): Promise<void> {
    return links.markOpened(this.pool, id, at);
  }
  async revokeLink(id: string, at: number): Promise<boolean> {
    return links.revoke(this.pool, id, at);
  }

  async searchSessions(query: SessionSearch): Promise<SessionList> {
    return search.searchSessions(this.pool, query, this.summaryOf, this.sealer);
  }

  async deleteSession(id: string): Promise<boolean> {
    return (await this.deleteSessions([id])) > 0;
  }

  async deleteUserSessions(userId: string, projectId?: string): Promise<number> {
    return this.deleteSessions(await lifecycle.userSessionIds(this.pool, userId, projectId));
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return lifecycle.deleteExpired(this.pool, this.partitions, now, (ids) => this.deleteSessions(ids));
  }

  /** The metadata first, in one transaction; then the chunk objects. Returns how many sessions existed. */
  private async deleteSessions(ids: string[]): Promise<number> {
    const deleted = await lifecycle.deleteSessionRows(this.pool, ids);
    await this.sessionChunks.deleteObjects(deleted);
    return deleted.length;
  }

  async getSessionTimeline(id: string): Promise<SessionTimeline | null> {
    return readTimeline(this.pool, id);
  }
  async dumpMetadata(): Promise<MetadataDump> {
    return transferMeta.dump(this.pool);
  }
  async restoreMetadata(dump: MetadataDump): Promise<void> {
    return transferMeta.restore(this.pool, dump);
  }

  /** Compaction's commit (BatchRows.movePack): one transaction, rolled back by RowsChanged. */
  protected async movePack(sessionId: string, pack: { key: string; segments: PackedSegment[] }): Promise<void> {
    await withTransaction(this.pool, async (c) => {
      for (const seg of pack.segments) {
        const res = await c.query(
          `UPDATE batches SET chunk_key = $1, chunk_offset = $2, chunk_length = $3, bytes = $7
           WHERE session_id = $4 AND seq = $5 AND chunk_key = $6 AND chunk_offset IS NOT DISTINCT FROM $8::bigint`,
          [pack.key, seg.offset, seg.length, sessionId, seg.seq, seg.oldKey, seg.length, seg.oldOffset],
        );
        if (res.rowCount !== 1) throw new RowsChanged();
      }
    });
  }

  protected async referencedKeys(keys: string[]): Promise<Set<string>> {
    const r = await this.pool.query<{ chunk_key: string }>('SELECT DISTINCT chunk_key FROM batches WHERE chunk_key = ANY($1)', [keys]);
    return new Set(r.rows.map((x) => x.chunk_key));
  }
}

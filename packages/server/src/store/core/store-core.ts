import type {
  ClickProblem,
  SessionComment,
  ErrorGroup,
  FailingEndpoint,
  Issue,
  IssueSession,
  IssueStatus,
  ReplayEvent,
  SavedSearch,
  SessionDetail,
  SessionList,
  SessionSummary,
  SessionTraces,
} from '@reprise/protocol';
import { AssetBlobs } from '../../assets/types.js';
import { randomId } from '../../ids.js';
import { BatchChunks, type CompactResult, type GcResult, type PackedSegment } from '../chunks/batch-chunks.js';
import type { ChunkCipher } from '../chunks/crypto.js';
import type { ChunkStore } from '../chunks/types.js';
import { IndexSealer, openEndpoints, openErrorGroups, openSummary } from '../index-seal.js';
import type { ProblemAggregates } from '../problem-rows.js';
import {
  missingSeqs,
  SESSION_COLUMNS,
  SESSION_FROM,
  toProject,
  toSummary,
  toUser,
  type ProjectRow,
  type SessionRow,
  type UserRow,
} from '../rows.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type {
  ApiToken,
  ClaimedDelivery,
  CommentPatch,
  CreateApiTokenInput,
  CreateCommentInput,
  CreateShareInput,
  CreateWebhookInput,
  Delivery,
  DeliveryOutcome,
  NewDelivery,
  SearchAlert,
  Share,
  Webhook,
  CreateSavedSearchInput,
  EventTimeRange,
  IssueQuery,
  Link,
  Membership,
  ProblemQuery,
  ProblemRows,
  Project,
  StoredError,
  User,
  UserRole,
} from '../types.js';
import * as access from './access.js';
import * as comments from './comments.js';
import * as issues from './issues.js';
import * as savedSearches from './saved-searches.js';
import * as shares from './shares.js';
import * as webhooks from './webhooks.js';
import { SessionChunks } from './session-chunks.js';
import { SourceMapIndex } from './sourcemaps.js';
import type { Sql } from './sql.js';
import { toSessionTraces, TRACE_SQL, type TraceRequestDbRow } from '../trace-rows.js';

/** The SQL text that differs between the backends for the statements written here. */
export interface CoreDialect {
  /** Matches `users.email` to `$1` without regard to case (SQLite: a NOCASE column; PostgreSQL: lower()). */
  emailIs: string;
  /** Sessions after the keyset cursor (`$1` = started_at, `$2` = id) in newest-first order. */
  beforeCursor: string;
  /** See BatchRows.timeBounds (core/session-chunks.ts). */
  timeBounds(range: EventTimeRange): [number, number];
  /** Appended to the delivery claim's subquery: PostgreSQL's ` FOR UPDATE SKIP LOCKED` (core/webhooks.ts). */
  skipLocked: string;
  /** See BatchRows.sharedPacks: rows may name segments of shared ingest packs. */
  sharedPacks?: boolean;
}

/**
 * What every metadata store does the same way, whatever its database: projects, users, login
 * sessions, API tokens and memberships (core/access.ts), saved searches, comments, the session list and a
 * session's detail, and the chunk side (SessionChunks). A backend extends it with its
 * Sql (the statements here are written once, with `$n` placeholders), its transaction for moving
 * packed batches and its lookup of referenced chunk keys (the BatchRows of SessionChunks), and
 * everything its dialect writes differently.
 */
export abstract class StoreCore {
  /** Where event chunks live (owned: closed with the store). */
  readonly chunks: ChunkStore;
  readonly assetBlobs: AssetBlobs;
  protected readonly batchChunks: BatchChunks;
  /** Seals the index tables' text when REPRISE_ENCRYPTION_KEY is set (store/index-seal.ts); null = plaintext. */
  protected readonly sealer: IndexSealer | null;
  /** A summary row as the API shows it (the first URL opened when sealed). */
  protected readonly summaryOf = (r: SessionRow): SessionSummary => openSummary(toSummary(r), this.sealer);
  private chunkSide: SessionChunks | null = null;
  private mapIndex: SourceMapIndex | null = null;
  private readonly cipher: ChunkCipher | null;

  protected abstract readonly sql: Sql;
  /** See BatchRows.movePack (core/session-chunks.ts). */
  protected abstract movePack(sessionId: string, pack: { key: string; segments: PackedSegment[] }): Promise<void>;
  /** See BatchRows.referenced. */
  protected abstract referencedKeys(keys: string[]): Promise<Set<string>>;
  /** The backend's top-problem aggregates; their sealed text is opened here. */
  protected abstract readonly problemAggregates: ProblemAggregates;

  protected constructor(
    chunks: ChunkStore,
    cipher: ChunkCipher | null,
    private readonly dialect: CoreDialect,
  ) {
    this.chunks = chunks;
    this.batchChunks = new BatchChunks(chunks, cipher);
    this.assetBlobs = new AssetBlobs(chunks, cipher);
    this.sealer = IndexSealer.fromCipher(cipher);
    this.cipher = cipher;
  }

  /** Uploaded source maps (core/sourcemaps.ts); built on first use, like sessionChunks. */
  get sourceMaps(): SourceMapIndex {
    this.mapIndex ??= new SourceMapIndex(this.sql, this.chunks, this.cipher);
    return this.mapIndex;
  }

  /** Built on first use: the backend's Sql exists only once its constructor has run. */
  protected get sessionChunks(): SessionChunks {
    this.chunkSide ??= new SessionChunks(
      this.sql,
      {
        movePack: (s, p) => this.movePack(s, p),
        referenced: (k) => this.referencedKeys(k),
        timeBounds: this.dialect.timeBounds,
        sharedPacks: this.dialect.sharedPacks ?? false,
      },
      this.batchChunks,
      this.chunks,
    );
    return this.chunkSide;
  }

  async listFailingEndpoints(q: ProblemQuery): Promise<ProblemRows<FailingEndpoint>> {
    return openEndpoints(await this.problemAggregates.failingEndpoints(q), this.sealer);
  }
  async listErrorGroups(q: ProblemQuery): Promise<ProblemRows<ErrorGroup>> {
    return openErrorGroups(await this.problemAggregates.errorGroups(q), this.sealer);
  }
  async listClickProblems(q: ProblemQuery & { type: 'rage' | 'dead' }): Promise<ProblemRows<ClickProblem>> {
    return this.problemAggregates.clickProblems(q);
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
    await this.sql.run('INSERT INTO projects (id, name, key, allowed_origins, created_at) VALUES ($1, $2, $3, $4, $5)', [
      p.id,
      p.name,
      p.key,
      JSON.stringify(p.allowedOrigins),
      p.createdAt,
    ]);
    return p;
  }

  async listProjects(): Promise<Project[]> {
    return (await this.sql.all<ProjectRow>('SELECT * FROM projects ORDER BY created_at, id')).map(toProject);
  }

  async getProjectByKey(key: string): Promise<Project | null> {
    const row = (await this.sql.all<ProjectRow>('SELECT * FROM projects WHERE key = $1', [key]))[0];
    return row ? toProject(row) : null;
  }

  async countUsers(): Promise<number> {
    return (await this.sql.all<{ n: number }>('SELECT count(*) AS n FROM users'))[0]!.n;
  }

  async createUser(input: { email: string; passwordHash: string; role: UserRole }): Promise<User | null> {
    const u: User = { id: randomId('usr_'), email: input.email, role: input.role, createdAt: Date.now() };
    // The unique email index decides, not an earlier lookup: two requests (or two instances
    // bootstrapping one database) creating the same user at once must not fail on the insert.
    const added = await this.sql.run(
      'INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [u.id, u.email, input.passwordHash, u.role, u.createdAt],
    );
    return added > 0 ? u : null;
  }

  async getUserByEmail(email: string): Promise<(User & { passwordHash: string }) | null> {
    const row = (await this.sql.all<UserRow>(`SELECT * FROM users WHERE ${this.dialect.emailIs}`, [email]))[0];
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async getUser(id: string): Promise<User | null> {
    const row = (await this.sql.all<UserRow>('SELECT * FROM users WHERE id = $1', [id]))[0];
    return row ? toUser(row) : null;
  }

  async createLoginSession(input: { tokenHash: string; userId: string; expiresAt: number }): Promise<void> {
    await this.sql.run('INSERT INTO login_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
      input.tokenHash,
      input.userId,
      input.expiresAt,
    ]);
  }

  async getLoginSessionUser(tokenHash: string, now: number): Promise<User | null> {
    const row = (
      await this.sql.all<UserRow>(
        'SELECT u.* FROM login_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2',
        [tokenHash, now],
      )
    )[0];
    return row ? toUser(row) : null;
  }

  async deleteLoginSession(tokenHash: string): Promise<void> {
    await this.sql.run('DELETE FROM login_sessions WHERE token_hash = $1', [tokenHash]);
  }

  async listSessionErrors(sessionId: string, limit: number): Promise<StoredError[]> {
    const rows = await this.sql.all<{
      t: number | string;
      name: string | null;
      message: string;
      stack: string | null;
      release: string | null;
    }>('SELECT t, name, message, stack, release FROM errors WHERE session_id = $1 ORDER BY t LIMIT $2', [sessionId, limit]);
    const open = (v: string | null) => (v === null || !this.sealer ? v : this.sealer.open(v));
    return rows.map((r) => ({ t: Number(r.t), name: r.name, message: open(r.message) ?? '', stack: open(r.stack), release: r.release }));
  }

  async getSession(id: string): Promise<SessionDetail | null> {
    const row = (await this.sql.all<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.id = $1`, [id]))[0];
    if (!row) return null;
    const seqs = await this.sql.all<{ seq: number }>('SELECT seq FROM batches WHERE session_id = $1 ORDER BY seq', [id]);
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

  async listSessions(query: { limit: number; cursor: string | null }): Promise<SessionList> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const order = 'ORDER BY s.started_at DESC, s.id DESC';
    const rows = after
      ? await this.sql.all<SessionRow>(
          `SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE ${this.dialect.beforeCursor} ${order} LIMIT $3`,
          [after.startedAt, after.id, query.limit + 1],
        )
      : await this.sql.all<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} ${order} LIMIT $1`, [query.limit + 1]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      sessions: page.map(this.summaryOf),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.started_at, last.id) : null,
    };
  }

  createApiToken(input: CreateApiTokenInput): Promise<ApiToken> {
    return access.createApiToken(this.sql, input);
  }
  getApiTokenByHash(tokenHash: string, now: number): Promise<{ token: ApiToken; user: User } | null> {
    return access.apiTokenByHash(this.sql, tokenHash, now);
  }
  listApiTokens(userId: string): Promise<ApiToken[]> {
    return access.listApiTokens(this.sql, userId);
  }
  revokeApiToken(id: string, userId: string, at: number): Promise<boolean> {
    return access.revokeApiToken(this.sql, id, userId, at);
  }
  listUsers(): Promise<User[]> {
    return access.listUsers(this.sql);
  }
  setUserRole(id: string, role: UserRole): Promise<boolean> {
    return access.setUserRole(this.sql, id, role);
  }
  listMemberships(userId: string): Promise<Membership[]> {
    return access.listMemberships(this.sql, userId);
  }
  listProjectMembers(projectId: string): Promise<Membership[]> {
    return access.listProjectMembers(this.sql, projectId);
  }
  setMembership(m: Membership): Promise<void> {
    return access.setMembership(this.sql, m);
  }
  removeMembership(projectId: string, userId: string): Promise<boolean> {
    return access.removeMembership(this.sql, projectId, userId);
  }
  getSessionProject(sessionId: string): Promise<string | null> {
    return access.sessionProject(this.sql, sessionId);
  }
  getLink(id: string): Promise<Link | null> {
    return access.getLink(this.sql, id);
  }
  getSavedSearch(id: string): Promise<SavedSearch | null> {
    return access.getSavedSearch(this.sql, id);
  }
  listSavedSearches(projectId: string): Promise<SavedSearch[]> {
    return savedSearches.list(this.sql, projectId);
  }
  createSavedSearch(input: CreateSavedSearchInput): Promise<SavedSearch> {
    return savedSearches.create(this.sql, input);
  }
  deleteSavedSearch(id: string): Promise<boolean> {
    return savedSearches.remove(this.sql, id);
  }

  async getSessionTraces(sessionId: string): Promise<SessionTraces> {
    const [requests, spans, logs] = await Promise.all([
      this.sql.all<TraceRequestDbRow>('SELECT trace_id, request_id, t FROM trace_requests WHERE session_id = $1 ORDER BY t, request_id', [
        sessionId,
      ]),
      this.sql.all<{ trace_id: string; data: string }>('SELECT trace_id, data FROM backend_spans WHERE session_id = $1', [sessionId]),
      this.sql.all<{ trace_id: string; data: string }>('SELECT trace_id, data FROM backend_logs WHERE session_id = $1', [sessionId]),
    ]);
    return toSessionTraces(requests, spans, logs, this.sealer);
  }

  async expireOtlpPending(before: number): Promise<number> {
    return this.sql.run(TRACE_SQL.expirePending, [before]);
  }

  createShare(input: CreateShareInput): Promise<Share> {
    return shares.create(this.sql, input);
  }
  getShare(id: string): Promise<Share | null> {
    return shares.get(this.sql, id);
  }
  getShareByTokenHash(tokenHash: string): Promise<Share | null> {
    return shares.byTokenHash(this.sql, tokenHash);
  }
  listShares(sessionId: string): Promise<Share[]> {
    return shares.list(this.sql, sessionId);
  }
  revokeShare(id: string, at: number): Promise<boolean> {
    return shares.revoke(this.sql, id, at);
  }
  recordShareOpen(id: string, at: number): Promise<void> {
    return shares.recordOpen(this.sql, id, at);
  }
  listShareOpens(id: string, limit: number): Promise<number[]> {
    return shares.opens(this.sql, id, limit);
  }

  createWebhook(input: CreateWebhookInput): Promise<Webhook> {
    return webhooks.create(this.sql, input);
  }
  getWebhook(id: string): Promise<Webhook | null> {
    return webhooks.get(this.sql, id);
  }
  listWebhooks(projectIds?: string[]): Promise<Webhook[]> {
    return webhooks.list(this.sql, projectIds);
  }
  deleteWebhook(id: string): Promise<boolean> {
    return webhooks.remove(this.sql, id);
  }
  setSearchAlert(input: { savedSearchId: string; projectId: string; minIntervalMs: number; now: number }): Promise<SearchAlert> {
    return webhooks.setAlert(this.sql, input);
  }
  deleteSearchAlert(savedSearchId: string): Promise<boolean> {
    return webhooks.removeAlert(this.sql, savedSearchId);
  }
  listSearchAlerts(projectIds?: string[]): Promise<SearchAlert[]> {
    return webhooks.listAlerts(this.sql, projectIds);
  }
  claimSearchAlert(savedSearchId: string, prevCheckedAt: number, checkedAt: number, firedAt: number | null): Promise<boolean> {
    return webhooks.claimAlert(this.sql, savedSearchId, prevCheckedAt, checkedAt, firedAt);
  }
  sessionsCreatedBetween(projectId: string, since: number, until: number, limit: number): Promise<string[]> {
    return webhooks.createdBetween(this.sql, projectId, since, until, limit);
  }
  enqueueDeliveries(deliveries: NewDelivery[]): Promise<number> {
    return webhooks.enqueue(this.sql, deliveries);
  }
  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return webhooks.claim(this.sql, this.dialect.skipLocked, now, limit, leaseMs);
  }
  finishDelivery(id: string, outcome: DeliveryOutcome): Promise<void> {
    return webhooks.finish(this.sql, id, outcome);
  }
  pruneDeliveries(before: number): Promise<number> {
    return webhooks.prune(this.sql, before);
  }
  listDeliveries(webhookId: string, limit: number): Promise<Delivery[]> {
    return webhooks.listDeliveries(this.sql, webhookId, limit);
  }
  listComments(sessionId: string): Promise<SessionComment[]> {
    return comments.list(this.sql, sessionId);
  }
  getComment(id: string): Promise<SessionComment | null> {
    return comments.get(this.sql, id);
  }
  countComments(sessionId: string): Promise<number> {
    return comments.count(this.sql, sessionId);
  }
  createComment(input: CreateCommentInput): Promise<SessionComment | null> {
    return comments.create(this.sql, input);
  }
  updateComment(id: string, patch: CommentPatch): Promise<SessionComment | null> {
    return comments.update(this.sql, id, patch);
  }
  deleteComment(id: string): Promise<boolean> {
    return comments.remove(this.sql, id);
  }
  importComments(list: SessionComment[]): Promise<number> {
    return comments.importAll(this.sql, list);
  }
  listIssues(q: IssueQuery): Promise<Issue[]> {
    return issues.list(this.sql, q, this.openText);
  }
  getIssue(id: string, now = Date.now()): Promise<Issue | null> {
    return issues.get(this.sql, id, now, this.openText);
  }
  getIssueProject(id: string): Promise<string | null> {
    return issues.projectOf(this.sql, id);
  }
  listIssueSessions(id: string, limit: number): Promise<IssueSession[]> {
    return issues.sessions(this.sql, id, limit, this.summaryOf);
  }
  setIssueStatus(id: string, status: IssueStatus, release: string | null, at: number): Promise<boolean> {
    return issues.setStatus(this.sql, id, status, release, at);
  }
  /** Index text as the API shows it (opened when sealed). */
  private readonly openText = (s: string): string => (this.sealer ? this.sealer.open(s) : s);

  readEvents(sessionId: string, range?: EventTimeRange): Promise<ReplayEvent[]> {
    return this.sessionChunks.readEvents(sessionId, range);
  }
  streamEvents(sessionId: string, range?: EventTimeRange): AsyncIterable<ReplayEvent[]> {
    return this.sessionChunks.streamEvents(sessionId, range);
  }
  readBatch(sessionId: string, seq: number): Promise<ReplayEvent[] | null> {
    return this.sessionChunks.readBatch(sessionId, seq);
  }
  readBatches(sessionId: string): Promise<{ seq: number; receivedAt: number; events: ReplayEvent[] }[]> {
    return this.sessionChunks.readBatches(sessionId);
  }
  compactSession(sessionId: string, opts?: { maxPackBytes?: number }): Promise<CompactResult> {
    return this.sessionChunks.compactSession(sessionId, opts);
  }
  listCompactableSessions(idleBefore: number, limit: number): Promise<string[]> {
    return this.sessionChunks.listCompactableSessions(idleBefore, limit);
  }
  gcChunks(opts?: { olderThanMs?: number; now?: number; dryRun?: boolean }): Promise<GcResult> {
    return this.sessionChunks.gcChunks(opts);
  }
}

import type { LiveBus } from '../live/bus.js';
import type { IndexRows } from './index-rows.js';
import type { AppendOtlpInput, AppendOtlpResult } from './trace-rows.js';
import type { EncodedChunk } from './chunk-codec.js';
import type { SourceMapIndex } from './core/sourcemaps.js';
import type { QueryNode, SessionSort } from '@reprise/protocol/query';
import type { Batch, ReplayEvent, SessionDetail, SessionList, SessionTimeline, SessionTraces } from '@reprise/protocol';
import type { ClickProblem, ErrorGroup, FailingEndpoint, Issue, IssueSession, IssueStatus, SavedSearch } from '@reprise/protocol';
import type { CommentElement, SessionComment, SketchShape } from '@reprise/protocol';

/**
 * The storage interface. The embedded store (SQLite + local files) implements it
 * today; a PostgreSQL + S3 store implements the same contract for scale-out.
 * Every method is async so a networked backend fits without changing callers.
 */
export interface Store {
  close(): Promise<void>;

  /** Uploaded source maps by project, release and minified URL, and the project's map fetching setting. */
  readonly sourceMaps: SourceMapIndex;

  createProject(input: { name: string; allowedOrigins: string[] }): Promise<Project>;
  listProjects(): Promise<Project[]>;
  getProjectByKey(key: string): Promise<Project | null>;
  updateProject(id: string, patch: { name?: string; allowedOrigins?: string[]; retentionDays?: number | null }): Promise<Project | null>;

  countUsers(): Promise<number>;
  /** The new user; null when a user with that email (in any case) exists. */
  createUser(input: { email: string; passwordHash: string; role: UserRole }): Promise<User | null>;
  getUserByEmail(email: string): Promise<(User & { passwordHash: string }) | null>;
  getUser(id: string): Promise<User | null>;

  /** Login sessions and API tokens are looked up by the SHA-256 of the secret, never the secret. */
  createLoginSession(input: { tokenHash: string; userId: string; expiresAt: number }): Promise<void>;
  getLoginSessionUser(tokenHash: string, now: number): Promise<User | null>;
  deleteLoginSession(tokenHash: string): Promise<void>;
  createApiToken(input: CreateApiTokenInput): Promise<ApiToken>;
  /** The token and its owner; null when unknown, revoked or expired at `now`. */
  getApiTokenByHash(tokenHash: string, now: number): Promise<{ token: ApiToken; user: User } | null>;
  /** A user's tokens (revoked ones included), newest first. */
  listApiTokens(userId: string): Promise<ApiToken[]>;
  /** Revokes one of `userId`'s tokens; false when that user has no such token. Revoking twice keeps the first time. */
  revokeApiToken(id: string, userId: string, at: number): Promise<boolean>;

  // Access control (auth/access.ts): users, and per-project membership of non-admin users.
  listUsers(): Promise<User[]>;
  /** Changes a user's server-wide role; false when unknown. */
  setUserRole(id: string, role: UserRole): Promise<boolean>;
  /** The projects a user belongs to, with the role in each. */
  listMemberships(userId: string): Promise<Membership[]>;
  /** A project's members. */
  listProjectMembers(projectId: string): Promise<Membership[]>;
  /** Adds a user to a project or changes their role there. */
  setMembership(input: Membership): Promise<void>;
  /** False when the user was not a member. */
  removeMembership(projectId: string, userId: string): Promise<boolean>;
  /** Which project a stored object belongs to (for the access policy); null when unknown. */
  getSessionProject(sessionId: string): Promise<string | null>;
  getLink(id: string): Promise<Link | null>;
  getSavedSearch(id: string): Promise<SavedSearch | null>;

  /**
   * Stores one batch durably. Resolves only once both the event chunk and its
   * metadata are on disk; `duplicate` is true when (session, seq) was already stored.
   * Rejects with SessionProjectConflict when the session belongs to another project.
   */
  appendBatch(input: AppendBatchInput): Promise<{ duplicate: boolean }>;

  /**
   * Backend spans and logs from an OTLP export (already redacted): stored for every session that
   * recorded their trace id, or parked in the pending area until a batch names it (store/trace-rows.ts).
   */
  appendOtlp(input: AppendOtlpInput): Promise<AppendOtlpResult>;
  /** Every trace id the session's requests carried, with the spans and logs that arrived for it. */
  getSessionTraces(sessionId: string): Promise<SessionTraces>;
  /** Drops pending spans and logs received before `before`; returns how many. */
  expireOtlpPending(before: number): Promise<number>;

  /** Magic links: the token itself is never stored, only its SHA-256. */
  createLink(input: CreateLinkInput): Promise<Link>;
  /** Looks a link up by the SHA-256 of its token (consent page and ingest). */
  getLinkByTokenHash(tokenHash: string): Promise<Link | null>;
  /** Links, newest first; `projectIds` limits them to those projects. */
  listLinks(filter?: { projectIds?: string[] }): Promise<LinkWithSessions[]>;
  /** Records the first consent page view; later views keep the first time. */
  markLinkOpened(id: string, at: number): Promise<void>;
  /** Returns false when there is no such link. Revoking twice keeps the first time. */
  revokeLink(id: string, at: number): Promise<boolean>;

  listSessions(query: { limit: number; cursor: string | null }): Promise<SessionList>;

  /** Issues with at least one stored occurrence, most recently seen first (docs/issues.md). */
  listIssues(query: IssueQuery): Promise<Issue[]>;
  /** One issue (with zero counts when retention removed all its occurrences); null when unknown. */
  getIssue(id: string, now?: number): Promise<Issue | null>;
  getIssueProject(id: string): Promise<string | null>;
  /** The issue's sessions, the one with the newest occurrence first. */
  listIssueSessions(id: string, limit: number): Promise<IssueSession[]>;
  /** `release` only with `resolved` (null: the newest release it was seen in). False when there is no such issue. */
  setIssueStatus(id: string, status: IssueStatus, release: string | null, at: number): Promise<boolean>;
  /**
   * Sessions matching a parsed search query (docs/search.md; null = all), in `sort` order,
   * keyset-paginated: `cursor` is a previous page's `nextCursor` for the same sort (check it
   * with decodeSortCursor first). Reads summary columns and index tables, never event chunks.
   */
  searchSessions(query: SessionSearch): Promise<SessionList>;
  getSession(id: string): Promise<SessionDetail | null>;
  /** A session's recorded errors (the errors index rows), oldest first, at most `limit`. */
  listSessionErrors(sessionId: string, limit: number): Promise<StoredError[]>;
  /**
   * Every stored event of a session, in time order; with `range`, only events with
   * `from <= t <= to`, reading only the chunks (or pack segments) that overlap it.
   */
  readEvents(sessionId: string, range?: EventTimeRange): Promise<ReplayEvent[]>;
  /**
   * The same events in the same order, yielded in groups as batches are read (store/event-stream.ts):
   * only the batches overlapping in time are held at once, never the whole session.
   */
  streamEvents(sessionId: string, range?: EventTimeRange): AsyncIterable<ReplayEvent[]>;
  /**
   * The replay index for range loading: the session's time range, its rrweb full snapshots
   * (written at ingest with their batch) and its batches' time ranges and sizes. Null when unknown.
   */
  getSessionTimeline(sessionId: string): Promise<SessionTimeline | null>;
  /** The events of one stored batch (live fan-out across instances re-reads by key). */
  readBatch(sessionId: string, seq: number): Promise<ReplayEvent[] | null>;
  /** Every stored batch of a session in seq order (export, migrate-store). */
  readBatches(sessionId: string): Promise<{ seq: number; receivedAt: number; events: ReplayEvent[] }[]>;

  // Data lifecycle. Each deletion removes the metadata (session row, batches, every index row
  // and search text) in one transaction first, then the chunk objects: an object left without
  // metadata is an orphan the chunk GC removes; metadata without its object would be a broken session.
  /** Deletes a session: metadata, index rows and chunk objects. False when unknown. */
  deleteSession(id: string): Promise<boolean>;
  /** Deletes every session identified as `userId` (optionally in one project); returns how many. */
  deleteUserSessions(userId: string, projectId?: string): Promise<number>;
  /** Deletes sessions that ended before `now - retentionDays` of their project; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;

  /** Top problems since `q.since`, most frequent first (the API adds each row's search query). */
  listFailingEndpoints(q: ProblemQuery): Promise<ProblemRows<FailingEndpoint>>;
  listErrorGroups(q: ProblemQuery): Promise<ProblemRows<ErrorGroup>>;
  listClickProblems(q: ProblemQuery & { type: 'rage' | 'dead' }): Promise<ProblemRows<ClickProblem>>;

  // Share links (shares/): read-only access to one session (or a time range of it) by token.
  /** The token itself is never stored, only its SHA-256. */
  createShare(input: CreateShareInput): Promise<Share>;
  getShare(id: string): Promise<Share | null>;
  getShareByTokenHash(tokenHash: string): Promise<Share | null>;
  /** A session's share links, newest first (revoked and expired ones included). */
  listShares(sessionId: string): Promise<Share[]>;
  /** False when there is no such link. Revoking twice keeps the first time. */
  revokeShare(id: string, at: number): Promise<boolean>;
  /** Logs one open (a row in share_opens) and sets the link's last-opened time. */
  recordShareOpen(id: string, at: number): Promise<void>;
  /** The logged opens of a link, newest first. */
  listShareOpens(id: string, limit: number): Promise<number[]>;

  // Outgoing webhooks (webhooks/), saved-search alerts and the delivery queue.
  createWebhook(input: CreateWebhookInput): Promise<Webhook>;
  getWebhook(id: string): Promise<Webhook | null>;
  listWebhooks(projectIds?: string[]): Promise<Webhook[]>;
  deleteWebhook(id: string): Promise<boolean>;
  /** Makes a saved search an alert (or changes its interval); `now` is where "new sessions" start. */
  setSearchAlert(input: { savedSearchId: string; projectId: string; minIntervalMs: number; now: number }): Promise<SearchAlert>;
  deleteSearchAlert(savedSearchId: string): Promise<boolean>;
  listSearchAlerts(projectIds?: string[]): Promise<SearchAlert[]>;
  /**
   * Claims an alert's check: moves `checked_at` from `prevCheckedAt` to `checkedAt` only if nobody did
   * meanwhile (compare-and-set, so one instance checks each interval); `firedAt` also sets last_fired_at.
   */
  claimSearchAlert(savedSearchId: string, prevCheckedAt: number, checkedAt: number, firedAt: number | null): Promise<boolean>;
  /** Ids of a project's sessions whose first batch arrived in (since, until] (server clock), newest first. */
  sessionsCreatedBetween(projectId: string, since: number, until: number, limit: number): Promise<string[]>;
  /** Queues deliveries; one per (webhook, dedupeKey) ever: a repeat is ignored. Returns how many were new. */
  enqueueDeliveries(deliveries: NewDelivery[]): Promise<number>;
  /**
   * Claims up to `limit` pending deliveries due at `now` for `leaseMs` (attempts + 1). PostgreSQL
   * locks the rows with FOR UPDATE SKIP LOCKED, so concurrent instances never claim the same one.
   */
  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt's outcome: delivered, retried at `nextAttemptAt`, or failed for good. */
  finishDelivery(id: string, outcome: DeliveryOutcome): Promise<void>;
  /** Deletes delivered and failed deliveries created before `before`; returns how many. */
  pruneDeliveries(before: number): Promise<number>;
  /** A webhook's deliveries, newest first. */
  listDeliveries(webhookId: string, limit: number): Promise<Delivery[]>;

  /** A project's saved searches, by name. */
  listSavedSearches(projectId: string): Promise<SavedSearch[]>;
  createSavedSearch(input: CreateSavedSearchInput): Promise<SavedSearch>;
  /** False when there is no such saved search. */
  deleteSavedSearch(id: string): Promise<boolean>;

  /** A session's comments by moment (docs/comments.md); removed with the session. */
  listComments(sessionId: string): Promise<SessionComment[]>;
  getComment(id: string): Promise<SessionComment | null>;
  countComments(sessionId: string): Promise<number>;
  /** Null when the session does not exist: nothing is stored. */
  createComment(input: CreateCommentInput): Promise<SessionComment | null>;
  /** Changes the given fields (and `updatedAt`); null when there is no such comment. */
  updateComment(id: string, patch: CommentPatch): Promise<SessionComment | null>;
  /** False when there is no such comment. */
  deleteComment(id: string): Promise<boolean>;
  /** Stores comments with their ids and times (migrate-store); skips those already there. Returns how many were added. */
  importComments(comments: SessionComment[]): Promise<number>;

  /**
   * Every row but sessions, for `reprise migrate-store`: projects (ids and keys), users (password
   * hashes), API tokens and login sessions (hashes), links (token hashes and states), saved searches.
   */
  dumpMetadata(): Promise<MetadataDump>;
  /**
   * Writes a dump in one transaction, keeping every id: rows are inserted, or updated by primary
   * key when present (a re-run brings them up to date); nothing is deleted. Sessions are copied
   * separately, batch by batch, through readBatches and appendBatch.
   */
  restoreMetadata(dump: MetadataDump): Promise<void>;

  /**
   * Runs `fn` while holding a lock every instance sharing this store respects (PostgreSQL: an
   * advisory lock), e.g. first-start bootstrap. Absent on single-process stores.
   */
  exclusive?<T>(name: string, fn: () => Promise<T>): Promise<T>;

  /**
   * The live bus that reaches every instance sharing this store (PostgreSQL: LISTEN/NOTIFY).
   * Absent on single-process stores: an in-process bus reaches every viewer there.
   */
  liveBus?(opts: { onError?: (err: unknown) => void }): LiveBus;
}

/** Store metadata without sessions (Store.dumpMetadata): secrets only as the hashes the store keeps. */
export interface MetadataDump {
  version: 1;
  projects: Project[];
  users: (User & { passwordHash: string })[];
  apiTokens: (ApiToken & { tokenHash: string })[];
  /** Absent in dumps from before per-project membership. */
  memberships?: Membership[];
  loginSessions: { tokenHash: string; userId: string; expiresAt: number }[];
  /** Links without their derived session count (it follows from the sessions' link ids). */
  links: (Omit<Link, 'sessionCount'> & { tokenHash: string })[];
  savedSearches: SavedSearch[];
  /**
   * Ids of deleted sessions still refused to ingest (store/deleted-sessions.ts): a tab that
   * records on across the move must not bring one back. Absent in dumps from before them.
   */
  deletedSessions?: { id: string; deletedAt: number }[];
}

export type ShareView = 'full' | 'strict';

export interface CreateShareInput {
  projectId: string;
  sessionId: string;
  tokenHash: string;
  view: ShareView;
  rangeFrom: number | null;
  rangeTo: number | null;
  expiresAt: number;
  createdBy: string | null;
}

export interface Share {
  id: string;
  projectId: string;
  sessionId: string;
  view: ShareView;
  /** Epoch ms of the shared range; null ends are open. */
  rangeFrom: number | null;
  rangeTo: number | null;
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastOpenedAt: number | null;
  openCount: number;
}

export const WEBHOOK_EVENTS = ['feedback', 'link_session', 'alert'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export type WebhookFormat = 'json' | 'slack';

export interface CreateWebhookInput {
  projectId: string;
  url: string;
  secret: string;
  format: WebhookFormat;
  events: WebhookEvent[];
  createdBy: string | null;
}

export interface Webhook extends CreateWebhookInput {
  id: string;
  createdAt: number;
}

export interface SearchAlert {
  savedSearchId: string;
  projectId: string;
  minIntervalMs: number;
  checkedAt: number;
  lastFiredAt: number | null;
}

export interface NewDelivery {
  webhookId: string;
  projectId: string;
  sessionId: string | null;
  event: WebhookEvent;
  dedupeKey: string;
  /** The exact request body (the signature covers it). */
  body: string;
  createdAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  webhookId: string;
  projectId: string;
  sessionId: string | null;
  event: WebhookEvent;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

export interface ClaimedDelivery extends Delivery {
  body: string;
}

export type DeliveryOutcome =
  | { status: 'delivered'; httpStatus: number; at: number }
  | { status: 'pending'; httpStatus: number | null; error: string; nextAttemptAt: number }
  | { status: 'failed'; httpStatus: number | null; error: string; at: number };

/** Epoch ms, both ends inclusive; a missing end is open. */
export interface EventTimeRange {
  from?: number;
  to?: number;
}

/** Which issues Store.listIssues returns. */
export interface IssueQuery {
  /** Only these projects (absent: every project). */
  projectIds?: string[];
  status?: IssueStatus;
  limit: number;
  /** The sparkline's last day is the one holding `now`. */
  now: number;
}

export interface ProblemQuery {
  /** Epoch ms: only occurrences at or after it. */
  since: number;
  limit: number;
  /** Only sessions of these projects (absent: every project). */
  projectIds?: string[];
}

/** Top-problem rows as the store returns them: everything but the search query. */
export type ProblemRows<T> = Omit<T, 'query'>[];

export interface CreateSavedSearchInput {
  projectId: string;
  name: string;
  query: string;
  createdBy: string | null;
}

export interface CreateCommentInput {
  sessionId: string;
  offsetMs: number;
  text: string;
  shapes: SketchShape[];
  element: CommentElement | null;
  authorId: string | null;
}

export type CommentPatch = Partial<Pick<CreateCommentInput, 'offsetMs' | 'text' | 'shapes' | 'element'>>;

export interface SessionSearch {
  projectId?: string;
  /** Only sessions of these projects (the caller's, auth/access.ts); absent: every project. */
  projectIds?: string[];
  ast: QueryNode | null;
  sort: SessionSort;
  limit: number;
  cursor: string | null;
  /** Epoch ms that relative times (`started:<24h`) count back from. */
  now: number;
}

/** Server-wide: `admin` may do everything; a `member` account gets exactly what its memberships give. */
export type UserRole = 'admin' | 'member';

/** A non-admin's role in one project: `member` reads and writes, `viewer` only reads. */
export type ProjectRole = 'member' | 'viewer';

export interface Membership {
  projectId: string;
  userId: string;
  role: ProjectRole;
}

export interface Project {
  id: string;
  name: string;
  key: string;
  allowedOrigins: string[];
  createdAt: number;
  /** Sessions are deleted this many days after they end; null keeps them forever. */
  retentionDays: number | null;
}

export interface User {
  id: string;
  email: string;
  role: UserRole;
  createdAt: number;
}

/** What an API token may do: never more than its owner (auth/access.ts takes the lesser of both). */
export type TokenScope = 'read' | 'write';

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
  scope: TokenScope;
  /** The projects it may touch; null = every project its owner may. */
  projectIds: string[] | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface CreateApiTokenInput {
  tokenHash: string;
  userId: string;
  name: string;
  scope?: TokenScope;
  projectIds?: string[] | null;
  expiresAt?: number | null;
}

/** Per-session facts the ingest layer derives from the request (the store only merges them). */
export interface SessionFacts {
  userAgent: string | null;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  device: string | null;
  /** Client IP as configured by REPRISE_IP (anonymized by default); kept from the session's first batch. */
  ip?: string | null;
}

export interface AppendBatchInput {
  projectId: string;
  batch: Batch;
  facts: SessionFacts;
  /** Index rows and count deltas extracted from the batch by the ingest layer. */
  index: IndexRows;
  receivedAt: number;
  /**
   * The magic link the batch was sent with (already checked by the caller for validity,
   * expiry, revocation and project). A new session is tagged with it; the store re-checks
   * `maxSessions` atomically and rejects with LinkRefused('link_used_up') when full.
   */
  linkId?: string | null;
  /**
   * SHA-256 (hex) of the session key the batch carried (store/session-access.ts): stored with a
   * new session; a session stored with one refuses other keys with SessionKeyMismatch.
   */
  sessionKeyHash?: string | null;
  /** The batch as ingest encoded it for storage (chunk-codec.ts); absent: the store encodes `batch.events`. */
  chunk?: EncodedChunk;
  /**
   * The per-session cap on stored (uncompressed JSON) bytes: a batch that would take the session
   * past it is refused with SessionFull and the session is marked truncated. Absent: no cap.
   */
  maxSessionBytes?: number;
  /**
   * Ingest sets it: a batch that would create a session deleted in the last week
   * (store/deleted-sessions.ts) is refused with SessionDeleted instead. Imports may restore one.
   */
  honorDeletion?: boolean;
}

export interface CreateLinkInput {
  projectId: string;
  label: string;
  targetUrl: string;
  tokenHash: string;
  expiresAt: number;
  maxSessions: number | null;
  createdBy: string | null;
}

export interface Link {
  id: string;
  projectId: string;
  label: string;
  targetUrl: string;
  expiresAt: number;
  maxSessions: number | null;
  revokedAt: number | null;
  openedAt: number | null;
  createdAt: number;
  createdBy: string | null;
  /** Sessions recorded through the link so far. */
  sessionCount: number;
}

export interface LinkWithSessions extends Link {
  /** Ids of the link's sessions, newest first. */
  sessions: string[];
  /** receivedAt of the latest batch of any of its sessions (null without sessions). */
  lastBatchAt: number | null;
}

/** Why a batch sent with a link token is refused; `code` is the 403 `error`. */
export class LinkRefused extends Error {
  constructor(readonly code: 'link_invalid' | 'link_expired' | 'link_revoked' | 'link_used_up') {
    super(code);
  }
}

/** The chunk store refused or failed to store a batch's object: nothing was stored, send again (ingest: 503). */
export class ChunkStoreUnavailable extends Error {}

/** The session reached its byte cap (AppendBatchInput.maxSessionBytes); it is marked truncated. */
export class SessionFull extends Error {
  constructor(
    sessionId: string,
    readonly maxBytes: number,
  ) {
    super(`session ${sessionId} reached the cap of ${maxBytes} stored bytes; later batches are refused`);
  }
}

/** The session was deleted (deleted_sessions) and its batch came with AppendBatchInput.honorDeletion. */
export class SessionDeleted extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId} was deleted; its later batches are refused`);
  }
}

export class SessionProjectConflict extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId} belongs to another project`);
  }
}

/** One row of a session's errors index: what ingest kept of an `error` event. */
export interface StoredError {
  t: number;
  name: string | null;
  message: string;
  /** Cut to 8000 characters at ingest. */
  stack: string | null;
  /** The release of the batch that carried it. */
  release: string | null;
}

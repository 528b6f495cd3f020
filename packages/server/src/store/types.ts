import type { IndexRows } from '../ingest/extract.js';
import type { Batch, ReplayEvent, SessionDetail, SessionList } from '@reprise/protocol';

/**
 * The storage interface. The embedded store (SQLite + local files) implements it
 * today; a PostgreSQL + S3 store implements the same contract for scale-out.
 * Every method is async so a networked backend fits without changing callers.
 */
export interface Store {
  close(): Promise<void>;

  createProject(input: { name: string; allowedOrigins: string[] }): Promise<Project>;
  listProjects(): Promise<Project[]>;
  getProjectByKey(key: string): Promise<Project | null>;
  updateProject(id: string, patch: { name?: string; allowedOrigins?: string[] }): Promise<Project | null>;

  countUsers(): Promise<number>;
  createUser(input: { email: string; passwordHash: string; role: UserRole }): Promise<User>;
  getUserByEmail(email: string): Promise<(User & { passwordHash: string }) | null>;
  getUser(id: string): Promise<User | null>;

  /** Login sessions and API tokens are looked up by the SHA-256 of the secret, never the secret. */
  createLoginSession(input: { tokenHash: string; userId: string; expiresAt: number }): Promise<void>;
  getLoginSessionUser(tokenHash: string, now: number): Promise<User | null>;
  deleteLoginSession(tokenHash: string): Promise<void>;
  createApiToken(input: { tokenHash: string; userId: string; name: string }): Promise<ApiToken>;
  getApiTokenUser(tokenHash: string): Promise<User | null>;

  /**
   * Stores one batch durably. Resolves only once both the event chunk and its
   * metadata are on disk; `duplicate` is true when (session, seq) was already stored.
   * Rejects with SessionProjectConflict when the session belongs to another project.
   */
  appendBatch(input: AppendBatchInput): Promise<{ duplicate: boolean }>;

  /** Magic links: the token itself is never stored, only its SHA-256. */
  createLink(input: CreateLinkInput): Promise<Link>;
  /** Looks a link up by the SHA-256 of its token (consent page and ingest). */
  getLinkByTokenHash(tokenHash: string): Promise<Link | null>;
  listLinks(): Promise<LinkWithSessions[]>;
  /** Records the first consent page view; later views keep the first time. */
  markLinkOpened(id: string, at: number): Promise<void>;
  /** Returns false when there is no such link. Revoking twice keeps the first time. */
  revokeLink(id: string, at: number): Promise<boolean>;

  listSessions(query: { limit: number; cursor: string | null }): Promise<SessionList>;
  getSession(id: string): Promise<SessionDetail | null>;
  /** Every stored event of a session, in time order. */
  readEvents(sessionId: string): Promise<ReplayEvent[]>;
}

export type UserRole = 'admin' | 'member';

export interface Project {
  id: string;
  name: string;
  key: string;
  allowedOrigins: string[];
  createdAt: number;
}

export interface User {
  id: string;
  email: string;
  role: UserRole;
  createdAt: number;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
}

/** Per-session facts the ingest layer derives from the request (the store only merges them). */
export interface SessionFacts {
  userAgent: string | null;
  browser: string | null;
  browserVersion: string | null;
  os: string | null;
  osVersion: string | null;
  device: string | null;
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

export class SessionProjectConflict extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId} belongs to another project`);
  }
}

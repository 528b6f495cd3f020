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
}

export class SessionProjectConflict extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId} belongs to another project`);
  }
}

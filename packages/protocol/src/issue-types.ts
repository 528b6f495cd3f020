import type { SessionSummary } from './types.js';

/** Errors grouped into issues (docs/issues.md): `GET /api/v1/issues` and friends. */

export type IssueStatus = 'open' | 'resolved' | 'ignored';

/** Days in an issue's sparkline (`daily`), the last being today (UTC). */
export const ISSUE_SPARK_DAYS = 14;

export interface Issue {
  id: string;
  projectId: string;
  /** Error type (`TypeError`; `Error` when the error had none). */
  type: string;
  /** The message normalised as for grouping: ids, numbers, quoted values and URLs replaced. */
  message: string;
  status: IssueStatus;
  /** The release it was resolved in (null: resolved without one, or not resolved). */
  resolvedIn: string | null;
  /** Occurrences stored (removed with their sessions by retention and erasure). */
  count: number;
  /** Sessions with at least one occurrence. */
  sessions: number;
  /** Distinct identified users (`identify`) among those sessions. */
  users: number;
  firstSeen: number;
  lastSeen: number;
  /** Releases the occurrences carried, oldest first. */
  releases: string[];
  /** Occurrences per UTC day, oldest first, ISSUE_SPARK_DAYS of them ending today. */
  daily: number[];
  /** A search query listing its sessions (`issue:<id>`). */
  query: string;
}

export interface IssueList {
  issues: Issue[];
}

/** A session of an issue: its summary, and its first occurrence of the issue (where the replay opens). */
export interface IssueSession {
  session: SessionSummary;
  /** Epoch ms of the session's first occurrence. */
  errorAt: number;
  /** Occurrences in this session. */
  count: number;
  release: string | null;
}

export interface IssueSessionList {
  issue: Issue;
  sessions: IssueSession[];
}

/** `PATCH /api/v1/issues/:id`. */
export interface IssueStatusUpdate {
  status: IssueStatus;
  /** With `resolved`: the release it is fixed in (default: the newest release it was seen in). */
  release?: string;
}

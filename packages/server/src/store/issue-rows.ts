import { ISSUE_SPARK_DAYS, type Issue, type IssueStatus } from '@reprise/protocol';
import { randomId } from '../ids.js';
import { reopens, type SeenRelease } from '../issues/regression.js';
import type { IndexRows } from './index-rows.js';

/**
 * Errors grouped into issues, the same in both dialects (docs/issues.md): the statements an
 * append runs to link a batch's errors to their issues, and the mapping of issue rows.
 *
 * The write runs inside the append's transaction, synchronous in SQLite and asynchronous in
 * PostgreSQL, so it is written once as a generator of statements: each backend runs what it
 * yields and sends back the rows (sqlite/batch-append.ts, postgres/index-writer.ts).
 */

export interface IssueStatement {
  sql: string;
  args: unknown[];
}

export type IssueWrites = Generator<IssueStatement, void, unknown[]>;

interface IssueStateRow {
  id: string;
  status: IssueStatus;
  resolved_in: string | null;
  resolved_at: number | null;
}

/**
 * Links each error of the batch that has a fingerprint to its issue (created on first sight),
 * records when the project first saw each release, and reopens a resolved issue its
 * occurrence regresses (issues/regression.ts). `at` is the server's clock (receivedAt): release
 * order and "after the resolution" do not trust the tab's clock. `forUpdate` locks the issue
 * row (PostgreSQL: two instances appending occurrences of one issue decide one after the other).
 */
export function* issueWrites(projectId: string, sessionId: string, errors: IndexRows['errors'], at: number, forUpdate = ''): IssueWrites {
  const byFingerprint = new Map<string, IndexRows['errors']>();
  for (const e of errors) {
    if (!e.issue) continue;
    const list = byFingerprint.get(e.issue.fingerprint) ?? [];
    list.push(e);
    byFingerprint.set(e.issue.fingerprint, list);
  }
  const releases = new Set<string>();
  for (const list of byFingerprint.values()) for (const e of list) if (e.release) releases.add(e.release);
  // Rows are locked in a fixed order (fingerprint, release), so concurrent appends cannot deadlock.
  for (const r of [...releases].sort()) {
    yield {
      sql: 'INSERT INTO issue_releases (project_id, release, first_seen) VALUES ($1, $2, $3) ON CONFLICT (project_id, release) DO NOTHING',
      args: [projectId, r, at],
    };
  }
  for (const [fp, list] of [...byFingerprint].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const first = list[0]!.issue!;
    yield {
      sql: `INSERT INTO issues (id, project_id, fingerprint, type, message, created_at, status)
            VALUES ($1, $2, $3, $4, $5, $6, 'open') ON CONFLICT (project_id, fingerprint) DO NOTHING`,
      args: [randomId('iss_'), projectId, fp, first.type, first.message, at],
    };
    const [issue] = (yield {
      sql: `SELECT id, status, resolved_in, resolved_at FROM issues WHERE project_id = $1 AND fingerprint = $2${forUpdate}`,
      args: [projectId, fp],
    }) as IssueStateRow[];
    if (!issue) continue;
    if (issue.status === 'resolved') {
      const names = [...new Set([issue.resolved_in, ...list.map((e) => e.release)].filter((r): r is string => r !== null))];
      const seen = names.length
        ? ((yield {
            sql: `SELECT release AS name, first_seen AS "firstSeen" FROM issue_releases WHERE project_id = $1 AND release IN (${names.map((_, i) => `$${i + 2}`).join(', ')})`,
            args: [projectId, ...names],
          }) as SeenRelease[])
        : [];
      const release = (name: string | null): SeenRelease | null =>
        name === null ? null : (seen.find((s) => s.name === name) ?? { name, firstSeen: at });
      const state = { status: issue.status, resolvedIn: release(issue.resolved_in), resolvedAt: issue.resolved_at };
      if (list.some((e) => reopens(state, { t: at, release: release(e.release) }))) {
        yield {
          sql: `UPDATE issues SET status = 'open', resolved_in = NULL, resolved_at = NULL, status_changed_at = $2 WHERE id = $1`,
          args: [issue.id, at],
        };
      }
    }
    for (const e of list) {
      yield {
        sql: 'INSERT INTO issue_errors (issue_id, session_id, t, release) VALUES ($1, $2, $3, $4)',
        args: [issue.id, sessionId, Math.round(e.t), e.release],
      };
    }
  }
}

/** Runs issueWrites synchronously (SQLite, inside better-sqlite3's transaction). */
export function runIssueWritesSync(writes: IssueWrites, exec: (s: IssueStatement) => unknown[]): void {
  let step = writes.next();
  while (!step.done) step = writes.next(exec(step.value));
}

/** Runs issueWrites one statement after the other (PostgreSQL, on the transaction's client). */
export async function runIssueWrites(writes: IssueWrites, exec: (s: IssueStatement) => Promise<unknown[]>): Promise<void> {
  let step = writes.next();
  while (!step.done) step = writes.next(await exec(step.value));
}

/** An issue with its derived counts, as the list query returns it. */
export interface IssueRow {
  id: string;
  project_id: string;
  type: string;
  message: string;
  status: IssueStatus;
  resolved_in: string | null;
  count: number;
  sessions: number;
  users: number;
  first_seen: number;
  last_seen: number;
}

export const DAY_MS = 86_400_000;

/** The first millisecond of the sparkline's first day: ISSUE_SPARK_DAYS UTC days ending today. */
export function sparkStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS - (ISSUE_SPARK_DAYS - 1) * DAY_MS;
}

export function toIssue(r: IssueRow, releases: string[], daily: number[], openText: (s: string) => string): Issue {
  return {
    id: r.id,
    projectId: r.project_id,
    type: r.type,
    message: openText(r.message),
    status: r.status,
    resolvedIn: r.resolved_in,
    count: Number(r.count),
    sessions: Number(r.sessions),
    users: Number(r.users),
    firstSeen: Number(r.first_seen),
    lastSeen: Number(r.last_seen),
    releases,
    daily,
    query: `issue:${r.id}`,
  };
}

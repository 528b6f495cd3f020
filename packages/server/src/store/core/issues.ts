import { ISSUE_SPARK_DAYS, type Issue, type IssueSession, type IssueStatus, type SessionSummary } from '@reprise/protocol';
import { compareReleases, type SeenRelease } from '../../issues/regression.js';
import { DAY_MS, sparkStart, toIssue, type IssueRow } from '../issue-rows.js';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow } from '../rows.js';
import type { IssueQuery } from '../types.js';
import type { Sql } from './sql.js';

/**
 * Issue reads and status changes (docs/issues.md), written once for both backends. Counts,
 * sessions, users, first/last seen, releases and the sparkline are derived from the issue's
 * links (issue_errors), which are removed with their sessions: retention and erasure never leave
 * a count behind. An issue whose links are all gone is kept (its status stays) but not listed.
 */

const ISSUE_SELECT = `SELECT i.id, i.project_id, i.type, i.message, i.status, i.resolved_in,
    count(*) AS count, count(DISTINCT e.session_id) AS sessions, count(DISTINCT s.user_id) AS users,
    min(e.t) AS first_seen, max(e.t) AS last_seen
  FROM issues i JOIN issue_errors e ON e.issue_id = i.id JOIN sessions s ON s.id = e.session_id`;
const ISSUE_GROUP = 'GROUP BY i.id, i.project_id, i.type, i.message, i.status, i.resolved_in';

/** `$from…` placeholders for a list of values. */
function marks(values: readonly unknown[], from: number): string {
  return values.map((_, i) => `$${from + i}`).join(', ');
}

type Open = (s: string) => string;

export async function list(db: Sql, q: IssueQuery, open: Open): Promise<Issue[]> {
  if (q.projectIds?.length === 0) return [];
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.projectIds) {
    where.push(`i.project_id IN (${marks(q.projectIds, args.length + 1)})`);
    args.push(...q.projectIds);
  }
  if (q.status) {
    args.push(q.status);
    where.push(`i.status = $${args.length}`);
  }
  args.push(q.limit);
  const rows = await db.all<IssueRow>(
    `${ISSUE_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ${ISSUE_GROUP}
     ORDER BY max(e.t) DESC, i.id LIMIT $${args.length}`,
    args,
  );
  return withDetails(db, rows, q.now, open);
}

export async function get(db: Sql, id: string, now: number, open: Open): Promise<Issue | null> {
  const rows = await db.all<IssueRow>(`${ISSUE_SELECT} WHERE i.id = $1 ${ISSUE_GROUP}`, [id]);
  if (rows.length === 0) {
    // No occurrence left (retention, erasure): the issue still exists, with nothing counted.
    const bare = await db.all<IssueRow>(
      `SELECT id, project_id, type, message, status, resolved_in, 0 AS count, 0 AS sessions, 0 AS users,
         created_at AS first_seen, created_at AS last_seen FROM issues WHERE id = $1`,
      [id],
    );
    if (bare.length === 0) return null;
    return (await withDetails(db, bare, now, open))[0]!;
  }
  return (await withDetails(db, rows, now, open))[0]!;
}

export async function projectOf(db: Sql, id: string): Promise<string | null> {
  return (await db.all<{ project_id: string }>('SELECT project_id FROM issues WHERE id = $1', [id]))[0]?.project_id ?? null;
}

/** Releases (oldest first) and the daily counts of each issue, two queries for the whole page. */
async function withDetails(db: Sql, rows: IssueRow[], now: number, open: Open): Promise<Issue[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const releases = await db.all<{ issue_id: string; release: string; first_seen: number }>(
    `SELECT DISTINCT e.issue_id, e.release, r.first_seen FROM issue_errors e
     JOIN issues i ON i.id = e.issue_id
     LEFT JOIN issue_releases r ON r.project_id = i.project_id AND r.release = e.release
     WHERE e.issue_id IN (${marks(ids, 1)}) AND e.release IS NOT NULL`,
    ids,
  );
  const start = sparkStart(now);
  const days = await db.all<{ issue_id: string; day: number; n: number }>(
    // SQLite binds JS numbers as REAL: the cast keeps the day an integer in both dialects.
    `SELECT issue_id, CAST((t - $1) / ${DAY_MS} AS INTEGER) AS day, count(*) AS n FROM issue_errors
     WHERE issue_id IN (${marks(ids, 2)}) AND t >= $1 GROUP BY issue_id, CAST((t - $1) / ${DAY_MS} AS INTEGER)`,
    [start, ...ids],
  );
  return rows.map((r) => {
    const mine: SeenRelease[] = releases
      .filter((x) => x.issue_id === r.id)
      .map((x) => ({ name: x.release, firstSeen: Number(x.first_seen ?? 0) }));
    const daily = new Array<number>(ISSUE_SPARK_DAYS).fill(0);
    for (const d of days) if (d.issue_id === r.id && Number(d.day) < ISSUE_SPARK_DAYS) daily[Number(d.day)]! += Number(d.n);
    return toIssue(
      r,
      mine.sort(compareReleases).map((x) => x.name),
      daily,
      open,
    );
  });
}

/** The issue's sessions, newest occurrence first, each with its first occurrence (where the replay opens). */
export async function sessions(db: Sql, id: string, limit: number, summaryOf: (r: SessionRow) => SessionSummary): Promise<IssueSession[]> {
  const occ = await db.all<{ session_id: string; first_t: number; last_t: number; n: number; release: string | null }>(
    `SELECT session_id, min(t) AS first_t, max(t) AS last_t, count(*) AS n, max(release) AS release
     FROM issue_errors WHERE issue_id = $1 GROUP BY session_id ORDER BY max(t) DESC, session_id LIMIT $2`,
    [id, limit],
  );
  if (occ.length === 0) return [];
  const found = await db.all<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.id IN (${marks(occ, 1)})`,
    occ.map((o) => o.session_id),
  );
  const byId = new Map(found.map((r) => [r.id, r]));
  return occ.flatMap((o) => {
    const row = byId.get(o.session_id);
    return row ? [{ session: summaryOf(row), errorAt: Number(o.first_t), count: Number(o.n), release: o.release }] : [];
  });
}

/**
 * Sets an issue's status. Resolving records the release it is fixed in: the one given, else the
 * newest release its occurrences carried (null when none did, and then any later occurrence
 * reopens it). Returns false when there is no such issue.
 */
export async function setStatus(db: Sql, id: string, status: IssueStatus, release: string | null, at: number): Promise<boolean> {
  if (status !== 'resolved') {
    const n = await db.run('UPDATE issues SET status = $2, resolved_in = NULL, resolved_at = NULL, status_changed_at = $3 WHERE id = $1', [
      id,
      status,
      at,
    ]);
    return n > 0;
  }
  let resolvedIn = release;
  if (resolvedIn === null) {
    const seen = await db.all<{ name: string; first_seen: number | null }>(
      `SELECT DISTINCT e.release AS name, r.first_seen FROM issue_errors e JOIN issues i ON i.id = e.issue_id
       LEFT JOIN issue_releases r ON r.project_id = i.project_id AND r.release = e.release
       WHERE e.issue_id = $1 AND e.release IS NOT NULL`,
      [id],
    );
    const newest = seen
      .map((s) => ({ name: s.name, firstSeen: Number(s.first_seen ?? 0) }))
      .sort(compareReleases)
      .pop();
    resolvedIn = newest?.name ?? null;
  } else {
    // A release named by hand that no error carried yet is first seen now (it orders after every earlier one).
    await db.run(
      `INSERT INTO issue_releases (project_id, release, first_seen)
       SELECT project_id, CAST($2 AS TEXT), CAST($3 AS BIGINT) FROM issues WHERE id = $1 ON CONFLICT (project_id, release) DO NOTHING`,
      [id, resolvedIn, at],
    );
  }
  const n = await db.run(
    `UPDATE issues SET status = 'resolved', resolved_in = $2, resolved_at = $3, status_changed_at = $3 WHERE id = $1`,
    [id, resolvedIn, at],
  );
  return n > 0;
}

import type Database from 'better-sqlite3';
import type { ClickProblem, ErrorGroup, FailingEndpoint } from '@reprise/protocol';
import * as rows from '../problem-rows.js';
import { SIGNAL_TYPES } from '../signals.js';
import type { ProblemQuery, ProblemRows } from '../types.js';

/**
 * "Top problems": aggregates over the index tables filled at ingest (never event chunks).
 * Rows from before migration v4 have no route / message key and group by their raw URL / message.
 * In SQLite, bare columns next to a single max() come from the row holding the max, which gives
 * each group's newest name, message and text.
 */

/** `AND …` limiting rows to sessions of `q.projectIds`, and its parameter (none without a filter). */
function projectFilter(q: ProblemQuery): { sql: string; args: string[] } {
  if (!q.projectIds) return { sql: '', args: [] };
  return {
    sql: ' AND session_id IN (SELECT id FROM sessions WHERE project_id IN (SELECT value FROM json_each(?)))',
    args: [JSON.stringify(q.projectIds)],
  };
}

export function failingEndpoints(db: Database.Database, q: ProblemQuery): ProblemRows<FailingEndpoint> {
  const pf = projectFilter(q);
  const found = db
    .prepare(
      `SELECT method, coalesce(route, url) AS route, count(*) AS count, count(DISTINCT session_id) AS sessions, max(t) AS last_seen
       FROM network_requests WHERE (status >= 400 OR failed = 1) AND t >= ?${pf.sql}
       GROUP BY method, coalesce(route, url) ORDER BY count DESC, last_seen DESC LIMIT ?`,
    )
    .all(q.since, ...pf.args, q.limit) as rows.EndpointRow[];
  const statuses = db.prepare(
    `SELECT status FROM network_requests
     WHERE (status >= 400 OR failed = 1) AND t >= ?${pf.sql} AND method = ? AND coalesce(route, url) = ?
     GROUP BY status ORDER BY count(*) DESC, status`,
  );
  return found.map((r) =>
    rows.toFailingEndpoint(
      r,
      (statuses.all(q.since, ...pf.args, r.method, r.route) as { status: number }[]).map((s) => s.status),
    ),
  );
}

export function errorGroups(db: Database.Database, q: ProblemQuery): ProblemRows<ErrorGroup> {
  const pf = projectFilter(q);
  const found = db
    .prepare(
      `SELECT coalesce(message_key, message) AS key, count(*) AS count, count(DISTINCT session_id) AS sessions, max(t) AS last_seen,
         name, message, stack, release, session_id
       FROM errors WHERE t >= ?${pf.sql}
       GROUP BY coalesce(message_key, message) ORDER BY count DESC, last_seen DESC LIMIT ?`,
    )
    .all(q.since, ...pf.args, q.limit) as rows.ErrorGroupRow[];
  return found.map(rows.toErrorGroup);
}

export function clickProblems(db: Database.Database, q: ProblemQuery & { type: 'rage' | 'dead' }): ProblemRows<ClickProblem> {
  // A rage signal is one burst; a dead signal row may hold several clicks of the same millisecond.
  const count = q.type === 'rage' ? 'count(*)' : 'sum(click_count)';
  const pf = projectFilter(q);
  const found = db
    .prepare(
      `SELECT selector, ${count} AS count, count(DISTINCT session_id) AS sessions, max(t) AS last_seen, text
       FROM signals WHERE type = ? AND t >= ?${pf.sql}
       GROUP BY selector ORDER BY count DESC, last_seen DESC LIMIT ?`,
    )
    .all(q.type === 'rage' ? SIGNAL_TYPES.rage : SIGNAL_TYPES.dead, q.since, ...pf.args, q.limit) as rows.ClickProblemRow[];
  return found.map((r) => rows.toClickProblem(q.type, r));
}

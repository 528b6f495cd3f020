import type { ClickProblem, ErrorGroup, FailingEndpoint } from '@reprise/protocol';
import * as rows from '../problem-rows.js';
import { SIGNAL_TYPES } from '../signals.js';
import type { ProblemQuery, ProblemRows } from '../types.js';
import type { Queryable } from './pool.js';

/**
 * "Top problems" on PostgreSQL: the same aggregates as store/sqlite/problems.ts over the
 * partitioned index tables (`t >= since` prunes old months). SQLite takes a group's newest
 * name, message and text from the row holding max(t); here `(array_agg(… ORDER BY t DESC))[1]`.
 */

/** `AND …` limiting rows to sessions of `q.projectIds` as parameter `$n` (JSON), or nothing. */
function projectFilter(q: ProblemQuery, n: number): { sql: string; args: string[] } {
  if (!q.projectIds) return { sql: '', args: [] };
  return {
    sql: ` AND session_id IN (SELECT id FROM sessions WHERE project_id IN (SELECT jsonb_array_elements_text($${n}::jsonb)))`,
    args: [JSON.stringify(q.projectIds)],
  };
}

export async function failingEndpoints(db: Queryable, q: ProblemQuery): Promise<ProblemRows<FailingEndpoint>> {
  const pf = projectFilter(q, 3);
  const found = (
    await db.query<rows.EndpointRow & { statuses: number[] | null }>(
      `WITH p AS (
         SELECT method, coalesce(route, url) AS route, status, session_id, t FROM network_requests
         WHERE (status >= 400 OR failed = 1) AND t >= $1${pf.sql}),
       g AS (
         SELECT method, route, count(*) AS count, count(DISTINCT session_id) AS sessions, max(t) AS last_seen
         FROM p GROUP BY method, route ORDER BY count DESC, last_seen DESC LIMIT $2)
       SELECT g.*, (SELECT array_agg(status ORDER BY n DESC, status) FROM
                      (SELECT status, count(*) AS n FROM p WHERE p.method = g.method AND p.route = g.route GROUP BY status) x) AS statuses
       FROM g ORDER BY count DESC, last_seen DESC`,
      [q.since, q.limit, ...pf.args],
    )
  ).rows;
  return found.map((r) => rows.toFailingEndpoint(r, (r.statuses ?? []).map(Number)));
}

export async function errorGroups(db: Queryable, q: ProblemQuery): Promise<ProblemRows<ErrorGroup>> {
  const pf = projectFilter(q, 3);
  const found = (
    await db.query<rows.ErrorGroupRow>(
      `SELECT coalesce(message_key, message) AS key, count(*) AS count, count(DISTINCT session_id) AS sessions, max(t) AS last_seen,
         (array_agg(name ORDER BY t DESC))[1] AS name, (array_agg(message ORDER BY t DESC))[1] AS message,
         (array_agg(stack ORDER BY t DESC))[1] AS stack, (array_agg(release ORDER BY t DESC))[1] AS release,
         (array_agg(session_id ORDER BY t DESC))[1] AS session_id
       FROM errors WHERE t >= $1${pf.sql}
       GROUP BY coalesce(message_key, message) ORDER BY count DESC, last_seen DESC LIMIT $2`,
      [q.since, q.limit, ...pf.args],
    )
  ).rows;
  return found.map(rows.toErrorGroup);
}

export async function clickProblems(db: Queryable, q: ProblemQuery & { type: 'rage' | 'dead' }): Promise<ProblemRows<ClickProblem>> {
  // A rage signal is one burst; a dead signal row may hold several clicks of the same millisecond.
  const count = q.type === 'rage' ? 'count(*)' : 'sum(click_count)';
  const pf = projectFilter(q, 4);
  const found = (
    await db.query<rows.ClickProblemRow>(
      `SELECT selector, ${count} AS count, count(DISTINCT session_id) AS sessions, max(t) AS last_seen,
         (array_agg(text ORDER BY t DESC))[1] AS text
       FROM signals WHERE type = $1 AND t >= $2${pf.sql}
       GROUP BY selector ORDER BY count DESC, last_seen DESC LIMIT $3`,
      [q.type === 'rage' ? SIGNAL_TYPES.rage : SIGNAL_TYPES.dead, q.since, q.limit, ...pf.args],
    )
  ).rows;
  return found.map((r) => rows.toClickProblem(q.type, r));
}

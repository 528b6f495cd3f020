import type Database from 'better-sqlite3';
import type { SessionList, SessionSummary } from '@reprise/protocol';
import { blindPlan } from '../../search/blind.js';
import { planQuery } from '../../search/plan.js';
import type { IndexSealer } from '../index-seal.js';
import { decodeSortCursor, encodeSortCursor } from '../../search/sort.js';
import { compileSort, compileWhere, Params } from '../../search/sqlite.js';
import type { SessionSearch } from '../types.js';

/** The columns the session summary needs (as SqliteStore selects them), plus the sort key. */
const COLUMNS = 's.*, l.label AS link_label';
const FROM = 'sessions s LEFT JOIN links l ON l.id = s.link_id';

/**
 * `Store.searchSessions` on SQLite: one SELECT over the sessions summary rows, filtered by the
 * compiled query, ordered and keyset-paginated by the sort. Rows map through the store's own
 * `toSummary`, so a search result is exactly what the plain list returns.
 */
export function searchSessions<Row extends { started_at: number; id: string }>(
  db: Database.Database,
  query: SessionSearch,
  toSummary: (row: Row) => SessionSummary,
  options: SearchSqlOptions = {},
): SessionList {
  const { sql, params } = buildSearchSql(db, query, options);
  const rows = db.prepare(sql).all(params) as (Row & { sort_key: number | null })[];
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    sessions: page.map(toSummary),
    nextCursor:
      rows.length > query.limit && last
        ? encodeSortCursor(query.sort, { value: last.sort_key, startedAt: last.started_at, id: last.id })
        : null,
  };
}

export interface SearchSqlOptions {
  /** Overrides the common-text probe (tests check both strategies give the same sessions). */
  isCommon?: (pattern: string) => boolean;
  /** Set when the index is encrypted: text conditions become token matches (search/blind.ts). */
  sealer?: IndexSealer | null;
}

/** The SELECT for a search (LIMIT is one more than a page, to know whether another follows). */
export function buildSearchSql(
  db: Database.Database,
  query: SessionSearch,
  options: SearchSqlOptions = {},
): { sql: string; params: Record<string, string | number> } {
  const ps = new Params();
  const where: string[] = [];
  if (query.projectId) where.push(`s.project_id = ${ps.p(query.projectId)}`);
  if (query.projectIds) where.push(`s.project_id IN (SELECT value FROM json_each(${ps.p(JSON.stringify(query.projectIds))}))`);
  const planned = planQuery(query.ast, query.now);
  const pred = planned && options.sealer ? blindPlan(planned, options.sealer) : planned;
  if (pred) where.push(compileWhere(pred, { ps, isCommon: options.isCommon ?? commonProbe(db) }));
  let after = null;
  if (query.cursor) {
    after = decodeSortCursor(query.sort, query.cursor);
    if (!after) throw new Error('invalid cursor for this sort');
  }
  const sort = compileSort(query.sort, after, ps);
  if (sort.after) where.push(sort.after);
  const sql = `SELECT ${COLUMNS}, ${sort.sortKey} AS sort_key FROM ${FROM}
    ${where.length ? `WHERE ${where.join('\n    AND ')}` : ''}
    ORDER BY ${sort.orderBy} LIMIT ${ps.p(query.limit + 1)}`;
  return { sql, params: ps.values };
}

/** search_text rows a text may match before it counts as common (see SqliteCompileContext). */
export const COMMON_TEXT_ROWS = 5000;

/** Probes each pattern once: does it reach COMMON_TEXT_ROWS matching search_text rows? */
function commonProbe(db: Database.Database): (pattern: string) => boolean {
  const seen = new Map<string, boolean>();
  const stmt = db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM search_text WHERE text LIKE ? LIMIT ${COMMON_TEXT_ROWS})`);
  return (pattern) => {
    let common = seen.get(pattern);
    if (common === undefined) {
      common = (stmt.get(pattern) as { n: number }).n >= COMMON_TEXT_ROWS;
      seen.set(pattern, common);
    }
    return common;
  };
}

/** EXPLAIN QUERY PLAN of a search, for tests and benchmarks. */
export function explainSearch(db: Database.Database, query: SessionSearch, options: SearchSqlOptions = {}): string[] {
  const { sql, params } = buildSearchSql(db, query, options);
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail);
}

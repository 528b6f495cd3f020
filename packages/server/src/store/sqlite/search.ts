import type Database from 'better-sqlite3';
import type { SessionList, SessionSummary } from '@reprise/protocol';
import { buildSearchSql as compileSearch } from '../../search/compile.js';
import { sqliteDialect } from '../../search/dialect-sqlite.js';
import { pageOf } from '../../search/sort.js';
import type { IndexSealer } from '../index-seal.js';
import type { SessionSearch } from '../types.js';

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
  return pageOf(db.prepare(sql).all(params) as (Row & { sort_key: number | null })[], query, toSummary);
}

export interface SearchSqlOptions {
  /** Overrides the common-text probe (tests check both strategies give the same sessions). */
  isCommon?: (pattern: string) => boolean;
  /** Set when the index is encrypted: text conditions become token matches (search/blind.ts). */
  sealer?: IndexSealer | null;
}

/** The SELECT for a search, probing this database for common text. */
export function buildSearchSql(
  db: Database.Database,
  query: SessionSearch,
  options: SearchSqlOptions = {},
): { sql: string; params: Record<string, string | number> } {
  return compileSearch(query, sqliteDialect(options.isCommon ?? commonProbe(db)), options.sealer ?? null);
}

/** search_text rows a text may match before it counts as common (see sqliteDialect). */
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

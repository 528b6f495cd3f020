import type { SessionList, SessionSummary } from '@reprise/protocol';
import { buildSearchSql as compileSearch } from '../../search/compile.js';
import { postgresDialect } from '../../search/dialect-postgres.js';
import { pageOf } from '../../search/sort.js';
import type { IndexSealer } from '../index-seal.js';
import type { SessionSearch } from '../types.js';
import type { Queryable } from './pool.js';
import type { SessionRow } from '../rows.js';

/** The SELECT for a search (LIMIT one more than a page, to know whether another follows). */
export function buildSearchSql(query: SessionSearch, sealer: IndexSealer | null = null): { sql: string; params: unknown[] } {
  return compileSearch(query, postgresDialect, sealer);
}

/** `Store.searchSessions` on PostgreSQL: the compiled SELECT (search/compile.ts), one page of rows. */
export async function searchSessions(
  db: Queryable,
  query: SessionSearch,
  toSummary: (r: SessionRow) => SessionSummary,
  sealer: IndexSealer | null = null,
): Promise<SessionList> {
  const { sql, params } = buildSearchSql(query, sealer);
  return pageOf((await db.query<SessionRow & { sort_key: number | null }>(sql, params)).rows, query, toSummary);
}

/** EXPLAIN of a search, for tests and benchmarks. */
export async function explainSearch(db: Queryable, query: SessionSearch): Promise<string[]> {
  const { sql, params } = buildSearchSql(query);
  return (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r['QUERY PLAN']);
}

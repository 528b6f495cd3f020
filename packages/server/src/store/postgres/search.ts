import type { SessionSort } from '@reprise/protocol/query';
import type { SessionList, SessionSummary } from '@reprise/protocol';
import { byExactProblemStatus, HAS, NUMERIC, OPS, onlyProblemRequests, planQuery, type Pred, type RequestCond } from '../../search/plan.js';
import { blindPlan, tokenRows } from '../../search/blind.js';
import type { IndexSealer } from '../index-seal.js';
import { decodeSortCursor, encodeSortCursor, SORTS, type SortKey, type SortSpec } from '../../search/sort.js';
import type { SessionSearch } from '../types.js';
import type { Queryable } from './pool.js';
import { SESSION_COLUMNS, SESSION_FROM, type SessionRow } from '../rows.js';

/**
 * The PostgreSQL dialect of search: the backend-neutral predicates of search/plan.ts → a
 * parameterized WHERE over `sessions s`. Same semantics as search/sqlite.ts; the differences:
 * - text conditions are `ILIKE` (SQLite's LIKE is case-insensitive too); `search_text.text`
 *   has a pg_trgm GIN index, which answers ILIKE '%x%' for 3+ characters and understands
 *   escaped wildcards, so search_text decides a text term on its own (no inexact prefilter);
 * - conditions that must hold on one row (the same request, message or click) are EXISTS on
 *   the index table through its (session_id, t) index, narrowed by search_text for URL text;
 * - PostgreSQL plans with statistics, so there is no "common text" probe.
 * Values only ever travel as parameters.
 */

class Params {
  readonly values: unknown[] = [];
  p(v: string | number): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** `%…%` matching the exact substring (PostgreSQL's default LIKE escape is the backslash). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type SearchField = 'url' | 'request' | 'console' | 'error' | 'click';

function textRows(ps: Params, field: SearchField | null, text: string): string {
  const f = field ? `field = ${ps.p(field)} AND ` : '';
  return `s.id IN (SELECT session_id FROM search_text WHERE ${f}text ILIKE ${ps.p(containsPattern(text))})`;
}


function all(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

function any(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

function requestCond(a: RequestCond, ps: Params): string {
  switch (a.c) {
    case 'url': return `n.url ILIKE ${ps.p(containsPattern(a.text))}`;
    case 'method': return `n.method = ${ps.p(a.method)}`;
    case 'status': return a.min === a.max ? `n.status = ${ps.p(a.min)}` : `n.status BETWEEN ${ps.p(a.min)} AND ${ps.p(a.max)}`;
    case 'failed': return 'n.failed = 1';
  }
}

function compileWhere(pred: Pred, ps: Params): string {
  switch (pred.t) {
    case 'and':
      return `(${pred.children.map((c) => compileWhere(c, ps)).join(' AND ')})`;
    case 'or':
      return `(${pred.children.map((c) => compileWhere(c, ps)).join(' OR ')})`;
    case 'not':
      // NULL counts as false: without coalesce, NOT NULL would drop the row too.
      return `NOT coalesce(${compileWhere(pred.child, ps)}, false)`;
    case 'text':
      // Every field's values are in search_text (ingest/extract.ts), first URLs included.
      return textRows(ps, null, pred.text);
    case 'page':
      return textRows(ps, 'url', pred.text);
    case 'request': {
      const conds = pred.all.map((alts) => any(alts.map((a) => requestCond(a, ps))));
      if (byExactProblemStatus(pred.all)) {
        return `s.id IN (SELECT n.session_id FROM network_requests n WHERE ${conds.join(' AND ')})`;
      }
      const pre: string[] = [];
      for (const alts of pred.all) {
        const only = alts.length === 1 ? alts[0]! : null;
        if (only?.c === 'url') pre.push(textRows(ps, 'request', only.text));
        if (only?.c === 'failed') pre.push('s.network_failed > 0');
      }
      if (onlyProblemRequests(pred.all)) {
        if (!pre.includes('s.network_failed > 0')) pre.push('(s.network_4xx > 0 OR s.network_5xx > 0 OR s.network_failed > 0)');
        conds.unshift('(n.status >= 400 OR n.failed = 1)');
      }
      return all([...pre, `EXISTS (SELECT 1 FROM network_requests n WHERE n.session_id = s.id AND ${conds.join(' AND ')})`]);
    }
    case 'console': {
      const pre: string[] = [];
      for (const alts of pred.all) {
        const only = alts.length === 1 ? alts[0]! : null;
        if (only?.c === 'text') pre.push(textRows(ps, 'console', only.text));
        if (alts.every((a) => a.c === 'level' && (a.level === 'error' || a.level === 'assert'))) pre.push('s.console_errors > 0');
        if (alts.every((a) => a.c === 'level' && a.level === 'warn')) pre.push('s.console_warnings > 0');
      }
      const conds = pred.all.map((alts) =>
        any(alts.map((a) => (a.c === 'level' ? `c.level = ${ps.p(a.level)}` : `c.text ILIKE ${ps.p(containsPattern(a.text))}`))),
      );
      return all([...pre, `EXISTS (SELECT 1 FROM console_messages c WHERE c.session_id = s.id AND ${conds.join(' AND ')})`]);
    }
    case 'click': {
      const pre: string[] = [];
      for (const alts of pred.all) {
        const only = alts.length === 1 ? alts[0]! : null;
        if (only?.c === 'text') pre.push(textRows(ps, 'click', only.text));
      }
      const conds = pred.all.map((alts) =>
        any(alts.map((a) => {
          const pat = containsPattern(a.text);
          return a.c === 'selector'
            ? `k.selector ILIKE ${ps.p(pat)}`
            : `(k.text ILIKE ${ps.p(pat)} OR k.test_id ILIKE ${ps.p(pat)})`;
        })),
      );
      return all([...pre, `EXISTS (SELECT 1 FROM clicks k WHERE k.session_id = s.id AND ${conds.join(' AND ')})`]);
    }
    case 'error':
      // search_text's error rows hold "name: message", which covers a match on the message alone.
      return all(['s.errors > 0', textRows(ps, 'error', pred.text)]);
    case 'cmp':
      return `${NUMERIC[pred.column]} ${OPS[pred.op]} ${ps.p(pred.value)}`;
    case 'ua':
      return `replace(lower(s.${pred.column}), ' ', '') ILIKE ${ps.p(containsPattern(pred.text))}`;
    case 'device':
      return `lower(s.device) = ${ps.p(pred.value)}`;
    case 'user':
      return `s.user_id = ${ps.p(pred.value)}`;
    case 'tag': {
      const value = pred.value === null ? '' : ` AND lower(j.value) = lower(${ps.p(pred.value)})`;
      return `EXISTS (SELECT 1 FROM jsonb_each_text(s.tags) j WHERE lower(j.key) = lower(${ps.p(pred.key)})${value})`;
    }
    case 'link':
      return `s.link_id IN (SELECT id FROM links WHERE id = ${ps.p(pred.text)} OR label ILIKE ${ps.p(containsPattern(pred.text))})`;
    case 'has':
      return HAS[pred.what]!;
    case 'tokens':
      return tokenRows(pred, ps, { always: 'TRUE', like: (p) => `text ILIKE ${p}` });
  }
}

const PRIMARY: Record<NonNullable<SortSpec['primary']>, string> = {
  duration: 's.duration_ms',
  errors: 's.errors',
  rage: 's.rage_clicks',
  active: 's.active_ms',
};

function compileSort(sort: SessionSort, after: SortKey | null, ps: Params): { orderBy: string; sortKey: string; after: string | null } {
  const spec = SORTS[sort];
  const dir = spec.dir === 'desc' ? 'DESC' : 'ASC';
  const cols = [...(spec.primary ? [PRIMARY[spec.primary]] : []), 's.started_at', 's.id'];
  const orderBy = cols.map((c) => `${c} ${dir}`).join(', ');
  const sortKey = spec.primary ? PRIMARY[spec.primary] : 'NULL::bigint';
  if (!after) return { orderBy, sortKey, after: null };
  const values = [...(spec.primary ? [after.value ?? 0] : []), after.startedAt, after.id];
  const cmp = spec.dir === 'desc' ? '<' : '>';
  return { orderBy, sortKey, after: `(${cols.join(', ')}) ${cmp} (${values.map((v) => ps.p(v)).join(', ')})` };
}

/** The SELECT for a search (LIMIT one more than a page, to know whether another follows). */
export function buildSearchSql(query: SessionSearch, sealer: IndexSealer | null = null): { sql: string; params: unknown[] } {
  const ps = new Params();
  const where: string[] = [];
  if (query.projectId) where.push(`s.project_id = ${ps.p(query.projectId)}`);
  if (query.projectIds) where.push(`s.project_id IN (SELECT jsonb_array_elements_text(${ps.p(JSON.stringify(query.projectIds))}::jsonb))`);
  const planned = planQuery(query.ast, query.now);
  const pred = planned && sealer ? blindPlan(planned, sealer) : planned;
  if (pred) where.push(compileWhere(pred, ps));
  let after = null;
  if (query.cursor) {
    after = decodeSortCursor(query.sort, query.cursor);
    if (!after) throw new Error('invalid cursor for this sort');
  }
  const sort = compileSort(query.sort, after, ps);
  if (sort.after) where.push(sort.after);
  const sql = `SELECT ${SESSION_COLUMNS}, ${sort.sortKey} AS sort_key FROM ${SESSION_FROM}
    ${where.length ? `WHERE ${where.join('\n    AND ')}` : ''}
    ORDER BY ${sort.orderBy} LIMIT ${ps.p(query.limit + 1)}`;
  return { sql, params: ps.values };
}

export async function searchSessions(
  db: Queryable,
  query: SessionSearch,
  toSummary: (r: SessionRow) => SessionSummary,
  sealer: IndexSealer | null = null,
): Promise<SessionList> {
  const { sql, params } = buildSearchSql(query, sealer);
  const rows = (await db.query<SessionRow & { sort_key: number | null }>(sql, params)).rows;
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

/** EXPLAIN of a search, for tests and benchmarks. */
export async function explainSearch(db: Queryable, query: SessionSearch): Promise<string[]> {
  const { sql, params } = buildSearchSql(query);
  return (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r['QUERY PLAN']);
}

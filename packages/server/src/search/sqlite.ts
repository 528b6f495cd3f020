import type { SessionSort } from '@reprise/protocol/query';
import { byExactProblemStatus, HAS, NUMERIC, OPS, onlyProblemRequests, type Pred, type RequestCond } from './plan.js';
import { SORTS, type SortKey, type SortSpec } from './sort.js';
import { tokenRows } from './blind.js';

/**
 * The SQLite dialect of search: predicates → a parameterized WHERE fragment over
 * `sessions s` (schema v1–v5). Values only ever travel as parameters.
 *
 * Text conditions use the `search_text` FTS5 trigram table: `text LIKE '%x%'` is answered
 * from the trigram index when the value has a run of 3+ characters without LIKE wildcards.
 * Ingest (ingest/extract.ts) keeps one row per (batch, field) with the batch's distinct values,
 * newline-joined:
 *   url → batch meta.url and page URLs · request → request URLs · console → console text
 *   error → "name: message" · click → click label and data-testid,
 * so a session with a matching row in a plain index table always has a matching search_text
 * row. A single text term with an exact pattern is decided by search_text alone; conditions
 * that must hold on one row (the same request, message or click) are verified with EXISTS
 * on the plain table through its (session_id, t) index, with search_text as the prefilter.
 * Text so common that collecting all its sessions costs more than checking sessions in sort
 * order (`isCommon`, a bounded probe of search_text) skips the prefilter.
 */

/** Collects named parameters; `p(v)` returns the placeholder, so the order of building never matters. */
export class Params {
  readonly values: Record<string, string | number> = {};
  private n = 0;
  p(v: string | number): string {
    const name = `p${this.n++}`;
    this.values[name] = v;
    return `@${name}`;
  }
}

/** `%…%` for an exact substring LIKE (with `ESCAPE '\'`). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const ESC = "ESCAPE '\\'";

/**
 * The trigram pattern for a value, or null when the index cannot help (no run of three
 * characters free of `%` and `_`). `_` stays a one-character wildcard and `%` becomes one,
 * so the pattern matches a superset of the exact substring and never backtracks.
 */
function trigramPattern(text: string): string | null {
  const longestRun = Math.max(0, ...text.split(/[%_]/).map((r) => [...r].length));
  if (longestRun < 3) return null;
  return `%${text.replace(/%/g, '_')}%`;
}

/** Whether the trigram pattern matches exactly the values containing `text`. */
function trigramIsExact(text: string): boolean {
  return !/[%_]/.test(text);
}

export type SearchField = 'url' | 'request' | 'console' | 'error' | 'click';

/** What the compiler may ask the database while planning. */
export interface SqliteCompileContext {
  ps: Params;
  /**
   * True when a search_text pattern matches so many rows (of any field: the field is not
   * indexed) that checking sessions one by one, in sort order until the page is full, beats
   * collecting every matching session first.
   */
  isCommon?: (pattern: string) => boolean;
}

/** The trigram pattern to prefilter with, or null when the index cannot help or the text is too common. */
function indexed(cx: SqliteCompileContext, text: string): string | null {
  const tri = trigramPattern(text);
  return tri && !cx.isCommon?.(tri) ? tri : null;
}

function prefilter(ps: Params, field: SearchField | null, pattern: string): string {
  const f = field ? `field = ${ps.p(field)} AND ` : '';
  return `s.id IN (SELECT session_id FROM search_text WHERE ${f}text LIKE ${ps.p(pattern)})`;
}


/** The WHERE fragment for `pred`, its values added to `cx.ps`. */
export function compileWhere(pred: Pred, cx: SqliteCompileContext): string {
  return compile(pred, cx);
}

function all(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

function any(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

function requestCond(a: RequestCond, ps: Params): string {
  switch (a.c) {
    case 'url': return `n.url LIKE ${ps.p(containsPattern(a.text))} ${ESC}`;
    case 'method': return `n.method = ${ps.p(a.method)}`;
    case 'status': return a.min === a.max ? `n.status = ${ps.p(a.min)}` : `n.status BETWEEN ${ps.p(a.min)} AND ${ps.p(a.max)}`;
    case 'failed': return 'n.failed = 1';
  }
}

function compile(pred: Pred, cx: SqliteCompileContext): string {
  const { ps } = cx;
  switch (pred.t) {
    case 'and':
      return `(${pred.children.map((c) => compile(c, cx)).join(' AND ')})`;
    case 'or':
      return `(${pred.children.map((c) => compile(c, cx)).join(' OR ')})`;
    case 'not':
      // NULL counts as false everywhere: without coalesce, NOT NULL would drop the row too.
      return `NOT coalesce(${compile(pred.child, cx)}, 0)`;
    case 'text':
      return freeText(pred.text, cx);
    case 'page': {
      const pat = containsPattern(pred.text);
      // search_text's url rows hold every batch's meta.url, so they cover the first URL too.
      const plain = `(s.first_url LIKE ${ps.p(pat)} ${ESC} OR EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.id AND p.url LIKE ${ps.p(pat)} ${ESC}))`;
      return textMatch(cx, 'url', pred.text, plain);
    }
    case 'request': {
      const conds = pred.all.map((alts) => any(alts.map((a) => requestCond(a, ps))));
      // See byExactProblemStatus: network_by_status (status, session_id) narrows enough on its own.
      if (byExactProblemStatus(pred.all)) {
        return `s.id IN (SELECT n.session_id FROM network_requests n WHERE ${conds.join(' AND ')})`;
      }
      // Otherwise narrow by URL text and the problem counts, then check each candidate's own requests.
      const pre: string[] = [];
      for (const alts of pred.all) {
        const only = alts.length === 1 ? alts[0]! : null;
        const tri = only?.c === 'url' ? indexed(cx, only.text) : null;
        if (tri) pre.push(prefilter(ps, 'request', tri));
        if (only?.c === 'failed') pre.push('s.network_failed > 0');
      }
      if (onlyProblemRequests(pred.all)) {
        // Every request with status >= 400 or failed is in one of the three counts, and in the
        // partial index network_problems_by_session, whose WHERE must appear literally.
        if (!pre.includes('s.network_failed > 0')) pre.push('(s.network_4xx > 0 OR s.network_5xx > 0 OR s.network_failed > 0)');
        conds.unshift('(n.status >= 400 OR n.failed = 1)');
      }
      return all([...pre, `EXISTS (SELECT 1 FROM network_requests n WHERE n.session_id = s.id AND ${conds.join(' AND ')})`]);
    }
    case 'console': {
      const pre: string[] = [];
      for (const alts of pred.all) {
        const only = alts.length === 1 ? alts[0]! : null;
        if (only?.c === 'text') {
          const tri = indexed(cx, only.text);
          if (tri) pre.push(prefilter(ps, 'console', tri));
        }
        // The summary counts cover error/assert and warn messages.
        if (alts.every((a) => a.c === 'level' && (a.level === 'error' || a.level === 'assert'))) pre.push('s.console_errors > 0');
        if (alts.every((a) => a.c === 'level' && a.level === 'warn')) pre.push('s.console_warnings > 0');
      }
      const conds = pred.all.map((alts) =>
        any(alts.map((a) => (a.c === 'level' ? `c.level = ${ps.p(a.level)}` : `c.text LIKE ${ps.p(containsPattern(a.text))} ${ESC}`))),
      );
      return all([...pre, `EXISTS (SELECT 1 FROM console_messages c WHERE c.session_id = s.id AND ${conds.join(' AND ')})`]);
    }
    case 'click': {
      const pre: string[] = [];
      for (const alts of pred.all) {
        const only = alts.length === 1 ? alts[0]! : null;
        const tri = only?.c === 'text' ? indexed(cx, only.text) : null;
        if (tri) pre.push(prefilter(ps, 'click', tri));
      }
      const conds = pred.all.map((alts) =>
        any(alts.map((a) => {
          const pat = containsPattern(a.text);
          return a.c === 'selector'
            ? `k.selector LIKE ${ps.p(pat)} ${ESC}`
            : `(k.text LIKE ${ps.p(pat)} ${ESC} OR k.test_id LIKE ${ps.p(pat)} ${ESC})`;
        })),
      );
      return all([...pre, `EXISTS (SELECT 1 FROM clicks k WHERE k.session_id = s.id AND ${conds.join(' AND ')})`]);
    }
    case 'error': {
      const tri = indexed(cx, pred.text);
      return all(['s.errors > 0', ...(tri ? [prefilter(ps, 'error', tri)] : []), errorExists(pred.text, ps)]);
    }
    case 'cmp':
      return `${NUMERIC[pred.column]} ${OPS[pred.op]} ${ps.p(pred.value)}`;
    case 'ua':
      return `replace(lower(s.${pred.column}), ' ', '') LIKE ${ps.p(containsPattern(pred.text))} ${ESC}`;
    case 'device':
      return `lower(s.device) = ${ps.p(pred.value)}`;
    case 'user':
      return `s.user_id = ${ps.p(pred.value)}`;
    case 'tag': {
      const value = pred.value === null ? '' : ` AND j.value = ${ps.p(pred.value)} COLLATE NOCASE`;
      // Tags are written as JSON by the store; CASE keeps json_each off a row that is not.
      return `CASE WHEN json_valid(s.tags) THEN EXISTS (SELECT 1 FROM json_each(s.tags) j WHERE j.key = ${ps.p(pred.key)} COLLATE NOCASE${value}) ELSE 0 END`;
    }
    case 'link':
      return `s.link_id IN (SELECT id FROM links WHERE id = ${ps.p(pred.text)} OR label LIKE ${ps.p(containsPattern(pred.text))} ${ESC})`;
    case 'has':
      return HAS[pred.what]!;
    case 'tokens':
      return tokenRows(pred, ps, { always: '1', like: (p) => `text LIKE ${p} ${ESC}` });
  }
}

/** An error whose name, message or "name: message" (as search_text holds it) contains the text. */
function errorExists(text: string, ps: Params): string {
  const pat = ps.p(containsPattern(text));
  return `EXISTS (SELECT 1 FROM errors e WHERE e.session_id = s.id AND (e.message LIKE ${pat} ${ESC} OR (e.name || ': ' || e.message) LIKE ${pat} ${ESC}))`;
}

/** Free text: any field of search_text, or (to be exact, or when the text is common) the plain tables. */
function freeText(text: string, cx: SqliteCompileContext): string {
  const { ps } = cx;
  const pat = containsPattern(text);
  const plain = [
    `s.first_url LIKE ${ps.p(pat)} ${ESC}`,
    `EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.id AND p.url LIKE ${ps.p(pat)} ${ESC})`,
    `EXISTS (SELECT 1 FROM network_requests n WHERE n.session_id = s.id AND n.url LIKE ${ps.p(pat)} ${ESC})`,
    `EXISTS (SELECT 1 FROM console_messages c WHERE c.session_id = s.id AND c.text LIKE ${ps.p(pat)} ${ESC})`,
    errorExists(text, ps),
    `EXISTS (SELECT 1 FROM clicks k WHERE k.session_id = s.id AND (k.text LIKE ${ps.p(pat)} ${ESC} OR k.test_id LIKE ${ps.p(pat)} ${ESC}))`,
  ].join(' OR ');
  return textMatch(cx, null, text, `(${plain})`);
}

/**
 * A session has a value containing `text` in `field` (null: any field); `plain` is the same
 * check on the plain tables. Strategy:
 * - exact text (no `%`/`_`), not common: search_text decides alone. The trigram index answers
 *   3+ characters; shorter text is one pass over search_text, still cheaper than the tables.
 * - inexact text, not common: search_text narrows, `plain` decides.
 * - common text: `plain` alone, evaluated session by session in sort order.
 */
function textMatch(cx: SqliteCompileContext, field: SearchField | null, text: string, plain: string): string {
  const exact = trigramIsExact(text);
  const tri = trigramPattern(text);
  if (tri ? cx.isCommon?.(tri) : !exact) return plain;
  const pattern = tri ?? `%${text}%`;
  return exact ? prefilter(cx.ps, field, pattern) : `(${prefilter(cx.ps, field, pattern)} AND ${plain})`;
}

const PRIMARY: Record<NonNullable<SortSpec['primary']>, string> = {
  duration: 's.duration_ms',
  errors: 's.errors',
  rage: 's.rage_clicks',
  active: 's.active_ms',
};

/**
 * ORDER BY, the keyset condition after `after` (row values, so each page is one range of the
 * v5 sort indexes) and the expression selected as `sort_key` to build the next cursor.
 */
export function compileSort(sort: SessionSort, after: SortKey | null, ps: Params): {
  orderBy: string;
  sortKey: string;
  after: string | null;
} {
  const spec = SORTS[sort];
  const dir = spec.dir === 'desc' ? 'DESC' : 'ASC';
  const cols = [...(spec.primary ? [PRIMARY[spec.primary]] : []), 's.started_at', 's.id'];
  const orderBy = cols.map((c) => `${c} ${dir}`).join(', ');
  const sortKey = spec.primary ? PRIMARY[spec.primary] : 'NULL';
  if (!after) return { orderBy, sortKey, after: null };
  const values = [...(spec.primary ? [after.value ?? 0] : []), after.startedAt, after.id];
  const cmp = spec.dir === 'desc' ? '<' : '>';
  return { orderBy, sortKey, after: `(${cols.join(', ')}) ${cmp} (${values.map((v) => ps.p(v)).join(', ')})` };
}

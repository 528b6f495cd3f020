import type { Params, SearchDialect, SearchField } from './compile.js';

/**
 * The SQLite dialect of search (compile.ts). Text conditions use the `search_text` FTS5
 * trigram table: `text LIKE '%x%'` is answered from the trigram index when the value has a
 * run of 3+ characters without LIKE wildcards. A single text term with an exact pattern is
 * decided by search_text alone; otherwise search_text narrows and the plain tables decide.
 * Text so common that collecting all its sessions costs more than checking sessions in sort
 * order (`isCommon`, a bounded probe of search_text) skips the prefilter.
 */

/** Named parameters: `@p0`, `@p1`, … */
class NamedParams implements Params<Record<string, string | number>> {
  readonly values: Record<string, string | number> = {};
  private n = 0;
  p(v: string | number): string {
    const name = `p${this.n++}`;
    this.values[name] = v;
    return `@${name}`;
  }
}

type SqliteParams = Params<Record<string, string | number>>;

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

function searchRows(ps: SqliteParams, field: SearchField | null, pattern: string): string {
  const f = field ? `field = ${ps.p(field)} AND ` : '';
  return `s.id IN (SELECT session_id FROM search_text WHERE ${f}text LIKE ${ps.p(pattern)})`;
}

/**
 * @param isCommon True when a search_text pattern matches so many rows (of any field: the
 * field is not indexed) that checking sessions one by one, in sort order until the page is
 * full, beats collecting every matching session first.
 */
export function sqliteDialect(isCommon?: (pattern: string) => boolean): SearchDialect<Record<string, string | number>> {
  /** The trigram pattern to prefilter with, or null when the index cannot help or the text is too common. */
  const indexed = (text: string): string | null => {
    const tri = trigramPattern(text);
    return tri && !isCommon?.(tri) ? tri : null;
  };
  const prefilter = (ps: SqliteParams, field: SearchField, text: string): string | null => {
    const tri = indexed(text);
    return tri ? searchRows(ps, field, tri) : null;
  };
  return {
    params: () => new NamedParams(),
    true: '1',
    false: '0',
    like: (expr, param) => `${expr} LIKE ${param} ESCAPE '\\'`,
    prefilter,
    /**
     * - exact text (no `%`/`_`), not common: search_text decides alone. The trigram index
     *   answers 3+ characters; shorter text is one pass over search_text, still cheaper than the tables.
     * - inexact text, not common: search_text narrows, `plain` decides.
     * - common text: `plain` alone, evaluated session by session in sort order.
     */
    textMatch(ps, field, text, plain) {
      const check = plain();
      const exact = trigramIsExact(text);
      const tri = trigramPattern(text);
      if (tri ? isCommon?.(tri) : !exact) return check;
      const pattern = tri ?? `%${text}%`;
      return exact ? searchRows(ps, field, pattern) : `(${searchRows(ps, field, pattern)} AND ${check})`;
    },
    errorMatch(ps, text, plain) {
      const pre = prefilter(ps, 'error', text);
      return [...(pre ? [pre] : []), plain()];
    },
    tag(ps, key, value) {
      const v = value === null ? '' : ` AND j.value = ${ps.p(value)} COLLATE NOCASE`;
      // Tags are written as JSON by the store; CASE keeps json_each off a row that is not.
      return `CASE WHEN json_valid(s.tags) THEN EXISTS (SELECT 1 FROM json_each(s.tags) j WHERE j.key = ${ps.p(key)} COLLATE NOCASE${v}) ELSE 0 END`;
    },
    projectIn: (param) => `(SELECT value FROM json_each(${param}))`,
    noSortKey: 'NULL',
  };
}

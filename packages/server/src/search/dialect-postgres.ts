import { containsPattern, type Params, type SearchDialect, type SearchField } from './compile.js';

/**
 * The PostgreSQL dialect of search (compile.ts). Text conditions are `ILIKE` (SQLite's LIKE
 * is case-insensitive too, and PostgreSQL's default LIKE escape is the backslash);
 * `search_text.text` has a pg_trgm GIN index, which answers ILIKE '%x%' for 3+ characters and
 * understands escaped wildcards, so search_text decides a text term on its own: the plain
 * tables are only read for conditions that must hold on one row. PostgreSQL plans with
 * statistics, so there is no "common text" probe.
 */

/** Positional parameters: `$1`, `$2`, … */
class PositionalParams implements Params<(string | number)[]> {
  readonly values: (string | number)[] = [];
  p(v: string | number): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

type PgParams = Params<(string | number)[]>;

/** The sessions with a search_text row of `field` (null: any) containing `text`. */
function textRows(ps: PgParams, field: SearchField | null, text: string): string {
  const f = field ? `field = ${ps.p(field)} AND ` : '';
  return `s.id IN (SELECT session_id FROM search_text WHERE ${f}text ILIKE ${ps.p(containsPattern(text))})`;
}

export const postgresDialect: SearchDialect<(string | number)[]> = {
  params: () => new PositionalParams(),
  true: 'TRUE',
  false: 'false',
  like: (expr, param) => `${expr} ILIKE ${param}`,
  prefilter: textRows,
  // Every field's values are in search_text (ingest/extract.ts), first URLs included.
  textMatch: (ps, field, text) => textRows(ps, field, text),
  // search_text's error rows hold "name: message", which covers a match on the message alone.
  errorMatch: (ps, text) => [textRows(ps, 'error', text)],
  tag(ps, key, value) {
    const v = value === null ? '' : ` AND lower(j.value) = lower(${ps.p(value)})`;
    return `EXISTS (SELECT 1 FROM jsonb_each_text(s.tags) j WHERE lower(j.key) = lower(${ps.p(key)})${v})`;
  },
  projectIn: (param) => `(SELECT jsonb_array_elements_text(${param}::jsonb))`,
  noSortKey: 'NULL::bigint',
};

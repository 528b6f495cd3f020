import type { CompareOp, SessionSort } from '@reprise/protocol/query';
import { TOKEN_ROW_MARK, type IndexSealer } from '../store/index-seal.js';
import { SESSION_COLUMNS, SESSION_FROM } from '../store/rows.js';
import type { SessionSearch } from '../store/types.js';
import { blindPlan } from './blind.js';
import { planQuery, type ClickCond, type ConsoleCond, type NumericColumn, type Pred, type RequestCond } from './plan.js';
import { decodeSortCursor, SORTS, type SortKey, type SortSpec } from './sort.js';

/**
 * The search compiler of both backends: the predicates of search/plan.ts → a parameterized
 * WHERE over `sessions s`, plus the sort's ORDER BY and keyset condition. What SQLite and
 * PostgreSQL spell differently is a SearchDialect (dialect-sqlite.ts, dialect-postgres.ts);
 * everything else, including which index answers what, is decided here once.
 * Values only ever travel as parameters.
 *
 * Every field's values are also in `search_text`, one row per (batch, field) with the batch's
 * distinct values newline-joined (ingest/extract.ts):
 *   url → batch meta.url and page URLs · request → request URLs · console → console text
 *   error → "name: message" · click → click label and data-testid,
 * so a session with a matching row in a plain index table always has a matching search_text
 * row. Conditions that must hold on one row (the same request, message or click) are EXISTS
 * on the plain table through its (session_id, t) index, with search_text as the prefilter.
 */

export type SearchField = 'url' | 'request' | 'console' | 'error' | 'click';

/** Collects parameter values; `p(v)` returns the placeholder, so the order of building never matters. */
export interface Params<V> {
  readonly values: V;
  p(v: string | number): string;
}

/** What one backend's SQL spells its own way. `V` is how its driver takes parameter values. */
export interface SearchDialect<V> {
  params(): Params<V>;
  /** Boolean literals. */
  readonly true: string;
  readonly false: string;
  /** `expr` contains a value, case-insensitive; `param` is a containsPattern placeholder. */
  like(expr: string, param: string): string;
  /** search_text narrowing to the sessions with `text` in `field`, or null when its index cannot help. */
  prefilter(ps: Params<V>, field: SearchField, text: string): string | null;
  /**
   * A session has a value containing `text` in `field` (null: any field); `plain()` builds the
   * same check on the plain tables, for the dialect to use when search_text does not decide.
   */
  textMatch(ps: Params<V>, field: SearchField | null, text: string, plain: () => string): string;
  /** The conditions (ANDed) for an error containing `text`; `plain()` checks the errors table. */
  errorMatch(ps: Params<V>, text: string, plain: () => string): string[];
  /** `s.tags` has the key (and the value, unless null), both case-insensitive. */
  tag(ps: Params<V>, key: string, value: string | null): string;
  /** `s.project_id` is one of a JSON array of ids, given as a parameter placeholder. */
  projectIn(param: string): string;
  /** The `sort_key` of the sorts without a primary key. */
  readonly noSortKey: string;
}

/** `%…%` matching the exact substring, wildcards escaped with `\` (see SearchDialect.like). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The SELECT for a search (LIMIT one more than a page, to know whether another follows). */
export function buildSearchSql<V>(
  query: SessionSearch,
  d: SearchDialect<V>,
  sealer: IndexSealer | null = null,
): { sql: string; params: V } {
  const ps = d.params();
  const where: string[] = [];
  if (query.projectId) where.push(`s.project_id = ${ps.p(query.projectId)}`);
  if (query.projectIds) where.push(`s.project_id IN ${d.projectIn(ps.p(JSON.stringify(query.projectIds)))}`);
  const planned = planQuery(query.ast, query.now);
  const pred = planned && sealer ? blindPlan(planned, sealer) : planned;
  if (pred) where.push(compileWhere(pred, d, ps));
  let after = null;
  if (query.cursor) {
    after = decodeSortCursor(query.sort, query.cursor);
    if (!after) throw new Error('invalid cursor for this sort');
  }
  const sort = compileSort(query.sort, after, d, ps);
  if (sort.after) where.push(sort.after);
  const sql = `SELECT ${SESSION_COLUMNS}, ${sort.sortKey} AS sort_key FROM ${SESSION_FROM}
    ${where.length ? `WHERE ${where.join('\n    AND ')}` : ''}
    ORDER BY ${sort.orderBy} LIMIT ${ps.p(query.limit + 1)}`;
  return { sql, params: ps.values };
}

/** The WHERE fragment for `pred`, its values added to `ps`. */
function compileWhere<V>(pred: Pred, d: SearchDialect<V>, ps: Params<V>): string {
  const like = (expr: string, text: string) => d.like(expr, ps.p(containsPattern(text)));
  switch (pred.t) {
    case 'and':
      return `(${pred.children.map((c) => compileWhere(c, d, ps)).join(' AND ')})`;
    case 'or':
      return `(${pred.children.map((c) => compileWhere(c, d, ps)).join(' OR ')})`;
    case 'not':
      // NULL counts as false everywhere: without coalesce, NOT NULL would drop the row too.
      return `NOT coalesce(${compileWhere(pred.child, d, ps)}, ${d.false})`;
    case 'text':
      return d.textMatch(ps, null, pred.text, () => `(${freeTextPlain(pred.text, d, ps)})`);
    case 'page':
      // search_text's url rows hold every batch's meta.url, so they cover the first URL too.
      return d.textMatch(ps, 'url', pred.text, () => {
        const pat = containsPattern(pred.text);
        return `(${d.like('s.first_url', ps.p(pat))} OR EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.id AND ${d.like('p.url', ps.p(pat))}))`;
      });
    case 'request':
      return requestRows(pred.all, d, ps);
    case 'console':
      return consoleRows(pred.all, d, ps);
    case 'click':
      return clickRows(pred.all, d, ps);
    case 'error':
      return all(['s.errors > 0', ...d.errorMatch(ps, pred.text, () => errorExists(pred.text, d, ps))]);
    case 'cmp':
      return `${NUMERIC[pred.column]} ${OPS[pred.op]} ${ps.p(pred.value)}`;
    case 'ua':
      return like(`replace(lower(s.${pred.column}), ' ', '')`, pred.text);
    case 'device':
      return `lower(s.device) = ${ps.p(pred.value)}`;
    case 'user':
      return `s.user_id = ${ps.p(pred.value)}`;
    case 'release':
      return `s.release = ${ps.p(pred.value)}`;
    case 'tag':
      return d.tag(ps, pred.key, pred.value);
    case 'link':
      return `s.link_id IN (SELECT id FROM links WHERE id = ${ps.p(pred.text)} OR ${like('label', pred.text)})`;
    case 'issue':
      return `s.id IN (SELECT session_id FROM issue_errors WHERE issue_id = ${ps.p(pred.id)})`;
    case 'has':
      return HAS[pred.what]!;
    case 'backend':
      return backendRows(pred, d, ps);
    case 'comment':
      return `EXISTS (SELECT 1 FROM comments cm WHERE cm.session_id = s.id AND ${like('cm.text', pred.text)})`;
    case 'tokens':
      return tokenRows(pred, d, ps);
  }
}

/*
 * The summary columns behind numeric fields, `has:` values and comparison operators, spelled
 * the same in SQLite and PostgreSQL.
 */
const NUMERIC: Record<NumericColumn, string> = {
  started: 's.started_at',
  duration: 's.duration_ms',
  active: 's.active_ms',
};

const HAS: Record<string, string> = {
  error: 's.errors > 0',
  rage: 's.rage_clicks > 0',
  dead: 's.dead_clicks > 0',
  errorclick: 's.error_clicks > 0',
  feedback: 's.feedback_count > 0',
  link: 's.link_id IS NOT NULL',
  user: 's.user_id IS NOT NULL',
  backenderror: 's.backend_errors > 0',
  // comments_by_session (session_id, offset_ms) answers it per candidate session.
  comment: 'EXISTS (SELECT 1 FROM comments cm WHERE cm.session_id = s.id)',
};

/** Backend traces (OTLP): spans by service or name (substring), requests by trace id (exact, indexed by project). */
function backendRows<V>(pred: Extract<Pred, { t: 'backend' }>, d: SearchDialect<V>, ps: Params<V>): string {
  if (pred.field === 'trace') {
    return `EXISTS (SELECT 1 FROM trace_requests r WHERE r.project_id = s.project_id AND r.trace_id = ${ps.p(pred.text)} AND r.session_id = s.id)`;
  }
  const column = pred.field === 'service' ? 'b.service' : 'b.name';
  return `EXISTS (SELECT 1 FROM backend_spans b WHERE b.session_id = s.id AND ${d.like(column, ps.p(containsPattern(pred.text)))})`;
}

const OPS: Record<CompareOp, string> = { '>': '>', '>=': '>=', '<': '<', '<=': '<=', '=': '=' };

/*
 * How a `request` predicate is best answered. One exact problem status code is rare: its
 * sessions come from the (status, session_id) index. A whole class or range (`status:>=500`) can cover half of all sessions, where
 * collecting them all first costs more than checking sessions in sort order.
 */
function byExactProblemStatus(all: RequestCond[][]): boolean {
  return all.some((alts) => alts.every((a) => a.c === 'status' && a.min >= 300 && a.min === a.max));
}

/**
 * True when some entry only accepts problem requests (status >= 400 or failed): the session's
 * 4xx/5xx/failed counts then prefilter, and the partial index of problem requests applies.
 */
function onlyProblemRequests(all: RequestCond[][]): boolean {
  return all.some((alts) => alts.every((a) => a.c === 'failed' || (a.c === 'status' && a.min >= 400)));
}

function all(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

function any(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
}

function requestCond<V>(a: RequestCond, d: SearchDialect<V>, ps: Params<V>): string {
  switch (a.c) {
    case 'url':
      return d.like('n.url', ps.p(containsPattern(a.text)));
    case 'method':
      return `n.method = ${ps.p(a.method)}`;
    case 'status':
      return a.min === a.max ? `n.status = ${ps.p(a.min)}` : `n.status BETWEEN ${ps.p(a.min)} AND ${ps.p(a.max)}`;
    case 'failed':
      return 'n.failed = 1';
  }
}

/** search_text narrowing for an entry of a row predicate that is a single text condition (`textOf` not null). */
function onlyText<V, C>(alts: C[], textOf: (c: C) => string | null, field: SearchField, d: SearchDialect<V>, ps: Params<V>): string[] {
  const text = alts.length === 1 ? textOf(alts[0]!) : null;
  const pre = text === null ? null : d.prefilter(ps, field, text);
  return pre ? [pre] : [];
}

function requestRows<V>(entries: RequestCond[][], d: SearchDialect<V>, ps: Params<V>): string {
  const conds = entries.map((alts) => any(alts.map((a) => requestCond(a, d, ps))));
  // See byExactProblemStatus: network_by_status (status, session_id) narrows enough on its own.
  if (byExactProblemStatus(entries)) {
    return `s.id IN (SELECT n.session_id FROM network_requests n WHERE ${conds.join(' AND ')})`;
  }
  // Otherwise narrow by URL text and the problem counts, then check each candidate's own requests.
  const pre: string[] = [];
  for (const alts of entries) {
    pre.push(...onlyText(alts, (a) => (a.c === 'url' ? a.text : null), 'request', d, ps));
    if (alts.length === 1 && alts[0]!.c === 'failed') pre.push('s.network_failed > 0');
  }
  if (onlyProblemRequests(entries)) {
    // Every request with status >= 400 or failed is in one of the three counts, and in the
    // partial index network_problems_by_session, whose WHERE must appear literally.
    if (!pre.includes('s.network_failed > 0')) pre.push('(s.network_4xx > 0 OR s.network_5xx > 0 OR s.network_failed > 0)');
    conds.unshift('(n.status >= 400 OR n.failed = 1)');
  }
  return all([...pre, `EXISTS (SELECT 1 FROM network_requests n WHERE n.session_id = s.id AND ${conds.join(' AND ')})`]);
}

function consoleRows<V>(entries: ConsoleCond[][], d: SearchDialect<V>, ps: Params<V>): string {
  const pre: string[] = [];
  for (const alts of entries) {
    pre.push(...onlyText(alts, (a) => (a.c === 'text' ? a.text : null), 'console', d, ps));
    // The summary counts cover error/assert and warn messages.
    if (alts.every((a) => a.c === 'level' && (a.level === 'error' || a.level === 'assert'))) pre.push('s.console_errors > 0');
    if (alts.every((a) => a.c === 'level' && a.level === 'warn')) pre.push('s.console_warnings > 0');
  }
  const conds = entries.map((alts) =>
    any(alts.map((a) => (a.c === 'level' ? `c.level = ${ps.p(a.level)}` : d.like('c.text', ps.p(containsPattern(a.text)))))),
  );
  return all([...pre, `EXISTS (SELECT 1 FROM console_messages c WHERE c.session_id = s.id AND ${conds.join(' AND ')})`]);
}

function clickRows<V>(entries: ClickCond[][], d: SearchDialect<V>, ps: Params<V>): string {
  const pre = entries.flatMap((alts) => onlyText(alts, (a) => (a.c === 'text' ? a.text : null), 'click', d, ps));
  const conds = entries.map((alts) =>
    any(
      alts.map((a) => {
        const pat = containsPattern(a.text);
        return a.c === 'selector'
          ? d.like('k.selector', ps.p(pat))
          : `(${d.like('k.text', ps.p(pat))} OR ${d.like('k.test_id', ps.p(pat))})`;
      }),
    ),
  );
  return all([...pre, `EXISTS (SELECT 1 FROM clicks k WHERE k.session_id = s.id AND ${conds.join(' AND ')})`]);
}

/**
 * The SQL of a `tokens` predicate: every word has one of its tokens in the session's token
 * rows of the field (tokens are fixed-length hex separated by spaces, so a substring match is a
 * whole-token match), or a plain row of the field (written before encryption was on, so not
 * starting with the token mark) contains the text.
 */
function tokenRows<V>(pred: Extract<Pred, { t: 'tokens' }>, d: SearchDialect<V>, ps: Params<V>): string {
  if (pred.words.length === 0) return d.true;
  const f = pred.field ? `field = ${ps.p(pred.field)} AND ` : '';
  const rows = (cond: string) => `s.id IN (SELECT session_id FROM search_text WHERE ${f}${cond})`;
  const tokens = pred.words.map((alts) => rows(`(${alts.map((t) => `text LIKE ${ps.p(`%${t}%`)}`).join(' OR ')})`));
  const plain = rows(`text NOT LIKE ${ps.p(`${TOKEN_ROW_MARK} %`)} AND ${d.like('text', ps.p(containsPattern(pred.text)))}`);
  return `((${tokens.join(' AND ')}) OR ${plain})`;
}

/** An error whose name, message or "name: message" (as search_text holds it) contains the text. */
function errorExists<V>(text: string, d: SearchDialect<V>, ps: Params<V>): string {
  const pat = ps.p(containsPattern(text));
  return `EXISTS (SELECT 1 FROM errors e WHERE e.session_id = s.id AND (${d.like('e.message', pat)} OR ${d.like("(e.name || ': ' || e.message)", pat)}))`;
}

/** Free text on the plain tables: a page URL, request URL, console text, error or click label contains it. */
function freeTextPlain<V>(text: string, d: SearchDialect<V>, ps: Params<V>): string {
  const pat = containsPattern(text);
  const like = (expr: string) => d.like(expr, ps.p(pat));
  return [
    like('s.first_url'),
    `EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.id AND ${like('p.url')})`,
    `EXISTS (SELECT 1 FROM network_requests n WHERE n.session_id = s.id AND ${like('n.url')})`,
    `EXISTS (SELECT 1 FROM console_messages c WHERE c.session_id = s.id AND ${like('c.text')})`,
    errorExists(text, d, ps),
    `EXISTS (SELECT 1 FROM clicks k WHERE k.session_id = s.id AND (${like('k.text')} OR ${like('k.test_id')}))`,
  ].join(' OR ');
}

const PRIMARY: Record<NonNullable<SortSpec['primary']>, string> = {
  duration: 's.duration_ms',
  errors: 's.errors',
  rage: 's.rage_clicks',
  active: 's.active_ms',
};

/**
 * ORDER BY, the keyset condition after `after` (row values, so each page is one range of a
 * sort index) and the expression selected as `sort_key` to build the next cursor.
 */
function compileSort<V>(
  sort: SessionSort,
  after: SortKey | null,
  d: SearchDialect<V>,
  ps: Params<V>,
): {
  orderBy: string;
  sortKey: string;
  after: string | null;
} {
  const spec = SORTS[sort];
  const dir = spec.dir === 'desc' ? 'DESC' : 'ASC';
  const cols = [...(spec.primary ? [PRIMARY[spec.primary]] : []), 's.started_at', 's.id'];
  const orderBy = cols.map((c) => `${c} ${dir}`).join(', ');
  const sortKey = spec.primary ? PRIMARY[spec.primary] : d.noSortKey;
  if (!after) return { orderBy, sortKey, after: null };
  const values = [...(spec.primary ? [after.value ?? 0] : []), after.startedAt, after.id];
  const cmp = spec.dir === 'desc' ? '<' : '>';
  return { orderBy, sortKey, after: `(${cols.join(', ')}) ${cmp} (${values.map((v) => ps.p(v)).join(', ')})` };
}

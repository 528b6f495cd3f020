import type { CompareOp, FieldNode, HasWhat, QueryNode } from '@reprise/protocol/query';

/**
 * A search query resolved into backend-neutral predicates: relative times fixed against
 * `now`, status classes turned into ranges, and the same-row groups formed. search/compile.ts
 * compiles this tree to SQL for either backend without re-reading the AST.
 *
 * Same-row rule (docs/search.md): in one AND group, the non-negated `request:`/`method:`/
 * `status:` terms must hold for one request, the `console:` terms for one message and the
 * `clicked:`/`selector:` terms for one click. A parenthesized OR whose alternatives are all
 * such terms of one kind, `(status:422 OR status:failed)`, joins the row as one condition;
 * any other parentheses start a group of their own.
 */
export type Pred =
  | { t: 'and' | 'or'; children: Pred[] }
  | { t: 'not'; child: Pred }
  /** Free text: a page URL, request URL, console text, error name or message, or click label contains it. */
  | { t: 'text'; text: string }
  | { t: 'page'; text: string }
  /** One row satisfies every entry of `all`; an entry holds when one of its alternatives does. */
  | { t: 'request'; all: RequestCond[][] }
  | { t: 'console'; all: ConsoleCond[][] }
  | { t: 'click'; all: ClickCond[][] }
  | { t: 'error'; text: string }
  /** A comment on the session (store/core/comments.ts) contains the text; never sealed, so never blind. */
  | { t: 'comment'; text: string }
  /** A session column compared with a number (ms for times and durations). */
  | { t: 'cmp'; column: NumericColumn; op: CompareOp; value: number }
  /** Browser or OS name contains the text, lower-cased and with spaces removed on both sides. */
  | { t: 'ua'; column: 'browser' | 'os'; text: string }
  | { t: 'device'; value: string }
  | { t: 'user'; value: string }
  | { t: 'release'; value: string }
  | { t: 'tag'; key: string; value: string | null }
  | { t: 'link'; text: string }
  /** An error of the session is linked to this issue (issue_errors). */
  | { t: 'issue'; id: string }
  | { t: 'has'; what: HasWhat }
  /** Backend traces: a span's service or name contains the text, or a request carried the trace id (exact). */
  | { t: 'backend'; field: 'service' | 'span' | 'trace'; text: string }
  /**
   * Encrypted index only (search/blind.ts): the session's token rows in search_text of `field`
   * (null: any field) hold, for every entry of `words`, one of its tokens (no entries: always
   * true); or one of its plain rows (written before encryption was on) contains `text`.
   */
  | { t: 'tokens'; field: TokenField | null; words: string[][]; text: string };

/** The search_text fields that hold blind tokens when the index is encrypted (click rows stay plain). */
export type TokenField = 'url' | 'request' | 'console' | 'error';

export type NumericColumn = 'started' | 'duration' | 'active';

/** On one network request: URL contains, method (upper case), inclusive status range, failed. */
export type RequestCond =
  { c: 'url'; text: string } | { c: 'method'; method: string } | { c: 'status'; min: number; max: number } | { c: 'failed' };

export type ConsoleCond = { c: 'level'; level: string } | { c: 'text'; text: string };

/** On one click: label (text or test id) contains, selector contains. */
export type ClickCond = { c: 'text'; text: string } | { c: 'selector'; text: string };

type RowKind = 'request' | 'console' | 'click';

function fieldKind(n: QueryNode): RowKind | null {
  if (n.type !== 'field') return null;
  switch (n.field) {
    case 'request':
    case 'method':
    case 'status':
      return 'request';
    case 'console':
      return 'console';
    case 'clicked':
    case 'selector':
      return 'click';
    default:
      return null;
  }
}

/** The row kind of a term that joins a same-row group: a row field, or `( … OR … )` of one kind. */
function rowKind(n: QueryNode): RowKind | null {
  if (n.type === 'field') return fieldKind(n);
  if (n.type !== 'group' || n.child.type !== 'or') return null;
  const kinds = new Set(n.child.children.map(fieldKind));
  return kinds.size === 1 ? [...kinds][0]! : null;
}

/** The alternatives of a row term (one for a field, several for an OR group). */
function alternatives(n: QueryNode): FieldNode[] {
  if (n.type === 'field') return [n];
  if (n.type === 'group' && n.child.type === 'or') return n.child.children as FieldNode[];
  throw new Error('not a row term');
}

/** `null` (no query) plans to no condition at all. */
export function planQuery(ast: QueryNode | null, now: number): Pred | null {
  return ast ? plan(ast, now) : null;
}

function plan(n: QueryNode, now: number): Pred {
  switch (n.type) {
    case 'and': {
      // A row group keeps the place of its first term, so the SQL follows the query's order.
      const slots: (Pred | RowKind)[] = [];
      const groups = new Map<RowKind, QueryNode[]>();
      for (const c of n.children) {
        const kind = rowKind(c);
        if (kind) {
          const g = groups.get(kind);
          if (g) g.push(c);
          else {
            groups.set(kind, [c]);
            slots.push(kind);
          }
        } else {
          slots.push(plan(c, now));
        }
      }
      return and(slots.map((s) => (typeof s === 'string' ? rowPred(s, groups.get(s)!) : s)));
    }
    case 'or':
      return { t: 'or', children: n.children.map((c) => plan(c, now)) };
    case 'not':
      return { t: 'not', child: plan(n.child, now) };
    case 'group':
      // Planned on its own (outside an AND, a group of row terms is just an OR of rows).
      return plan(n.child, now);
    case 'text':
      return { t: 'text', text: n.text };
    case 'field': {
      const kind = fieldKind(n);
      return kind ? rowPred(kind, [n]) : field(n, now);
    }
  }
}

function and(children: Pred[]): Pred {
  return children.length === 1 ? children[0]! : { t: 'and', children };
}

function rowPred(kind: RowKind, terms: QueryNode[]): Pred {
  const all = terms.map((t) => alternatives(t).map(rowCond));
  switch (kind) {
    case 'request':
      return { t: 'request', all: all as RequestCond[][] };
    case 'console':
      return { t: 'console', all: all as ConsoleCond[][] };
    case 'click':
      return { t: 'click', all: all as ClickCond[][] };
  }
}

function rowCond(f: FieldNode): RequestCond | ConsoleCond | ClickCond {
  switch (f.field) {
    case 'request':
      return { c: 'url', text: f.value.text };
    case 'method':
      return { c: 'method', method: f.value.text };
    case 'status': {
      const v = f.value;
      if (v.kind === 'failed') return { c: 'failed' };
      if (v.kind === 'statusClass') return { c: 'status', min: v.class * 100, max: v.class * 100 + 99 };
      return { c: 'status', ...statusRange(v.op, v.status) };
    }
    case 'console':
      return f.value.kind === 'level' ? { c: 'level', level: f.value.level } : { c: 'text', text: f.value.text };
    case 'clicked':
      return { c: 'text', text: f.value.text };
    case 'selector':
      return { c: 'selector', text: f.value.text };
    default:
      throw new Error(`${f.field}: not a row field`);
  }
}

/**
 * Comparisons below a status leave out status 0 (no response: failed, or a beacon that never
 * sees one), so `status:<400` means answered without an error. `status:0` still finds them.
 */
function statusRange(op: CompareOp, s: number): { min: number; max: number } {
  switch (op) {
    case '=':
      return { min: s, max: s };
    case '>':
      return { min: s + 1, max: 999 };
    case '>=':
      return { min: s, max: 999 };
    case '<':
      return { min: 1, max: s - 1 };
    case '<=':
      return { min: 1, max: s };
  }
}

/** A `started:` comparison: an age (`<24h`), or a date naming [start, end). */
function startedPred(v: Extract<FieldNode, { field: 'started' }>['value'], now: number): Pred {
  if (v.kind === 'ago') {
    // An age compares the other way round: started less than 24h ago = started after now - 24h.
    const at = now - v.ms;
    const op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const)[v.op];
    return { t: 'cmp', column: 'started', op, value: at };
  }
  // A date names [start, end): a whole UTC day, or one millisecond for a date and time.
  switch (v.op) {
    case '>':
      return { t: 'cmp', column: 'started', op: '>=', value: v.end };
    case '>=':
      return { t: 'cmp', column: 'started', op: '>=', value: v.start };
    case '<':
      return { t: 'cmp', column: 'started', op: '<', value: v.start };
    case '<=':
      return { t: 'cmp', column: 'started', op: '<', value: v.end };
    case '=':
      return {
        t: 'and',
        children: [
          { t: 'cmp', column: 'started', op: '>=', value: v.start },
          { t: 'cmp', column: 'started', op: '<', value: v.end },
        ],
      };
  }
}

function field(f: FieldNode, now: number): Pred {
  switch (f.field) {
    case 'url':
      return { t: 'page', text: f.value.text };
    case 'error':
      return { t: 'error', text: f.value.text };
    case 'browser':
    case 'os':
      return { t: 'ua', column: f.field, text: f.value.text.toLowerCase().replace(/\s+/g, '') };
    case 'device':
      return { t: 'device', value: f.value.text.toLowerCase() };
    case 'user':
      return { t: 'user', value: f.value.text };
    case 'release':
      return { t: 'release', value: f.value.text };
    case 'tag':
      return { t: 'tag', key: f.value.key, value: f.value.value };
    case 'link':
      return { t: 'link', text: f.value.text };
    case 'issue':
      return { t: 'issue', id: f.value.text };
    case 'has':
      return { t: 'has', what: f.value.what };
    case 'service':
    case 'span':
    case 'trace':
      return { t: 'backend', field: f.field, text: f.value.text };
    case 'comment':
      return { t: 'comment', text: f.value.text };
    case 'duration':
    case 'active':
      return { t: 'cmp', column: f.field, op: f.value.op, value: f.value.ms };
    case 'started':
      return startedPred(f.value, now);
    // Row fields are grouped by the caller.
    case 'request':
    case 'method':
    case 'status':
    case 'console':
    case 'clicked':
    case 'selector':
      return rowPred(fieldKind(f)!, [f]);
  }
}

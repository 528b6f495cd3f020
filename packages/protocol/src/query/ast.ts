/**
 * The session search language (docs/search.md): the typed syntax tree `parseQuery` produces.
 * Every node carries its source span (0-based UTF-16 offset and length in the query text),
 * so the viewer can highlight terms and errors point at the part that is wrong.
 */

export interface Span {
  position: number;
  length: number;
}

export type QueryNode = AndNode | OrNode | NotNode | GroupNode | TextNode | FieldNode;

/** Terms side by side (or joined with `AND`). At least two children, none of them an AndNode. */
export interface AndNode extends Span {
  type: 'and';
  children: QueryNode[];
}

/** `a OR b`. At least two children, none of them an OrNode. */
export interface OrNode extends Span {
  type: 'or';
  children: QueryNode[];
}

/** A leading `-` on a term or a parenthesized group. */
export interface NotNode extends Span {
  type: 'not';
  child: QueryNode;
}

/**
 * Parentheses. Logically just its child, but a boundary for the same-row rule: the terms
 * inside do not share a request, message or click with terms outside (docs/search.md).
 * The span includes the parentheses; nested parentheses make one group.
 */
export interface GroupNode extends Span {
  type: 'group';
  child: QueryNode;
}

/** Free text: a substring of a page or request URL, console text, an error message or a click label (not comments: `comment:`). */
export interface TextNode extends Span {
  type: 'text';
  text: string;
  /** Written (at least partly) in double quotes. */
  quoted: boolean;
}

export type CompareOp = '>' | '>=' | '<' | '<=' | '=';

/** A string value; whether it is matched as a substring or exactly depends on the field (see QUERY_FIELDS). */
export interface TextValue {
  kind: 'text';
  text: string;
}
/** `status:422`, `status:>=500`. */
export interface StatusValue {
  kind: 'status';
  op: CompareOp;
  status: number;
}
/** `status:4xx` (class 4 = 400–499). */
export interface StatusClassValue {
  kind: 'statusClass';
  class: 1 | 2 | 3 | 4 | 5;
}
/** `status:failed`: the request got no response (network error, CORS, abort). */
export interface FailedValue {
  kind: 'failed';
}
/** `console:error`: an unquoted console level. */
export interface LevelValue {
  kind: 'level';
  level: ConsoleLevelName;
}
/** `duration:>60s`, `active:<=5m`, in milliseconds. */
export interface DurationValue {
  kind: 'duration';
  op: CompareOp;
  ms: number;
}
/**
 * `started:>2026-11-01`: an absolute time as the range [start, end) it names, epoch ms UTC:
 * a whole day for a date, one millisecond for a date and time.
 */
export interface DateValue {
  kind: 'date';
  op: CompareOp;
  start: number;
  end: number;
}
/** `started:<24h`: compared with the session's age (`<24h` = started within the last 24 hours). */
export interface AgoValue {
  kind: 'ago';
  op: '<' | '<=' | '>' | '>=';
  ms: number;
}
/** `tag:plan=pro` (value null for `tag:plan`, any value). */
export interface TagValue {
  kind: 'tag';
  key: string;
  value: string | null;
}
export interface HasValue {
  kind: 'has';
  what: HasWhat;
}

export const CONSOLE_LEVELS = ['error', 'warn', 'info', 'log', 'debug', 'trace', 'assert'] as const;
export type ConsoleLevelName = (typeof CONSOLE_LEVELS)[number];

export const HAS_VALUES = ['error', 'rage', 'dead', 'errorclick', 'feedback', 'link', 'user', 'backenderror', 'comment'] as const;
export type HasWhat = (typeof HAS_VALUES)[number];

/** The value type of each field. */
export interface FieldValues {
  url: TextValue;
  request: TextValue;
  method: TextValue;
  status: StatusValue | StatusClassValue | FailedValue;
  console: LevelValue | TextValue;
  error: TextValue;
  browser: TextValue;
  os: TextValue;
  device: TextValue;
  user: TextValue;
  release: TextValue;
  tag: TagValue;
  link: TextValue;
  issue: TextValue;
  has: HasValue;
  duration: DurationValue;
  active: DurationValue;
  started: DateValue | AgoValue;
  clicked: TextValue;
  selector: TextValue;
  /** Backend traces of recorded requests (OTLP): a service name, a span name, a trace id. */
  service: TextValue;
  span: TextValue;
  trace: TextValue;
  comment: TextValue;
}

export type QueryField = keyof FieldValues;

export interface FieldTerm<F extends QueryField = QueryField> extends Span {
  type: 'field';
  field: F;
  value: FieldValues[F];
  /** Span of the field name (without the colon). */
  fieldSpan: Span;
  /** Span of the value as written (comparison operator and quotes included). */
  valueSpan: Span;
}

/** A `field:value` term; narrowing on `field` narrows `value`. */
export type FieldNode = { [F in QueryField]: FieldTerm<F> }[QueryField];

export interface QueryError {
  message: string;
  /** 0-based offset of the offending part in the query text. */
  position: number;
  /** Its length (0 only for an empty query part at the very end). */
  length: number;
}

export type ParseResult = { ok: true; ast: QueryNode | null } | { ok: false; error: QueryError };

export const SESSION_SORTS = ['newest', 'oldest', 'longest', 'errors', 'rage', 'active'] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

import {
  CONSOLE_LEVELS,
  HAS_VALUES,
  type CompareOp,
  type ConsoleLevelName,
  type DurationValue,
  type FieldValues,
  type QueryError,
  type QueryField,
  type TextValue,
} from './ast.js';
import type { WordToken } from './tokenize.js';

/** One field of the language, for documentation and the viewer's autocomplete. */
export interface QueryFieldInfo {
  name: string;
  description: string;
  examples: string[];
  /** Values to suggest after `name:` (not necessarily all accepted values). */
  values?: string[];
}

type ValueParser<F extends QueryField> = (t: WordToken, name: F) => FieldValues[F] | QueryError;

interface FieldSpec<F extends QueryField> extends QueryFieldInfo {
  name: F;
  parse: ValueParser<F>;
}

const DAY = 86_400_000;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY };

/** `500ms`, `30s`, `5m`, `2h`, `1d`, `1w`, `1.5h`, `1h30m`; a bare `0`. Null when not a duration. */
export function parseDurationMs(s: string): number | null {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
  let total = 0;
  let i = 0;
  if (!s) return null;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return null;
    total += Number(m[1]) * UNITS[m[2]!]!;
    i = re.lastIndex;
  }
  return Number.isFinite(total) ? Math.round(total) : null;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO date (a UTC day) or date-time (UTC unless it names an offset), as [start, end). Null when invalid. */
export function parseDateRange(s: string): { start: number; end: number } | null {
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec, ms, zone] = m.slice(1).map((x) => x);
  const year = Number(y),
    month = Number(mo),
    day = Number(d);
  const start = Date.UTC(year, month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), Number((ms ?? '0').padEnd(3, '0')));
  const back = new Date(start);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59)) return null;
  if (h === undefined) return { start, end: start + DAY };
  let offset = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return { start: start - offset, end: start - offset + 1 };
}

function err(message: string, span: { position: number; length: number }): QueryError {
  return { message, position: span.position, length: Math.max(span.length, 0) };
}

function isError(v: unknown): v is QueryError {
  return typeof v === 'object' && v !== null && 'message' in v && 'position' in v;
}

/** The whole term, for "needs a value" errors (a zero-length span would be invisible). */
function termSpan(t: WordToken) {
  return { position: t.position, length: t.length };
}

function needValue(t: WordToken, name: string, example: string): QueryError | null {
  if (t.value === '') return err(`${name}: needs a value, e.g. ${example}`, termSpan(t));
  return null;
}

function noOperator(t: WordToken, name: string): QueryError | null {
  if (!t.op) return null;
  return err(`${name}: takes text, not a comparison; to search for "${t.op.op}${t.value}" put it in quotes`, t.op);
}

function text(example: string): (t: WordToken, name: string) => TextValue | QueryError {
  return (t, name) => noOperator(t, name) ?? needValue(t, name, example) ?? { kind: 'text', text: t.value };
}

function duration(example: string): (t: WordToken, name: string) => DurationValue | QueryError {
  return (t, name) => {
    const missing = needValue(t, name, example);
    if (missing) return missing;
    if (!t.op) return err(`${name}: needs a comparison, e.g. ${example}`, t.valueSpan);
    const ms = parseDurationMs(t.value);
    if (ms === null) return err(`${name}: "${t.value}" is not a duration; use 500ms, 30s, 5m, 2h or 1d`, valueOnly(t));
    return { kind: 'duration', op: t.op.op, ms };
  };
}

/** The value without its operator (for value errors). */
function valueOnly(t: WordToken) {
  return t.valueSpan.length > 0 ? t.valueSpan : termSpan(t);
}

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a small edit distance (or sharing a prefix), if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best !== null && bestD <= Math.max(1, Math.min(2, Math.floor(w.length / 3)))) return best;
  const prefix = candidates.find((c) => w.length >= 2 && c.toLowerCase().startsWith(w));
  return prefix ?? null;
}

const LEVEL_ALIASES: Record<string, ConsoleLevelName> = { warning: 'warn', err: 'error' };

const SPECS: { [F in QueryField]: FieldSpec<F> }[QueryField][] = [
  {
    name: 'url',
    description: 'Visited a page whose URL contains the text',
    examples: ['url:/checkout', 'url:"?step=2"'],
    parse: text('url:/checkout'),
  },
  {
    name: 'request',
    description: 'Made a network request whose URL contains the text',
    examples: ['request:/api/checkout', 'request:/api/checkout status:422'],
    parse: text('request:/api/checkout'),
  },
  {
    name: 'method',
    description: 'Made a request with this HTTP method (same request as request:/status: next to it)',
    examples: ['method:POST request:/api/orders'],
    values: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
    parse: (t, name) => {
      const bad = noOperator(t, name) ?? needValue(t, name, 'method:POST');
      if (bad) return bad;
      if (!/^[A-Za-z]{1,16}$/.test(t.value)) return err(`method: "${t.value}" is not an HTTP method, e.g. GET or POST`, valueOnly(t));
      return { kind: 'text', text: t.value.toUpperCase() };
    },
  },
  {
    name: 'status',
    description: 'Got a response with this status: a code, a class, a comparison, or failed (no response)',
    examples: ['status:422', 'status:4xx', 'status:>=500', 'status:failed'],
    values: ['4xx', '5xx', '>=400', '>=500', 'failed', '401', '403', '404', '422', '500'],
    parse: (t, name) => {
      const missing = needValue(t, name, 'status:4xx');
      if (missing) return missing;
      const v = t.value.toLowerCase();
      const cls = /^([1-5])xx$/.exec(v);
      if ((cls || v === 'failed') && t.op) return err(`status: ${t.value} cannot be compared; write status:${t.value}`, t.op);
      if (cls) return { kind: 'statusClass', class: Number(cls[1]) as 1 | 2 | 3 | 4 | 5 };
      if (v === 'failed') return { kind: 'failed' };
      if (!/^\d{1,3}$/.test(v)) {
        return err(`status: "${t.value}" is not a status; use a code (422), a class (4xx), a comparison (>=500) or failed`, valueOnly(t));
      }
      return { kind: 'status', op: t.op?.op ?? '=', status: Number(v) };
    },
  },
  {
    name: 'console',
    description: 'Logged a console message: a level (unquoted) or text the message contains',
    examples: ['console:error', 'console:"card_expiry"', 'console:warn console:deprecated'],
    values: [...CONSOLE_LEVELS],
    parse: (t, name) => {
      const bad = noOperator(t, name) ?? needValue(t, name, 'console:error');
      if (bad) return bad;
      const v = t.value.toLowerCase();
      if (!t.quoted) {
        const level = (CONSOLE_LEVELS as readonly string[]).includes(v) ? (v as ConsoleLevelName) : LEVEL_ALIASES[v];
        if (level) return { kind: 'level', level };
      }
      return { kind: 'text', text: t.value };
    },
  },
  {
    name: 'error',
    description: 'Had a JavaScript error whose name or message contains the text',
    examples: ['error:TypeError', 'error:"is not a function"'],
    values: ['TypeError', 'ReferenceError', 'SyntaxError', 'RangeError', 'ChunkLoadError'],
    parse: text('error:TypeError'),
  },
  {
    name: 'browser',
    description: 'Browser name contains the text (spaces and case ignored)',
    examples: ['browser:chrome', 'browser:safari'],
    values: ['Chrome', 'Firefox', 'Safari', 'Edge', 'Opera', 'Samsung Browser'],
    parse: text('browser:chrome'),
  },
  {
    name: 'os',
    description: 'Operating system name contains the text (spaces and case ignored)',
    examples: ['os:ios', 'os:android', 'os:macos'],
    values: ['Windows', 'macOS', 'iOS', 'Android', 'Linux'],
    parse: text('os:ios'),
  },
  {
    name: 'device',
    description: 'Device class',
    examples: ['device:mobile'],
    values: ['desktop', 'mobile', 'tablet'],
    parse: text('device:mobile'),
  },
  {
    name: 'user',
    description: 'Identified user id (Reprise.identify), exact',
    examples: ['user:42', 'user:"ada@example.com"'],
    parse: text('user:42'),
  },
  {
    name: 'release',
    description: "The app's release the session was recorded with (recorder `release` option), exact",
    examples: ['release:1.4.2', 'release:"2026-05-01 a1b2c3"'],
    parse: text('release:1.4.2'),
  },
  {
    name: 'tag',
    description: 'Has a tag (Reprise.tag): key=value, or just key for any value',
    examples: ['tag:plan=pro', 'tag:experiment', 'tag:"plan=pro plus"'],
    parse: (t, name) => {
      const bad = noOperator(t, name) ?? needValue(t, name, 'tag:plan=pro');
      if (bad) return bad;
      const eq = t.value.indexOf('=');
      const key = eq < 0 ? t.value : t.value.slice(0, eq);
      if (!key) return err('tag: needs a key, e.g. tag:plan=pro or tag:plan', valueOnly(t));
      return { kind: 'tag', key, value: eq < 0 ? null : t.value.slice(eq + 1) };
    },
  },
  {
    name: 'link',
    description: 'Recorded through a magic link whose label contains the text (or with this link id)',
    examples: ['link:TICKET-123'],
    parse: text('link:TICKET-123'),
  },
  {
    name: 'issue',
    description: 'Has an error grouped into this issue (its id, from the Issues page)',
    examples: ['issue:iss_k3J9x2Qw'],
    parse: text('issue:iss_k3J9x2Qw'),
  },
  {
    name: 'has',
    description:
      'Has JS errors, rage/dead/error clicks, feedback, a magic link, an identified user, backend errors (backend-error) or a comment',
    examples: ['has:error', 'has:rage', '-has:feedback', 'has:comment'],
    values: [...HAS_VALUES],
    parse: (t, name) => {
      const bad = noOperator(t, name) ?? needValue(t, name, 'has:error');
      if (bad) return bad;
      const v = t.value.toLowerCase().replace(/[-_]/g, '');
      const what = HAS_VALUES.find((h) => h === v || `${h}s` === v);
      if (what) return { kind: 'has', what };
      const guess = didYouMean(t.value, HAS_VALUES);
      return err(
        `has: does not know "${t.value}"${guess ? ` (did you mean has:${guess}?)` : ''}; use one of ${HAS_VALUES.join(', ')}`,
        valueOnly(t),
      );
    },
  },
  {
    name: 'duration',
    description: 'Session length (first to last event), compared with a duration',
    examples: ['duration:>60s', 'duration:<=5m'],
    values: ['>30s', '>1m', '>5m', '<10s'],
    parse: duration('duration:>60s'),
  },
  {
    name: 'active',
    description: 'Time with user activity (idle gaps excluded), compared with a duration',
    examples: ['active:>30s', 'active:<5s'],
    values: ['>10s', '>30s', '>1m', '<5s'],
    parse: duration('active:>30s'),
  },
  {
    name: 'started',
    description: 'Start time: a date or time (UTC), or an age (<24h = within the last 24 hours)',
    examples: ['started:<24h', 'started:>2026-11-01', 'started:2026-11-24', 'started:>=2026-11-24T09:00+01:00'],
    values: ['<1h', '<24h', '<7d', '>30d'],
    parse: (t, name) => {
      const missing = needValue(t, name, 'started:<24h');
      if (missing) return missing;
      const range = parseDateRange(t.value);
      if (range) return { kind: 'date', op: t.op?.op ?? '=', ...range };
      const ms = parseDurationMs(t.value);
      if (ms === null) {
        return err(`started: "${t.value}" is neither a date (2026-11-01, 2026-11-01T09:30Z) nor an age (30m, 24h, 7d)`, valueOnly(t));
      }
      if (t.op?.op === '=') return err('started: an age takes < (within the last…) or > (longer ago than…)', t.op);
      return { kind: 'ago', op: (t.op?.op ?? '<') as '<' | '<=' | '>' | '>=', ms };
    },
  },
  {
    name: 'clicked',
    description: 'Clicked an element whose label (text, aria-label, title) contains the text',
    examples: ['clicked:"Pay now"', 'clicked:"Pay now" selector:#pay'],
    parse: text('clicked:"Pay now"'),
  },
  {
    name: 'selector',
    description: 'Clicked an element whose CSS selector contains the text (same click as clicked: next to it)',
    examples: ['selector:#pay', 'selector:"[data-testid=checkout]"'],
    parse: text('selector:#pay'),
  },
  {
    name: 'service',
    description: 'A recorded request reached a backend service whose name contains the text (OpenTelemetry service.name)',
    examples: ['service:checkout-api', 'service:payments has:backend-error'],
    parse: text('service:checkout-api'),
  },
  {
    name: 'span',
    description: 'A backend span of a recorded request has a name containing the text',
    examples: ['span:"charge card"', 'span:SELECT'],
    parse: text('span:"charge card"'),
  },
  {
    name: 'trace',
    description: 'A recorded request carried this W3C trace id (32 hex digits)',
    examples: ['trace:4bf92f3577b34da6a3ce929d0e0e4736'],
    parse: (t, name) => {
      const bad = noOperator(t, name) ?? needValue(t, name, 'trace:4bf92f3577b34da6a3ce929d0e0e4736');
      if (bad) return bad;
      if (!/^[0-9a-fA-F]{32}$/.test(t.value)) return err(`trace: "${t.value}" is not a trace id (32 hex digits)`, valueOnly(t));
      return { kind: 'text', text: t.value.toLowerCase() };
    },
  },
  {
    name: 'comment',
    description: 'Has a comment (left in the player) whose text contains the text',
    examples: ['comment:"wrong total"', 'comment:flaky'],
    parse: text('comment:"wrong total"'),
  },
];

const BY_NAME = new Map<string, FieldSpec<QueryField>>(SPECS.map((s) => [s.name, s as unknown as FieldSpec<QueryField>]));

/** Every field, for the viewer's autocomplete and the docs. */
export const QUERY_FIELDS: QueryFieldInfo[] = SPECS.map(({ name, description, examples, values }) =>
  values ? { name, description, examples, values } : { name, description, examples },
);

/** Parses the value of a `field:value` word; unknown fields get a "did you mean" error at the name. */
export function parseFieldValue(
  t: WordToken & { field: NonNullable<WordToken['field']> },
): { ok: true; field: QueryField; value: FieldValues[QueryField] } | { ok: false; error: QueryError } {
  const name = t.field.name.toLowerCase();
  const spec = BY_NAME.get(name);
  if (!spec) {
    const names = SPECS.map((s) => s.name);
    const guess = didYouMean(name, names);
    const message = guess
      ? `unknown field "${t.field.name}" (did you mean ${guess}:?)`
      : `unknown field "${t.field.name}"; fields are ${names.join(', ')}. To search for the text, put it in quotes`;
    return { ok: false, error: err(message, t.field) };
  }
  const value = spec.parse(t, spec.name);
  if (isError(value)) return { ok: false, error: value };
  return { ok: true, field: spec.name, value };
}

export type { CompareOp };

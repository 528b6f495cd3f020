import { describe, expect, it } from 'vitest';
import {
  MAX_QUERY_LENGTH,
  MAX_QUERY_TERMS,
  parseDurationMs,
  parseQuery,
  QUERY_FIELDS,
  type QueryError,
  type QueryNode,
} from '@reprise/protocol/query';

function ast(q: string): QueryNode | null {
  const r = parseQuery(q);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(q)} to parse, got ${r.error.message} at ${r.error.position}`);
  return r.ast;
}

function error(q: string): QueryError {
  const r = parseQuery(q);
  if (r.ok) throw new Error(`expected ${JSON.stringify(q)} to fail, got ${JSON.stringify(r.ast)}`);
  return r.error;
}

/** The text an error points at. */
function marked(q: string): string {
  const e = error(q);
  return q.slice(e.position, e.position + e.length);
}

/** A compact rendering of the tree, to compare structure without spans. */
function show(n: QueryNode | null): string {
  if (!n) return '∅';
  switch (n.type) {
    case 'and':
      return `(${n.children.map(show).join(' & ')})`;
    case 'or':
      return `(${n.children.map(show).join(' | ')})`;
    case 'not':
      return `!${show(n.child)}`;
    case 'group':
      return `[${show(n.child)}]`;
    case 'text':
      return JSON.stringify(n.text);
    case 'field':
      return `${n.field}:${JSON.stringify(n.value)}`;
  }
}

describe('parseQuery: valid queries', () => {
  it('parses an empty or blank query to null', () => {
    expect(ast('')).toBeNull();
    expect(ast('   \t ')).toBeNull();
  });

  it('ANDs side-by-side terms and keeps source spans', () => {
    const q = 'status:422 request:/api/checkout';
    const n = ast(q)!;
    expect(n).toMatchObject({ type: 'and', position: 0, length: q.length });
    if (n.type !== 'and') throw new Error('and');
    const [a, b] = n.children;
    expect(a).toMatchObject({ type: 'field', field: 'status', value: { kind: 'status', op: '=', status: 422 }, position: 0, length: 10 });
    expect(b).toMatchObject({
      type: 'field',
      field: 'request',
      value: { kind: 'text', text: '/api/checkout' },
      position: 11,
      length: 21,
      fieldSpan: { position: 11, length: 7 },
      valueSpan: { position: 19, length: 13 },
    });
  });

  it('binds AND tighter than OR, keeps parentheses as groups and flattens operator chains', () => {
    expect(show(ast('a b OR c'))).toBe('(("a" & "b") | "c")');
    expect(show(ast('a AND b c OR d OR e'))).toBe('(("a" & "b" & "c") | "d" | "e")');
    expect(show(ast('a (b OR c)'))).toBe('("a" & [("b" | "c")])');
    expect(show(ast('a AND b AND (c d)'))).toBe('("a" & "b" & [("c" & "d")])');
    expect(show(ast('a OR (b OR c) OR d'))).toBe('("a" | [("b" | "c")] | "d")');
    expect(show(ast('((a))'))).toBe('["a"]');
    const q = 'x (a OR b)';
    const n = ast(q)!;
    if (n.type !== 'and') throw new Error('and');
    expect(n.children[1]).toMatchObject({ type: 'group', position: 2, length: 8 });
  });

  it('negates terms and groups with a leading -', () => {
    expect(show(ast('-has:feedback'))).toBe('!has:{"kind":"has","what":"feedback"}');
    const q = 'url:/cart -(console:error OR error:TypeError)';
    const n = ast(q)!;
    expect(show(n)).toBe(
      '(url:{"kind":"text","text":"/cart"} & ![(console:{"kind":"level","level":"error"} | error:{"kind":"text","text":"TypeError"})])',
    );
    if (n.type !== 'and') throw new Error('and');
    // The negation spans the '-' and the whole parenthesized group.
    expect(q.slice(n.children[1]!.position, n.children[1]!.position + n.children[1]!.length)).toBe('-(console:error OR error:TypeError)');
    expect(show(ast('--a'))).toBe('!!"a"');
    // A dash inside a word is text.
    expect(show(ast('link:TICKET-123 a-b'))).toBe('(link:{"kind":"text","text":"TICKET-123"} & "a-b")');
  });

  it('reads quoted values with spaces, escapes and parentheses, joined to the word they touch', () => {
    expect(show(ast('clicked:"Pay now"'))).toBe('clicked:{"kind":"text","text":"Pay now"}');
    expect(show(ast('"card expiry (2)"'))).toBe('"card expiry (2)"');
    expect(show(ast('"say \\"hi\\" \\\\ bye"'))).toBe('"say \\"hi\\" \\\\ bye"');
    expect(show(ast('tag:plan="pro plus"'))).toBe('tag:{"kind":"tag","key":"plan","value":"pro plus"}');
    expect(show(ast('"OR"'))).toBe('"OR"');
    expect(show(ast('or and'))).toBe('("or" & "and")');
  });

  it('tells console levels from console text: a quoted level is text', () => {
    expect(show(ast('console:error'))).toBe('console:{"kind":"level","level":"error"}');
    expect(show(ast('console:WARNING'))).toBe('console:{"kind":"level","level":"warn"}');
    expect(show(ast('console:"error"'))).toBe('console:{"kind":"text","text":"error"}');
    expect(show(ast('console:card_expiry'))).toBe('console:{"kind":"text","text":"card_expiry"}');
  });

  it('parses status codes, classes, comparisons and failed', () => {
    expect(show(ast('status:4xx'))).toBe('status:{"kind":"statusClass","class":4}');
    expect(show(ast('status:>=500'))).toBe('status:{"kind":"status","op":">=","status":500}');
    expect(show(ast('status:<400'))).toBe('status:{"kind":"status","op":"<","status":400}');
    expect(show(ast('status:failed'))).toBe('status:{"kind":"failed"}');
    expect(show(ast('method:post'))).toBe('method:{"kind":"text","text":"POST"}');
  });

  it('parses durations, dates and ages', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('5')).toBeNull();
    expect(show(ast('duration:>60s'))).toBe('duration:{"kind":"duration","op":">","ms":60000}');
    expect(show(ast('active:<=2m'))).toBe('active:{"kind":"duration","op":"<=","ms":120000}');
    const day = Date.UTC(2026, 10, 1);
    expect(show(ast('started:>2026-11-01'))).toBe(`started:{"kind":"date","op":">","start":${day},"end":${day + 86_400_000}}`);
    const t = Date.UTC(2026, 10, 1, 8, 0);
    expect(show(ast('started:>=2026-11-01T09:00+01:00'))).toBe(`started:{"kind":"date","op":">=","start":${t},"end":${t + 1}}`);
    expect(show(ast('started:<24h'))).toBe('started:{"kind":"ago","op":"<","ms":86400000}');
    expect(show(ast('started:7d'))).toBe('started:{"kind":"ago","op":"<","ms":604800000}');
  });

  it('takes field names in any case, URLs with a scheme as text, and the rest of the fields', () => {
    expect(show(ast('URL:/a Browser:Chrome'))).toBe('(url:{"kind":"text","text":"/a"} & browser:{"kind":"text","text":"Chrome"})');
    expect(show(ast('https://shop.example/checkout?x=1'))).toBe('"https://shop.example/checkout?x=1"');
    expect(show(ast('tag:beta'))).toBe('tag:{"kind":"tag","key":"beta","value":null}');
    expect(show(ast('has:rage has:error-click'))).toBe('(has:{"kind":"has","what":"rage"} & has:{"kind":"has","what":"errorclick"})');
    expect(show(ast('selector:#pay user:42 os:ios device:mobile'))).toBe(
      '(selector:{"kind":"text","text":"#pay"} & user:{"kind":"text","text":"42"} & os:{"kind":"text","text":"ios"} & device:{"kind":"text","text":"mobile"})',
    );
  });
});

describe('parseQuery: errors point at the problem', () => {
  it('unknown field: at the field name, with did you mean', () => {
    const e = error('url:/a stauts:4xx');
    expect(e).toMatchObject({ position: 7, length: 6 });
    expect(e.message).toContain('did you mean status:?');
    expect(error('hass:rage').message).toContain('did you mean has:?');
    expect(error('localhost:3000').message).toMatch(/unknown field "localhost".*quotes/);
    expect(marked('a (b OR x:y)')).toBe('x');
  });

  it('bad values: at the value', () => {
    expect(marked('has:rgae')).toBe('rgae');
    expect(error('has:rgae').message).toContain('did you mean has:rage?');
    expect(marked('status:abc')).toBe('abc');
    expect(marked('status:>4xx')).toBe('>');
    expect(marked('duration:>5 url:/a')).toBe('5');
    expect(marked('started:>2026-13-01')).toBe('2026-13-01');
    expect(marked('started:=3h')).toBe('=');
    expect(marked('method:"GET /x"')).toBe('"GET /x"');
    expect(marked('url:>x')).toBe('>');
    expect(marked('tag:=pro')).toBe('=');
    // Duration without a comparison: the value is marked.
    expect(marked('duration:60s')).toBe('60s');
  });

  it('a field without a value: the whole term', () => {
    expect(error('a url:')).toMatchObject({ position: 2, length: 4 });
    expect(error('status: 4xx')).toMatchObject({ position: 0, length: 7 });
  });

  it('structure: operators without operands, parentheses, dangling -', () => {
    expect(error('a OR')).toMatchObject({ position: 2, length: 2, message: 'OR needs a term on its right' });
    expect(error('OR a')).toMatchObject({ position: 0, length: 2, message: 'OR needs a term on its left' });
    expect(error('a OR OR b')).toMatchObject({ position: 2, length: 2 });
    expect(error('a AND')).toMatchObject({ position: 2, length: 3 });
    expect(error('(a OR)')).toMatchObject({ position: 3, length: 2 });
    expect(error('x (a b')).toMatchObject({ position: 2, length: 1, message: expect.stringContaining("unclosed '('") });
    expect(error('a b)')).toMatchObject({ position: 3, length: 1, message: expect.stringContaining("unmatched ')'") });
    expect(error('a ()')).toMatchObject({ position: 2, length: 2, message: 'empty parentheses' });
    expect(error('a - b')).toMatchObject({ position: 2, length: 1 });
    expect(error('a -')).toMatchObject({ position: 2, length: 1 });
    expect(error('(-)')).toMatchObject({ position: 1, length: 1 });
  });

  it('quotes: unclosed at the opening quote, empty quotes', () => {
    expect(error('url:/a "card exp')).toMatchObject({ position: 7, length: 9, message: expect.stringContaining('unclosed quote') });
    expect(error('a ""')).toMatchObject({ position: 2, length: 2 });
    expect(error('url:""')).toMatchObject({ position: 0, length: 6 });
  });

  it('limits: length, terms and depth', () => {
    expect(error('a'.repeat(MAX_QUERY_LENGTH + 5))).toMatchObject({ position: MAX_QUERY_LENGTH, length: 5 });
    const many = Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `t${i}`).join(' ');
    expect(marked(many)).toBe(`t${MAX_QUERY_TERMS}`);
    expect(error(`${'('.repeat(20)}a${')'.repeat(20)}`).message).toContain('too deeply nested');
  });
});

describe('QUERY_FIELDS', () => {
  it('lists every field with a description and examples that parse', () => {
    const names = QUERY_FIELDS.map((f) => f.name);
    for (const n of [
      'url',
      'request',
      'method',
      'status',
      'console',
      'error',
      'browser',
      'os',
      'device',
      'user',
      'tag',
      'link',
      'has',
      'duration',
      'active',
      'started',
      'clicked',
      'selector',
      'service',
      'span',
      'trace',
      'comment',
    ]) {
      expect(names).toContain(n);
    }
    for (const f of QUERY_FIELDS) {
      expect(f.description.length).toBeGreaterThan(5);
      expect(f.examples.length).toBeGreaterThan(0);
      for (const ex of f.examples) expect(parseQuery(ex).ok, ex).toBe(true);
      // Suggested values are accepted values.
      for (const v of f.values ?? []) expect(parseQuery(`${f.name}:${/\s/.test(v) ? `"${v}"` : v}`).ok, `${f.name}:${v}`).toBe(true);
    }
    expect(QUERY_FIELDS.find((f) => f.name === 'has')!.values).toEqual([
      'error',
      'rage',
      'dead',
      'errorclick',
      'feedback',
      'link',
      'user',
      'backenderror',
      'comment',
    ]);
  });

  it('parses the backend trace fields: service, span, a trace id (lower-cased) and has:backend-error', () => {
    const ok = (q: string) => {
      const r = parseQuery(q);
      if (!r.ok) throw new Error(r.error.message);
      return r.ast;
    };
    expect(ok('service:checkout-api')).toMatchObject({ type: 'field', field: 'service', value: { text: 'checkout-api' } });
    expect(ok('span:"charge card"')).toMatchObject({ type: 'field', field: 'span', value: { text: 'charge card' } });
    expect(ok('trace:4BF92F3577B34DA6A3CE929D0E0E4736')).toMatchObject({
      field: 'trace',
      value: { text: '4bf92f3577b34da6a3ce929d0e0e4736' },
    });
    expect(ok('has:backend-error')).toMatchObject({ field: 'has', value: { what: 'backenderror' } });
    const bad = parseQuery('trace:nothex');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain('not a trace id');
  });
});

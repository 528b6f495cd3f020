import { describe, expect, it } from 'vitest';
import type { BackendSpan } from '@reprise/protocol';
import { OtlpRedactor, sqlShape } from '../src/otlp/redact.js';

const span = (attributes: Record<string, unknown>): BackendSpan => ({
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: null,
  name: 'op',
  service: 'api',
  kind: 'server',
  startTime: 1,
  endTime: 2,
  status: 'unset',
  attributes,
  events: [],
});

describe('OTLP redaction', () => {
  it('replaces SQL literals with ? and keeps names, placeholders and the statement shape', () => {
    expect(sqlShape("SELECT * FROM users WHERE email = 'ada@example.com' AND age > 42")).toBe(
      'SELECT * FROM users WHERE email = ? AND age > ?',
    );
    expect(sqlShape("INSERT INTO t2 (a, \"col 1\") VALUES ('it''s', -3.5e2, x'ff', $1)")).toBe(
      'INSERT INTO t2 (a, "col 1") VALUES (?, -?, ?, $1)',
    );
    expect(sqlShape('SELECT $$secret body$$, id FROM t -- where pw = 1\nLIMIT 10')).toBe('SELECT ?, id FROM t \nLIMIT ?');
    expect(sqlShape("UPDATE accounts SET pin = E'12\\'34' /* note 99 */ WHERE id = 7")).toBe('UPDATE accounts SET pin = ?   WHERE id = ?');
  });

  it('redacts sensitive keys at any depth, credential headers, URL query secrets and bearer values', () => {
    const r = new OtlpRedactor({ extraKeys: ['order.note'] });
    const out = r.span(
      span({
        'user.password': 'hunter2',
        'http.request.header.cookie': 'sid=1',
        'http.request.header.accept': 'text/html',
        'url.full': 'https://shop.example/cb?code=1&access_token=xyz&page=2',
        'rpc.payload': { card: { number: '4242' }, qty: 2 },
        message: 'sent Bearer abcdefghijk12345 upstream',
        'order.note': 'leave at door',
        'db.statement': "SELECT 1 FROM t WHERE k = 'v'",
      }),
    );
    expect(out.attributes).toEqual({
      'user.password': '[redacted]',
      'http.request.header.cookie': '[redacted]',
      'http.request.header.accept': 'text/html',
      'url.full': 'https://shop.example/cb?code=1&access_token=[redacted]&page=2',
      'rpc.payload': { card: '[redacted]', qty: 2 },
      message: 'sent Bearer [redacted] upstream',
      'order.note': '[redacted]',
      'db.statement': 'SELECT ? FROM t WHERE k = ?',
    });
    expect(new OtlpRedactor({ sqlLiterals: false }).span(span({ 'db.statement': "WHERE k = 'v'" })).attributes['db.statement']).toBe(
      "WHERE k = 'v'",
    );
  });
});

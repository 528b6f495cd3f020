import { describe, expect, it } from 'vitest';
import { endpointQuery, errorQuery, quote } from '../src/api/problems.js';
import { activeTime } from '../src/store/signals.js';
import { messageKey, messageLiterals, normalizeRoute, routeLiteralPrefix } from '../src/ingest/normalize.js';

describe('normalizeRoute', () => {
  it.each([
    ['https://shop.example/api/orders/123', '/api/orders/:id'],
    ['/api/orders/123?expand=items#x', '/api/orders/:id'],
    ['https://shop.example/api/users/550e8400-e29b-41d4-a716-446655440000/cart', '/api/users/:id/cart'],
    ['/api/blobs/5f2b9c0e7a1d4e3f', '/api/blobs/:id'],
    ['/api/sessions/k3J9xQ2mP8vR4tLw7Yz1', '/api/sessions/:id'],
    ['/api/items/12/reviews/7', '/api/items/:id/reviews/:id'],
    ['https://shop.example/', '/'],
    ['/demo/api/checkout', '/demo/api/checkout'],
    ['/api/v2/order-history/annual-report-summary', '/api/v2/order-history/annual-report-summary'],
    ['/api/facade', '/api/facade'],
    ['', '/'],
  ])('%s → %s', (url, route) => expect(normalizeRoute(url)).toBe(route));

  it('keeps the literal prefix before the first :id', () => {
    expect(routeLiteralPrefix('/api/orders/:id/items/:id')).toBe('/api/orders/');
    expect(routeLiteralPrefix('/demo/api/checkout')).toBe('/demo/api/checkout');
  });
});

describe('messageKey', () => {
  it.each([
    ['Order 123 failed', 'Order <n> failed'],
    ["Cannot read properties of undefined (reading 'x')", "Cannot read properties of undefined (reading 'x')"],
    ["Cannot read properties of null (reading 'user.name')", "Cannot read properties of null (reading 'user.name')"],
    ['Unexpected token \'<\', "<!DOCTYPE "... is not valid JSON', 'Unexpected token \'<s>\', "<s>"... is not valid JSON'],
    ["Can't find user ada@example.com's cart", "Can't find user ada@example.com's cart"],
    ['Timeout after 30.5s for request 550e8400-e29b-41d4-a716-446655440000', 'Timeout after <n>s for request <id>'],
    ['Object 5f2b9c0e7a1d not found at 0x1F', 'Object <id> not found at <n>'],
    ['Order ord_789 rejected with "card declined 51"', 'Order ord_<n> rejected with "<s>"'],
    ['ES2015 module v2 failed', 'ES2015 module v2 failed'],
  ])('%s → %s', (message, key) => expect(messageKey(message)).toBe(key));

  it('keeps the literal runs of a key for error: terms', () => {
    expect(messageLiterals('Order <n> failed')).toEqual(['Order', 'failed']);
    expect(messageLiterals("Cannot read properties of undefined (reading 'x')")).toEqual([
      "Cannot read properties of undefined (reading 'x')",
    ]);
    expect(messageLiterals('Unexpected token \'<s>\', "<s>"... is not valid JSON')).toEqual(['Unexpected token', '... is not valid JSON']);
    expect(messageLiterals('a <n> b <n> ccc <n> dddd <n> eeeee <n> ffffff')).toEqual(['dddd', 'eeeee', 'ffffff']);
    expect(messageLiterals('<n>')).toEqual([]);
    expect(errorQuery('<n>')).toBe('has:error');
    expect(errorQuery('Order <n> failed: "card"')).toBe('error:"Order" error:"failed: \\"card\\""');
  });
});

describe('problem queries', () => {
  it('escapes quotes and backslashes', () => expect(quote('a "b" \\c')).toBe('"a \\"b\\" \\\\c"'));

  it('builds an endpoint query from method, literal route prefix and statuses', () => {
    expect(endpointQuery('POST', '/demo/api/checkout', [422, 500])).toBe('method:POST request:"/demo/api/checkout" status:>=400');
    expect(endpointQuery('GET', '/api/orders/:id', [0])).toBe('method:GET request:"/api/orders/" status:failed');
    expect(endpointQuery('GET', '/api/x', [500, 0])).toBe('method:GET request:"/api/x" (status:>=400 OR status:failed)');
    expect(endpointQuery('GE T', '/api/x', [500])).toBe('request:"/api/x" status:>=400');
  });
});

describe('activeTime', () => {
  it('adds gaps up to 5 s and skips the gap to an out-of-order batch', () => {
    expect(activeTime([1000, 2000, 7000, 12001], null)).toEqual({ addMs: 6000, last: 12001 });
    expect(activeTime([1000], 500)).toEqual({ addMs: 500, last: 1000 });
    expect(activeTime([1000, 1500], 5000)).toEqual({ addMs: 500, last: 5000 });
    expect(activeTime([], 5000)).toEqual({ addMs: 0, last: 5000 });
  });
});

import { describe, expect, it } from 'vitest';
import { newTrace, parseTraceparent, traceTargets } from '../src/capture/network/trace-context.js';

describe('traceparent values', () => {
  it('makes valid, random, sampled ones', () => {
    const a = newTrace()!;
    const b = newTrace()!;
    expect(a.header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.header).toBe(`00-${a.traceId}-${a.spanId}-01`);
    expect(a.traceId).not.toBe(b.traceId);
    expect(parseTraceparent(a.header)).toEqual({ traceId: a.traceId, spanId: a.spanId });
  });

  it('reads the first of several values, any case, and refuses invalid ones', () => {
    const t = 'A'.repeat(32);
    const s = 'b'.repeat(16);
    expect(parseTraceparent(`00-${t}-${s}-01, 00-${'c'.repeat(32)}-${s}-01`)).toEqual({ traceId: 'a'.repeat(32), spanId: s });
    expect(parseTraceparent(`01-${t}-${s}-01-extra`)).toEqual({ traceId: 'a'.repeat(32), spanId: s });
    expect(parseTraceparent(`ff-${t}-${s}-01`)).toBeNull();
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${s}-01`)).toBeNull();
    expect(parseTraceparent(`00-${t}-${'0'.repeat(16)}-01`)).toBeNull();
    expect(parseTraceparent(`00-${t}-${s}-01x`)).toBeNull();
    expect(parseTraceparent('garbage')).toBeNull();
    expect(parseTraceparent(undefined)).toBeNull();
  });
});

describe('propagation targets', () => {
  const base = 'https://shop.example/app/page';

  it('matches an origin exactly, not a longer host', () => {
    const m = traceTargets(['https://api.example.com'], base)!;
    expect(m('https://api.example.com/v1/x')).toBe(true);
    expect(m('https://api.example.com')).toBe(true);
    expect(m('https://api.example.com.evil.net/v1')).toBe(false);
    expect(m('http://api.example.com/v1')).toBe(false);
    expect(m('https://shop.example/api')).toBe(false);
  });

  it('matches URL prefixes, relative ones on the page origin', () => {
    const m = traceTargets(['https://api.example.com/v2/', '/api/'], base)!;
    expect(m('https://api.example.com/v2/orders')).toBe(true);
    expect(m('https://api.example.com/v1/orders')).toBe(false);
    expect(m('https://shop.example/api/cart')).toBe(true);
    expect(m('/api/cart')).toBe(true);
    expect(m('https://shop.example/app/cart')).toBe(false);
    expect(m('https://other.example/api/cart')).toBe(false);
  });

  it('tests RegExps on the absolute URL, even global ones twice in a row', () => {
    const m = traceTargets([/^https:\/\/[a-z]+\.internal\//g], base)!;
    expect(m('https://orders.internal/x')).toBe(true);
    expect(m('https://orders.internal/x')).toBe(true);
    expect(m('https://orders.internal.example/x')).toBe(false);
  });

  it('is off with no targets, and never matches non-HTTP URLs', () => {
    expect(traceTargets([], base)).toBeNull();
    expect(traceTargets(['http://[bad'], base)).toBeNull();
    const m = traceTargets([/./], base)!;
    expect(m('data:text/plain,hi')).toBe(false);
    expect(m('blob:https://shop.example/1')).toBe(false);
  });
});

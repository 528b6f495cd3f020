import { describe, expect, it } from 'vitest';
import type { SerializedValue } from '@reprise/protocol';
import { serialize, serializeArgs } from '../src/capture/serialize.js';

type Obj = Extract<SerializedValue, { type: 'object' }>;
const entries = (v: SerializedValue) => new Map((v as Obj).entries);

describe('console argument serialization', () => {
  it('keeps structure: objects, arrays, maps, sets, errors, dates, functions, special numbers', () => {
    const v = serialize({
      a: 1,
      b: 'x',
      c: [true, null, undefined],
      m: new Map([['k', 1]]),
      s: new Set([2]),
      e: new TypeError('bad'),
      d: new Date(0),
      f: function named() {},
      n: NaN,
      big: 10n,
    });
    const m = entries(v);
    expect(m.get('a')).toEqual({ type: 'number', value: 1 });
    expect(m.get('c')).toEqual({
      type: 'array',
      length: 3,
      items: [{ type: 'boolean', value: true }, { type: 'null' }, { type: 'undefined' }],
    });
    expect(m.get('m')).toMatchObject({ type: 'map', size: 1 });
    expect(m.get('s')).toMatchObject({ type: 'set', size: 1 });
    expect(m.get('e')).toMatchObject({ type: 'error', name: 'TypeError', message: 'bad' });
    expect((m.get('e') as { stack?: string }).stack).toContain('TypeError');
    expect(m.get('d')).toEqual({ type: 'date', value: '1970-01-01T00:00:00.000Z' });
    expect(m.get('f')).toEqual({ type: 'function', name: 'named' });
    expect(m.get('n')).toEqual({ type: 'number', value: 'NaN' });
    expect(m.get('big')).toEqual({ type: 'bigint', value: '10' });
  });

  it('marks circular references and survives hostile getters, toJSON and revoked proxies', () => {
    const circ: Record<string, unknown> = { name: 'c' };
    circ.self = circ;
    const evil = {
      get boom(): never {
        throw new Error('getter exploded');
      },
      toJSON(): never {
        throw new Error('nope');
      },
    };
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const [c, e, p] = serializeArgs([circ, evil, proxy]);
    expect(entries(c!).get('self')).toMatchObject({ type: 'circular' });
    expect(entries(e!).get('boom')).toEqual({ type: 'thrown', message: 'getter exploded' });
    expect(p!.type).toBe('thrown');
  });

  it('caps depth, keys, string length and bytes per message', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 50; i++) deep = (deep.next = {}) as Record<string, unknown>;
    expect(JSON.stringify(serialize(root))).toContain('"reason":"depth"');

    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    const w = serialize(wide) as Obj;
    expect(w.entries.length).toBeLessThanOrEqual(50);
    expect(w.truncated).toBeGreaterThan(0);

    const s = serialize('x'.repeat(5_000_000)) as { value: string; truncated?: number };
    expect(s.value.length).toBeLessThanOrEqual(10_000);
    expect(s.truncated).toBe(5_000_000);

    const many = serializeArgs(Array.from({ length: 40 }, () => 'y'.repeat(9_000)));
    expect(JSON.stringify(many).length).toBeLessThan(80 * 1024);
    expect(JSON.stringify(many)).toContain('"reason":"bytes"');
  });
});

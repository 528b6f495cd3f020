import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { buildMarkers } from '../src/devtools/markers';
import { buildDevtools } from '../src/devtools/model';
import type { Timeline } from '../src/player/timeline';

const T0 = 1_700_000_000_000;
const timeline = (other: ReplayEvent[]): Timeline => ({
  dom: [],
  other,
  startTime: T0,
  durationMs: 10_000,
  viewport: { width: 1280, height: 800 },
  firstSnapshotMs: 0,
  unreadable: 0,
});
const ev = (i: number, kind: ReplayEvent['kind'], data: unknown): ReplayEvent => ({ t: T0 + i, kind, data: data as never });

const env = { userAgent: 'UA', viewport: { width: 1, height: 2 }, screen: { width: 3, height: 4 }, dpr: 1, url: 'u', referrer: '' };
const net = {
  id: 'r',
  initiator: 'fetch',
  method: 'GET',
  url: 'https://x/',
  status: 200,
  requestHeaders: {},
  responseHeaders: {},
  requestBody: null,
  responseBody: null,
  startedAt: 0,
  durationMs: 1,
};

// Each kind × type confusions that a cast would have passed on to the panels.
const BAD: [ReplayEvent['kind'], unknown][] = [
  ['console', { level: 'log', args: 'x' }],
  ['console', { level: 'log', args: [{ type: 'array', length: 1, items: [{ type: 'nope' }] }] }],
  ['console', { level: 'log', args: [{ type: 'map', size: 1, entries: [[{ type: 'string', value: 'k' }]] }] }],
  ['console', null],
  ['network', { ...net, method: 1 }],
  ['network', { ...net, responseBody: { kind: 'sound' } }],
  ['network', { ...net, error: 'exploded' }],
  ['error', { message: ['a'] }],
  ['error', { message: 'm', origin: 42 }],
  ['env', { ...env, viewport: null }],
  ['env', { ...env, languages: [1, 2] }],
  ['vital', { name: 'LCP', value: Number.NaN }],
  ['nav', { url: null, type: 'load' }],
  ['custom', { type: 'feedback', message: 3 }],
  ['custom', 'just a string'],
];

describe('devtools model over stored data', () => {
  it('keeps readable events, turns every malformed one into an unreadable entry and marker', () => {
    const good: ReplayEvent[] = [
      ev(1, 'console', { level: 'warn', args: [{ type: 'object', entries: [['a', { type: 'number', value: 1 }]] }], stack: null }),
      ev(2, 'network', net),
      ev(3, 'error', { message: 'boom', line: null }),
      ev(4, 'env', env),
      ev(5, 'vital', { name: 'CLS', value: 0.1 }),
      ev(6, 'nav', { url: 'https://x/a', type: 'pushState' }),
      ev(7, 'custom', { type: 'feedback', message: 'hi' }),
      ev(8, 'custom', { type: 'identify', userId: 'u' }),
    ];
    const bad = BAD.map(([kind, data], i) => ev(100 + i, kind, data));
    const dt = buildDevtools(timeline([...good, ...bad]));
    expect([dt.console.length, dt.network.length, dt.errors.length, dt.vitals.length, dt.navs.length, dt.feedback.length]).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
    expect(dt.env?.viewport).toEqual({ width: 1, height: 2 });
    // Optional fields stored as null read as absent.
    expect(dt.console[0]!.data.stack).toBeUndefined();
    expect(dt.errors[0]!.data.line).toBeUndefined();
    expect(dt.unreadable.map((u) => u.data.kind)).toEqual(
      BAD.map(([kind, data]) => (kind === 'custom' && typeof data === 'object' ? 'feedback' : kind)),
    );
    expect(dt.unreadable.every((u) => u.data.reason.length > 0)).toBe(true);
    const markers = buildMarkers(dt, timeline([]));
    expect(markers.filter((m) => m.kind === 'unreadable')).toHaveLength(BAD.length);
  });

  it('reads an error logged with console.error (origin console) as an error; an unknown origin is unreadable', () => {
    const dt = buildDevtools(
      timeline([
        ev(10, 'error', {
          message: 'cart.total is undefined',
          name: 'TypeError',
          stack: 'TypeError: cart.total is undefined',
          origin: 'console',
        }),
        ev(20, 'error', { message: 'm', origin: 'somewhere' }),
      ]),
    );
    expect(dt.errors.map((e) => [e.offset, e.data.origin, e.data.name])).toEqual([[10, 'console', 'TypeError']]);
    expect(dt.unreadable.map((u) => u.data.kind)).toEqual(['error']);
  });

  it("marks the recorder's notices on the scrub bar; a malformed one is unreadable", () => {
    const dt = buildDevtools(
      timeline([
        ev(40, 'custom', { type: 'notice', code: 'mutation-burst', records: 31000, limit: 25000 }),
        ev(50, 'custom', { type: 'notice', code: 'mutation-burst', records: 'many' }),
        ev(60, 'custom', { type: 'notice', code: 'console-flood', records: 9000, limit: 50 }),
        ev(70, 'custom', { type: 'notice', code: 'error-flood', records: 1200, limit: 50 }),
        ev(80, 'custom', { type: 'notice', code: 'network-flood', records: 1, limit: 50 }),
      ]),
    );
    expect(dt.notices.map((n) => [n.offset, n.data.records])).toEqual([
      [40, 31000],
      [60, 9000],
      [70, 1200],
    ]);
    expect(dt.unreadable.map((u) => u.data.kind)).toEqual(['notice', 'notice']);
    const notices = buildMarkers(dt, timeline([])).filter((m) => m.kind === 'notice');
    expect(notices.map((n) => n.label)).toEqual([
      expect.stringContaining('31,000 DOM changes at once'),
      expect.stringContaining('9,000 console messages from here not recorded'),
      expect.stringContaining('1,200 errors from here not recorded'),
    ]);
  });

  it('never throws on random JSON in any kind', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return [null, 1, 'x', true, -0.5, ''][Math.floor(rnd() * 6)];
      if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      const keys = [
        'type',
        'level',
        'args',
        'method',
        'url',
        'status',
        'message',
        'viewport',
        'width',
        'height',
        'value',
        'entries',
        'items',
        'name',
      ];
      return Object.fromEntries(
        Array.from({ length: Math.floor(rnd() * 6) }, () => [keys[Math.floor(rnd() * keys.length)]!, value(depth + 1)]),
      );
    };
    const kinds: ReplayEvent['kind'][] = ['console', 'network', 'error', 'env', 'vital', 'nav', 'custom'];
    const events = Array.from({ length: 2000 }, (_, i) => ev(i, kinds[i % kinds.length]!, value(0)));
    const dt = buildDevtools(timeline(events));
    expect(dt.console.length + dt.network.length + dt.errors.length + dt.unreadable.length).toBeGreaterThan(0);
    expect(() => buildMarkers(dt, timeline([]))).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import {
  fingerprint,
  fingerprintParts,
  groupingFrame,
  normalizeFile,
  normalizeMessage,
  type GroupingFrame,
} from '../src/issues/fingerprint.js';
import { compareReleases, reopens } from '../src/issues/regression.js';

const resolved = (functionName: string, file: string): GroupingFrame => ({ functionName, file, resolved: true, inApp: true });
const minified = (functionName: string | null, file: string): GroupingFrame => ({
  functionName,
  file,
  resolved: false,
  inApp: /^https?:/.test(file),
});

const checkoutStack = [
  resolved('submitOrder', 'webpack://shop/./src/checkout.ts'),
  resolved('onClick', 'webpack://shop/./src/button.ts'),
  resolved('dispatch', 'webpack://shop/./node_modules/react-dom/cjs/react-dom.js'),
  resolved('run', 'webpack://shop/./src/main.ts'),
  resolved('boot', 'webpack://shop/./src/boot.ts'),
];

describe('issue fingerprint', () => {
  it('groups the same error with different ids, numbers, quoted values and URLs in its message', () => {
    const a = fingerprint({
      name: 'TypeError',
      message: `Order 123 for user 0b0e7d3c-9a2f-4c1e-8f00-1234567890ab failed at https://shop.example/api/orders/123?x=1 ("abc def")`,
      frames: checkoutStack,
    });
    const b = fingerprint({
      name: 'TypeError',
      message: `Order 98765 for user 4f1d2c3b-0000-4000-8000-fedcba987654 failed at https://shop.example/api/orders/98765 ("not found: 42")`,
      frames: checkoutStack,
    });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });

  it('puts a different top frame in another issue', () => {
    const other = [resolved('applyCoupon', 'webpack://shop/./src/coupon.ts'), ...checkoutStack.slice(1)];
    const a = fingerprint({ name: 'TypeError', message: 'x is undefined', frames: checkoutStack });
    expect(fingerprint({ name: 'TypeError', message: 'x is undefined', frames: other })).not.toBe(a);
  });

  it('tells apart error types and messages that differ beyond their ids', () => {
    const base = { message: 'Order 1 failed', frames: checkoutStack };
    const a = fingerprint({ name: 'TypeError', ...base });
    expect(fingerprint({ name: 'RangeError', ...base })).not.toBe(a);
    expect(fingerprint({ name: 'TypeError', ...base, message: 'Payment 1 declined' })).not.toBe(a);
    expect(fingerprint({ name: 'TypeError', ...base, message: "Cannot read properties of undefined (reading 'total')" })).not.toBe(
      fingerprint({ name: 'TypeError', ...base, message: "Cannot read properties of undefined (reading 'items')" }),
    );
  });

  it('uses the top three in-app frames: dependencies and frames below the third do not count', () => {
    const parts = fingerprintParts({ name: 'TypeError', message: 'x', frames: checkoutStack });
    expect(parts).toEqual(['TypeError', 'x', 'submitOrder@src/checkout.ts', 'onClick@src/button.ts', 'run@src/main.ts']);
    const deeper = [...checkoutStack.slice(0, 4), resolved('other', 'webpack://shop/./src/other.ts')];
    expect(fingerprint({ name: 'TypeError', message: 'x', frames: deeper })).toBe(
      fingerprint({ name: 'TypeError', message: 'x', frames: checkoutStack }),
    );
  });

  it('falls back to minified frames without a map, ignoring the bundle hash, query and origin', () => {
    const v1 = [
      minified('a', 'https://cdn.example/assets/main.3f9a2c1b.js?v=1'),
      minified('b', 'https://cdn.example/assets/main.3f9a2c1b.js'),
    ];
    const v2 = [
      minified('a', 'https://cdn2.example/assets/main.77aa01ff.js'),
      minified('b', 'https://cdn2.example/assets/main.77aa01ff.js'),
    ];
    expect(fingerprint({ name: 'TypeError', message: 'x', frames: v1 })).toBe(fingerprint({ name: 'TypeError', message: 'x', frames: v2 }));
    expect(normalizeFile(minified('a', 'https://x.example/assets/chunk-AB12CD34.js'))).toBe('/assets/chunk-<hash>.js');
    expect(normalizeFile(minified('a', 'https://x.example/js/checkout-form.js'))).toBe('/js/checkout-form.js');
  });

  it('uses every frame when none is in-app, and the message alone without a stack', () => {
    const ext = [minified('f', 'chrome-extension://abc/content.js')];
    expect(fingerprintParts({ name: null, message: 'boom', frames: ext })).toEqual(['Error', 'boom', 'f@/content.js']);
    expect(fingerprintParts({ name: null, message: 'boom', frames: [] })).toEqual(['Error', 'boom']);
  });

  it('takes a resolved frame by its original name and file, and by its file alone when the map names no function', () => {
    const frame = { fn: 'r', file: 'https://x.example/app.js', line: 1, column: 9, inApp: true };
    const named = groupingFrame({ ...frame, original: { file: 'src/a.ts', line: 3, column: 1, fn: 'submitOrder' } });
    expect(named).toEqual({ functionName: 'submitOrder', file: 'src/a.ts', resolved: true, inApp: true });
    expect(groupingFrame({ ...frame, original: { file: 'src/a.ts', line: 3, column: 1, fn: 'r' } }).functionName).toBeNull();
    expect(groupingFrame({ ...frame, unresolved: 'no_map' })).toEqual({
      functionName: 'r',
      file: frame.file,
      resolved: false,
      inApp: true,
    });
  });

  it('normalises messages', () => {
    expect(normalizeMessage('GET https://api.example/x/1 failed: 0xdeadbeef at "row 7"')).toBe('GET <url> failed: <n> at "<s>"');
  });
});

describe('issue regressions', () => {
  const rel = (name: string, firstSeen = 0) => ({ name, firstSeen });

  it('compares semantic versions, and other releases by when they were first seen', () => {
    expect(compareReleases(rel('1.10.0'), rel('1.9.3'))).toBeGreaterThan(0);
    expect(compareReleases(rel('v2.0.0-rc.1'), rel('2.0.0'))).toBeLessThan(0);
    // A semver that parses wins over first-seen order.
    expect(compareReleases(rel('1.2.0', 100), rel('1.3.0', 50))).toBeLessThan(0);
    expect(compareReleases(rel('abc123', 200), rel('def456', 100))).toBeGreaterThan(0);
    expect(compareReleases(rel('build-7', 100), rel('1.0.0', 200))).toBeLessThan(0);
  });

  it('reopens a resolved issue only for a newer release; ignored and open issues keep their status', () => {
    const resolvedIn = { status: 'resolved' as const, resolvedIn: rel('1.2.0', 10), resolvedAt: 1000 };
    expect(reopens(resolvedIn, { t: 2000, release: rel('1.3.0', 20) })).toBe(true);
    expect(reopens(resolvedIn, { t: 2000, release: rel('1.2.0', 10) })).toBe(false);
    expect(reopens(resolvedIn, { t: 2000, release: rel('1.1.0', 5) })).toBe(false);
    expect(reopens(resolvedIn, { t: 2000, release: null })).toBe(false);
    const noRelease = { status: 'resolved' as const, resolvedIn: null, resolvedAt: 1000 };
    expect(reopens(noRelease, { t: 999, release: null })).toBe(false);
    expect(reopens(noRelease, { t: 1001, release: null })).toBe(true);
    expect(reopens({ status: 'ignored', resolvedIn: null, resolvedAt: null }, { t: 2000, release: rel('9.0.0') })).toBe(false);
    expect(reopens({ status: 'open', resolvedIn: null, resolvedAt: null }, { t: 2000, release: rel('9.0.0') })).toBe(false);
  });
});

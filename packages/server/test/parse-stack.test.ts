import { describe, expect, it } from 'vitest';
import { parseStack } from '../src/sourcemaps/parse-stack.js';
import { NO_MAPS, resolveFrames } from '../src/sourcemaps/resolve.js';

const CHROME = `TypeError: Cannot read properties of undefined (reading 'id')
    at placeOrder (https://shop.test/assets/checkout.min.js:1:245)
    at HTMLButtonElement.<anonymous> (https://shop.test/assets/checkout.min.js:1:400)
    at https://shop.test/assets/vendor.js:3:4
    at window.fetch (https://shop.test/sdk/reprise.js:2:10)
    at Array.map (native)`;

describe('parseStack', () => {
  it('reads V8 stacks: function, file, line, column, in-app', () => {
    expect(parseStack(CHROME)).toEqual([
      { fn: 'placeOrder', file: 'https://shop.test/assets/checkout.min.js', line: 1, column: 245, inApp: true },
      { fn: 'HTMLButtonElement.<anonymous>', file: 'https://shop.test/assets/checkout.min.js', line: 1, column: 400, inApp: true },
      { fn: null, file: 'https://shop.test/assets/vendor.js', line: 3, column: 4, inApp: true },
      { fn: 'window.fetch', file: 'https://shop.test/sdk/reprise.js', line: 2, column: 10, inApp: false },
      { fn: 'Array.map', file: '(native)', line: null, column: null, inApp: false },
    ]);
  });

  it('reads Firefox/Safari stacks', () => {
    expect(parseStack('placeOrder@https://shop.test/a.js:1:245\n@https://shop.test/a.js:1:3\n')).toEqual([
      { fn: 'placeOrder', file: 'https://shop.test/a.js', line: 1, column: 245, inApp: true },
      { fn: null, file: 'https://shop.test/a.js', line: 1, column: 3, inApp: true },
    ]);
  });

  it('gives no frames for what is not a stack, and bounds hostile ones', () => {
    expect(parseStack(undefined)).toEqual([]);
    expect(parseStack('just a message')).toEqual([]);
    expect(parseStack('    at f (chrome-extension://abc/x.js:1:1)')[0]?.inApp).toBe(false);
    const huge = Array.from({ length: 5000 }, (_, i) => `    at f${i} (https://shop.test/a.js:1:${i + 1})`).join('\n');
    expect(parseStack(`Error: x\n${huge}`).length).toBe(64);
  });
});

describe('resolveFrames without maps', () => {
  it('keeps every frame and says why it is unresolved', async () => {
    const frames = parseStack(CHROME);
    const resolved = await resolveFrames({ maps: NO_MAPS }, 'p1', 'v1', frames);
    expect(resolved.map((f) => f.unresolved)).toEqual(['no_map', 'no_map', 'no_map', 'no_map', 'not_resolvable']);
    expect(resolved[0]).toMatchObject(frames[0]!);
    const noRelease = await resolveFrames({ maps: NO_MAPS }, 'p1', null, frames.slice(0, 1));
    expect(noRelease[0]?.unresolved).toBe('no_release');
  });
});
